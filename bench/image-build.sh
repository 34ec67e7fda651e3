#!/usr/bin/env bash
# Times scripts/tools/training-image.sh (the training and MLflow images, built without a Docker engine) cold
# and warm, and prints a Markdown table. Usage: bash bench/image-build.sh [--cold]
# --cold builds into a fresh TRAINBOT_CACHE (the stand-in base and both images: tens of minutes on 2 busy
# cores, several GB) and removes it afterwards; without it only the warm path of the existing cache is timed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
_setup_root=$PWD
cold_cache=""
if [ "${1:-}" = "--cold" ]; then
  cold_cache="$(mktemp -d /tmp/trainbot-bench-cache.XXXXXX)"
  trap 'rm -rf "$cold_cache"' EXIT
fi

# time_source CACHE: seconds (with ms) for one sourcing of the tools script against CACHE.
time_source() {
  local t0 t1
  t0=$(date +%s.%N)
  TRAINBOT_CACHE="$1" bash -c 'set -euo pipefail; _setup_root="$2"; . "$2/scripts/tools/training-image.sh"' _ "$1" "$_setup_root" >&2
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

echo "| run | seconds |"
echo "| --- | ---: |"
if [ -n "$cold_cache" ]; then
  echo "| cold (stand-in base + training image + MLflow image) | $(time_source "$cold_cache") |"
  TRAINBOT_CACHE="$cold_cache"
fi
for i in 1 2 3; do echo "| warm $i | $(time_source "$TRAINBOT_CACHE") |"; done
