#!/usr/bin/env bash
# Lints every workflow in .github/workflows with the pinned actionlint (shellcheck on run: scripts when installed).
# The repository's own workflow policy (pinned actions, permissions, injection) is test/unit/workflows.test.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
. scripts/tools/actionlint.sh
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then echo "actionlint: no workflows in .github/workflows"; exit 0; fi
# The labels of this project's self-hosted runners (the ChatOps workflows run on a runner with minikube).
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
printf 'self-hosted-runner:\n  labels: [minikube]\n' >"$config"
args=(-no-color -config-file "$config")
# Without shellcheck actionlint would warn on every run; say so once instead.
if ! command -v shellcheck >/dev/null 2>&1; then
  args+=(-shellcheck=)
  echo "actionlint: shellcheck is not installed, so run: scripts are not shell-checked"
fi
if "$TRAINBOT_ACTIONLINT" "${args[@]}" "${workflows[@]}"; then
  echo "actionlint: ${#workflows[@]} workflows are valid"
else
  echo "actionlint found problems in .github/workflows (above): fix them and run bash scripts/checks/actionlint.sh again." >&2
  exit 1
fi
