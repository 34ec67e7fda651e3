# Starts a real Kubernetes node next to the loopback control plane (scripts/services/kube.sh): kube-scheduler,
# containerd + runc and a kubelet, with the CNI bridge and every Pod inside a network namespace made here.
# Sourced; defines start_node (after start_kube and, when defined, start_registry), which exports
# TRAINBOT_REAL_NODE (the node's name), TRAINBOT_NODE_MLFLOW_URI (MLflow as the Pods reach it) and, when no
# registry was started before, TRAINBOT_REGISTRY; registers teardown with add_cleanup.
# Needs scripts/tools/node.sh (the binaries) and root (network namespaces, containers).
#
# The network rule of the machine: test traffic goes only to loopback or into namespaces the test made. So
# the Pods live in their own namespace with no way out, and reach exactly two things, each through a socat
# pair joined by a unix socket on the filesystem (no route, no veth into the root namespace):
#   Pods ── 10.244.0.1:P ──► socat (node ns) ══ unix socket ══► socat (root ns) ──► MLflow 127.0.0.1:P
#   containerd ── 127.0.0.1:R (node ns) ──► socat ══ unix socket ══► socat ──► registry 127.0.0.1:R
# The kubelet stays in the root namespace: it talks to containerd over a unix socket and the API server
# reaches it at localhost (the node is named `localhost`, so its Hostname address is loopback).
# shellcheck shell=bash

NODE_POD_SUBNET=10.244.0.0/24
NODE_POD_GATEWAY=10.244.0.1
# The label on namespaces whose Pods go to the real node; every other namespace keeps the test node
# (test/support/kube-test-node.ts), which binds its Pods itself.
NODE_NAMESPACE_LABEL=trainbot.dev/node=real
NODE_SCHEDULER=trainbot-real-node

# _node_spawn LOG CMD...: CMD in its own process group (setsid), output to LOG; teardown kills the group.
_node_spawn() {
  local log="$1" pid
  shift
  setsid "$@" >"$log" 2>&1 &
  pid=$!; disown "$pid"  # no "Killed" notice from bash at teardown
  add_cleanup "kill -KILL -- -$pid 2>/dev/null || true"
  _node_last_pid=$pid
}

# _node_socat_pair NS PORT BIND SOCK: BIND:PORT inside network namespace NS forwards to 127.0.0.1:PORT
# outside, through the unix socket SOCK.
_node_socat_pair() {
  local ns="$1" port="$2" bind="$3" sock="$4"
  _node_spawn "$sock.out.log" socat "UNIX-LISTEN:$sock,fork,mode=600" "TCP:127.0.0.1:$port"
  _node_spawn "$sock.in.log" nsenter --net="/run/netns/$ns" \
    socat "TCP-LISTEN:$port,bind=$bind,fork,reuseaddr" "UNIX-CONNECT:$sock"
}

# _node_api METHOD PATH [JSON]: one call to the API server as the admin.
_node_api() {
  curl -fsSk -X "$1" -H "Authorization: Bearer $_node_token" -H 'Content-Type: application/json' \
    "$_node_server$2" ${3:+--data "$3"}
}

# _node_teardown DIR NS: what the killed processes leave behind: containers and their shims (they outlive
# containerd by design), the container mounts, the namespaces. Runs after the processes were killed.
_node_teardown() {
  local dir="$1" ns="$2" mnt id pid shim
  for id in $("$TRAINBOT_NODE_BIN/runc" --root "$dir/runc/k8s.io" list -q 2>/dev/null); do
    "$TRAINBOT_NODE_BIN/runc" --root "$dir/runc/k8s.io" delete --force "$id" 2>/dev/null || true
  done
  # The shims of this node: shim processes started with this node's containerd socket.
  shim="$(readlink -f "$TRAINBOT_NODE_BIN/containerd-shim-runc-v2")"
  for pid in $(grep -lsF -- "$dir/containerd.sock" /proc/[0-9]*/cmdline | cut -d/ -f3); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$shim" ] && kill -KILL "$pid" 2>/dev/null
  done
  # Deepest first: overlay rootfs, the emptyDirs, the Pods' network namespace files.
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done
  # Pod network namespaces (containerd keeps them under its state dir); the node's own namespace last.
  ip netns delete "$ns" 2>/dev/null || true
  # The kubelet links every container log into /var/log/containers; only ours point into DIR.
  find /var/log/containers -maxdepth 1 -lname "$dir/*" -delete 2>/dev/null || true
  rm -rf /var/lib/cni/results/"$(basename "$dir")"-* 2>/dev/null || true
  rm -rf "$dir"
}

# _node_registry DIR: a docker-registry of the node's own on a free port, when none was started before.
_node_registry() {
  local dir="$1" port
  port="$(free_port)"
  mkdir -p "$dir/registry"
  printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$dir/registry" "$port" >"$dir/registry.yml"
  _node_spawn "$dir/registry.log" docker-registry serve "$dir/registry.yml"
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
  export TRAINBOT_REGISTRY="127.0.0.1:$port"
}

