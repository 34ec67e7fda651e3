# trainbot itself, the Probot server, as a service on the cluster: two replicas of the image from the
# repository's Dockerfile in a namespace of their own, acting as the trainbot ServiceAccount
# (trainbot-access.tf), with MLflow's in-cluster address and the credentials from a Secret that is created
# outside Terraform (docs/infrastructure.md, "Run the bot on the cluster"), so the GitHub App's private key
# never enters the Terraform state.
#
# Two replicas receive the same webhooks only when GitHub redelivers; either way each request starts once:
# the replicas claim it with a Lease in the training namespace (docs/design.md, "Claims").

locals {
  bot_labels = merge(local.trainbot_labels, {
    "app.kubernetes.io/component" = "bot"
  })
  bot_selector = {
    "app.kubernetes.io/name"      = "trainbot"
    "app.kubernetes.io/component" = "bot"
  }
  bot_uid  = 10001 # the USER in the Dockerfile
  bot_port = 3000  # PORT in the Dockerfile; Probot's default
  # Keys of var.bot_secret_name the bot reads. The first four must be there; the rest are for an MLflow with
  # authentication and a private training-image registry, and may be left out.
  bot_secret_required = ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "TRAINBOT_SIGNING_KEY"]
  bot_secret_optional = [
    "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN",
    "TRAINBOT_REGISTRY_USERNAME", "TRAINBOT_REGISTRY_PASSWORD",
  ]
}

# Its own namespace, apart from the training namespace where PR code runs: the private key and the signing
# key must not sit next to the Jobs they judge, and the training namespace's egress policy would cut the
# bot off from GitHub.
resource "kubernetes_namespace_v1" "bot" {
  metadata {
    name = var.bot_namespace
    labels = merge(local.common_labels, {
      "pod-security.kubernetes.io/enforce" = "restricted"
    })
  }
}

resource "kubernetes_deployment_v1" "bot" {
  #checkov:skip=CKV_K8S_43:var.bot_image is validated to be an exact version tag or a sha256 digest; a tag is what `minikube image build` can give, a digest is documented for a registry.
  #checkov:skip=CKV_K8S_15:IfNotPresent is required for an image built into minikube, which no registry serves; the tag is an exact version.
  #checkov:skip=CKV_K8S_35:Probot reads APP_ID, WEBHOOK_SECRET and PRIVATE_KEY from the environment only, and the bot its MLflow credentials and signing key likewise; each comes from the Secret by reference, never as a value in the spec.
  metadata {
    name      = "trainbot"
    namespace = kubernetes_namespace_v1.bot.metadata[0].name
    labels    = local.bot_labels
  }

  spec {
    replicas = var.bot_replicas
    selector {
      match_labels = local.bot_selector
    }

    template {
      metadata {
        labels = local.bot_labels
      }
      spec {
        # The bot calls the Kubernetes API (Jobs, pod logs, Leases) as this account: the one pod that mounts
        # its token.
        service_account_name            = kubernetes_service_account_v1.trainbot.metadata[0].name
        automount_service_account_token = true
        enable_service_links            = false
        security_context {
          run_as_non_root = true
          run_as_user     = local.bot_uid
          run_as_group    = local.bot_uid
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        # One replica per node where there are several, so losing a node leaves one answering.
        topology_spread_constraint {
          max_skew           = 1
          topology_key       = "kubernetes.io/hostname"
          when_unsatisfiable = "ScheduleAnyway"
          label_selector {
            match_labels = local.bot_selector
          }
        }

        container {
          name              = "trainbot"
          image             = var.bot_image
          image_pull_policy = "IfNotPresent"

          port {
            name           = "http"
            container_port = local.bot_port
          }

          env {
            name  = "MLFLOW_TRACKING_URI"
            value = local.mlflow_tracking_uri
          }
          env {
            name  = "LOG_FORMAT"
            value = "json"
          }

          dynamic "env" {
            for_each = local.bot_secret_required
            content {
              name = env.value
              value_from {
                secret_key_ref {
                  name = var.bot_secret_name
                  key  = env.value
                }
              }
            }
          }
          dynamic "env" {
            for_each = local.bot_secret_optional
            content {
              name = env.value
              value_from {
                secret_key_ref {
                  name     = var.bot_secret_name
                  key      = env.value
                  optional = true
                }
              }
            }
          }

          # Probot answers GET /ping with PONG once the app has loaded and the server listens; a replica
          # that failed to load (no MLFLOW_TRACKING_URI, a bad key) never listens and gets no webhooks.
          readiness_probe {
            http_get {
              path = "/ping"
              port = "http"
            }
            period_seconds    = 5
            timeout_seconds   = 2
            failure_threshold = 3
          }
          liveness_probe {
            http_get {
              path = "/ping"
              port = "http"
            }
            initial_delay_seconds = 10
            period_seconds        = 20
            timeout_seconds       = 5
            failure_threshold     = 3
          }

          resources {
            requests = var.bot_resources.requests
            limits   = var.bot_resources.limits
          }

          security_context {
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            run_as_non_root            = true
            capabilities {
              drop = ["ALL"]
            }
          }

          # Node writes nothing to disk, but libraries may reach for os.tmpdir().
          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }
        }

        volume {
          name = "tmp"
          empty_dir {
            medium     = "Memory"
            size_limit = "16Mi"
          }
        }
      }
    }
  }

  # A missing Secret or a broken image fails `terraform apply` instead of leaving pods crash-looping.
  wait_for_rollout = true
  depends_on       = [kubernetes_deployment_v1.mlflow, kubernetes_role_binding_v1.trainbot_runner]
}

# Where GitHub's webhooks arrive: expose it with an Ingress or a tunnel of the cluster's own
# (docs/infrastructure.md); the Service itself stays inside the cluster.
resource "kubernetes_service_v1" "bot" {
  metadata {
    name      = "trainbot"
    namespace = kubernetes_namespace_v1.bot.metadata[0].name
    labels    = local.bot_labels
  }
  spec {
    type     = "ClusterIP"
    selector = local.bot_selector
    port {
      name        = "http"
      port        = local.bot_port
      target_port = "http"
    }
  }
}
