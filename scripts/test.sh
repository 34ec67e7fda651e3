#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh), starts the real services the integration
# tests use (PostgreSQL + MLflow, the loopback Kubernetes API), then jest, pytest and the static checks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
for _svc in scripts/services/*.sh; do . "$_svc"; done
stage "start PostgreSQL + MLflow" start_mlflow
if declare -F start_kube >/dev/null; then stage "start Kubernetes API" start_kube; fi

failed=()
run() { local name="$1"; shift; stage "$name" "$@" || failed+=("$name"); }
run "build" npm run --silent build
run "jest" env NODE_OPTIONS=--experimental-vm-modules npx jest --ci
run "pytest" python -m pytest -q training/tests
for check in scripts/checks/*.sh; do
  [ -e "$check" ] || continue
  run "check $(basename "$check" .sh)" bash "$check"
done
if [ ${#failed[@]} -gt 0 ]; then echo "FAILED: ${failed[*]}"; exit 1; fi
echo "all test stages passed"
