#!/usr/bin/env bash
# Build and start times of the real node's components (scripts/tools/node.sh, scripts/services/node.sh),
# printed as a Markdown table. Warm by default: the binaries come from $TRAINBOT_CACHE. With
# BENCH_COLD=1 each component is rebuilt into a throwaway cache first (Go's module and build caches stay
# warm unless you point GOMODCACHE/GOCACHE elsewhere too). Run from the repository root as root.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
source scripts/setup.sh --core >/dev/null
out="$(mktemp /tmp/trainbot-bench-node.XXXXXX)"
add_cleanup "rm -f '$out'"
# kube.sh builds the control plane the node needs; its own time is not part of these figures.
. scripts/tools/kube.sh >/dev/null
if [ "${BENCH_COLD:-}" = 1 ]; then
  cold="$(mktemp -d /tmp/trainbot-bench-cache.XXXXXX)"
  add_cleanup "rm -rf '$cold'"
  # The control plane is linked in from the real cache: only the node's own builds are cold.
  ln -s "$TRAINBOT_CACHE/kube-v$KUBE_VERSION" "$TRAINBOT_CACHE/etcd-v$ETCD_VERSION" "$cold/"
  TRAINBOT_CACHE="$cold"
fi
t0=$SECONDS
. scripts/tools/node.sh >"$out"   # not through a pipe: a pipeline would run it in a subshell
cat "$out" >&2
build=$((SECONDS - t0))
for svc in scripts/services/*.sh; do . "$svc"; done
start_mlflow >/dev/null
start_kube >/dev/null
if declare -F start_registry >/dev/null; then start_registry >/dev/null; fi
t0=$SECONDS
start_node >>"$out"
cat "$out" >&2
start=$((SECONDS - t0))
# figure PATTERN VERB: the seconds on the first line starting with PATTERN that says "… VERB N s".
figure() { sed -nE "s/^$1.* $2 ([0-9]+) s.*/\1/p" "$out" | head -1; }
echo "| component | $([ "${BENCH_COLD:-}" = 1 ] && echo cold || echo warm) (s) |"
echo "| --- | ---: |"
# Nothing is printed for a component already in the cache: its build costs nothing then.
for name in "kubelet \\+ kube-scheduler" "containerd" "runc" "pause image"; do
  echo "| build ${name/\\/} | $(figure "$name" "ready after") |"
done
echo "| scripts/tools/node.sh in all | $build |"
echo "| start kube-scheduler (healthz ok) | $(figure kube-scheduler "ready in") |"
echo "| start containerd (socket up) | $(figure containerd "ready in") |"
echo "| start kubelet (node Ready, not-ready taint gone) | $(figure kubelet "in") |"
echo "| start_node in all (netns, socat, pause push, configs, all three) | $start |"
