# What trainbot's configuration needs from this stack. No output carries a credential: the database
# password stays in the Secret (and the state), and the bot's token is requested separately.

output "mlflow_tracking_uri" {
  description = "MLflow's URL inside the cluster: `trackingUri` in .github/trainbot.yml and MLFLOW_TRACKING_URI of training Jobs."
  value       = local.mlflow_tracking_uri
}

output "mlflow_namespace" {
  description = "Namespace of MLflow and PostgreSQL (for `kubectl port-forward -n ... svc/mlflow 5000:5000`)."
  value       = kubernetes_namespace_v1.mlflow.metadata[0].name
}

output "training_namespace" {
  description = "Namespace of training Jobs: `namespace` in .github/trainbot.yml."
  value       = kubernetes_namespace_v1.training.metadata[0].name
}

output "trainbot_service_account" {
  description = "The ServiceAccount trainbot acts as; request its token with `kubectl create token NAME -n NAMESPACE`."
  value = {
    name      = kubernetes_service_account_v1.trainbot.metadata[0].name
    namespace = kubernetes_service_account_v1.trainbot.metadata[0].namespace
  }
}

output "mlflow_ui_url" {
  description = "The MLflow UI through the Ingress, or null when mlflow_ingress_host is not set."
  value       = var.mlflow_ingress_host == null ? null : "http://${var.mlflow_ingress_host}"
}

output "bot_service" {
  description = "The bot's Service inside the cluster; route GitHub's webhooks to http://NAME.NAMESPACE.svc:PORT/api/github/webhooks."
  value = {
    name      = kubernetes_service_v1.bot.metadata[0].name
    namespace = kubernetes_service_v1.bot.metadata[0].namespace
    port      = local.bot_port
  }
}
