#!/usr/bin/env bash
# Scans training/, infrastructure/ and the bot's Dockerfile (Dockerfiles, Kubernetes YAML, Terraform) with the
# pinned Trivy's embedded checks, offline; fails on any HIGH or CRITICAL misconfiguration.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
. scripts/tools/trivy.sh
failed=()
for dir in training infrastructure Dockerfile; do
  [ -e "$dir" ] || continue
  echo "trivy config $dir"
  if ! "$TRAINBOT_TRIVY" config --skip-check-update --quiet --exit-code 1 --severity HIGH,CRITICAL "$dir"; then
    failed+=("$dir")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "Trivy found HIGH or CRITICAL misconfigurations in ${failed[*]} (listed above): fix them, or accept one with its ID and a reason in .trivyignore." >&2
  exit 1
fi
echo "trivy config: no HIGH or CRITICAL misconfigurations in training/, infrastructure/ and Dockerfile"
