# Starts a real Kubernetes control plane on loopback for the integration tests: etcd, kube-apiserver (RBAC,
# token auth) and kube-controller-manager (Job, garbage-collector, TTL and node-lifecycle controllers; the
# last one lifts the real kubelet's not-ready taint). The node comes from scripts/services/node.sh (a real
# kubelet) and test/support/kube-test-node.ts (the fast stand-in). Sourced; defines start_kube, which exports
# TRAINBOT_KUBE_ADMIN_KUBECONFIG and registers teardown with add_cleanup. Needs scripts/tools/kube.sh.
# shellcheck shell=bash

# _kube_wait_ready URL TOKEN PID LOG: poll URL until it answers "ok"; fail early when PID dies.
_kube_wait_ready() {
  local url="$1" token="$2" pid="$3" log="$4" _
  for _ in $(seq 1 300); do
    if [ "$(curl -sk -H "Authorization: Bearer $token" "$url" 2>/dev/null)" = ok ]; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "$(basename "$log" .log) died:"; tail -20 "$log"; return 1; fi
    sleep 0.1
  done
  echo "$url did not become ready:"; tail -20 "$log"; return 1
}

# _kube_write_kubeconfig FILE SERVER TOKEN: a kubeconfig for one token; the server's cert is self-signed.
_kube_write_kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: loopback
  cluster:
    server: $2
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: $3
contexts:
- name: loopback
  context: {cluster: loopback, user: admin}
current-context: loopback
EOF
}

start_kube() {
  local dir bin="${TRAINBOT_KUBE_BIN:?run scripts/setup.sh first (it builds the Kubernetes binaries)}"
  local etcd_bin="${TRAINBOT_ETCD_BIN:?run scripts/setup.sh first (it builds etcd)}"
  local etcd_port peer_port api_port cm_port token pid t0=$SECONDS
  dir="$(mktemp -d /tmp/trainbot-kube.XXXXXX)"
  add_cleanup "rm -rf '$dir'"
  mkdir -p "$dir/etcd" "$dir/certs"
  etcd_port="$(free_port)"; peer_port="$(free_port)"; api_port="$(free_port)"; cm_port="$(free_port)"

  token="$(openssl rand -hex 24)"
  echo "$token,trainbot-admin,trainbot-admin,\"system:masters\"" >"$dir/tokens.csv"
  # Service-account tokens (TokenRequest) are signed with this pair; the tests bind the bot to a real Role.
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  _kube_write_kubeconfig "$dir/admin.kubeconfig" "https://127.0.0.1:$api_port" "$token"

  # setsid: each server leads its own process group, so teardown can kill exactly it. SIGKILL, because the
  # state is thrown away and, on SIGTERM, kube-apiserver's graceful shutdown and etcd's wait for its
  # clients' watch streams hold each other up for minutes.
  setsid "$etcd_bin/etcd" --data-dir "$dir/etcd" --name trainbot \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "trainbot=http://127.0.0.1:$peer_port" --unsafe-no-fsync >"$dir/etcd.log" 2>&1 &
  pid=$!; disown "$pid"  # no "Killed" notice from bash at teardown
  add_cleanup "kill -KILL -- -$pid 2>/dev/null || true"
  _kube_wait_ready "http://127.0.0.1:$etcd_port/readyz" "" "$pid" "$dir/etcd.log" || return 1

  setsid "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --secure-port="$api_port" --cert-dir="$dir/certs" \
    --token-auth-file="$dir/tokens.csv" --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$dir/sa.pub" --service-account-signing-key-file="$dir/sa.key" \
    --service-cluster-ip-range=10.96.0.0/24 --disable-admission-plugins=ServiceAccount \
    >"$dir/kube-apiserver.log" 2>&1 &
  pid=$!; disown "$pid"  # no "Killed" notice from bash at teardown
  add_cleanup "kill -KILL -- -$pid 2>/dev/null || true"
  _kube_wait_ready "https://127.0.0.1:$api_port/readyz" "$token" "$pid" "$dir/kube-apiserver.log" || return 1

  setsid "$bin/kube-controller-manager" --kubeconfig="$dir/admin.kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port="$cm_port" \
    --controllers=job-controller,garbage-collector-controller,ttl-after-finished-controller,node-lifecycle-controller \
    >"$dir/kube-controller-manager.log" 2>&1 &
  pid=$!; disown "$pid"  # no "Killed" notice from bash at teardown
  add_cleanup "kill -KILL -- -$pid 2>/dev/null || true"
  _kube_wait_ready "https://127.0.0.1:$cm_port/healthz" "" "$pid" "$dir/kube-controller-manager.log" || return 1

  export TRAINBOT_KUBE_ADMIN_KUBECONFIG="$dir/admin.kubeconfig"
  echo "kube-apiserver $("$bin/kube-apiserver" --version | cut -d' ' -f2) at https://127.0.0.1:$api_port" \
    "ready in $((SECONDS - t0)) s (logs in $dir)"
}
