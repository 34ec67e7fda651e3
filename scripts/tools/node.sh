# Builds a real Kubernetes node for the tests, once per pinned version: kubelet and kube-scheduler (the
# kube.sh module trick), containerd with its runc shim, runc, and a pause image built from kubernetes' own
# pause.c. Installs Debian's CNI plugins, socat, gcc and libseccomp-dev with apt when missing. Sourced by
# scripts/setup.sh after kube.sh (it reuses kube.sh's builders); exports TRAINBOT_NODE_BIN (kubelet,
# kube-scheduler, containerd, containerd-shim-runc-v2, runc), TRAINBOT_PAUSE_OCI (an OCI layout, tag
# PAUSE_TAG) and TRAINBOT_CNI_BIN.
# shellcheck shell=bash
CONTAINERD_VERSION=2.2.9
RUNC_VERSION=1.3.3
# runc 1.3.3 replaces go-selinux with an in-tree copy carrying the CVE-2025-52881 fix, and the module zip
# leaves that copy out; upstream 1.13.1 has the fix (pathrs-lite procfs access) and runc's securejoin.
SELINUX_VERSION=1.13.1
PAUSE_TAG=3.10-trainbot

_node_t0=$SECONDS
_node_missing=()
[ -x /usr/lib/cni/bridge ] || _node_missing+=(containernetworking-plugins)
command -v socat >/dev/null 2>&1 || _node_missing+=(socat)
command -v gcc >/dev/null 2>&1 || _node_missing+=(gcc)
command -v pkg-config >/dev/null 2>&1 || _node_missing+=(pkg-config)
command -v ip >/dev/null 2>&1 || _node_missing+=(iproute2)
[ -f /usr/include/seccomp.h ] || _node_missing+=(libseccomp-dev)
# glibc's static archive, for the static pause binary.
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -f /usr/lib/aarch64-linux-gnu/libc.a ] || _node_missing+=(libc6-dev)
if [ ${#_node_missing[@]} -gt 0 ]; then
  echo "installing with apt: ${_node_missing[*]}"
  # Fetch the package lists only when the install fails without them (missing or stale), not on every run.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${_node_missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${_node_missing[@]}" >/dev/null
  }
fi
unset _node_missing

# _node_build_kube DEST: kubelet and kube-scheduler, the same way kube.sh builds the control plane.
_node_build_kube() { _kube_build_cmds "$1" kubelet kube-scheduler; }

# _node_build_containerd DEST: containerd and its runc shim. No CGO: the snapshotters left out
# (btrfs, devicemapper, zfs) are the ones that need it; overlayfs is what the node uses.
_node_build_containerd() {
  mkdir -p "$1/bin"
  _kube_go_env GOBIN="$1/bin" go install -trimpath -tags "no_btrfs no_devmapper no_zfs" \
    -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=v$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd@v$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@v$CONTAINERD_VERSION"
}

# _node_build_runc DEST: runc from the module proxy (Debian's 1.1 cannot run containerd 2's specs), with
# seccomp (cgo + libseccomp) so the Pods' RuntimeDefault profile is really applied.
_node_build_runc() {
  local src mod
  src="$(_kube_go_env go mod download -json "github.com/opencontainers/runc@v$RUNC_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  mod="$(mktemp -d /tmp/trainbot-runc-build.XXXXXX)"
  # shellcheck disable=SC2064 # expanded now on purpose: `mod` is local and gone when the trap runs
  trap "rm -rf '$mod'" EXIT
  cp -r "$src/." "$mod" && chmod -R u+w "$mod" && cd "$mod"
  # The vendor folder pins the replaced selinux; build from the module cache instead.
  rm -rf vendor
  _kube_go_env go mod edit -dropreplace github.com/opencontainers/selinux \
    -require "github.com/opencontainers/selinux@v$SELINUX_VERSION"
  _kube_go_env go mod tidy 2>tidy.log || { tail -20 tidy.log >&2; exit 1; }
  mkdir -p "$1/bin"
  _kube_go_env CGO_ENABLED=1 go build -trimpath -tags seccomp \
    -ldflags "-s -w -X main.version=$RUNC_VERSION" -o "$1/bin/runc" .
}

# _node_build_pause DEST: kubernetes' own pause.c, static, as a one-layer OCI image in DEST/oci (tag
# PAUSE_TAG). registry.k8s.io cannot be reached here, and busybox cannot stand in (it picks its applet
# from argv[0], so as /pause it exits at once).
_node_build_pause() {
  local src work
  src="$(_kube_go_env go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  work="$(mktemp -d /tmp/trainbot-pause-build.XXXXXX)"
  # shellcheck disable=SC2064 # expanded now on purpose: `work` is local and gone when the trap runs
  trap "rm -rf '$work'" EXIT
  mkdir -p "$1/bin" "$work/rootfs"
  gcc -Os -static -DVERSION="v$KUBE_VERSION-trainbot" -o "$1/bin/pause" "$src/build/pause/linux/pause.c"
  strip "$1/bin/pause"
  cp "$1/bin/pause" "$work/rootfs/pause"
  # Reproducible layer: fixed owner, order and time, gzip without a name or time stamp.
  tar -C "$work/rootfs" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/layer.tar" pause
  python3 - "$work/layer.tar" "$1/oci" "$PAUSE_TAG" <<'PY'
import gzip, hashlib, json, os, sys
layer_tar, out, tag = sys.argv[1:]
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
def blob(data, media_type):
    digest = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{digest}", "wb") as f:
        f.write(data)
    return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}
raw = open(layer_tar, "rb").read()
layer = blob(gzip.compress(raw, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip")
config = blob(json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Entrypoint": ["/pause"], "User": "65535:65535"},
    "rootfs": {"type": "layers", "diff_ids": [f"sha256:{hashlib.sha256(raw).hexdigest()}"]},
}, sort_keys=True).encode(), "application/vnd.oci.image.config.v1+json")
manifest = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "config": config, "layers": [layer]}, sort_keys=True).encode(),
                "application/vnd.oci.image.manifest.v1+json")
