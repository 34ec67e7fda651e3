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
# flock: concurrent callers wait for one install instead of deleting each other's half-built venv.
if [ ! -f "$TRAINBOT_VENV/.complete" ]; then (
  flock 9
  [ -f "$TRAINBOT_VENV/.complete" ] && exit 0
  rm -rf "$TRAINBOT_VENV"
  python3 -m venv "$TRAINBOT_VENV"
  "$TRAINBOT_VENV/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir -r "$_root/training/requirements-dev.txt"
  touch "$TRAINBOT_VENV/.complete"
) 9>"$TRAINBOT_CACHE/.venv.lock"; fi
export TRAINBOT_VENV
export PATH="$TRAINBOT_VENV/bin:$PATH"
