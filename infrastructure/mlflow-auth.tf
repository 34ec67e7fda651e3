# MLflow's basic-auth app (`mlflow server --app-name basic-auth`, mlflow.tf): users and per-experiment
# permissions in a second database of the same PostgreSQL. trainbot holds the admin credential and gives each
# training Job a user of its own that may write only the candidates' experiment (docs/infrastructure.md,
# "MLflow authentication").

locals {
  mlflow_auth_config_dir = "/etc/mlflow-auth"
  # default_permission NO_PERMISSIONS: a user sees only what it was granted, so a Job's user reaches its own
  # experiment and nothing else. The credential cache spares a scrypt hash per request (0.45 s each on a busy
  # 2-core machine); a deleted user may stay authenticated on another worker until it expires, but its grants
  # are deleted with it, so it reaches nothing.
  mlflow_auth_ini = join("\n", [
    "[mlflow]",
    "default_permission = NO_PERMISSIONS",
    "database_uri = ${local.mlflow_auth_db_uri}",
    "admin_username = ${var.mlflow_admin_username}",
    "admin_password = ${var.mlflow_admin_password}",
    "authorization_function = mlflow.server.auth:authenticate_request_basic_auth",
    "auth_cache_ttl_seconds = 60",
    "",
  ])
}

# The auth app's config file (it holds the admin password and the auth database URI) and the web app's key.
resource "kubernetes_secret_v1" "mlflow_auth" {
  metadata {
    name      = "mlflow-auth"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.mlflow_labels
  }
  type = "Opaque"
  data = {
    "basic_auth.ini"               = local.mlflow_auth_ini
    MLFLOW_FLASK_SERVER_SECRET_KEY = var.mlflow_flask_secret_key
  }
}

# The bot's credential, as MLflow's clients read it. In the MLflow namespace, not the training one: a Job's
# Pod can reference any Secret of its own namespace by name.
resource "kubernetes_secret_v1" "trainbot_mlflow_admin" {
  metadata {
    name      = "trainbot-mlflow-admin"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.trainbot_labels
  }
  type = "Opaque"
  data = {
    MLFLOW_TRACKING_USERNAME = var.mlflow_admin_username
    MLFLOW_TRACKING_PASSWORD = var.mlflow_admin_password
  }
}

# The auth database, made by the PostgreSQL image's first start (docker-entrypoint-initdb.d runs only on an
# empty data directory; an existing one needs the createdb in docs/infrastructure.md).
resource "kubernetes_config_map_v1" "postgres_initdb" {
  metadata {
    name      = "postgres-initdb"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.postgres_labels
  }
  data = {
    "10-mlflow-auth.sql" = "CREATE DATABASE ${var.auth_db_name};\n"
  }
}
