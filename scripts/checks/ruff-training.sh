#!/usr/bin/env bash
# Lints and format-checks the Python training code with ruff (settings in training/pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TRAINBOT_LINTERS_BIN:?is not set: source scripts/setup.sh first (scripts/tools/python-linters.sh installs ruff)}"
"$TRAINBOT_LINTERS_BIN/ruff" check training
"$TRAINBOT_LINTERS_BIN/ruff" format --check training
