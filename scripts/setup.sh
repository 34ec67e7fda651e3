#!/usr/bin/env bash
# Installs everything trainbot's tests and demo need (Node 24, npm packages, the Python venv, the tools in
# scripts/tools/), each cached under $TRAINBOT_CACHE by its pinned version. Sourced: leaves PATH set up.
set -euo pipefail
_setup_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$_setup_root/scripts/lib.sh"
stage "node" source "$_setup_root/scripts/setup-node.sh"
# npm ci only when the lockfile changed since the last install, so a warm run costs nothing.
_lock_key=$(sha256sum "$_setup_root/package-lock.json" | cut -c1-16)
# flock: parallel callers (several shells, test workers) wait for one install instead of racing it.
_npm_ci() {
  cd "$_setup_root"
  if [ "$(cat node_modules/.trainbot-lock 2>/dev/null)" != "$_lock_key" ]; then
    npm ci --no-audit --no-fund --loglevel=error && echo "$_lock_key" > node_modules/.trainbot-lock
  fi
}
export -f _npm_ci; export _setup_root _lock_key
stage "npm ci" flock "$TRAINBOT_CACHE/.npm-ci.lock" bash -c _npm_ci
stage "python venv" source "$_setup_root/scripts/setup-python.sh"
for _tool in "$_setup_root"/scripts/tools/*.sh; do
  [ -e "$_tool" ] || continue
  stage "tool $(basename "$_tool" .sh)" source "$_tool"
done
