# Starts a real OCI registry (Debian's docker-registry) on a free loopback port and pushes the images
# scripts/tools/training-image.sh built, with the project's own image-push action, under the tag CI pushes
# for the current commit (the rule in src/runs/image-ref.ts: the full commit sha). Sourced; defines
# start_registry, which exports TRAINBOT_REGISTRY (host:port), TRAINBOT_TRAINING_IMAGE (without tag),
# TRAINBOT_TRAINING_TAG, TRAINBOT_TRAINING_DIGEST and, when those images were built, TRAINBOT_MLFLOW_IMAGE
# and TRAINBOT_BOT_IMAGE (pullable references pinned by digest). Teardown through add_cleanup.
# shellcheck shell=bash

# _registry_push OCI_DIR REPOSITORY SHA: run the image-push action's bundle the way a runner does (INPUT_*
# variables, an output file) and print the digest it reports.
_registry_push() {
  local source="$1" repository="$2" sha="$3" root out
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  out="$(mktemp /tmp/trainbot-push-output.XXXXXX)"
  # env: the inputs' names keep their '-', which `export` cannot spell. No branch and no default branch:
  # only the sha tag, the one the bot asks for.
  if ! env GITHUB_WORKSPACE="$root" GITHUB_OUTPUT="$out" RUNNER_TEMP=/tmp GITHUB_STEP_SUMMARY= \
    INPUT_SOURCE="$source" INPUT_REGISTRY="$TRAINBOT_REGISTRY" INPUT_REPOSITORY="$repository" INPUT_SHA="$sha" \
    INPUT_BRANCH= INPUT_DEFAULT-BRANCH= INPUT_TLS-VERIFY=false INPUT_ATTEMPTS=3 INPUT_SKOPEO-PATH=skopeo \
    node "$root/actions/image-push/dist/index.js" >"$out.log" 2>&1; then
    echo "image-push failed for $repository:" >&2; tail -20 "$out.log" >&2; rm -f "$out" "$out.log"; return 1
  fi
  # @actions/core writes `name<<delimiter`, the value, then the delimiter.
  awk '/^digest<</ { getline; print; exit }' "$out"
  rm -f "$out" "$out.log"
}

start_registry() {
  local oci="${TRAINBOT_TRAINING_OCI:?run scripts/setup.sh first (scripts/tools/training-image.sh builds the image)}"
  local dir port pid sha digest t0=$SECONDS
  dir="$(mktemp -d /tmp/trainbot-registry.XXXXXX)"
  add_cleanup "rm -rf '$dir'"
  port="$(free_port)"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
http:
  addr: 127.0.0.1:$port
EOF
  setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  pid=$!; disown "$pid"  # no "Terminated" notice from bash at teardown
  add_cleanup "kill -- -$pid 2>/dev/null || true"
  local _
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "docker-registry died:"; tail -20 "$dir/registry.log"; return 1; }
    sleep 0.1
  done
  export TRAINBOT_REGISTRY="127.0.0.1:$port"

  sha="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse HEAD)"
  digest="$(_registry_push "${oci%:*}" trainbot/trainbot-training "$sha")" || return 1
  export TRAINBOT_TRAINING_IMAGE="$TRAINBOT_REGISTRY/trainbot/trainbot-training"
  export TRAINBOT_TRAINING_TAG="$sha"
  export TRAINBOT_TRAINING_DIGEST="$digest"
  echo "docker-registry at $TRAINBOT_REGISTRY: $TRAINBOT_TRAINING_IMAGE:$sha ($digest)"
  if [ -n "${TRAINBOT_MLFLOW_OCI:-}" ]; then
    digest="$(_registry_push "${TRAINBOT_MLFLOW_OCI%:*}" trainbot/trainbot-mlflow "$sha")" || return 1
    export TRAINBOT_MLFLOW_IMAGE="$TRAINBOT_REGISTRY/trainbot/trainbot-mlflow@$digest"
    echo "docker-registry: $TRAINBOT_MLFLOW_IMAGE"
  fi
  # The bot's own image, only when it was built (TRAINBOT_BUILD_BOT_IMAGE=1; scripts/tools/training-image.sh).
  if [ -n "${TRAINBOT_BOT_OCI:-}" ]; then
    digest="$(_registry_push "${TRAINBOT_BOT_OCI%:*}" trainbot/trainbot-bot "$sha")" || return 1
    export TRAINBOT_BOT_IMAGE="$TRAINBOT_REGISTRY/trainbot/trainbot-bot@$digest"
    echo "docker-registry: $TRAINBOT_BOT_IMAGE"
  fi
  echo "registry up and images pushed in $((SECONDS - t0)) s"
}
