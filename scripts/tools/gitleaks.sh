# Builds the pinned gitleaks from the Go module proxy into the tool cache (the secret-scan action's tests
# run the real scanner). Sourced by scripts/setup.sh; exports TRAINBOT_GITLEAKS = the binary's path.
_gitleaks_version=v8.30.1
_gitleaks_dir="$TRAINBOT_CACHE/gitleaks-$_gitleaks_version"
if [ ! -x "$_gitleaks_dir/gitleaks" ]; then
  # A private build dir, so two setups running at once cannot trip over each other's half-built binary.
  _gitleaks_tmp="$(mktemp -d "$_gitleaks_dir.XXXXXX")"
  # The version ldflag makes `gitleaks version` tell the truth instead of a placeholder.
  GOBIN="$_gitleaks_tmp" go install \
    -ldflags "-X github.com/zricethezav/gitleaks/v8/version.Version=${_gitleaks_version#v}" \
    "github.com/zricethezav/gitleaks/v8@$_gitleaks_version"
  mkdir -p "$_gitleaks_dir"
  mv -f "$_gitleaks_tmp/gitleaks" "$_gitleaks_dir/gitleaks"
  rm -rf "$_gitleaks_tmp"
fi
export TRAINBOT_GITLEAKS="$_gitleaks_dir/gitleaks"
