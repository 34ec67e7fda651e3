# Every input: typed, described and validated, so a wrong value stops `terraform plan` with a sentence
# instead of surfacing as a broken pod. Only db_password has no default.

# What the validations below accept, named once (validation may read locals since Terraform 1.9).
locals {
  pinned_image    = "^\\S+(:[0-9][\\w.-]*|@sha256:[0-9a-f]{64})$" # name:VERSION (a tag starting with a digit) or name@sha256:DIGEST
  dns_label       = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"        # DNS-1123 label, as namespaces are named
  pg_identifier   = "^[a-z_][a-z0-9_]{0,62}$"                     # a PostgreSQL name that needs no quoting
  cpu_quantity    = "^[0-9]+(\\.[0-9]+)?m?$"
  memory_quantity = "^[0-9]+(Ki|Mi|Gi)$"
  storage_size    = "^[0-9]+(Mi|Gi|Ti)$"
}

variable "kubeconfig_path" {
  type        = string
  description = "Path of the kubeconfig Terraform uses to reach the cluster."
  default     = "~/.kube/config"
  validation {
    condition     = length(trimspace(var.kubeconfig_path)) > 0
    error_message = "kubeconfig_path must not be empty; point it at a kubeconfig file such as ~/.kube/config."
  }
}

variable "kube_context" {
  type        = string
  description = "The kubeconfig context to use (minikube names its context \"minikube\")."
  default     = "minikube"
  validation {
    condition     = length(trimspace(var.kube_context)) > 0
    error_message = "kube_context must not be empty; list the contexts with `kubectl config get-contexts`."
  }
}

variable "cluster_domain" {
  type        = string
  description = "The cluster's DNS domain, used in the in-cluster MLflow and PostgreSQL addresses."
  default     = "cluster.local"
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", var.cluster_domain))
    error_message = "cluster_domain must be a DNS name such as cluster.local."
  }
}

variable "mlflow_namespace" {
  type        = string
  description = "Namespace for MLflow and its PostgreSQL database."
  default     = "mlflow"
  validation {
    condition     = can(regex(local.dns_label, var.mlflow_namespace))
    error_message = "mlflow_namespace must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters."
  }
}

variable "training_namespace" {
  type        = string
  description = "Namespace where trainbot runs training Jobs; must equal `namespace` in .github/trainbot.yml."
  default     = "trainbot-training"
  validation {
    condition     = can(regex(local.dns_label, var.training_namespace))
    error_message = "training_namespace must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters."
  }
}

variable "mlflow_image" {
  type        = string
  description = "MLflow server image built from infrastructure/mlflow.Dockerfile, pinned by an exact version tag or a sha256 digest."
  default     = "trainbot-mlflow:3.17.2"
  validation {
    condition     = can(regex(local.pinned_image, var.mlflow_image))
    error_message = "mlflow_image must be pinned: name:VERSION (a tag starting with a digit, not latest) or name@sha256:DIGEST."
  }
}

variable "postgres_image" {
  type        = string
  description = "PostgreSQL image, pinned by an exact version tag or a sha256 digest."
  default     = "postgres:17.2-bookworm"
  validation {
    condition     = can(regex(local.pinned_image, var.postgres_image))
    error_message = "postgres_image must be pinned: name:VERSION (a tag starting with a digit, not latest) or name@sha256:DIGEST."
  }
}

variable "db_name" {
  type        = string
  description = "Name of MLflow's database in PostgreSQL."
  default     = "mlflow"
  validation {
    condition     = can(regex(local.pg_identifier, var.db_name))
    error_message = "db_name must be a plain PostgreSQL identifier: lowercase letters, digits and '_', at most 63 characters."
  }
}

variable "db_user" {
  type        = string
  description = "PostgreSQL user MLflow connects as."
  default     = "mlflow"
  validation {
    condition     = can(regex(local.pg_identifier, var.db_user))
    error_message = "db_user must be a plain PostgreSQL identifier: lowercase letters, digits and '_', at most 63 characters."
  }
}

variable "db_password" {
  type        = string
  description = "PostgreSQL password for db_user. Pass it as TF_VAR_db_password, never in a committed file; it is stored in the Terraform state."
  sensitive   = true
  validation {
    condition     = length(var.db_password) >= 16
    error_message = "db_password must be at least 16 characters; generate one with `openssl rand -base64 24`."
  }
}

variable "auth_db_name" {
  type        = string
  description = "PostgreSQL database of MLflow's basic-auth app (users and permissions), beside db_name on the same server."
  default     = "mlflow_auth"
  validation {
    condition     = can(regex(local.pg_identifier, var.auth_db_name)) && var.auth_db_name != var.db_name
    error_message = "auth_db_name must be a plain PostgreSQL identifier (lowercase letters, digits and '_', at most 63 characters) other than db_name."
  }
}

