#!/usr/bin/env bash
# Installs what trainbot needs, each piece cached under $TRAINBOT_CACHE by its pinned version: Node 24, the npm
# packages and the Python venv always; the test tools in scripts/tools/ (Go-built Kubernetes, scanners,
# linters, a registry) unless `--core` is given, as the demo does. Sourced: leaves PATH set up.
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
[ "${1:-}" = "--core" ] && return 0
for _tool in "$_setup_root"/scripts/tools/*.sh; do
  [ -e "$_tool" ] || continue
  stage "tool $(basename "$_tool" .sh)" source "$_tool"
done