_node_write_configs() {
  local dir="$1" bin="$2" registry="$3" net="$4" kubelet_port="$5" healthz_port="$6"
  mkdir -p "$dir/cni/net.d" "$dir/certs.d/$registry" "$dir/containerd" "$dir/kubelet" "$dir/pod-logs"
  # The bridge exists before the first Pod (see start_node), so the gateway address is there for socat;
  # the plugin adopts it. No masquerading and no port mapping: nothing leaves the namespace.
  cat >"$dir/cni/net.d/10-trainbot.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "$net", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "dataDir": "$dir/cni/ipam",
            "ranges": [[{"subnet": "$NODE_POD_SUBNET", "gateway": "$NODE_POD_GATEWAY"}]],
            "routes": [{"dst": "0.0.0.0/0"}]}}]}
EOF
  printf 'server = "http://%s"\n\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' \
    "$registry" "$registry" >"$dir/certs.d/$registry/hosts.toml"
  cat >"$dir/containerd.toml" <<EOF
version = 3
root = "$dir/containerd/root"
state = "$dir/containerd/state"
# Nothing here uses NRI or tracing; off, so no global sockets or exporters.
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$dir/containerd.sock"

[plugins."io.containerd.cri.v1.runtime"]
  # No CAP_SYS_RESOURCE on this machine: the -998 the kubelet asks for sandboxes cannot be set.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_cdi = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["$TRAINBOT_CNI_BIN"]
    conf_dir = "$dir/cni/net.d"
    max_conf_num = 1
    # containerd brings the Pods' lo up itself: the loopback plugin would leave a cache file in /var/lib/cni.
    use_internal_loopback = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "$bin/runc"
        # runc's state under DIR too, so teardown can find and kill exactly this node's containers.
        Root = "$dir/runc"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "$registry/trainbot/pause:$TRAINBOT_PAUSE_TAG"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "$dir/certs.d"

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
EOF
  # Per ../shared/ENVIRONMENT.md "A real node": cgroup v1 needs failCgroupV1 false; no QoS cgroups and no
  # node-allocatable enforcement on a shared machine; anonymous + AlwaysAllow so the API server (which has
  # no kubelet client certificate here) can read logs. Disk-pressure eviction off: the build machine's disk
  # is not the test's business.
  cat >"$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $kubelet_port
