# Debian's Chromium and a colour emoji font, for drawing the bot's comments as GitHub shows them
# (test/render/, `npm run screenshots`). Sourced by scripts/setup.sh; installs from apt only what is missing.
# shellcheck shell=bash
_chromium_missing=()
command -v chromium >/dev/null 2>&1 || _chromium_missing+=(chromium)
# Without it the verdict emoji are drawn as empty boxes in the screenshots.
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || _chromium_missing+=(fonts-noto-color-emoji)
if [ ${#_chromium_missing[@]} -gt 0 ]; then
  echo "installing with apt: ${_chromium_missing[*]}"
  # Fetch the package lists only when the install fails without them (missing or stale), not on every run.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${_chromium_missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${_chromium_missing[@]}" >/dev/null
  }
fi
unset _chromium_missing
