#!/usr/bin/env bash
# The main job on the embedded default: installs what it needs, builds, then `trainbot run "/train alpha=0.5"`.
# Any argument replaces the command, e.g. scripts/demo.sh "/train alpha=0.1,0.5,1".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh >&2
npm run --silent build >&2
node bin/trainbot.js run "${1:-/train alpha=0.5}" "${@:2}"
