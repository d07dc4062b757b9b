#!/usr/bin/env bash
# A real local Kubernetes control plane for the e2e tests and the local demo: etcd,
# kube-apiserver, kube-controller-manager and kube-scheduler, plus kwok simulating one node
# (kwok-node-0) and the pods bound to it. No Docker, no kubelet, no container runtime.
#
# Usage: scripts/cluster.sh build|up|down|env|status|reset
#   build   build missing binaries from the Go module proxy into the cache (needs Go; see below)
#   up      build if needed, then start everything (a no-op when already running)
#   down    stop every process `up` started, by PID (state is kept, the next `up` resumes it)
#   env     print `export KUBECONFIG=…` (and the issuer and state dir): eval "$(scripts/cluster.sh env)"
#   status  say what runs, with PIDs
#   reset   down, then delete the state dir (certificates, etcd data, logs)
#
# Binaries: ${XDG_CACHE_HOME:-~/.cache}/bifrost-aks/cluster/{k8s-vX,etcd-vX,kwok-vX}/bin, built
# from the wrapper modules in scripts/cluster/{k8s,etcd,kwok} (their go.mod pins the versions)
# with GOTOOLCHAIN=local. State: $BIFROST_CLUSTER_STATE (default <cache>/state): pki/, logs/,
# run/*.pid, etcd/, kwok/, kubeconfig.
#
# Environment:
#   BIFROST_CLUSTER_ISSUER     ServiceAccount token issuer (default https://oidc.bifrost-aks.local.test/)
#   BIFROST_CLUSTER_STATE      state dir;  BIFROST_CLUSTER_CACHE  binary cache root
#   BIFROST_CLUSTER_API_PORT   kube-apiserver port on 127.0.0.1 (default 16443); also
#   BIFROST_CLUSTER_ETCD_PORT (16379), BIFROST_CLUSTER_KWOK_PORT (16250)
#   BIFROST_CLUSTER_INSTANCE   1–9: a second, independent control plane beside the default one
#                              (0): its own state dir (<cache>/state-<n>), ports (each +100·n), pod
#                              CIDR (10.<244+n>.0.0/16) and pod network namespace (bifrost-pods-<n>),
#                              so it can be restarted or reconfigured while the default one serves
#
# How pods behave (kwok stages in scripts/cluster/kwok/stages):
#   - every pod bound to kwok-node-0 becomes Running and Ready; Job pods then Succeed (exit 0).
#   - pod annotations a test can set (on a Job's or Deployment's pod template):
#       bifrost-aks.test/fail: "<message>"
#           the Running pod terminates with reason Error, that message and exit code
#           bifrost-aks.test/exit-code (default 1); phase Failed. A Job with backoffLimit 0
#           then fails with reason BackoffLimitExceeded.
#       bifrost-aks.test/image-pull-error: "<message>"
#           the pod never starts: waiting reason ErrImagePull, then ImagePullBackOff, with a
#           Warning `Failed` event `Failed to pull image "<image>": <message>`.
#       bifrost-aks.test/log-file: "<absolute path>"
#           what `kubectl logs` / pods/log returns for the pod: that file, in CRI log format
#           (`<RFC3339Nano time> stdout F <line>`). Default: <state>/kwok/default.log.
#     Logs are served by kwok's kubelet API; the pod-ready stage applies a kwok `Logs` object
#     (owned by the pod) naming the file.
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly MODULES_DIR="$SCRIPT_DIR/cluster"

# Versions come from the wrapper modules' go.mod, the single place they are pinned.
module_version() { awk -v m="$2" '($1 == "require" && $2 == m) { print $3 }' "$MODULES_DIR/$1/go.mod"; }
readonly K8S_VERSION="$(module_version k8s k8s.io/kubernetes)"
readonly ETCD_VERSION="$(module_version etcd go.etcd.io/etcd/server/v3)"
readonly KWOK_VERSION="$(module_version kwok sigs.k8s.io/kwok)"

