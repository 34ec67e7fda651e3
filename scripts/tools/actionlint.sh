# actionlint (GitHub Actions workflow linter), built from the Go module proxy. Sourced by scripts/setup.sh;
# exports TRAINBOT_ACTIONLINT. ~20 s cold, cached by version.
ACTIONLINT_VERSION=v1.7.12
_actionlint_dir="$TRAINBOT_CACHE/actionlint-$ACTIONLINT_VERSION"
if [ ! -x "$_actionlint_dir/actionlint" ]; then
  # Several shells may source setup.sh at once: the lock makes the later ones wait for one build.
  (
    flock 9
    if [ ! -x "$_actionlint_dir/actionlint" ]; then
      _actionlint_tmp="$(mktemp -d "$TRAINBOT_CACHE/actionlint-build.XXXXXX")"
      GOBIN="$_actionlint_tmp" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
      rm -rf "$_actionlint_dir" && mv "$_actionlint_tmp" "$_actionlint_dir"
    fi
  ) 9>"$TRAINBOT_CACHE/actionlint.lock"
fi
export TRAINBOT_ACTIONLINT="$_actionlint_dir/actionlint"