healthzBindAddress: 127.0.0.1
healthzPort: $healthz_port
readOnlyPort: 0
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
localStorageCapacityIsolation: false
resolvConf: ""
containerRuntimeEndpoint: unix://$dir/containerd.sock
podLogsDir: $dir/pod-logs
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "0%", imagefs.available: "0%"}
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
EOF
  cat >"$dir/scheduler.yaml" <<EOF
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection: {kubeconfig: $TRAINBOT_KUBE_ADMIN_KUBECONFIG}
leaderElection: {leaderElect: false}
# Only Pods that ask for this scheduler (the admission policy below sets it in labelled namespaces), and
# only onto the real node: the test node keeps binding its own Pods, and real Pods never land on it.
profiles:
- schedulerName: $NODE_SCHEDULER
  pluginConfig:
  - name: NodeAffinity
    args:
      addedAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          nodeSelectorTerms:
          - matchExpressions: [{key: ${NODE_NAMESPACE_LABEL%=*}, operator: In, values: [${NODE_NAMESPACE_LABEL#*=}]}]
EOF
}

# _node_admission_policy: Pods created in namespaces labelled NODE_NAMESPACE_LABEL ask for the real node's
# scheduler. trainbot's Job manifest stays exactly what production sends; only the test cluster routes it.
_node_admission_policy() {
  local key="${NODE_NAMESPACE_LABEL%=*}" value="${NODE_NAMESPACE_LABEL#*=}"
  _node_api POST /apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies "$(cat <<EOF
{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingAdmissionPolicy",
 "metadata": {"name": "$NODE_SCHEDULER"},
 "spec": {"failurePolicy": "Fail", "reinvocationPolicy": "Never",
  "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}]},
  "mutations": [{"patchType": "ApplyConfiguration",
    "applyConfiguration": {"expression": "Object{spec: Object.spec{schedulerName: \"$NODE_SCHEDULER\"}}"}}]}}
EOF
)" >/dev/null
  _node_api POST /apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicybindings "$(cat <<EOF
{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingAdmissionPolicyBinding",
 "metadata": {"name": "$NODE_SCHEDULER"},
 "spec": {"policyName": "$NODE_SCHEDULER",
  "matchResources": {"namespaceSelector": {"matchLabels": {"$key": "$value"}}}}}
EOF
)" >/dev/null
}

# _node_wait_ready T0: until the node is Ready and schedulable (the lifecycle controller removed the
# kubelet's not-ready taint).
_node_wait_ready() {
  local dir="$1" kubelet_pid="$2" node
  for _ in $(seq 1 600); do
    node="$(_node_api GET /api/v1/nodes/localhost 2>/dev/null || true)"
    if [ -n "$node" ] && python3 -c '
import json, sys
n = json.loads(sys.argv[1])
ready = any(c["type"] == "Ready" and c["status"] == "True" for c in n.get("status", {}).get("conditions", []))
tainted = any(t["key"].startswith("node.kubernetes.io/") for t in n.get("spec", {}).get("taints", []) or [])
sys.exit(0 if ready and not tainted else 1)' "$node"; then return 0; fi
    if ! kill -0 "$kubelet_pid" 2>/dev/null; then echo "kubelet died:"; tail -20 "$dir/kubelet.log"; return 1; fi
    sleep 0.2
  done
  echo "the node did not become Ready:"; tail -20 "$dir/kubelet.log"; return 1
}

start_node() {
  local bin="${TRAINBOT_NODE_BIN:?run scripts/setup.sh first (scripts/tools/node.sh builds the node)}"
  : "${TRAINBOT_KUBE_ADMIN_KUBECONFIG:?start_kube first}" "${MLFLOW_TRACKING_URI:?start_mlflow first}"
  local dir ns net registry mlflow_port kubelet_port healthz_port sched_port t0=$SECONDS t
  dir="$(mktemp -d /tmp/trainbot-node.XXXXXX)"
  net="$(basename "$dir")"
  ns="$net"
  _node_token="$(sed -n 's/^ *token: //p' "$TRAINBOT_KUBE_ADMIN_KUBECONFIG")"
  _node_server="$(sed -n 's/^ *server: //p' "$TRAINBOT_KUBE_ADMIN_KUBECONFIG")"
  # Registered first, so it runs last: after every process below is killed.
  add_cleanup "_node_teardown '$dir' '$ns'"

  [ -n "${TRAINBOT_REGISTRY:-}" ] || _node_registry "$dir"
  registry="$TRAINBOT_REGISTRY"
  skopeo copy --quiet --dest-tls-verify=false "oci:$TRAINBOT_PAUSE_OCI:$TRAINBOT_PAUSE_TAG" \
    "docker://$registry/trainbot/pause:$TRAINBOT_PAUSE_TAG"

  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add cni0 type bridge
  ip -n "$ns" addr add "$NODE_POD_GATEWAY/${NODE_POD_SUBNET#*/}" dev cni0
  ip -n "$ns" link set cni0 up
  mlflow_port="${MLFLOW_TRACKING_URI##*:}"
  _node_socat_pair "$ns" "$mlflow_port" "$NODE_POD_GATEWAY" "$dir/mlflow.sock"
  _node_socat_pair "$ns" "${registry##*:}" 127.0.0.1 "$dir/registry.sock"

  kubelet_port="$(free_port)"; healthz_port="$(free_port)"; sched_port="$(free_port)"
  _node_write_configs "$dir" "$bin" "$registry" "$net" "$kubelet_port" "$healthz_port"
  _node_admission_policy

  t=$SECONDS
  _node_spawn "$dir/kube-scheduler.log" "$bin/kube-scheduler" --config="$dir/scheduler.yaml" \
    --bind-address=127.0.0.1 --secure-port="$sched_port"
  _kube_wait_ready "https://127.0.0.1:$sched_port/healthz" "" "$_node_last_pid" "$dir/kube-scheduler.log" || return 1
  echo "kube-scheduler ready in $((SECONDS - t)) s"

  t=$SECONDS
  # containerd inside the node's network namespace, so the bridge plugin makes the bridge and the Pods'
  # veths there. PATH: containerd finds its shim there.
  _node_spawn "$dir/containerd.log" env PATH="$bin:$PATH" nsenter --net="/run/netns/$ns" \
    "$bin/containerd" --config "$dir/containerd.toml"
  for _ in $(seq 1 100); do [ -S "$dir/containerd.sock" ] && break; sleep 0.1; done
  [ -S "$dir/containerd.sock" ] || { echo "containerd did not start:"; tail -20 "$dir/containerd.log"; return 1; }
  echo "containerd ready in $((SECONDS - t)) s"

  t=$SECONDS
  _node_spawn "$dir/kubelet.log" "$bin/kubelet" --config="$dir/kubelet.yaml" \
    --kubeconfig="$TRAINBOT_KUBE_ADMIN_KUBECONFIG" --hostname-override=localhost \
    --node-labels="$NODE_NAMESPACE_LABEL" --root-dir="$dir/kubelet" --cert-dir="$dir/kubelet/pki"
  _node_wait_ready "$dir" "$_node_last_pid" || return 1
  echo "kubelet ready (node Ready, untainted) in $((SECONDS - t)) s"

  export TRAINBOT_REAL_NODE=localhost
  export TRAINBOT_REAL_NODE_LABEL="$NODE_NAMESPACE_LABEL"
  export TRAINBOT_NODE_MLFLOW_URI="http://$NODE_POD_GATEWAY:$mlflow_port"
  echo "real node up in $((SECONDS - t0)) s: kubelet $("$bin/kubelet" --version | cut -d' ' -f2)," \
    "Pods in netns $ns reach MLflow at $TRAINBOT_NODE_MLFLOW_URI, registry $registry (logs in $dir)"
}