readonly CACHE_ROOT="${BIFROST_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bifrost-aks/cluster}"
readonly K8S_BIN="$CACHE_ROOT/k8s-$K8S_VERSION/bin"
readonly ETCD_BIN="$CACHE_ROOT/etcd-$ETCD_VERSION/bin"
readonly KWOK_BIN="$CACHE_ROOT/kwok-$KWOK_VERSION/bin"
readonly INSTANCE="${BIFROST_CLUSTER_INSTANCE:-0}"
[[ "$INSTANCE" =~ ^[0-9]$ ]] || { printf 'cluster: error: BIFROST_CLUSTER_INSTANCE must be 0–9, not %s\n' "$INSTANCE" >&2; exit 1; }
if ((INSTANCE == 0)); then readonly DEFAULT_STATE="$CACHE_ROOT/state"; else readonly DEFAULT_STATE="$CACHE_ROOT/state-$INSTANCE"; fi
readonly STATE="${BIFROST_CLUSTER_STATE:-$DEFAULT_STATE}"
readonly PKI="$STATE/pki" RUN="$STATE/run" LOGS="$STATE/logs"
readonly KUBECONFIG_PATH="$STATE/kubeconfig"
readonly NODE_NAME=kwok-node-0
readonly SERVICE_CIDR=10.96.0.0/16 SERVICE_IP=10.96.0.1 POD_CIDR="10.$((244 + INSTANCE)).0.0/16"
# Start order; `down` stops in reverse.
readonly COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

