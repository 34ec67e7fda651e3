# Trivy (image, filesystem and IaC scanner), built from the Go module proxy because its release downloads are
# unreachable here. Sourced by scripts/setup.sh; exports TRAINBOT_TRIVY. Cold build ~6 min, cached by version.
TRIVY_VERSION=v0.74.0
_trivy_dir="$TRAINBOT_CACHE/trivy-$TRIVY_VERSION"
if [ ! -x "$_trivy_dir/trivy" ]; then
  # Several shells may source setup.sh at once: the lock makes the later ones wait for one build.
  (
    flock 9
    if [ ! -x "$_trivy_dir/trivy" ]; then
      _trivy_tmp="$(mktemp -d "$TRAINBOT_CACHE/trivy-build.XXXXXX")"
      # Trivy uses encoding/json/v2, which Go only compiles with this experiment on.
      GOEXPERIMENT=jsonv2 GOBIN="$_trivy_tmp" go install "github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION"
      rm -rf "$_trivy_dir" && mv "$_trivy_tmp" "$_trivy_dir"
    fi
  ) 9>"$TRAINBOT_CACHE/trivy.lock"
fi
export TRAINBOT_TRIVY="$_trivy_dir/trivy"