manifest["annotations"] = {"org.opencontainers.image.ref.name": tag}
json.dump({"schemaVersion": 2, "manifests": [manifest]}, open(f"{out}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
PY
}

_node_dir="$TRAINBOT_CACHE/node-v$KUBE_VERSION-containerd-v$CONTAINERD_VERSION-runc-v$RUNC_VERSION"
_kube_ensure "kubelet + kube-scheduler v$KUBE_VERSION" "$TRAINBOT_CACHE/kube-node-v$KUBE_VERSION" _node_build_kube
_kube_ensure "containerd v$CONTAINERD_VERSION" "$TRAINBOT_CACHE/containerd-v$CONTAINERD_VERSION" \
  _node_build_containerd CONTAINERD_VERSION="$CONTAINERD_VERSION"
_kube_ensure "runc v$RUNC_VERSION" "$TRAINBOT_CACHE/runc-v$RUNC_VERSION" \
  _node_build_runc RUNC_VERSION="$RUNC_VERSION" SELINUX_VERSION="$SELINUX_VERSION"
_kube_ensure "pause image $PAUSE_TAG" "$TRAINBOT_CACHE/pause-v$KUBE_VERSION" \
  _node_build_pause PAUSE_TAG="$PAUSE_TAG"
# One folder with every node binary, so the kubelet, containerd and its shim find each other on PATH.
mkdir -p "$_node_dir"
ln -sf "$TRAINBOT_CACHE/kube-node-v$KUBE_VERSION/bin/kubelet" "$TRAINBOT_CACHE/kube-node-v$KUBE_VERSION/bin/kube-scheduler" \
  "$TRAINBOT_CACHE/containerd-v$CONTAINERD_VERSION/bin/containerd" \
  "$TRAINBOT_CACHE/containerd-v$CONTAINERD_VERSION/bin/containerd-shim-runc-v2" \
  "$TRAINBOT_CACHE/runc-v$RUNC_VERSION/bin/runc" "$_node_dir/"
export TRAINBOT_NODE_BIN="$_node_dir"
export TRAINBOT_PAUSE_OCI="$TRAINBOT_CACHE/pause-v$KUBE_VERSION/oci"
export TRAINBOT_PAUSE_TAG="$PAUSE_TAG"
export TRAINBOT_CNI_BIN=/usr/lib/cni
echo "node components ready in $((SECONDS - _node_t0)) s (kubelet, kube-scheduler, containerd $CONTAINERD_VERSION, runc $RUNC_VERSION, pause)"
unset _node_dir _node_t0
