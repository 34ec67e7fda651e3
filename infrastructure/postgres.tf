# PostgreSQL, MLflow's backend store: one replica on a PersistentVolumeClaim, reachable only from MLflow.

locals {
  postgres_labels = merge(local.common_labels, {
    "app.kubernetes.io/name"      = "postgres"
    "app.kubernetes.io/component" = "mlflow-backend-store"
  })
  postgres_selector = { "app.kubernetes.io/name" = "postgres" }
  # The official image's postgres user; running as it from the start keeps the pod non-root.
  postgres_uid = 999
}

# The database credentials, read by reference (secretKeyRef) and never written into a pod spec. The value
# passes through Terraform state: see docs/infrastructure.md, "Where the database password ends up".
resource "kubernetes_secret_v1" "postgres" {
  metadata {
    name      = "postgres-credentials"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.postgres_labels
  }
  type = "Opaque"
  data = {
    POSTGRES_DB       = var.db_name
    POSTGRES_USER     = var.db_user
    POSTGRES_PASSWORD = var.db_password
  }
}

resource "kubernetes_service_v1" "postgres" {
  metadata {
    name      = local.postgres_service_name
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.postgres_labels
  }
  spec {
    type     = "ClusterIP"
    selector = local.postgres_selector
    port {
      name        = "postgres"
      port        = local.postgres_port
      target_port = "postgres"
    }
  }
}

resource "kubernetes_stateful_set_v1" "postgres" {
  metadata {
    name      = "postgres"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.postgres_labels
  }

  spec {
    replicas     = 1
    service_name = kubernetes_service_v1.postgres.metadata[0].name
    selector {
      match_labels = local.postgres_selector
    }

    template {
      metadata {
        labels = local.postgres_labels
      }
      spec {
        automount_service_account_token = false
        enable_service_links            = false
        security_context {
          run_as_non_root = true
          run_as_user     = local.postgres_uid
          run_as_group    = local.postgres_uid
          fs_group        = local.postgres_uid
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name              = "postgres"
          image             = var.postgres_image
          image_pull_policy = "IfNotPresent"

          port {
            name           = "postgres"
            container_port = local.postgres_port
          }

          dynamic "env" {
            for_each = toset(["POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"])
            content {
              name = env.value
              value_from {
                secret_key_ref {
                  name = kubernetes_secret_v1.postgres.metadata[0].name
                  key  = env.value
                }
              }
            }
          }
          # A subdirectory, because the volume's root may hold lost+found and initdb wants it empty.
          env {
            name  = "PGDATA"
            value = "/var/lib/postgresql/data/pgdata"
          }

          readiness_probe {
            exec {
              command = ["sh", "-c", "pg_isready -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\""]
            }
            initial_delay_seconds = 5
            period_seconds        = 10
            timeout_seconds       = 5
            failure_threshold     = 3
          }
          liveness_probe {
            exec {
              command = ["sh", "-c", "pg_isready -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\""]
            }
            initial_delay_seconds = 30
            period_seconds        = 20
            timeout_seconds       = 5
            failure_threshold     = 6
          }

          resources {
            requests = var.postgres_resources.requests
            limits   = var.postgres_resources.limits
          }

          security_context {
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
          }

          volume_mount {
            name       = "data"
            mount_path = "/var/lib/postgresql/data"
          }
          volume_mount {
            name       = "run"
            mount_path = "/var/run/postgresql"
          }
          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }
          # Creates MLflow's auth database on the first start (mlflow-auth.tf).
          volume_mount {
            name       = "initdb"
            mount_path = "/docker-entrypoint-initdb.d"
            read_only  = true
          }
        }

        volume {
          name = "run"
          empty_dir {}
        }
        volume {
          name = "initdb"
          config_map {
            name = kubernetes_config_map_v1.postgres_initdb.metadata[0].name
          }
        }
        volume {
          name = "tmp"
          empty_dir {}
        }
      }
    }

    volume_claim_template {
      metadata {
        name   = "data"
        labels = local.postgres_labels
      }
      spec {
        access_modes       = ["ReadWriteOnce"]
        storage_class_name = var.storage_class_name
        resources {
          requests = {
            storage = var.postgres_storage_size
          }
        }
      }
    }
  }
}

# Only MLflow talks to the database (enforced where the cluster's network plugin supports policies).
resource "kubernetes_network_policy_v1" "postgres" {
  metadata {
    name      = "postgres-from-mlflow"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.postgres_labels
  }
  spec {
    pod_selector {
      match_labels = local.postgres_selector
    }
    policy_types = ["Ingress"]
    ingress {
      from {
        pod_selector {
          match_labels = local.mlflow_selector
        }
      }
      ports {
        port     = tostring(local.postgres_port)
        protocol = "TCP"
      }
    }
  }
}
