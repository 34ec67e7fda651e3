#!/usr/bin/env bash
# Fails when any Terraform file under infrastructure/ is not in `terraform fmt` form (offline; no init needed).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v terraform >/dev/null; then
  echo "terraform is not on PATH; install Terraform >= 1.9 (the build machine's image carries 1.11.4)." >&2
  exit 1
fi
# Terraform warns on stderr when ~/.terraformrc is absent; an empty config keeps the log to real findings.
export TF_CLI_CONFIG_FILE=/dev/null
if ! terraform fmt -check -recursive -diff infrastructure; then
  echo "Terraform files are not formatted: run \`terraform fmt -recursive infrastructure\`." >&2
  exit 1
fi
echo "terraform fmt: infrastructure/ is formatted"
