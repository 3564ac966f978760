#!/usr/bin/env bash
# Who can reach the mock (docs/threat-model.md): a peer that is not loopback reaches none of its
# listeners (TLS, proxy, managed identity), and the mock refuses to listen anywhere but loopback.
# With --allow-remote-peers (the container image) it listens on every address, and such a peer
# reaches the vault, token, managed-identity and proxy endpoints, /_mock/health and /_mock/ca.pem,
# but the rest of /_mock only with the control token, also through the proxy; loopback peers
# need no token.
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
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null || true
pid=

# --- --allow-remote-peers: every address, the control API guarded by the token -----------------
# Every check below reports its result rather than ending the run at the first failure.
set +e
# start_remote OUT ARGS...: starts the mock on every address with a state dir; stdout to OUT.
start_remote() {
  local out=$1
  shift
  rm -f "$work/ready.json"
  "$bin" --bind 0.0.0.0 --allow-remote-peers --port 0 --proxy-port 0 --imds-port 0 \
    --fixtures "$fixture" --state-dir "$work/st" --ready-file "$work/ready.json" --log-format off \
    "$@" >"$out" 2>"$work/remote.err" &
  pid=$!
  for _ in $(seq 1 200); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
  [ -s "$work/ready.json" ] || { echo "FAIL: the mock did not become ready"; cat "$work/remote.err"; exit 1; }
  port=$(json port)
  pport=$(json proxy | grep -o '[0-9]*$')
  iport=$(json imds | grep -o '[0-9]*$')
  mock="https://localhost:$port"
}
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/ready.json" "$1"; }
# peer_curl ARGS...: curl from the peer, trusting the mock's CA, with localhost and the Azure name
# resolving to the host end of the pair; prints the HTTP status.
peer_curl() {
  ip netns exec "$ns" curl -s --max-time 5 -o "$work/peer.body" -w '%{http_code}' \
    --cacert "$work/st/ca.pem" --resolve "localhost:$port:$host_ip" \
    --resolve "mockvault:$port:$host_ip" "$@" || true
}
start_remote "$work/remote.out" --print-ca --san mockvault
token=$(sed -n 's/^mockvault: control token .*: \([0-9a-f]*\)$/\1/p' "$work/remote.out")
[ "${#token}" = 64 ] && [ "$token" = "$(cat "$work/st/control-token")" ] &&
  [ "$(stat -c %a "$work/st/control-token")" = 600 ]
result $? "a new control token is printed on stdout and kept in the state dir (mode 600)"
sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$work/remote.out" | cmp -s - "$work/st/ca.pem"
result $? "--print-ca prints the state dir's CA on stdout"
[ "$(peer_curl "$mock/_mock/health")" = 200 ]
result $? "the peer reaches GET /_mock/health without the token"
[ "$(peer_curl "$mock/_mock/ca.pem")" = 200 ] && cmp -s "$work/peer.body" "$work/st/ca.pem"
result $? "the peer fetches GET /_mock/ca.pem without the token, the state dir's CA"
for path in /_mock/requests /_mock/state /_mock/faults /_mock/ui /_mock/summary /_mock/requests/stream; do
  [ "$(peer_curl "$mock$path")" = 403 ] && grep -q "X-Mockvault-Control-Token" "$work/peer.body"
  result $? "the peer without the token gets 403 from GET $path, naming the header"
done
wrong=$(printf '%s' "$token" | tr 0-9a-f 1-9a-f0)
[ "$(peer_curl -H "X-Mockvault-Control-Token: $wrong" "$mock/_mock/requests")" = 403 ]
result $? "the peer with a wrong token gets 403"
[ "$(peer_curl -X POST -H "X-Mockvault-Control-Token: $token" "$mock/_mock/reset")" = 200 ] &&
  [ "$(peer_curl -H "X-Mockvault-Control-Token: $token" "$mock/_mock/requests")" = 200 ]
result $? "the peer with the token uses the control API (POST /_mock/reset, GET /_mock/requests)"
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/st/ca.pem" "https://localhost:$port/_mock/requests")" = 200 ]
result $? "a loopback peer needs no token"
[ "$(peer_curl "$mock/11111111-1111-1111-1111-111111111111/oauth2/v2.0/token" \
  -d grant_type=client_credentials -d client_id=aaaaaaaa-0000-0000-0000-000000000001 \
  -d client_secret=admin-client-secret --data-urlencode scope=https://vault.azure.net/.default)" = 200 ]
result $? "the peer gets a token from the token endpoint"
bearer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$work/peer.body")
[ "$(peer_curl -H "Authorization: Bearer $bearer" "https://mockvault:$port/secrets?api-version=7.4")" = 200 ]
result $? "the peer lists the default vault's secrets at https://mockvault:PORT (--san mockvault)"
[ "$(peer_curl -H "Metadata: true" "http://$host_ip:$iport/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net")" != 000 ]
result $? "the peer reaches the managed-identity listener"
# Through the proxy the TLS listener sees a loopback address: the proxy marks the tunnels of
# peers that are not loopback, so /_mock stays guarded there too.
proxied() {
  peer_curl --proxy "http://$host_ip:$pport" --resolve "demo.vault.azure.net:443:127.0.0.1" "$@"
}
[ "$(proxied "https://demo.vault.azure.net/_mock/requests")" = 403 ]
result $? "through the proxy the peer without the token still gets 403 from /_mock/requests"
[ "$(proxied -H "X-Mockvault-Control-Token: $token" "https://demo.vault.azure.net/_mock/requests")" = 200 ]
result $? "through the proxy the peer with the token gets 200"
[ "$(proxied -H "Authorization: Bearer $bearer" "https://demo.vault.azure.net/secrets?api-version=7.4")" = 200 ]
result $? "through the proxy the peer lists the demo vault's secrets"
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/st/ca.pem" --proxy "http://127.0.0.1:$pport" \
  "https://demo.vault.azure.net/_mock/requests")" = 200 ]
result $? "through the proxy a loopback peer needs no token"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null || true
pid=

# A restart keeps the stored token; a token set in the environment is used and not printed; a
# short one is refused.
start_remote "$work/remote2.out"
grep -q "control token.*: $token\$" "$work/remote2.out"
result $? "after a restart the stored token is used again"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=
chosen="chosen-token-$RANDOM$RANDOM-0123456789"
MOCKVAULT_CONTROL_TOKEN=$chosen start_remote "$work/remote3.out"
! grep -q "control token" "$work/remote3.out" &&
  [ "$(peer_curl -H "X-Mockvault-Control-Token: $chosen" "$mock/_mock/requests")" = 200 ] &&
  [ "$(peer_curl -H "X-Mockvault-Control-Token: $token" "$mock/_mock/requests")" = 403 ]
result $? "MOCKVAULT_CONTROL_TOKEN sets the token, which is then not printed"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=
rc=0
"$bin" --bind 0.0.0.0 --allow-remote-peers --control-token short --port 0 --log-format off \
  >/dev/null 2>"$work/short.err" || rc=$?
[ "$rc" -ne 0 ] && grep -q "control-token" "$work/short.err"
result $? "a control token shorter than 16 characters is refused"
echo "1..$n"
exit "$failed"
