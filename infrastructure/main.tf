# trainbot's cluster side: MLflow with a PostgreSQL backend in one namespace (postgres.tf, mlflow.tf), and
# a training namespace where the bot may run Jobs and nothing else (trainbot-access.tf). Names and
# addresses derived from the variables are in locals.tf.
# Bring-up, teardown and where the database password ends up: docs/infrastructure.md.

terraform {
  required_version = ">= 1.9"

  required_providers {
    kubernetes = {
      source = "hashicorp/kubernetes"
      # Exact, so every plan uses the provider the lock file records; the *_v1 resources used here
      # are the ones provider 3 keeps (the unversioned names are deprecated there).
      version = "3.0.1"
    }
  }
}

provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kube_context
}

resource "kubernetes_namespace_v1" "mlflow" {
  metadata {
    name = var.mlflow_namespace
    labels = merge(local.common_labels, {
      "pod-security.kubernetes.io/enforce" = "restricted"
    })
  }
}

resource "kubernetes_namespace_v1" "training" {
  metadata {
    name = var.training_namespace
    # PR code runs here. trainbot's Jobs (src/runners/kubernetes/job-manifest.ts) and the example in
    # training/elasticnet_manifest.yml meet the restricted standard, so anything less is refused.
    labels = merge(local.common_labels, {
      "pod-security.kubernetes.io/enforce" = "restricted"
    })
  }
}