variable "mlflow_admin_username" {
  type        = string
  description = "The admin of MLflow's basic-auth app: the account trainbot uses (MLFLOW_TRACKING_USERNAME). It creates each training Job's own user."
  default     = "trainbot"
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,64}$", var.mlflow_admin_username))
    error_message = "mlflow_admin_username must be 1-64 letters, digits, '_', '.' or '-'."
  }
}

variable "mlflow_admin_password" {
  type        = string
  description = "Password of mlflow_admin_username. MLflow sets it when the auth database is first created and ignores it afterwards (change it with MLflow's users/update-password API). Pass it as TF_VAR_mlflow_admin_password; it is stored in the Terraform state."
  sensitive   = true
  validation {
    condition     = length(var.mlflow_admin_password) >= 16
    error_message = "mlflow_admin_password must be at least 16 characters; generate one with `openssl rand -base64 24`."
  }
}

variable "mlflow_flask_secret_key" {
  type        = string
  description = "Secret key of MLflow's web app (MLFLOW_FLASK_SERVER_SECRET_KEY), which signs the basic-auth app's forms. Pass it as TF_VAR_mlflow_flask_secret_key."
  sensitive   = true
  validation {
    condition     = length(var.mlflow_flask_secret_key) >= 32
    error_message = "mlflow_flask_secret_key must be at least 32 characters; generate one with `openssl rand -hex 32`."
  }
}

variable "storage_class_name" {
  type        = string
  description = "StorageClass for the database and artifact volumes; null uses the cluster's default (minikube: standard)."
  default     = null
  nullable    = true
  validation {
    condition     = var.storage_class_name == null || can(regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", var.storage_class_name))
    error_message = "storage_class_name must be null or the name of a StorageClass (`kubectl get storageclass`)."
  }
}

variable "postgres_storage_size" {
  type        = string
  description = "Size of PostgreSQL's volume, as a Kubernetes quantity."
  default     = "5Gi"
  validation {
    condition     = can(regex(local.storage_size, var.postgres_storage_size))
    error_message = "postgres_storage_size must be a quantity in Mi, Gi or Ti, such as 5Gi."
  }
}

variable "artifacts_storage_size" {
  type        = string
  description = "Size of the volume MLflow keeps artifacts (models, plots) on, as a Kubernetes quantity."
  default     = "10Gi"
  validation {
    condition     = can(regex(local.storage_size, var.artifacts_storage_size))
    error_message = "artifacts_storage_size must be a quantity in Mi, Gi or Ti, such as 10Gi."
  }
}

variable "mlflow_workers" {
  type        = number
  description = "Number of MLflow server worker processes; each takes roughly 300 MiB."
  default     = 2
  validation {
    condition     = var.mlflow_workers >= 1 && var.mlflow_workers <= 16 && floor(var.mlflow_workers) == var.mlflow_workers
    error_message = "mlflow_workers must be a whole number from 1 to 16."
  }
}

variable "mlflow_resources" {
  type = object({
    requests = object({ cpu = string, memory = string })
    limits   = object({ cpu = string, memory = string })
  })
  description = "CPU and memory requests and limits of the MLflow server container."
  default = {
    requests = { cpu = "250m", memory = "768Mi" }
    limits   = { cpu = "1", memory = "2Gi" }
  }
  validation {
    condition     = alltrue([for r in values(var.mlflow_resources) : can(regex(local.cpu_quantity, r.cpu)) && can(regex(local.memory_quantity, r.memory))])
    error_message = "mlflow_resources: cpu must look like 250m or 1, memory like 768Mi or 2Gi."
  }
}

variable "postgres_resources" {
  type = object({
    requests = object({ cpu = string, memory = string })
    limits   = object({ cpu = string, memory = string })
  })
  description = "CPU and memory requests and limits of the PostgreSQL container."
  default = {
    requests = { cpu = "100m", memory = "256Mi" }
    limits   = { cpu = "1", memory = "1Gi" }
  }
  validation {
    condition     = alltrue([for r in values(var.postgres_resources) : can(regex(local.cpu_quantity, r.cpu)) && can(regex(local.memory_quantity, r.memory))])
    error_message = "postgres_resources: cpu must look like 100m or 1, memory like 256Mi or 1Gi."
  }
}

variable "mlflow_ingress_host" {
  type        = string
  description = "Host name for an Ingress to the MLflow UI (e.g. mlflow.minikube.test); null creates none. MLflow has no login: expose it only on a trusted network."
  default     = null
  nullable    = true
  validation {
    condition     = var.mlflow_ingress_host == null || can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$", var.mlflow_ingress_host))
    error_message = "mlflow_ingress_host must be null or a fully qualified host name such as mlflow.minikube.test."
  }
}

variable "mlflow_ingress_class" {
  type        = string
  description = "IngressClass of the MLflow Ingress (minikube's ingress addon installs \"nginx\")."
  default     = "nginx"
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", var.mlflow_ingress_class))
    error_message = "mlflow_ingress_class must be the name of an IngressClass (`kubectl get ingressclass`)."
  }
}

