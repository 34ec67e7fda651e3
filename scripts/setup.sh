#!/usr/bin/env bash
# Installs everything trainbot's tests and demo need (Node 24, npm packages, the Python venv, the tools in
# scripts/tools/), each cached under $TRAINBOT_CACHE by its pinned version. Sourced: leaves PATH set up.
set -euo pipefail
_setup_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$_setup_root/scripts/lib.sh"
stage "node" source "$_setup_root/scripts/setup-node.sh"
# npm ci only when the lockfile changed since the last install, so a warm run costs nothing.
_lock_key=$(sha256sum "$_setup_root/package-lock.json" | cut -c1-16)
if [ "$(cat "$_setup_root/node_modules/.trainbot-lock" 2>/dev/null)" != "$_lock_key" ]; then
  stage "npm ci" bash -c "cd '$_setup_root' && npm ci --no-audit --no-fund --loglevel=error && echo $_lock_key > node_modules/.trainbot-lock"
fi
stage "python venv" source "$_setup_root/scripts/setup-python.sh"
for _tool in "$_setup_root"/scripts/tools/*.sh; do
  [ -e "$_tool" ] || continue
  stage "tool $(basename "$_tool" .sh)" source "$_tool"
done
