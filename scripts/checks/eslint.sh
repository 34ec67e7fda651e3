#!/usr/bin/env bash
# Lints the TypeScript of the bot, the actions, the tests, the benchmarks and the scripts; any warning fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 22 ] || source scripts/setup.sh >/dev/null
dirs=()
for d in src actions test bench; do [ -d "$d" ] && dirs+=("$d"); done
npx eslint "${dirs[@]}" scripts/*.ts --max-warnings 0
