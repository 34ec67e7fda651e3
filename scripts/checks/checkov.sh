#!/usr/bin/env bash
# Scans the Terraform, the Dockerfiles (the bot's and mlflow.Dockerfile) and the Kubernetes manifests with
# checkov; every skip is justified where it applies (a #checkov:skip comment in the .tf or Dockerfile, a
# checkov.io/skipN annotation in the YAML).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TRAINBOT_LINTERS_BIN:?is not set: run this through scripts/test.sh, or source scripts/setup.sh first}"
checkov=("$TRAINBOT_LINTERS_BIN/checkov" --skip-download --quiet --compact)
# Separate runs: given a directory and a file together, checkov 3.3 scans only the directory.
"${checkov[@]}" --directory infrastructure --framework terraform dockerfile
"${checkov[@]}" --file Dockerfile --framework dockerfile
"${checkov[@]}" --file training/elasticnet_manifest.yml --framework kubernetes
echo "checkov: no unjustified findings"
