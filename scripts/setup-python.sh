#!/usr/bin/env bash
# Makes (or reuses) the Python venv for training and the test MLflow server, cached by the hash of the requirements.
# Usage: source scripts/setup-python.sh  (exports TRAINBOT_VENV and puts its bin first on PATH)
set -euo pipefail
_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$_here/lib.sh"
_root="$(cd "$_here/.." && pwd)"
_key=$(cat "$_root/training/requirements.txt" "$_root/training/requirements-dev.txt" | sha256sum | cut -c1-16)
TRAINBOT_VENV="$TRAINBOT_CACHE/venv-$_key"
# The .complete marker is written last, so an interrupted install is redone rather than half-used.
if [ ! -f "$TRAINBOT_VENV/.complete" ]; then
  rm -rf "$TRAINBOT_VENV"
  python3 -m venv "$TRAINBOT_VENV"
  "$TRAINBOT_VENV/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir -r "$_root/training/requirements-dev.txt"
  touch "$TRAINBOT_VENV/.complete"
fi
export TRAINBOT_VENV
export PATH="$TRAINBOT_VENV/bin:$PATH"
