#!/usr/bin/env bash
# Options from the environment and `mockvault --health` (docs/running.md): every option is also a
# MOCKVAULT_* variable, a flag wins over its variable, an empty variable is unset, bad values are
# refused naming the variable, MOCKVAULT_SAN's names reach the certificate; --health exits 0 for a
# healthy mock, 1 otherwise, and checks the certificate against the state dir's CA. TAP output.
#   test-options.sh MOCKVAULT_BIN FIXTURE
set -uo pipefail
bin=$1
fixture=$2
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
n=0
failed=0
result() {
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$1" "$2"; }
# start NAME [ARGS...]: the mock with the caller's environment; waits for its ready file.
start() {
  local name=$1
  shift
  "$bin" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 200); do [ -s "$work/$name.json" ] && return 0; sleep 0.05; done
  return 1
}

# Configured by the environment alone.
MOCKVAULT_PORT=0 MOCKVAULT_FIXTURES="$fixture" MOCKVAULT_STATE_DIR="$work/a" \
  MOCKVAULT_READY_FILE="$work/a.json" MOCKVAULT_LOG_FORMAT=off MOCKVAULT_PROXY_PORT=0 \
  MOCKVAULT_SAN="kv-one.test, kv-two.test" start a
result $? "the mock starts from MOCKVAULT_* variables alone (port, fixtures, state dir, ready file, proxy)"
port=$(json "$work/a.json" port)
[ "$(json "$work/a.json" ca)" = "$work/a/ca.pem" ] && [ "$(json "$work/a.json" proxy)" != None ]
result $? "MOCKVAULT_STATE_DIR and MOCKVAULT_PROXY_PORT took effect"
for name in kv-one.test kv-two.test; do
  curl -sf -o /dev/null --cacert "$work/a/ca.pem" --resolve "$name:$port:127.0.0.1" "https://$name:$port/_mock/health"
  result $? "MOCKVAULT_SAN's name $name is in the certificate"
done

# A flag wins over its variable; an empty variable is unset.
MOCKVAULT_PORT=$port MOCKVAULT_PROXY_PORT= MOCKVAULT_LOG_FORMAT=off \
  start b --port 0 --fixtures "$fixture" --ready-file "$work/b.json" --state-dir "$work/b"
result $? "--port 0 wins over MOCKVAULT_PORT naming a port in use"
[ "$(json "$work/b.json" port)" != "$port" ] && [ "$(json "$work/b.json" proxy)" = None ]
result $? "an empty MOCKVAULT_PROXY_PORT leaves the proxy off"
MOCKVAULT_HTTP=yes MOCKVAULT_LOG_FORMAT=off start c --port 0 --ready-file "$work/c.json"
case $(json "$work/c.json" url) in http://*) rc=0 ;; *) rc=1 ;; esac
result $rc "MOCKVAULT_HTTP=yes switches --http on"
MOCKVAULT_CONSISTENCY=azure MOCKVAULT_CONSISTENCY_DELAY=100-200 MOCKVAULT_PAGING=azure \
  MOCKVAULT_LOG_FORMAT=off start d --port 0 --ready-file "$work/d.json"
curl -sf --cacert "$(json "$work/d.json" ca)" "$(json "$work/d.json" url)/_mock/consistency" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if (d["mode"], d["delayMs"], d["paging"]) == ("azure", {"min": 100, "max": 200}, "azure") else 1)'
result $? "MOCKVAULT_CONSISTENCY, MOCKVAULT_CONSISTENCY_DELAY and MOCKVAULT_PAGING took effect"

# Bad values are refused, naming the variable.
for bad in MOCKVAULT_THREADS=0 MOCKVAULT_HTTP=maybe MOCKVAULT_LOG_FORMAT=xml MOCKVAULT_AUTHZ=none \
  MOCKVAULT_THROTTLE_LIMITS=1 MOCKVAULT_BIND=0.0.0.0 \
  MOCKVAULT_CONSISTENCY=eventual MOCKVAULT_CONSISTENCY_DELAY=5000-1000 MOCKVAULT_PAGING=short; do
  rc=0
  env "$bad" "$bin" --port 0 --log-format off >/dev/null 2>"$work/bad.err" || rc=$?
  [ "$rc" != 0 ] && grep -q "${bad%%=*}\|--bind 0.0.0.0" "$work/bad.err"
  result $? "$bad is refused with a message ($(head -c 80 "$work/bad.err"))"
done

# --health.
"$bin" --health --port "$port" --state-dir "$work/a" >"$work/h.out" 2>&1
result $? "--health: the mock on --port with its state dir's CA is healthy"
MOCKVAULT_PORT=$port MOCKVAULT_STATE_DIR="$work/a" "$bin" --health >/dev/null 2>&1
result $? "--health takes the port and the CA from MOCKVAULT_PORT and MOCKVAULT_STATE_DIR"
"$bin" --health "https://localhost:$port/_mock/health" >/dev/null 2>&1
result $? "--health URL (no CA: the certificate is not checked)"
rc=0
"$bin" --health --port "$port" --state-dir "$work/b" >/dev/null 2>"$work/h.err" || rc=$?
[ "$rc" = 1 ]
result $? "--health with another mock's CA fails: the certificate is checked ($(head -c 100 "$work/h.err"))"
rc=0
"$bin" --health "https://localhost:$port/_mock/nothing" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ]
result $? "--health exits 1 for an answer that is not 200"
kill "${pids[0]}" && wait "${pids[0]}" 2>/dev/null
rc=0
"$bin" --health --port "$port" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ]
result $? "--health exits 1 when nothing listens"
echo "1..$n"
exit "$failed"
