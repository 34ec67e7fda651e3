# The MLflow tracking server: the image from mlflow.Dockerfile, its backend store URI from a Secret, MLflow's
# basic-auth app with its config from another (mlflow-auth.tf), and artifacts on a PersistentVolumeClaim that
# the server itself serves (--serve-artifacts), so training containers need no storage credentials, only the
# tracking URI and the MLflow user trainbot makes for each of them.

locals {
  mlflow_labels = merge(local.common_labels, {
    "app.kubernetes.io/name"      = "mlflow"
    "app.kubernetes.io/component" = "tracking-server"
  })
  mlflow_selector  = { "app.kubernetes.io/name" = "mlflow" }
  mlflow_uid       = 10001 # the USER in mlflow.Dockerfile
  mlflow_artifacts = "/mlflow/artifacts"
}

# A separate Secret from the database's: MLflow needs the connection URI, not the raw credentials.
resource "kubernetes_secret_v1" "mlflow_backend_store" {
  metadata {
    name      = "mlflow-backend-store"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.mlflow_labels
  }
  type = "Opaque"
  data = {
    MLFLOW_BACKEND_STORE_URI = local.mlflow_backend_store_uri
  }
}

resource "kubernetes_persistent_volume_claim_v1" "mlflow_artifacts" {
  metadata {
    name      = "mlflow-artifacts"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.mlflow_labels
  }
  spec {
    access_modes       = ["ReadWriteOnce"]
    storage_class_name = var.storage_class_name
    resources {
      requests = {
        storage = var.artifacts_storage_size
      }
    }
  }
  # Storage classes that bind on first use would otherwise hold the apply until the Deployment exists.
  wait_until_bound = false
}

resource "kubernetes_deployment_v1" "mlflow" {
  #checkov:skip=CKV_K8S_43:The image is built from mlflow.Dockerfile into the cluster's own image store (minikube image build) and pinned by an exact version tag; var.mlflow_image accepts tag@sha256 digests once it is pushed to a registry.
  #checkov:skip=CKV_K8S_15:IfNotPresent is required for an image built into minikube, which no registry serves; the tag is an exact version.
  #checkov:skip=CKV_K8S_35:mlflow server reads its backend store URI from MLFLOW_BACKEND_STORE_URI or the command line only, and its web app key from MLFLOW_FLASK_SERVER_SECRET_KEY only; both come from Secrets by reference, which keeps them out of the pod spec and the process list. The auth config, which can be a file, is one.
  metadata {
    name      = "mlflow"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.mlflow_labels
  }

  spec {
    replicas = 1
    # The artifacts volume is ReadWriteOnce: the old pod must let go of it before the new one starts.
    strategy {
      type = "Recreate"
    }
    selector {
      match_labels = local.mlflow_selector
    }

    template {
      metadata {
        labels = local.mlflow_labels
      }
      spec {
        automount_service_account_token = false
        enable_service_links            = false
        security_context {
          run_as_non_root = true
          run_as_user     = local.mlflow_uid
          run_as_group    = local.mlflow_uid
          fs_group        = local.mlflow_uid
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name              = "mlflow"
          image             = var.mlflow_image
          image_pull_policy = "IfNotPresent"
          # The image's entrypoint is `mlflow server`; the backend store URI arrives by environment.
          args = [
            "--app-name", "basic-auth",
            "--host", "0.0.0.0",
            "--port", tostring(local.mlflow_port),
            "--workers", tostring(var.mlflow_workers),
            "--serve-artifacts",
            "--artifacts-destination", local.mlflow_artifacts,
            "--allowed-hosts", join(",", local.mlflow_allowed_hosts),
          ]

          port {
            name           = "http"
            container_port = local.mlflow_port
          }

          env {
            name = "MLFLOW_BACKEND_STORE_URI"
            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.mlflow_backend_store.metadata[0].name
                key  = "MLFLOW_BACKEND_STORE_URI"
              }
            }
          }

          # MLflow's basic-auth app: its config file (admin, auth database) and the key that signs its forms.
          env {
            name  = "MLFLOW_AUTH_CONFIG_PATH"
            value = "${local.mlflow_auth_config_dir}/basic_auth.ini"
          }
          env {
            name = "MLFLOW_FLASK_SERVER_SECRET_KEY"
            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.mlflow_auth.metadata[0].name
                key  = "MLFLOW_FLASK_SERVER_SECRET_KEY"
              }
            }
          }

          # SQLAlchemy's default pool (5 + 10 overflow per worker) ran dry with 50 concurrent /train commands
          # (bench/app-latency.ts: "QueuePool limit … reached" after 30 s). 2 workers × (15 + 15) stays under
          # PostgreSQL's default 100 connections.
          env {
            name  = "MLFLOW_SQLALCHEMYSTORE_POOL_SIZE"
            value = "15"
          }
          env {
            name  = "MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW"
            value = "15"
          }

          # /health answers before the Host check and needs no credentials; a fresh database runs migrations first (~20 s).
          startup_probe {
            http_get {
              path = "/health"
              port = "http"
            }
            period_seconds    = 5
            failure_threshold = 60
          }
          readiness_probe {
            http_get {
              path = "/health"
              port = "http"
            }
            period_seconds    = 10
            timeout_seconds   = 5
            failure_threshold = 3
          }
          liveness_probe {
            http_get {
              path = "/health"
              port = "http"
            }
            period_seconds    = 20
            timeout_seconds   = 5
            failure_threshold = 6
          }

          resources {
            requests = var.mlflow_resources.requests
            limits   = var.mlflow_resources.limits
          }

          security_context {
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
          }

          volume_mount {
            name       = "artifacts"
            mount_path = local.mlflow_artifacts
          }
          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }
          volume_mount {
            name       = "auth-config"
            mount_path = local.mlflow_auth_config_dir
            read_only  = true
          }
        }

        volume {
          name = "artifacts"
          persistent_volume_claim {
            claim_name = kubernetes_persistent_volume_claim_v1.mlflow_artifacts.metadata[0].name
          }
        }
        volume {
          name = "tmp"
          empty_dir {}
        }
        volume {
          name = "auth-config"
          secret {
            secret_name  = kubernetes_secret_v1.mlflow_auth.metadata[0].name
            default_mode = "0440"
            items {
              key  = "basic_auth.ini"
              path = "basic_auth.ini"
            }
          }
        }
      }
    }
  }

  # Waiting for the rollout makes `terraform apply` fail when MLflow cannot start, instead of later.
  wait_for_rollout = true
  depends_on       = [kubernetes_stateful_set_v1.postgres]
}

resource "kubernetes_service_v1" "mlflow" {
  metadata {
    name      = local.mlflow_service_name
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.mlflow_labels
  }
  spec {
    type     = "ClusterIP"
    selector = local.mlflow_selector
    port {
      name        = "http"
      port        = local.mlflow_port
      target_port = "http"
    }
  }
}

# Optional: the UI through minikube's ingress addon. The basic-auth app asks for a login, but it is no
# substitute for TLS and a network only the team reaches, so this stays off unless a host is given.
resource "kubernetes_ingress_v1" "mlflow" {
  count = var.mlflow_ingress_host == null ? 0 : 1

  metadata {
    name      = "mlflow"
    namespace = kubernetes_namespace_v1.mlflow.metadata[0].name
    labels    = local.mlflow_labels
  }
  spec {
    ingress_class_name = var.mlflow_ingress_class
    rule {
      host = var.mlflow_ingress_host
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              name = kubernetes_service_v1.mlflow.metadata[0].name
              port {
                number = local.mlflow_port
              }
            }
          }
        }
      }
    }
  }
}
