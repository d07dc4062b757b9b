#!/usr/bin/env bash
# Makes the local control plane's pod IPs answer HTTP without any packet leaving this machine.
#
# kwok gives pods IPs from POD_CIDR, and the API server's service proxy dials them (podIP:port).
# This script routes the whole POD_CIDR into a network namespace of our own, bifrost-pods, over a
# veth pair, and runs pod-http there (scripts/cluster/pod-http): the namespace has POD_CIDR as a
# local route on lo ("AnyIP"), so it answers for every pod IP at once, and pod-http answers by the
# IP that was dialled. The namespace has no other interface and no default route.
#
#   root ns   10.244.0.0/16 via 10.243.255.2 dev bifrost-pods0   (10.243.255.1/30)
#   netns     bifrost-pods1 10.243.255.2/30;  local 10.244.0.0/16 dev lo;  pod-http on 0.0.0.0
#
# The floor is `blackhole POD_CIDR` (scripts/cluster.sh installs it before kwok starts): on any
# failure here, and on `down`, the route goes back to the blackhole. While the veth route is in
# place, a second blackhole with a high metric stays under it: if the veth vanishes (the kernel
# then drops the route through it), pod IPs fall into that blackhole, never to the default route.
#
# Usage (scripts/cluster.sh calls it; it can also be run by hand, as root):
#   pod-network.sh build    build pod-http into the binary cache if missing
#   pod-network.sh needs-build   exit 0 when pod-http is not built yet (cluster.sh counts build steps)
#   pod-network.sh up       set up (idempotent); on failure: blackhole, warning, exit 1
#   pod-network.sh down     blackhole the range, stop pod-http, delete the namespace and answers
#   pod-network.sh status   say what is set up
# Environment: BIFROST_CLUSTER_STATE, BIFROST_CLUSTER_CACHE, BIFROST_CLUSTER_INSTANCE (as
#   scripts/cluster.sh), POD_CIDR,
#   BIFROST_POD_HTTP_PORTS (default 8080: comma-separated ports pod-http listens on),
#   BIFROST_POD_NETWORK=off (`up` only makes sure of the blackhole).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; readonly HERE
readonly POD_CIDR="${POD_CIDR:-10.244.0.0/16}"
# A second control plane (BIFROST_CLUSTER_INSTANCE 1–9, scripts/cluster.sh) gets a namespace,
# veth pair and link net of its own; instance 0 keeps the names above.
readonly INSTANCE="${BIFROST_CLUSTER_INSTANCE:-0}"
if ((INSTANCE == 0)); then
  readonly NETNS=bifrost-pods HOST_IF=bifrost-pods0 NETNS_IF=bifrost-pods1
else
  readonly NETNS="bifrost-pods-$INSTANCE" HOST_IF="bifrost-p${INSTANCE}h" NETNS_IF="bifrost-p${INSTANCE}n"
fi
readonly LINK_NET="10.243.$((255 - INSTANCE)).0/30" HOST_ADDR="10.243.$((255 - INSTANCE)).1" NETNS_ADDR="10.243.$((255 - INSTANCE)).2"
readonly FLOOR_METRIC=65535
readonly PORTS="${BIFROST_POD_HTTP_PORTS:-8080}"
readonly CACHE_ROOT="${BIFROST_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bifrost-aks/cluster}"
readonly STATE="${BIFROST_CLUSTER_STATE:-$CACHE_ROOT/state}"
readonly RUN="$STATE/run" LOGS="$STATE/logs" ANSWERS="$STATE/pod-http"
readonly PID_FILE="$RUN/pod-http.pid"
# pod-http is our own code: its cache dir is named after a hash of its source, so an edit rebuilds.
SOURCE_HASH="$(cat "$HERE/pod-http/go.mod" "$HERE/pod-http/main.go" | sha256sum | cut -c1-12)"; readonly SOURCE_HASH
readonly BIN="$CACHE_ROOT/pod-http-$SOURCE_HASH/bin/pod-http"

log() { printf 'pod-network: %s\n' "$*" >&2; }
fail() { log "error: $*"; exit 1; }