variable "mlflow_extra_allowed_hosts" {
  type        = list(string)
  description = "More Host headers MLflow accepts besides its Service names, localhost and the ingress host (e.g. a load balancer's name)."
  default     = []
  validation {
    condition     = alltrue([for h in var.mlflow_extra_allowed_hosts : can(regex("^[A-Za-z0-9*.:\\[\\]-]+$", h)) && h != "*"])
    error_message = "mlflow_extra_allowed_hosts entries must be host names or host:port patterns, and not the bare \"*\" that would switch the Host check off."
  }
}

variable "training_quota" {
  type = object({
    jobs            = number
    pods            = number
    requests_cpu    = string
    requests_memory = string
    limits_cpu      = string
    limits_memory   = string
  })
  description = "ResourceQuota of the training namespace: the most Jobs, pods, CPU and memory all training runs together may hold."
  # Finished Jobs count against `jobs` until ttl_seconds_after_finished removes them; `pods` counts
  # only running ones.
  default = {
    jobs            = 60
    pods            = 10
    requests_cpu    = "4"
    requests_memory = "8Gi"
    limits_cpu      = "8"
    limits_memory   = "16Gi"
  }
  validation {
    condition = var.training_quota.jobs >= 1 && var.training_quota.pods >= 1 && alltrue(concat(
      [for q in [var.training_quota.requests_cpu, var.training_quota.limits_cpu] : can(regex(local.cpu_quantity, q))],
      [for q in [var.training_quota.requests_memory, var.training_quota.limits_memory] : can(regex(local.memory_quantity, q))],
    ))
    error_message = "training_quota: jobs and pods must be at least 1, cpu must look like 500m or 4, memory like 512Mi or 8Gi."
  }
}

variable "restrict_training_egress" {
  type        = bool
  description = "Confine training pods' network traffic to MLflow and DNS with a NetworkPolicy; turn off only when training must reach another service."
  default     = true
  validation {
    condition     = var.restrict_training_egress != null
    error_message = "restrict_training_egress must be true or false."
  }
}

variable "training_container_limits" {
  type = object({
    default_request = object({ cpu = string, memory = string })
    default_limit   = object({ cpu = string, memory = string })
    max             = object({ cpu = string, memory = string })
  })
  description = "LimitRange of the training namespace: requests and limits given to a container that names none, and the most one container may ask for."
  default = {
    default_request = { cpu = "500m", memory = "1Gi" }
    default_limit   = { cpu = "1", memory = "2Gi" }
    max             = { cpu = "2", memory = "4Gi" }
  }
  validation {
    condition     = alltrue([for v in values(var.training_container_limits) : can(regex(local.cpu_quantity, v.cpu)) && can(regex(local.memory_quantity, v.memory))])
    error_message = "training_container_limits: cpu must look like 500m or 2, memory like 1Gi or 4Gi."
  }
}

variable "bot_namespace" {
  type        = string
  description = "Namespace of the bot's Deployment, Service, ServiceAccount and Secret; apart from the training namespace, where PR code runs."
  default     = "trainbot"
  validation {
    condition     = can(regex(local.dns_label, var.bot_namespace))
    error_message = "bot_namespace must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters."
  }
}

variable "bot_image" {
  type        = string
  description = "The bot's image, built from the repository's Dockerfile, pinned by an exact version tag or a sha256 digest."
  default     = "trainbot-bot:0.1.0"
  validation {
    condition     = can(regex(local.pinned_image, var.bot_image))
    error_message = "bot_image must be pinned: name:VERSION (a tag starting with a digit, not latest) or name@sha256:DIGEST."
  }
}

variable "bot_replicas" {
  type        = number
  description = "Replicas of the bot. Any number is safe: a request is claimed with a Lease before it starts; 0 stops the bot."
  default     = 2
  validation {
    condition     = var.bot_replicas >= 0 && var.bot_replicas <= 10 && floor(var.bot_replicas) == var.bot_replicas
    error_message = "bot_replicas must be a whole number from 0 to 10."
  }
}

variable "bot_secret_name" {
  type        = string
  description = "The Secret in bot_namespace holding APP_ID, PRIVATE_KEY, WEBHOOK_SECRET and TRAINBOT_SIGNING_KEY (and optionally MLflow and registry credentials); created with kubectl, not Terraform."
  default     = "trainbot"
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.bot_secret_name))
    error_message = "bot_secret_name must be a Secret name: lowercase letters, digits, '-' and '.'."
  }
}

variable "bot_resources" {
  type = object({
    requests = object({ cpu = string, memory = string })
    limits   = object({ cpu = string, memory = string })
  })
  description = "CPU and memory requests and limits of each bot replica."
  default = {
    requests = { cpu = "100m", memory = "192Mi" }
    limits   = { cpu = "1", memory = "512Mi" }
  }
  validation {
    condition     = alltrue([for r in values(var.bot_resources) : can(regex(local.cpu_quantity, r.cpu)) && can(regex(local.memory_quantity, r.memory))])
    error_message = "bot_resources: cpu must look like 100m or 1, memory like 192Mi or 1Gi."
  }
}
