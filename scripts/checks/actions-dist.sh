#!/usr/bin/env bash
# Fails when a committed actions/<name>/dist/index.js differs from what scripts/build-actions.mjs builds now.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 22 ] || source scripts/setup.sh >/dev/null
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
node scripts/build-actions.mjs --out-dir "$fresh" >/dev/null
stale=()
for built in "$fresh"/*/dist/index.js; do
  [ -e "$built" ] || continue
  name="$(basename "$(dirname "$(dirname "$built")")")"
  cmp -s "$built" "actions/$name/dist/index.js" || stale+=("$name")
done
if [ ${#stale[@]} -gt 0 ]; then
  list="$(IFS=,; echo "${stale[*]}" | sed 's/,/, /g')"
  echo "The committed actions/<name>/dist/index.js is stale or missing for: $list; run \`node scripts/build-actions.mjs\` and commit actions/*/dist." >&2
  exit 1
fi
echo "actions dist: $(find "$fresh" -name index.js | wc -l) bundles up to date"
