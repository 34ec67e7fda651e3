# Builds a real Kubernetes control plane (kube-apiserver, kube-controller-manager, etcd) from the Go module
# proxy, once per pinned version. Sourced by scripts/setup.sh; exports TRAINBOT_KUBE_BIN and puts it on PATH.
# shellcheck shell=bash
KUBE_VERSION=1.37.2
ETCD_VERSION=3.6.16

# The upstream modules point their siblings at local folders with `replace`, so `go install module@version`
# refuses them: each build gets a tiny module of our own that pins the siblings to released versions.
_kube_go_env() {
  # GOTOOLCHAIN=local: never fetch another Go toolchain behind the caller's back.
  env GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOWORK=off CGO_ENABLED=0 "$@"
}

# The builders run in a fresh `bash -euo pipefail` (see _kube_ensure), so any failing step stops them.
# _kube_build_cmds DEST CMD...: the named commands of k8s.io/kubernetes (cmd/CMD) into DEST/bin.
_kube_build_cmds() {
  local dest="$1" mod gomod cmd imports="" pkgs=()
  shift
  mod="$(mktemp -d /tmp/trainbot-kube-build.XXXXXX)"
  # shellcheck disable=SC2064 # expanded now on purpose: `mod` is local and gone when the trap runs
  trap "rm -rf '$mod'" EXIT
  cd "$mod" || exit 1
  _kube_go_env go mod init trainbot.local/kube-build >/dev/null 2>&1
  gomod="$(_kube_go_env go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')"
  {
    echo "require k8s.io/kubernetes v$KUBE_VERSION"
    # Every `k8s.io/<name> => ./staging/...` in kubernetes' own go.mod becomes the matching v0 release.
    sed -nE 's#^[[:space:]]*(k8s\.io/[^[:space:]]+)[[:space:]]+=>[[:space:]]+\./staging/.*#\1#p' "$gomod" |
      while read -r staging; do echo "replace $staging => $staging v0.${KUBE_VERSION#1.}"; done
  } >>go.mod
  for cmd in "$@"; do imports+="\t_ \"k8s.io/kubernetes/cmd/$cmd\"\n"; pkgs+=("k8s.io/kubernetes/cmd/$cmd"); done
  printf '//go:build tools\n\npackage tools\n\nimport (\n%b)\n' "$imports" >tools.go
  _kube_go_env go mod tidy 2>tidy.log || { tail -20 tidy.log >&2; exit 1; }
  local v=k8s.io/component-base/version
  mkdir -p "$dest/bin"
  # The version stamps are what official builds set; without them the binaries report v0.0.0-master.
  _kube_go_env go build -trimpath \
    -ldflags="-s -w -X $v.gitVersion=v$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)" \
    -o "$dest/bin/" "${pkgs[@]}"
}

# _kube_build_control_plane DEST: kube-apiserver and kube-controller-manager into DEST/bin.
_kube_build_control_plane() { _kube_build_cmds "$1" kube-apiserver kube-controller-manager; }

# _kube_build_etcd DEST: etcd into DEST/bin.
_kube_build_etcd() {
  local dest="$1" mod
  mod="$(mktemp -d /tmp/trainbot-etcd-build.XXXXXX)"
  # shellcheck disable=SC2064 # expanded now on purpose: `mod` is local and gone when the trap runs
  trap "rm -rf '$mod'" EXIT
  cd "$mod" || exit 1
  _kube_go_env go mod init trainbot.local/etcd-build >/dev/null 2>&1
  {
    echo "require go.etcd.io/etcd/server/v3 v$ETCD_VERSION"
    for sibling in api/v3 client/pkg/v3 client/v3 pkg/v3; do
      echo "replace go.etcd.io/etcd/$sibling => go.etcd.io/etcd/$sibling v$ETCD_VERSION"
    done
  } >>go.mod
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' >main.go
  _kube_go_env go mod tidy 2>tidy.log || { tail -20 tidy.log >&2; exit 1; }
  mkdir -p "$dest/bin"
  _kube_go_env go build -trimpath -ldflags="-s -w" -o "$dest/bin/etcd" .
}

# _kube_ensure NAME DIR BUILDER [VAR=VALUE...]: run BUILDER into DIR unless a previous build finished (the
# marker). The VAR=VALUEs reach the builder's environment (scripts/tools/node.sh passes its versions so).
_kube_ensure() {
  local name="$1" dir="$2" builder="$3" t0=$SECONDS
  shift 3
  [ -f "$dir/.complete" ] && return 0
  echo "building $name (cold: up to several minutes on 2 cores; other shells wait for this one)"
  # flock: several shells may source setup.sh at once; one builds, the others wait and reuse its result.
  # A separate shell: inside `cmd || …` bash would ignore `set -e`, and a sourced script must not exit.
  env KUBE_VERSION="$KUBE_VERSION" ETCD_VERSION="$ETCD_VERSION" "$@" flock "$dir.lock" bash -euo pipefail -c \
    "$(declare -f _kube_go_env _kube_build_cmds "$builder")
     [ -f \"\$1/.complete\" ] && exit 0
     rm -rf \"\$1\"
     $builder \"\$1\"
     touch \"\$1/.complete\"" _ "$dir" || { echo "building $name failed" >&2; return 1; }
  echo "$name ready after $((SECONDS - t0)) s: $(du -sh "$dir/bin" | cut -f1)"
}

_kube_ensure "etcd v$ETCD_VERSION" "$TRAINBOT_CACHE/etcd-v$ETCD_VERSION" _kube_build_etcd
_kube_ensure "kube v$KUBE_VERSION" "$TRAINBOT_CACHE/kube-v$KUBE_VERSION" _kube_build_control_plane
export TRAINBOT_KUBE_BIN="$TRAINBOT_CACHE/kube-v$KUBE_VERSION/bin"
export TRAINBOT_ETCD_BIN="$TRAINBOT_CACHE/etcd-v$ETCD_VERSION/bin"
export PATH="$TRAINBOT_KUBE_BIN:$TRAINBOT_ETCD_BIN:$PATH"