ISSUER="${BIFROST_CLUSTER_ISSUER:-https://oidc.bifrost-aks.local.test/}"
API_PORT="${BIFROST_CLUSTER_API_PORT:-$((16443 + 100 * INSTANCE))}"
ETCD_PORT="${BIFROST_CLUSTER_ETCD_PORT:-$((16379 + 100 * INSTANCE))}"
KWOK_PORT="${BIFROST_CLUSTER_KWOK_PORT:-$((16250 + 100 * INSTANCE))}"

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { printf 'cluster: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------- build
go_build() { # <module dir> <output dir> <ldflags> <package>...
  local module="$1" out="$2" ldflags="$3"; shift 3
  command -v go >/dev/null 2>&1 || die "Go is not installed, and these binaries are not cached yet: $*.
  The local control plane is built from the Go module proxy (see scripts/cluster/README.md).
  Install Go >= 1.26 (https://go.dev/dl/) and run 'scripts/cluster.sh build' (about 10 minutes once),
  or copy prebuilt binaries into $out."
  local tmp; tmp="$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")"
  log "building $* (GOTOOLCHAIN=local, $(go env GOVERSION)) …"
  # Build into a temporary dir and move into place, so an interrupted build leaves no half binary.
  (cd "$MODULES_DIR/$module" && GOTOOLCHAIN=local go build -trimpath -ldflags "$ldflags" -o "$tmp/" "$@") \
    || { rm -rf "$tmp"; die "go build failed in scripts/cluster/$module"; }
  mkdir -p "$out"; mv "$tmp"/* "$out/"; rmdir "$tmp"
}

cmd_build() {
  mkdir -p "$CACHE_ROOT"
  local missing=() name steps=() step
  for name in kube-apiserver kube-controller-manager kube-scheduler; do
    [[ -x "$K8S_BIN/$name" ]] || missing+=("k8s.io/kubernetes/cmd/$name")
  done
  # go names the etcd binary after the last path element that is not a major version: "server".
  [[ -x "$ETCD_BIN/server" ]] && mv "$ETCD_BIN/server" "$ETCD_BIN/etcd"
  ((${#missing[@]})) && steps+=(k8s)
  [[ -x "$ETCD_BIN/etcd" ]] || steps+=(etcd)
  [[ -x "$KWOK_BIN/kwok" ]] || steps+=(kwok)
  pod_network needs-build && steps+=(pod-http)
  ((${#steps[@]})) || return 0
  local started=$SECONDS n=0
  for step in "${steps[@]}"; do
    n=$((n + 1))
    log "build step $n of ${#steps[@]}: $(build_component "$step") (elapsed $(elapsed $((SECONDS - started))))"
    case "$step" in
      k8s)
        local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
        # Without these the servers report v0.0.0 and clients warn about the version skew.
        go_build k8s "$K8S_BIN" "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
-X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION" "${missing[@]}" ;;
      etcd)
        go_build etcd "$ETCD_BIN" "-s -w" go.etcd.io/etcd/server/v3
        [[ -x "$ETCD_BIN/server" ]] && mv "$ETCD_BIN/server" "$ETCD_BIN/etcd" ;;
      kwok) go_build kwok "$KWOK_BIN" "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok ;;
      pod-http) pod_network build || true ;; # pod-network: optional, its message says why
    esac
  done
  log "build done: ${#steps[@]} step(s) in $(elapsed $((SECONDS - started))), cached in $CACHE_ROOT"
  return 0
}

build_component() {
  case "$1" in
    k8s) echo "kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION (the longest, ~6 min on 2 cores)" ;;
    etcd) echo "etcd $ETCD_VERSION" ;;
    kwok) echo "kwok $KWOK_VERSION" ;;
    pod-http) echo "pod-http (the pod network's HTTP answerer)" ;;
  esac
}

elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# ----------------------------------------------------------------------------------------- pki
# Certificates are made once per state dir; `reset` makes new ones.
make_cert() { # <name> <subject> [subjectAltName]: a key and a certificate signed by the local CA
  local name="$1" subject="$2" san="${3:-}"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  local ext="$PKI/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n "$san" ]]; then echo "extendedKeyUsage=serverAuth"; echo "subjectAltName=$san"
    else echo "extendedKeyUsage=clientAuth"; fi
  } >"$ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

ensure_pki() {
  [[ -s "$PKI/done" ]] && return 0
  log "generating certificates in $PKI"
  rm -rf "$PKI"; mkdir -p "$PKI"; chmod 700 "$PKI"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=bifrost-aks-local-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$PKI/ca.crt" 2>/dev/null
  make_cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  make_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  make_cert admin "/O=system:masters/CN=bifrost-aks-admin"
  make_cert kube-controller-manager "/CN=system:kube-controller-manager"
  make_cert kube-scheduler "/CN=system:kube-scheduler"
  make_cert kwok-client "/O=system:masters/CN=kwok"
  make_cert kwok-serving "/CN=$NODE_NAME" "IP:127.0.0.1,DNS:localhost,DNS:$NODE_NAME"
  # ServiceAccount token signing key: RSA, so tokens are RS256 as on AKS.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI"/*.key
  date -u +%FT%TZ >"$PKI/done"
}

write_kubeconfig() { # <path> <client cert name>
  local b64="base64 -w0"
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: bifrost-aks-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $($b64 <"$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $($b64 <"$PKI/$2.crt")
    client-key-data: $($b64 <"$PKI/$2.key")
contexts:
- name: bifrost-aks-local
  context: {cluster: bifrost-aks-local, user: $2, namespace: default}
current-context: bifrost-aks-local
EOF
  chmod 600 "$1"
}

# ----------------------------------------------------------------------------------- processes
pid_of() { # prints the PID of a component started by `up` if it still runs that binary
  local file="$RUN/$1.pid" pid
  [[ -s "$file" ]] || return 1
  pid="$(<"$file")"
  # Guard against PID reuse: the process must still run our binary (argv[0] is its path).
  local argv0
  argv0="$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | head -n 1)" || return 1
  [[ "${argv0##*/}" == "$1" ]] || return 1
  echo "$pid"
}

start_daemon() { # <name> <binary> <args>…: detached (own session, no inherited stdio), logs in $LOGS
  local name="$1"; shift
  # setsid execs in place here (a background job is not a process group leader), so $! is the
  # daemon's own PID. Closed stdio keeps callers such as jest from waiting on the daemons, and
  # closing fd 9 keeps them from holding with_lock's lock for as long as they run.
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/$name.pid"
}

