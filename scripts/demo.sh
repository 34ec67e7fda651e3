#!/usr/bin/env bash
# The main job on the embedded default: installs what it needs, builds, then `trainbot run "/train alpha=0.1"`
# (a smaller penalty than the baseline's default 0.5, so the table shows a real difference).
# Any argument replaces the command, e.g. scripts/demo.sh "/train alpha=0.1,0.5,1".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --core >&2
npm run --silent build >&2
node bin/trainbot.js run "${1:-/train alpha=0.1}" "${@:2}"