# ------------------------------------------------------------------------------------ addresses
ip_to_int() { local IFS=.; read -r a b c d <<<"$1"; echo $(((a << 24) | (b << 16) | (c << 8) | d)); }
int_to_ip() { echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"; }
first_pod_ip() { int_to_ip $(($(ip_to_int "${POD_CIDR%/*}") + 1)); }
# Pod IPs to check the route with: the first, the fifth and the last of POD_CIDR.
sample_pod_ips() {
  local base size
  base="$(ip_to_int "${POD_CIDR%/*}")"; size=$((1 << (32 - ${POD_CIDR#*/})))
  int_to_ip $((base + 1)); int_to_ip $((base + 5)); int_to_ip $((base + size - 2))
}

# ----------------------------------------------------------------------------------------- build
cmd_needs_build() { [[ ! -x "$BIN" ]]; }

cmd_build() {
  [[ -x "$BIN" ]] && return 0
  command -v go >/dev/null 2>&1 || fail "Go is needed to build pod-http once (scripts/cluster/pod-http)"
  mkdir -p "$CACHE_ROOT"
  local tmp; tmp="$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")"
  log "building pod-http ($SOURCE_HASH)"
  (cd "$HERE/pod-http" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/pod-http" .) \
    || { rm -rf "$tmp"; fail "go build failed in scripts/cluster/pod-http"; }
  # Builds of earlier sources are of no use any more.
  find "$CACHE_ROOT" -maxdepth 1 -name 'pod-http-*' ! -name "pod-http-$SOURCE_HASH" -exec rm -rf {} +
  mkdir -p "${BIN%/*}"; mv "$tmp/pod-http" "$BIN"; rmdir "$tmp"
}

# ---------------------------------------------------------------------------------------- server
server_pid() { # the PID of a running pod-http started by `up` (any build)
  [[ -s "$PID_FILE" ]] || return 1
  local pid argv0; pid="$(<"$PID_FILE")"
  argv0="$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  argv0="${argv0%%$'\n'*}"
  [[ "${argv0##*/}" == pod-http ]] || return 1 # not ours: the PID was reused, or a zombie
  echo "$pid"
}

