# Starts the production topology for tests: a throwaway PostgreSQL cluster and a real `mlflow server`
# with MLflow's basic-auth app on free loopback ports. Sourced; defines start_mlflow, which exports
# MLFLOW_TRACKING_URI and the admin's MLFLOW_TRACKING_USERNAME/_PASSWORD (the bot's credential), and
# registers cleanup with add_cleanup (scripts/lib.sh). Needs the venv on PATH (scripts/setup-python.sh).
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

start_mlflow() {
  local dir pg_port mlflow_port admin_password
  dir="$(mktemp -d /tmp/trainbot-mlflow.XXXXXX)"
  chmod 755 "$dir"
  # Registered first, so it runs last, once PostgreSQL and MLflow have stopped: each left behind held a
  # PostgreSQL cluster and artifacts (218 of them had piled up in /tmp on the build machine).
  add_cleanup "rm -rf $dir"
  mkdir -p "$dir/pg" "$dir/artifacts"
  pg_port="$(free_port)"
  # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir/pg"; local as_pg=(runuser -u postgres --); else local as_pg=(); fi
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$dir/pg" -A trust -U postgres >"$dir/initdb.log" 2>&1
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" \
    -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1" -w start >/dev/null
  add_cleanup "${as_pg[*]} $PG_BIN/pg_ctl -D $dir/pg -m immediate stop >/dev/null 2>&1 || true"
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres mlflow
  # The auth app's users and permissions: a second database on the same server, as in infrastructure/.
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres mlflow_auth

  # NO_PERMISSIONS: a user sees only what it was granted, so a run's own user reaches its experiment only.
  # The credential cache: without it every request hashes the password again (scrypt), 0.45 s a request
  # instead of 0.03 s (docs/benchmarks.md).
  admin_password="$(openssl rand -hex 24)"
  (umask 077 && cat >"$dir/basic_auth.ini" <<INI
[mlflow]
default_permission = NO_PERMISSIONS
database_uri = postgresql+psycopg2://postgres@127.0.0.1:$pg_port/mlflow_auth
admin_username = trainbot
admin_password = $admin_password
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
auth_cache_ttl_seconds = 60
INI
  )

  mlflow_port="$(free_port)"
  # One uvicorn worker for tests (each is ~300 MiB); benches that measure as deployed set
  # TRAINBOT_MLFLOW_WORKERS=2, infrastructure/variables.tf's default.
  # The job-execution workers are for MLflow features trainbot does not use; they cost 8 processes per server.
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false MLFLOW_AUTH_CONFIG_PATH="$dir/basic_auth.ini" \
    MLFLOW_FLASK_SERVER_SECRET_KEY="$(openssl rand -hex 24)" setsid mlflow server --app-name basic-auth \
    --backend-store-uri "postgresql+psycopg2://postgres@127.0.0.1:$pg_port/mlflow" \
    --artifacts-destination "$dir/artifacts" --serve-artifacts \
    --host 127.0.0.1 --port "$mlflow_port" --workers "${TRAINBOT_MLFLOW_WORKERS:-1}" >"$dir/mlflow.log" 2>&1 &
  local pid=$!
  disown "$pid"   # its teardown kill is expected: no "Killed" line from the shell after the test summary
  add_cleanup "kill -- -$pid 2>/dev/null; sleep 0.5; kill -KILL -- -$pid 2>/dev/null || true"
  # A fresh database runs MLflow's schema migrations first: ~20 s here. /health needs no credentials.
  local i
  for i in $(seq 1 180); do
    if curl -fs "http://127.0.0.1:$mlflow_port/health" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "mlflow server died:"; tail -20 "$dir/mlflow.log"; return 1; fi
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:$mlflow_port/health" >/dev/null || { echo "mlflow did not become healthy"; tail -20 "$dir/mlflow.log"; return 1; }
  export MLFLOW_TRACKING_URI="http://127.0.0.1:$mlflow_port"
  # The bot's credential: the auth app's admin, as in a deployment (docs/infrastructure.md).
  export MLFLOW_TRACKING_USERNAME=trainbot
  export MLFLOW_TRACKING_PASSWORD="$admin_password"
  export TRAINBOT_TEST_PG_URL="postgresql://postgres@127.0.0.1:$pg_port/mlflow"
  echo "mlflow $(curl -fs -u "trainbot:$admin_password" "$MLFLOW_TRACKING_URI/version") with basic auth at $MLFLOW_TRACKING_URI (PostgreSQL on $pg_port, logs in $dir)"
}
