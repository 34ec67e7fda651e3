#!/usr/bin/env bash
# Checks that the TypeScript and scripts are formatted as Prettier writes them (.prettierrc.json, width 120).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 22 ] || source scripts/setup.sh >/dev/null
npm run --silent format:check
