#!/usr/bin/env bash
# Redraws docs/screenshots/*.png: each kind of comment trainbot posts, as GitHub shows it (headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --core
source scripts/tools/chromium.sh
npx tsx test/support/write-screenshots.ts docs/screenshots
