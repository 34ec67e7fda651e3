# Names and addresses derived from the variables alone. Kept apart from the resources so the unit tests
# can evaluate them with a provider-less `terraform console` (test/unit/infrastructure/terraform-eval.ts).

locals {
  common_labels = {
    "app.kubernetes.io/part-of"    = "trainbot"
    "app.kubernetes.io/managed-by" = "terraform"
  }

  mlflow_service_name   = "mlflow"
  mlflow_port           = 5000
  postgres_service_name = "postgres"
  postgres_port         = 5432

  # Every name a client inside the cluster may use for the MLflow Service. MLflow answers 403 to a
  # Host header it does not know, and an explicit --allowed-hosts replaces its localhost default, so
  # localhost stays listed for `kubectl port-forward`.
  mlflow_dns_names = [
    local.mlflow_service_name,
    "${local.mlflow_service_name}.${var.mlflow_namespace}",
    "${local.mlflow_service_name}.${var.mlflow_namespace}.svc",
    "${local.mlflow_service_name}.${var.mlflow_namespace}.svc.${var.cluster_domain}",
  ]
  mlflow_allowed_hosts = distinct(concat(
    local.mlflow_dns_names,
    [for name in local.mlflow_dns_names : "${name}:${local.mlflow_port}"],
    ["localhost", "localhost:*", "127.0.0.1", "127.0.0.1:*"],
    var.mlflow_ingress_host == null ? [] : [var.mlflow_ingress_host],
    var.mlflow_extra_allowed_hosts,
  ))

  mlflow_tracking_uri = "http://${local.mlflow_service_name}.${var.mlflow_namespace}.svc.${var.cluster_domain}:${local.mlflow_port}"

  # psycopg2 named explicitly: SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which the MLflow
  # image does not carry. urlencode keeps a password with @, : or / from breaking the URI.
  mlflow_backend_store_uri = join("", [
    "postgresql+psycopg2://${urlencode(var.db_user)}:${urlencode(var.db_password)}",
    "@${local.postgres_service_name}.${var.mlflow_namespace}.svc.${var.cluster_domain}:${local.postgres_port}/${var.db_name}",
  ])

  # The basic-auth app's users and permissions: a second database on the same server (mlflow-auth.tf).
  mlflow_auth_db_uri = join("", [
    "postgresql+psycopg2://${urlencode(var.db_user)}:${urlencode(var.db_password)}",
    "@${local.postgres_service_name}.${var.mlflow_namespace}.svc.${var.cluster_domain}:${local.postgres_port}/${var.auth_db_name}",
  ])
}
