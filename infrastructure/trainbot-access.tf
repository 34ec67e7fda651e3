# What trainbot may do in the cluster: run training Jobs in the training namespace, give each its own
# Secret (the run's MLflow user, owned by the Job), read their pods and logs, and nothing else. The Role's rules are RUNNER_RBAC_RULES in src/runners/kubernetes/rbac-rules.ts,
# the calls KubernetesRunner makes; test/unit/infrastructure/rbac-role.test.ts fails when they differ.

locals {
  trainbot_labels = merge(local.common_labels, {
    "app.kubernetes.io/name" = "trainbot"
  })
}

# In the bot's namespace (bot.tf), bound across to the Role in the training namespace: the Deployment runs
# as it there, and a bot outside the cluster uses a token requested for it (docs/infrastructure.md).
resource "kubernetes_service_account_v1" "trainbot" {
  metadata {
    name      = "trainbot"
    namespace = kubernetes_namespace_v1.bot.metadata[0].name
    labels    = local.trainbot_labels
  }
  # Off by default: only the bot's own pods mount the token (bot.tf says so in its pod spec).
  automount_service_account_token = false
}

resource "kubernetes_role_v1" "trainbot_runner" {
  metadata {
    name      = "trainbot-runner"
    namespace = kubernetes_namespace_v1.training.metadata[0].name
    labels    = local.trainbot_labels
  }

  rule {
    api_groups = ["batch"]
    resources  = ["jobs"]
    verbs      = ["create", "list", "watch", "delete", "patch"]
  }
  rule {
    api_groups = [""]
    resources  = ["secrets"]
    verbs      = ["create"]
  }
  rule {
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["list"]
  }
  rule {
    api_groups = [""]
    resources  = ["pods/log"]
    verbs      = ["get"]
  }
  rule {
    api_groups = ["coordination.k8s.io"]
    resources  = ["leases"]
    verbs      = ["create", "get", "list", "update", "delete"]
  }
}

resource "kubernetes_role_binding_v1" "trainbot_runner" {
  metadata {
    name      = "trainbot-runner"
    namespace = kubernetes_namespace_v1.training.metadata[0].name
    labels    = local.trainbot_labels
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role_v1.trainbot_runner.metadata[0].name
  }
  subject {
    kind      = "ServiceAccount"
    name      = kubernetes_service_account_v1.trainbot.metadata[0].name
    namespace = kubernetes_service_account_v1.trainbot.metadata[0].namespace
  }
}

# Training pods run as the namespace's default account: they talk to MLflow, never to the Kubernetes
# API, so they get no API token at all.
resource "kubernetes_default_service_account_v1" "training" {
  metadata {
    namespace = kubernetes_namespace_v1.training.metadata[0].name
  }
  automount_service_account_token = false
}

# A ceiling for what a burst of /train sweeps can take from the cluster.
resource "kubernetes_resource_quota_v1" "training" {
  metadata {
    name      = "training-jobs"
    namespace = kubernetes_namespace_v1.training.metadata[0].name
    labels    = local.common_labels
  }
  spec {
    hard = {
      "count/jobs.batch" = tostring(var.training_quota.jobs)
      "pods"             = tostring(var.training_quota.pods)
      "requests.cpu"     = var.training_quota.requests_cpu
      "requests.memory"  = var.training_quota.requests_memory
      "limits.cpu"       = var.training_quota.limits_cpu
      "limits.memory"    = var.training_quota.limits_memory
    }
  }
}

# With a quota on cpu and memory every container must state both; these defaults fill them in for a
# container that does not, and max refuses one that asks for more than a single run should get.
resource "kubernetes_limit_range_v1" "training" {
  metadata {
    name      = "training-containers"
    namespace = kubernetes_namespace_v1.training.metadata[0].name
    labels    = local.common_labels
  }
  spec {
    limit {
      type            = "Container"
      default_request = var.training_container_limits.default_request
      default         = var.training_container_limits.default_limit
      max             = var.training_container_limits.max
    }
  }
}

# PR code runs in training pods: they may reach MLflow and the cluster's DNS, and nothing else (the
# database, other namespaces, the internet), where the network plugin enforces policies.
resource "kubernetes_network_policy_v1" "training" {
  count = var.restrict_training_egress ? 1 : 0

  metadata {
    name      = "training-egress"
    namespace = kubernetes_namespace_v1.training.metadata[0].name
    labels    = local.common_labels
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress", "Egress"]
    egress {
      to {
        namespace_selector {
          match_labels = { "kubernetes.io/metadata.name" = kubernetes_namespace_v1.mlflow.metadata[0].name }
        }
        pod_selector {
          match_labels = local.mlflow_selector
        }
      }
      ports {
        port     = tostring(local.mlflow_port)
        protocol = "TCP"
      }
    }
    egress {
      to {
        namespace_selector {}
      }
      ports {
        port     = "53"
        protocol = "UDP"
      }
      ports {
        port     = "53"
        protocol = "TCP"
      }
    }
  }
}
