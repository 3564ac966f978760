#!/usr/bin/env bash
# Who can reach the mock (docs/threat-model.md): a peer that is not loopback reaches none of its
# listeners (TLS, proxy, managed identity), and the mock refuses to listen anywhere but loopback.
# The peer lives in a network namespace this test creates, joined to the host by a veth pair on a
# private /30; nothing leaves the machine. Needs root and iproute2, and exits 77 (skipped) without
# them or when the kernel refuses the namespace. TAP output.
#   test-peers.sh MOCKVAULT_BIN FIXTURE
set -euo pipefail
bin=$1
fixture=$2

skip() {
  echo "skip: $*"
  exit 77
}
[ "$(id -u)" = 0 ] || skip "a network namespace needs root"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v curl >/dev/null || skip "curl is not installed"

ns="mvt-peers-$$"
veth_host="mvtp${$}h"
veth_peer="mvtp${$}p"
net="10.213.$((RANDOM % 250)).$((4 * (RANDOM % 60)))"
host_ip="${net%.*}.$((${net##*.} + 1))"
peer_ip="${net%.*}.$((${net##*.} + 2))"
work=$(mktemp -d)
pid=

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  ip link del "$veth_host" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace here"
ip link add "$veth_host" type veth peer name "$veth_peer" 2>/dev/null || skip "cannot create a veth pair"
ip link set "$veth_peer" netns "$ns"
ip addr add "$host_ip/30" dev "$veth_host"
ip link set "$veth_host" up
ip netns exec "$ns" ip addr add "$peer_ip/30" dev "$veth_peer"
ip netns exec "$ns" ip link set "$veth_peer" up
ip netns exec "$ns" ip link set lo up

n=0
failed=0
result() { # result OK DESCRIPTION
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

# It refuses to listen anywhere but loopback: on the host end of the pair, or on every address.
for addr in "$host_ip" 0.0.0.0 ::; do
  rc=0
  "$bin" --bind "$addr" --port 0 --fixtures "$fixture" --log-format off >/dev/null \
    2>"$work/bind.err" || rc=$?
  grep -q "binds loopback addresses only" "$work/bind.err" && [ "$rc" -ne 0 ]
  result $? "--bind $addr is refused, saying why"
done

# Started as usual, with the proxy and the managed-identity listener too: none of its ports can
# be reached from the peer, although the peer can reach the host's address.
"$bin" --port 0 --proxy-port 0 --imds-port 0 --fixtures "$fixture" \
  --ready-file "$work/ready.json" --log-format off &
pid=$!
for _ in $(seq 1 200); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
[ -s "$work/ready.json" ] || { echo "FAIL: the mock did not become ready"; exit 1; }
ports=$(grep -o '"[a-z]*":"*[a-z]*:*/*/*[0-9.]*:*[0-9]\+' "$work/ready.json" | grep -o '[0-9]\+$' | sort -u)
[ -n "$ports" ]
result $? "the ready file names the listeners' ports ($(echo $ports))"
# A plain listener on the host end proves the peer can reach the host, so a refusal below is the
# mock's loopback binding and not a broken link.
python3 -u -m http.server 0 --bind "$host_ip" --directory "$work" >"$work/http.out" 2>/dev/null &
http_pid=$!
for _ in $(seq 1 100); do grep -q "port" "$work/http.out" 2>/dev/null && break; sleep 0.05; done
http_port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/http.out" | head -n1)
ip netns exec "$ns" curl -s --max-time 5 -o /dev/null "http://$host_ip:$http_port/"
result $? "the peer reaches a listener on the host's address (port $http_port)"
kill "$http_pid" 2>/dev/null
wait "$http_pid" 2>/dev/null || true
for p in $ports; do
  rc=0
  ip netns exec "$ns" curl -s --max-time 5 -o /dev/null "http://$host_ip:$p/" || rc=$?
  # 7: connection refused; anything else (an answer, a TLS error) means the port was reachable.
  [ "$rc" = 7 ]
  result $? "port $p is not reachable from the peer (curl exit $rc, want 7)"
done
echo "1..$n"
exit "$failed"