wait_for() { # <what> <seconds> <command>…: poll a readiness probe, fail with the component's log
  local what="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)) || ! pid_of "$what" >/dev/null; then
      log "$what did not become ready; last lines of $LOGS/$what.log:"
      tail -n 25 "$LOGS/$what.log" >&2 || true
      die "$what failed to start"
    fi
    sleep 0.25
  done
}

api_get() { # <path>: GET on the apiserver as admin
  curl -fsS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$API_PORT$1"
}

kubectl_admin() { kubectl --kubeconfig "$KUBECONFIG_PATH" "$@"; }

# pod-network: routes POD_CIDR to our own network namespace, where pod-http answers for every pod
# IP (scripts/cluster/pod-network.sh). Optional: on failure it warns and keeps the blackhole.
pod_network() {
  env BIFROST_CLUSTER_STATE="$STATE" BIFROST_CLUSTER_CACHE="$CACHE_ROOT" POD_CIDR="$POD_CIDR" \
    BIFROST_CLUSTER_INSTANCE="$INSTANCE" bash "$MODULES_DIR/pod-network.sh" "$@"
}

# aks-entra: a static bearer token (kube-apiserver --token-auth-file, user aks-entra-user in
# system:masters) standing in for an Entra ID token of the AKS server app: the Entra emulator of
# __tests__/e2e/azure.test.ts issues exactly this token for that scope. Made once per state dir.
ensure_static_token() {
  [[ -s "$PKI/static-tokens.csv" ]] && return 0
  printf '%s,aks-entra-user,aks-entra-user,"system:masters"\n' "$(openssl rand -hex 32)" >"$PKI/static-tokens.csv"
  chmod 600 "$PKI/static-tokens.csv"
}

running_components() { local c; for c in "${COMPONENTS[@]}"; do pid_of "$c" >/dev/null && echo "$c"; done; return 0; }

load_recorded_settings() { # ports and issuer of the cluster the state dir describes
  # shellcheck disable=SC1091
  [[ -s "$STATE/settings.env" ]] && source "$STATE/settings.env"
  return 0
}