server_is_current() { # runs this build, with these ports, in the namespace that exists now
  local pid; pid="$(server_pid)" || return 1
  [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" == "$BIN -answers $ANSWERS -ports $PORTS " ]] || return 1
  [[ "$(stat -L -c %i "/proc/$pid/ns/net")" == "$(stat -L -c %i "/run/netns/$NETNS")" ]]
}

# A zombie counts as ended: the daemon's parent is PID 1 by then, which may reap it late.
running() { local state; state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" && [[ "$state" != Z ]]; }

stop_server() {
  local pid; pid="$(server_pid)" || { rm -f "$PID_FILE"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  local i; for ((i = 0; i < 50; i++)); do running "$pid" || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
}

start_server() {
  server_is_current && return 0
  stop_server
  mkdir -p "$RUN" "$LOGS" "$ANSWERS"
  # As cluster.sh's daemons: own session, no inherited stdio (nor the lock). setsid and
  # `ip netns exec` both exec in place, so $! is pod-http's PID.
  setsid ip netns exec "$NETNS" "$BIN" -answers "$ANSWERS" -ports "$PORTS" >"$LOGS/pod-http.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PID_FILE"
  # Ready when it answers on every port, asked from inside the namespace (lo only).
  local probe port i; probe="$(first_pod_ip)"
  for port in ${PORTS//,/ }; do
    for ((i = 0; ; i++)); do
      ip netns exec "$NETNS" curl -s -o /dev/null --max-time 1 "http://$probe:$port/health" && break
      server_pid >/dev/null || { tail -n 20 "$LOGS/pod-http.log" >&2; fail "pod-http exited"; }
      ((i < 50)) || fail "pod-http does not answer on port $port"
      sleep 0.1
    done
  done
}

# --------------------------------------------------------------------------------------- network
blackhole() { ip route replace blackhole "$POD_CIDR" 2>/dev/null; } # replaces the veth route (metric 0)
floor() { ip route replace blackhole "$POD_CIDR" metric "$FLOOR_METRIC"; }
remove_floor() { ip route del blackhole "$POD_CIDR" metric "$FLOOR_METRIC" 2>/dev/null || true; }

check_link_net_is_free() { # 10.243.255.0/30 must be ours alone, as POD_CIDR
  local other
  other="$(ip -o -4 addr show to "$LINK_NET" | awk -v ours="$HOST_IF" '$2 != ours { print $2 }')"
  [[ -z "$other" ]] || fail "$LINK_NET is already used on $other: not ours to take"
  other="$(ip -4 route show root "$LINK_NET" | grep -Ev " dev $HOST_IF( |\$)" || true)"
  [[ -z "$other" ]] || fail "there are routes in $LINK_NET that are not ours: $other"
}

ensure_namespace() {
  [[ -e "/run/netns/$NETNS" ]] || ip netns add "$NETNS"
  # A veth pair dies with either end's namespace; an end left alone is re-made.
  if ip link show "$HOST_IF" >/dev/null 2>&1 && ! ip -n "$NETNS" link show "$NETNS_IF" >/dev/null 2>&1; then
    ip link del "$HOST_IF"
  fi
  ip link show "$HOST_IF" >/dev/null 2>&1 || ip link add "$HOST_IF" type veth peer name "$NETNS_IF" netns "$NETNS"
  ip addr replace "$HOST_ADDR/30" dev "$HOST_IF"
  ip link set "$HOST_IF" up
  ip -n "$NETNS" link set lo up
  ip -n "$NETNS" addr replace "$NETNS_ADDR/30" dev "$NETNS_IF"
  ip -n "$NETNS" link set "$NETNS_IF" up
  # AnyIP: every address of POD_CIDR is local to the namespace.
  ip -n "$NETNS" route replace local "$POD_CIDR" dev lo
}

verify_route() { # every pod IP goes to the veth, and nothing in POD_CIDR goes elsewhere but the floor
  local ip route
  for ip in $(sample_pod_ips); do
    route="$(ip -4 route get "$ip")"
    [[ "$route" =~ \ dev\ $HOST_IF( |$) ]] || fail "ip route get $ip: $route (not via $HOST_IF)"
  done
  route="$(ip -4 route show root "$POD_CIDR" | grep -Ev " dev $HOST_IF( |\$)|^blackhole " || true)"
  [[ -z "$route" ]] || fail "routes in $POD_CIDR that do not go to $HOST_IF: $route"
}

on_up_failure() {
  local rc=$?
  ((rc == 0)) && return 0
  blackhole || true
  stop_server || true
  ip netns del "$NETNS" 2>/dev/null || true
  log "warning: pod IPs stay blackholed: the service proxy gets no answer from pods (see above)"
  exit "$rc"
}

with_lock() { # concurrent `up`s (two jest runs) must not undo each other's steps
  mkdir -p "$RUN"
  exec 9>"$RUN/pod-network.lock"
  flock -w 60 9 || fail "another pod-network.sh holds $RUN/pod-network.lock"
}

# -------------------------------------------------------------------------------------- commands
cmd_up() {
  command -v ip >/dev/null || fail "iproute2 ('ip') is not installed: pod IPs stay blackholed"
  with_lock
  if [[ "${BIFROST_POD_NETWORK:-on}" == off ]]; then
    log "BIFROST_POD_NETWORK=off: pod IPs blackholed"; down_locked; return 0
  fi
  trap on_up_failure EXIT
  cmd_build
  check_link_net_is_free
  floor
  ensure_namespace
  start_server
  ip route replace "$POD_CIDR" via "$NETNS_ADDR" dev "$HOST_IF"
  verify_route
  # The path the API server takes: from this namespace, over the veth.
  local probe code; probe="$(first_pod_ip)"
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$probe:${PORTS%%,*}/health" || true)"
  [[ "$code" != 000 ]] || fail "no HTTP answer from $probe over $HOST_IF"
  trap - EXIT
  log "pod IPs in $POD_CIDR answer HTTP on port(s) $PORTS (netns $NETNS, pod-http pid $(server_pid))"
}

down_locked() {
  blackhole || log "warning: could not add blackhole route for $POD_CIDR (not root?)"
  remove_floor
  stop_server
  [[ ! -e "/run/netns/$NETNS" ]] || ip netns del "$NETNS" # takes the veth pair with it
  # Answers belong to pods of this run; the next cluster hands the same IPs to other pods.
  rm -f "$ANSWERS"/*.json
}

cmd_down() {
  command -v ip >/dev/null || { stop_server; return 0; }
  with_lock
  down_locked
}

cmd_status() {
  local pid
  if pid="$(server_pid)"; then echo "pod-http running (pid $pid, ports $PORTS)"; else echo "pod-http stopped"; fi
  command -v ip >/dev/null || { echo "pod network: iproute2 missing"; return 0; }
  echo "pod network: $(ip -4 route show "$POD_CIDR" | head -n 1)"
}

case "${1:-}" in
  build | up | down | status) "cmd_$1" ;;
  needs-build) cmd_needs_build ;;
  *) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
