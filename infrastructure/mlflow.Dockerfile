# The MLflow tracking server trainbot's Terraform runs (infrastructure/mlflow.tf): MLflow with the
# PostgreSQL driver, as a non-root user. Build: minikube image build -t trainbot-mlflow:3.17.2 -f mlflow.Dockerfile infrastructure
FROM python:3.11.11-slim-bookworm

# The server's version equals the training image's client (training/requirements.txt); the auth extra for
# `--app-name basic-auth` (Flask-WTF); psycopg2 because the backend URI names postgresql+psycopg2
# (SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3).
RUN pip install --no-cache-dir --disable-pip-version-check "mlflow[auth]==3.17.2" psycopg2-binary==2.9.13 \
    && useradd --uid 10001 --user-group --create-home --home-dir /home/mlflow mlflow

USER 10001
WORKDIR /home/mlflow
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
EXPOSE 5000

# /health is exempt from MLflow's Host check, so the probe works whatever name the server is given.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=4)"]

ENTRYPOINT ["mlflow", "server"]
CMD ["--host", "0.0.0.0", "--port", "5000"]