# ------------------------------------------------------------------------------------ commands
cmd_up() {
  command -v kubectl >/dev/null || die "kubectl is required (it applies the node and kwok's Logs CRD)"
  command -v curl >/dev/null || die "curl is required (readiness probes)"
  command -v openssl >/dev/null || die "openssl is required (certificates)"
  cmd_build
  mkdir -p "$RUN" "$LOGS" "$STATE/kwok" "$STATE/pod-logs"

  local running; running="$(running_components | wc -l)"
  if ((running == ${#COMPONENTS[@]})); then
    local wanted_issuer="$ISSUER"
    load_recorded_settings
    if [[ -n "${BIFROST_CLUSTER_ISSUER:-}" && "$wanted_issuer" != "$ISSUER" ]]; then
      die "the running cluster uses issuer $ISSUER, not $wanted_issuer: run 'scripts/cluster.sh down' first"
    fi
    if api_get /readyz >/dev/null; then
      grep -qa -- --token-auth-file "/proc/$(pid_of kube-apiserver)/cmdline" || # aks-entra
        log "warning: kube-apiserver runs without --token-auth-file (started before it was added): 'down' then 'up' to add it"
      pod_network up || true # pod-network: idempotent; a cluster started before it gets it now
      node_ephemeral_storage
      log "already running (kubeconfig $KUBECONFIG_PATH)"; return 0
    fi
  fi
  ((running == 0)) || { log "partly running: restarting"; cmd_down; }

  ensure_pki
  ensure_static_token # aks-entra
  printf 'ISSUER=%q\nAPI_PORT=%q\nETCD_PORT=%q\nKWOK_PORT=%q\n' \
    "$ISSUER" "$API_PORT" "$ETCD_PORT" "$KWOK_PORT" >"$STATE/settings.env"
  write_kubeconfig "$KUBECONFIG_PATH" admin
  write_kubeconfig "$STATE/kube-controller-manager.kubeconfig" kube-controller-manager
  write_kubeconfig "$STATE/kube-scheduler.kubeconfig" kube-scheduler
  write_kubeconfig "$STATE/kwok.kubeconfig" kwok-client

  log "starting etcd $ETCD_VERSION"
  start_daemon etcd "$ETCD_BIN/etcd" --name=bifrost-aks-local --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-advertise-peer-urls="http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster="bifrost-aks-local=http://127.0.0.1:$((ETCD_PORT + 1))" \
    --unsafe-no-fsync=true --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) --log-level=warn
  wait_for etcd 30 curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

  # --endpoint-reconciler-type=none: the `kubernetes` Service cannot have a loopback endpoint
  # (the reconciler would log an error every 10 s); nothing here reaches the API through it.
  log "starting kube-apiserver $K8S_VERSION on https://127.0.0.1:$API_PORT (issuer $ISSUER)"
  start_daemon kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --authorization-mode=RBAC \
    --service-account-issuer="$ISSUER" --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=true \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --endpoint-reconciler-type=none --profiling=false \
    --token-auth-file="$PKI/static-tokens.csv" # aks-entra
  wait_for kube-apiserver 60 api_get /readyz

  log "starting kube-controller-manager and kube-scheduler"
  start_daemon kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig="$STATE/kube-controller-manager.kubeconfig" --leader-elect=false \
    --secure-port=0 --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --controllers='*' --profiling=false
  start_daemon kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig="$STATE/kube-scheduler.kubeconfig" --leader-elect=false --secure-port=0 \
    --profiling=false

  # kwok reads its Logs objects from the API: the CRD must exist before kwok starts.
  kubectl_admin apply -f "$MODULES_DIR/kwok/crd/" >/dev/null
  kubectl_admin wait --for=condition=Established crd/logs.kwok.x-k8s.io --timeout=30s >/dev/null
  kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
EOF

  write_kwok_config
  # kwok manages a node only while it holds the node's Lease; the lease of a previous kwok would
  # block the new one until it expires (40 s), with pods left Pending meanwhile.
  kubectl_admin delete lease -n kube-node-lease "$NODE_NAME" --ignore-not-found >/dev/null
  KWOK_STARTED="$(date -u +%s)"
  # Pod IPs (kwok allocates them from POD_CIDR) must never be dialled off this machine: the API
  # server's service proxy connects to them. A blackhole route is the floor; pod-network.sh may
  # route the range to the project's own network namespace instead.
  ip route replace blackhole "$POD_CIDR" 2>/dev/null || log "warning: could not add blackhole route for $POD_CIDR (not root?)"
  pod_network up || true # pod-network: on failure the blackhole stays
  log "starting kwok $KWOK_VERSION (node $NODE_NAME, kubelet API on 127.0.0.1:$KWOK_PORT)"
  start_daemon kwok "$KWOK_BIN/kwok" --kubeconfig="$STATE/kwok.kubeconfig" \
    --config="$STATE/kwok/config.yaml" \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
    --tls-cert-file="$PKI/kwok-serving.crt" --tls-private-key-file="$PKI/kwok-serving.key" \
    --cidr="$POD_CIDR" --enable-crds=Logs --node-lease-duration-seconds=40
  wait_for kwok 60 node_ready
  node_ephemeral_storage
  for name in kube-controller-manager kube-scheduler; do pid_of "$name" >/dev/null || {
    tail -n 25 "$LOGS/$name.log" >&2; die "$name exited"; }; done
  log "up: kubeconfig $KUBECONFIG_PATH"
}

# Rendered pods request ephemeral-storage; a node that reports none leaves them Pending. kwok's
# node-initialize stage sets capacity only on a node without one, and never re-initialises a
# node kept in etcd from an earlier start, so the status is patched on every `up` (idempotent).
readonly NODE_EPHEMERAL_STORAGE=1Ti
node_ephemeral_storage() {
  kubectl_admin patch node "$NODE_NAME" --subresource=status --type=merge -p \
    "{\"status\":{\"capacity\":{\"ephemeral-storage\":\"$NODE_EPHEMERAL_STORAGE\"},\"allocatable\":{\"ephemeral-storage\":\"$NODE_EPHEMERAL_STORAGE\"}}}" \
    >/dev/null || log "warning: could not set ephemeral-storage on node $NODE_NAME"
}

node_ready() { # kwok serves, and the node it manages reports Ready (not a stale status from etcd)
  curl -fsS --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz" >/dev/null || return 1
  local heartbeat
  heartbeat="$(kubectl_admin get lease -n kube-node-lease "$NODE_NAME" -o jsonpath='{.spec.renewTime}' 2>/dev/null)" || return 1
  [[ -n "$heartbeat" && "$(date -u -d "$heartbeat" +%s)" -ge "$KWOK_STARTED" ]] || return 1
  [[ "$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}

write_kwok_config() {
  # The default pod log, in CRI log format (what kwok's kubelet API parses).
  printf '%s stdout F kwok: simulated container; annotate the pod with bifrost-aks.test/log-file to choose its log\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" >"$STATE/kwok/default.log"
  # Stages only: options come from flags (a KwokConfiguration in the file would not get defaults).
  local stage
  for stage in "$MODULES_DIR"/kwok/stages/*.yaml; do
    echo "---"
    sed "s|@DEFAULT_LOG_FILE@|$STATE/kwok/default.log|g" "$stage"
  done >"$STATE/kwok/config.yaml"
}

cmd_down() {
  pod_network down || true # pod-network: back to the blackhole, pod-http stopped, netns deleted
  local pids=() names=() i c pid
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    c="${COMPONENTS[i]}"
    if pid="$(pid_of "$c")"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); names+=("$c"); fi
  done
  local deadline=$((SECONDS + 15))
  for i in "${!pids[@]}"; do
    while kill -0 "${pids[i]}" 2>/dev/null; do
      if ((SECONDS >= deadline)); then log "killing ${names[i]} (${pids[i]})"; kill -KILL "${pids[i]}" 2>/dev/null || true; break; fi
      sleep 0.1
    done
  done
  rm -f "$RUN"/*.pid
  if ((${#names[@]})); then log "stopped ${names[*]}"; else log "nothing was running"; fi
}

cmd_env() {
  [[ -s "$KUBECONFIG_PATH" ]] || die "no cluster state in $STATE: run 'scripts/cluster.sh up'"
  load_recorded_settings
  printf 'export KUBECONFIG=%q\nexport BIFROST_CLUSTER_ISSUER=%q\nexport BIFROST_CLUSTER_STATE=%q\n' \
    "$KUBECONFIG_PATH" "$ISSUER" "$STATE"
}

cmd_status() {
  load_recorded_settings
  local c pid
  for c in "${COMPONENTS[@]}"; do
    if pid="$(pid_of "$c")"; then echo "$c running (pid $pid)"; else echo "$c stopped"; fi
  done
  pod_network status || true # pod-network
  echo "state $STATE, issuer $ISSUER, apiserver https://127.0.0.1:$API_PORT"
}

cmd_reset() { cmd_down; rm -rf "$STATE"; log "removed $STATE"; }

# One `up`/`down`/`reset`/`build` at a time (parallel test runs, a developer and CI): the
# others wait for the lock, then find the cluster as the first one left it.
with_lock() {
  mkdir -p "$CACHE_ROOT"
  exec 9>"$CACHE_ROOT/.cluster.lock"
  flock 9
  "$@"
}

case "${1:-}" in
  build | up | down | reset) with_lock "cmd_$1" ;;
  env | status) "cmd_$1" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
