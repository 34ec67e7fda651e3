#!/usr/bin/env bash
# Lints every Dockerfile in the repository with hadolint; any warning or error fails the check.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TRAINBOT_LINTERS_BIN:?is not set: source scripts/setup.sh first (scripts/tools/python-linters.sh installs hadolint)}"

# Found rather than listed, so a Dockerfile added later is linted without touching this script.
mapfile -t dockerfiles < <(find . \( -name node_modules -o -name .git -o -name .terraform \) -prune -o \
  -type f \( -name Dockerfile -o -name '*.Dockerfile' -o -name 'Dockerfile.*' \) -print | sort)
if [ ${#dockerfiles[@]} -eq 0 ]; then
  echo "hadolint: no Dockerfile found; expected at least training/Dockerfile" >&2
  exit 1
fi
echo "hadolint: ${dockerfiles[*]}"
"$TRAINBOT_LINTERS_BIN/hadolint" --no-color --failure-threshold warning "${dockerfiles[@]}"
