#!/usr/bin/env bash
# Disk faults (issue 13): the mock's --state-dir on a tiny tmpfs in a private mount namespace,
# filled up and then remounted read-only. While the state cannot be saved, a write (PUT, DELETE)
# gets the service's 5xx shape (Key Vault's error envelope, 500 InternalError) and is not
# acknowledged: neither a read at once nor one after space returns and the mock restarts shows it.
# Reads keep working, and writes resume when space (or write access) returns. Needs root and
# unshare(1); exits 77 (skipped) without them or when the kernel refuses the namespace. TAP output.
#   test-disk-faults.sh MOCKVAULT_BIN FIXTURE
set -euo pipefail
bin=$1
fixture=$2

skip() {
  echo "1..0 # SKIP $*"
  exit 77
}

if [ -z "${MVT_DISK_FAULTS_NS:-}" ]; then
  [ "$(id -u)" = 0 ] || skip "a mount namespace and a tmpfs need root"
  for tool in unshare mount curl python3; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
  done
  unshare -m --propagation private true 2>/dev/null || skip "cannot create a mount namespace here"
  # The rest runs in a mount namespace of its own: the tmpfs is seen by nobody else and goes away
  # with the namespace, even when the test is killed.
  MVT_DISK_FAULTS_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

work=$(mktemp -d)
mnt="$work/fs"
state="$mnt/state"
pid=
port=0
tenant=11111111-1111-1111-1111-111111111111
admin="client_id=aaaaaaaa-0000-0000-0000-000000000001&client_secret=admin-client-secret"

cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  umount "$mnt" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$mnt"
# 512 KiB: the mock's keys and state.json take about 16 KiB.
mount -t tmpfs -o size=512k,mode=0700 mvt-disk-faults "$mnt" || skip "cannot mount a tmpfs here"

n=0
failed=0
result() { # result STATUS DESCRIPTION
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

start() {
  rm -f "$work/ready.json"
  "$bin" --port "$port" --fixtures "$fixture" --state-dir "$state" \
    --ready-file "$work/ready.json" --log-format text >>"$work/mock.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 400); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
  if [ ! -s "$work/ready.json" ]; then
    echo "Bail out! the mock did not become ready"
    tail -n 20 "$work/mock.log"
    exit 1
  fi
  port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' \
    "$work/ready.json")
  token=$(curl -sS --cacert "$state/ca.pem" --resolve "localhost:$port:127.0.0.1" \
    -d "grant_type=client_credentials&$admin&scope=https%3A%2F%2Fvault.azure.net%2F.default" \
    "https://localhost:$port/$tenant/oauth2/v2.0/token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
}

# SIGTERM, which must end the mock cleanly (in a sanitizer build: no leak), then a start on the
# same port and state directory.
restart() {
  local rc=0
  kill "$pid"
  wait "$pid" || rc=$?
  pid=
  result "$rc" "the mock stops cleanly on SIGTERM (exit $rc)"
  start
}

# req METHOD NAME [VALUE]: a request on the demo vault's secret NAME (PUT sets VALUE); leaves the
# status in $status and the body in $work/body. The token never reaches the output.
req() {
  local method=$1 name=$2 value=${3:-} data=()
  [ -n "$value" ] && data=(-H 'Content-Type: application/json' -d "{\"value\":\"$value\"}")
  status=$(curl -sS -o "$work/body" -w '%{http_code}' --cacert "$state/ca.pem" \
    --resolve "demo.localhost:$port:127.0.0.1" -X "$method" \
    -H "Authorization: Bearer $token" "${data[@]}" \
    "https://demo.localhost:$port/secrets/$name?api-version=7.4")
}

# expect_value NAME VALUE DESCRIPTION: GET answers 200 with that value.
expect_value() {
  local rc=0
  req GET "$1"
  { [ "$status" = 200 ] && python3 -c 'import json,sys
sys.exit(json.load(open(sys.argv[1]))["value"] != sys.argv[2])' "$work/body" "$2"; } || rc=1
  result "$rc" "$3 (GET $1: $status)"
}

# expect_absent NAME DESCRIPTION: GET answers 404 SecretNotFound.
expect_absent() {
  local rc=0
  req GET "$1"
  { [ "$status" = 404 ] && grep -q '"SecretNotFound"' "$work/body"; } || rc=1
  result "$rc" "$2 (GET $1: $status)"
}

# expect_refused DESCRIPTION: the last answer is Key Vault's 500 envelope, exactly
# {"error":{"code":"InternalError","message":"..."}}, as the service sends it.
expect_refused() {
  local rc=0
  { [ "$status" = 500 ] && python3 -c 'import json,sys
b = json.load(open(sys.argv[1]))
e = b["error"]
sys.exit(not (list(b) == ["error"] and e["code"] == "InternalError"
              and isinstance(e["message"], str) and e["message"]
              and set(e) <= {"code", "message", "innererror"}))' "$work/body"; } || rc=1
  result "$rc" "$1 ($status, Key Vault's InternalError envelope)"
}

start
req PUT df-base base-1
result $([ "$status" = 200 ]; echo $?) "a write is acknowledged while the disk has room ($status)"

# ---- A full filesystem ----
dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null || true
df_avail=$(df --output=avail "$mnt" | tail -n1 | tr -d ' ')
result $([ "$df_avail" -lt 8 ]; echo $?) "the tmpfs is full (${df_avail} KiB left)"
req PUT df-new new-1
expect_refused "a new secret cannot be saved on a full disk"
req PUT df-base base-2
expect_refused "a new version cannot be saved on a full disk"
req DELETE df-base
expect_refused "a delete cannot be saved on a full disk"
expect_value df-base base-1 "reads keep working on a full disk, and show no refused write"
expect_absent df-new "a refused new secret is not there"
rm -f "$mnt/fill"
req PUT df-after after-1
result $([ "$status" = 200 ]; echo $?) "writes resume when space returns ($status)"
restart
expect_absent df-new "after a restart, the refused new secret is still not there"
expect_value df-base base-1 "after a restart, the refused version and delete are not there"
expect_value df-after after-1 "after a restart, the write made once space returned is there"

# ---- A read-only filesystem ----
mount -o remount,ro "$mnt"
req PUT df-ro ro-1
expect_refused "a new secret cannot be saved on a read-only filesystem"
req PUT df-after after-2
expect_refused "a new version cannot be saved on a read-only filesystem"
expect_value df-after after-1 "reads keep working on a read-only filesystem"
expect_absent df-ro "a secret refused on a read-only filesystem is not there"
mount -o remount,rw "$mnt"
req PUT df-rw rw-1
result $([ "$status" = 200 ]; echo $?) "writes resume when the filesystem is writable again ($status)"
restart
expect_absent df-ro "after a restart, the secret refused read-only is still not there"
expect_value df-after after-1 "after a restart, the version refused read-only is not there"
expect_value df-rw rw-1 "after a restart, the write made once writable again is there"

# The log says why each write failed (and never holds a value or a token).
rc=0
{ grep -q 'could not save state' "$work/mock.log" &&
  ! grep -q -e 'base-2' -e 'new-1' -e "$token" "$work/mock.log"; } || rc=1
result "$rc" "the mock's log reports the failed saves without values or tokens"

echo "1..$n"
if [ "$failed" != 0 ]; then
  echo "# the mock's log:"
  sed 's/^/# /' "$work/mock.log" | tail -n 40
fi
exit "$failed"
