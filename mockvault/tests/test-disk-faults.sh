#!/usr/bin/env bash
# Disk faults (issue 13): the mock's --state-dir on a tiny tmpfs in a private mount namespace,
# filled up, and then a disk that refuses every write (a file-size limit of one byte on the mock,
# set with prlimit(1): each write fails with EFBIG as one while every write fails fails with
# EROFS; a remount read-only is refused while the mock keeps its database open). While the state
# cannot be saved, a write (a secret's PUT
# and DELETE; a key's create, import with private JWK parts, rotate and rotation policy; a
# certificate's create) gets the
# service's 5xx shape (Key Vault's error envelope, 500 InternalError) and is not acknowledged:
# neither a read at once nor one after space returns and the mock restarts shows it, and a
# rotation the policy makes due meanwhile is neither kept nor reported until it can be saved.
# Reads and the keys' crypto operations (which change no state) keep working, and writes resume
# when space (or write access) returns. Needs root, unshare(1) and openssl(1); exits 77 (skipped)
# without them or when the kernel refuses the namespace (or prlimit(1) is missing). TAP output.
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
  for tool in unshare mount curl python3 openssl prlimit; do
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
# 512 KiB: the mock's keys and state.db take about 50 KiB.
mount -t tmpfs -o size=512k,mode=0700 mvt-disk-faults "$mnt" || skip "cannot mount a tmpfs here"

n=0
failed=0
result() { # result STATUS DESCRIPTION
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

start() {
  rm -f "$work/ready.json"
  # SIGXFSZ ignored (inherited through exec), so a write past the file-size limit fails with
  # EFBIG rather than killing the mock; the log goes through a pipe, which the limit spares.
  (
    trap '' XFSZ
    exec "$bin" --port "$port" --fixtures "$fixture" --state-dir "$state" \
      --ready-file "$work/ready.json" --log-format text > >(cat >>"$work/mock.log") 2>&1
  ) &
  pid=$!
  for _ in $(seq 1 400); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
  if [ ! -s "$work/ready.json" ]; then
    echo "Bail out! the mock did not become ready"
    tail -n 20 "$work/mock.log"
    exit 1
  fi
  port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' \
    "$work/ready.json")
  get_token
}

get_token() {
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

# ---- Keys ----

# kreq METHOD PATH [BODY]: a request on the demo vault's keys (PATH from /keys or /deletedkeys,
# without the query); leaves the status in $status and the body in $work/body.
kreq() {
  local method=$1 path=$2 body=${3:-} data=()
  [ -n "$body" ] && data=(-H 'Content-Type: application/json' --data-binary "$body")
  [ -z "$body" ] && [ "$method" = POST ] && data=(--data-binary '')
  status=$(curl -sS -o "$work/body" -w '%{http_code}' --cacert "$state/ca.pem" \
    --resolve "demo.localhost:$port:127.0.0.1" -X "$method" \
    -H "Authorization: Bearer $token" "${data[@]}" \
    "https://demo.localhost:$port$path?api-version=7.4")
}

# jget DOTTED: a member of the last answer ("" when absent); lists give their length.
jget() {
  python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for p in sys.argv[2].split("."):
    v = v.get(p) if isinstance(v, dict) else None
print(len(v) if isinstance(v, list) else ("" if v is None else str(v).lower() if isinstance(v, bool) else v))' \
    "$work/body" "$1"
}

# pub: the public parts of the key in the last answer (kty, n, e, crv, x, y), as one line.
pub() {
  python3 -c 'import json,sys
k = json.load(open(sys.argv[1])).get("key", {})
print("|".join(str(k.get(p, "")) for p in ("kty", "n", "e", "crv", "x", "y")))' "$work/body"
}

# An EC P-256 private JWK (crv, x, y, d), made with openssl; it is imported, never printed.
ec_jwk() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
    openssl pkey -text -noout 2>/dev/null | python3 -c 'import base64,re,sys
t = sys.stdin.read()
def hexpart(name):
    m = re.search(name + r":\s*((?:[0-9a-f]{2}:?\s*)+)", t)
    return bytes.fromhex(re.sub(r"[^0-9a-f]", "", m.group(1)))
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
d = hexpart("priv")[-32:].rjust(32, b"\0")
q = hexpart("pub")
print("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\",\"d\":\"%s\"}"
      % (b(q[1:33]), b(q[33:65]), b(d)))'
}

# key_absent NAME DESCRIPTION: GET /keys/NAME answers 404 KeyNotFound.
key_absent() {
  local rc=0
  kreq GET "/keys/$1"
  { [ "$status" = 404 ] && grep -q '"KeyNotFound"' "$work/body"; } || rc=1
  result "$rc" "$2 (GET /keys/$1: $status)"
}

# key_same NAME PUB VERSIONS DESCRIPTION: the key is there with those public parts, and that many
# versions.
key_same() {
  local rc=0 st1 st2 count=
  kreq GET "/keys/$1"
  st1=$status
  { [ "$status" = 200 ] && [ "$(pub)" = "$2" ]; } || rc=1
  kreq GET "/keys/$1/versions"
  st2=$status
  [ "$status" = 200 ] && count=$(jget value)
  [ "$count" = "$3" ] || rc=1
  result "$rc" "$4 (GET /keys/$1: $st1, same public key; versions: $st2, ${count:-?} of $3)"
}

# crypto_works DESCRIPTION: sign and verify with the EC key, encrypt and decrypt, wrap and unwrap
# with the RSA key, each 200 and each round trip giving back what went in.
crypto_works() {
  local rc=0 sig ct wk digest=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 plain=c29hay1wbGFpbnRleHQ
  kreq POST /keys/dfk-ec/sign "{\"alg\":\"ES256\",\"value\":\"$digest\"}"
  [ "$status" = 200 ] || rc=1
  sig=$(jget value)
  kreq POST /keys/dfk-ec/verify "{\"alg\":\"ES256\",\"digest\":\"$digest\",\"value\":\"$sig\"}"
  { [ "$status" = 200 ] && [ "$(jget value)" = true ]; } || rc=1
  kreq POST /keys/dfk-rsa/encrypt "{\"alg\":\"RSA-OAEP-256\",\"value\":\"$plain\"}"
  [ "$status" = 200 ] || rc=1
  ct=$(jget value)
  kreq POST /keys/dfk-rsa/decrypt "{\"alg\":\"RSA-OAEP-256\",\"value\":\"$ct\"}"
  { [ "$status" = 200 ] && [ "$(jget value)" = "$plain" ]; } || rc=1
  kreq POST /keys/dfk-rsa/wrapkey "{\"alg\":\"RSA-OAEP\",\"value\":\"$digest\"}"
  [ "$status" = 200 ] || rc=1
  wk=$(jget value)
  kreq POST /keys/dfk-rsa/unwrapkey "{\"alg\":\"RSA-OAEP\",\"value\":\"$wk\"}"
  { [ "$status" = 200 ] && [ "$(jget value)" = "$digest" ]; } || rc=1
  result "$rc" "$1 (sign, verify, encrypt, decrypt, wrapkey, unwrapkey: 200, round trips hold)"
}

# rotations: how many LifetimeAction.Rotate events the journal holds.
rotations() {
  curl -sS --cacert "$state/ca.pem" --resolve "localhost:$port:127.0.0.1" \
    "https://localhost:$port/_mock/requests?operation=LifetimeAction.Rotate" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["value"]))'
}

# ---- Certificates ----

# A Self policy with an EC P-256 key (no RSA generation on a full disk's clock).
cert_policy='{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=dfc"},"issuer":{"name":"Self"}}}'

# cert_absent NAME DESCRIPTION: neither the certificate nor an operation of NAME is there.
cert_absent() {
  local rc=0 st1
  kreq GET "/certificates/$1"
  st1=$status
  { [ "$status" = 404 ] && grep -q '"CertificateNotFound"' "$work/body"; } || rc=1
  kreq GET "/certificates/$1/pending"
  { [ "$status" = 404 ] && grep -q '"PendingCertificateNotFound"' "$work/body"; } || rc=1
  result "$rc" "$2 (GET /certificates/$1: $st1, its operation: $status)"
}

# cert_served NAME DESCRIPTION: the certificate is there with its "cer", and its managed secret
# (the PFX) answers with a value, the certificate's kid and managed true.
cert_served() {
  local rc=0 st1 kid
  kreq GET "/certificates/$1"
  st1=$status
  kid=$(jget kid)
  { [ "$status" = 200 ] && [ -n "$(jget cer)" ] && [ -n "$kid" ]; } || rc=1
  kreq GET "/secrets/$1"
  { [ "$status" = 200 ] && [ "$(jget kid)" = "$kid" ] && [ "$(jget managed)" = true ] &&
    [ "$(jget contentType)" = application/x-pkcs12 ] && [ -n "$(jget value)" ]; } || rc=1
  result "$rc" "$2 (GET /certificates/$1: $st1; its PFX secret: $status)"
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
kreq POST /keys/dfk-ec/create '{"kty":"EC","crv":"P-256"}'
ec_pub=$(pub)
kreq POST /keys/dfk-rsa/create '{"kty":"RSA","key_size":2048}'
rsa_pub=$(pub)
rc=$status
# The policy rotates dfk-ec 7 days after its creation: the clock is moved there while the disk is
# full.
kreq PUT /keys/dfk-ec/rotationpolicy \
  '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P7D"},"action":{"type":"Rotate"}}]}'
result $([ "$rc" = 200 ] && [ "$status" = 200 ]; echo $?) \
  "keys are created and a rotation policy set while the disk has room ($rc, $status)"
imported=$(ec_jwk)

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
kreq POST /keys/dfk-new/create '{"kty":"EC","crv":"P-256"}'
expect_refused "a key cannot be created on a full disk"
kreq PUT /keys/dfk-imp "{\"key\":$imported}"
expect_refused "a key with private JWK parts cannot be imported on a full disk"
kreq POST /keys/dfk-ec/rotate
expect_refused "a key cannot be rotated on a full disk"
kreq PUT /keys/dfk-ec/rotationpolicy '{"lifetimeActions":[]}'
expect_refused "a rotation policy cannot be replaced on a full disk"
key_absent dfk-new "a key refused on a full disk is not there"
key_absent dfk-imp "a key whose import was refused is not there"
kreq POST /certificates/dfc/create "$cert_policy"
expect_refused "a certificate cannot be created on a full disk"
cert_absent dfc "a certificate refused on a full disk is not there, nor its operation"
key_same dfk-ec "$ec_pub" 1 "reads of keys keep working on a full disk, and show no rotation"
kreq GET /keys/dfk-ec/rotationpolicy
result $([ "$status" = 200 ] && [ "$(jget lifetimeActions)" = 2 ]; echo $?) \
  "the refused policy left the one set before (rotate and the default notify; $status)"
crypto_works "crypto operations keep working on a full disk"
# Past the policy's time the rotation is due, but cannot be saved: it is rolled back, and no event
# reports a version that does not exist.
curl -sS -o /dev/null --cacert "$state/ca.pem" --resolve "localhost:$port:127.0.0.1" \
  -H 'Content-Type: application/json' -d '{"advance":691200}' "https://localhost:$port/_mock/clock"
get_token # the old token expired with the 8 days
key_same dfk-ec "$ec_pub" 1 "a rotation due on a full disk is not kept"
n_rot=$(rotations)
result $([ "$n_rot" = 0 ]; echo $?) "nor reported in the journal ($n_rot rotation events)"
rm -f "$mnt/fill"
req PUT df-after after-1
result $([ "$status" = 200 ]; echo $?) "writes resume when space returns ($status)"
kreq POST /keys/dfk-after/create '{"kty":"EC","crv":"P-256"}'
result $([ "$status" = 200 ]; echo $?) "key writes resume when space returns ($status)"
kreq POST /certificates/dfc/create "$cert_policy"
rc=$status
kreq GET /certificates/dfc/pending
result $([ "$rc" = 202 ] && [ "$(jget status)" = completed ]; echo $?) \
  "a certificate is created and completed once space returns ($rc, then $status $(jget status))"
kreq GET /keys/dfk-ec/versions
n_rot=$(rotations)
result $([ "$(jget value)" = 2 ] && [ "$n_rot" = 1 ]; echo $?) \
  "the due rotation happens once space returns, reported once ($(jget value) versions, $n_rot events)"
restart
expect_absent df-new "after a restart, the refused new secret is still not there"
expect_value df-base base-1 "after a restart, the refused version and delete are not there"
expect_value df-after after-1 "after a restart, the write made once space returned is there"
key_absent dfk-new "after a restart, the refused key is still not there"
key_absent dfk-imp "after a restart, the refused import is still not there"
kreq GET /keys/dfk-ec/versions
result $([ "$(jget value)" = 2 ]; echo $?) \
  "after a restart, dfk-ec has the rotation saved once space returned and no other ($(jget value))"
kreq GET /keys/dfk-after
result $([ "$status" = 200 ]; echo $?) "after a restart, the key created once space returned is there"
cert_served dfc "after a restart, the certificate created once space returned is there"

# ---- A disk that refuses every write ----
prlimit --pid "$pid" --fsize=1:
req PUT df-ro ro-1
expect_refused "a new secret cannot be saved while every write fails"
req PUT df-after after-2
expect_refused "a new version cannot be saved while every write fails"
expect_value df-after after-1 "reads keep working while every write fails"
expect_absent df-ro "a secret refused while every write fails is not there"
kreq GET /keys/dfk-ec
ec_pub=$(pub)
kreq POST /keys/dfk-ro/create '{"kty":"EC","crv":"P-256"}'
expect_refused "a key cannot be created while every write fails"
kreq PUT /keys/dfk-imp "{\"key\":$imported}"
expect_refused "a key cannot be imported while every write fails"
kreq POST /keys/dfk-rsa/rotate
expect_refused "a key cannot be rotated while every write fails"
key_absent dfk-ro "a key refused while every write fails is not there"
key_same dfk-rsa "$rsa_pub" 1 "reads of keys keep working while every write fails"
crypto_works "crypto operations keep working while every write fails"
prlimit --pid "$pid" --fsize=unlimited:
req PUT df-rw rw-1
result $([ "$status" = 200 ]; echo $?) "writes resume when writes succeed again ($status)"
kreq PUT /keys/dfk-imp "{\"key\":$imported}"
result $([ "$status" = 200 ]; echo $?) "a key import resumes when writes succeed again ($status)"
restart
expect_absent df-ro "after a restart, the secret refused while writes failed is still not there"
expect_value df-after after-1 "after a restart, the version refused while writes failed is not there"
expect_value df-rw rw-1 "after a restart, the write made once writes succeed again is there"
key_absent dfk-ro "after a restart, the key refused while writes failed is still not there"
key_same dfk-rsa "$rsa_pub" 1 "after a restart, the rotation refused while writes failed is not there"
key_same dfk-ec "$ec_pub" 2 "after a restart, dfk-ec is unchanged"
kreq GET /keys/dfk-imp/versions
result $([ "$status" = 200 ] && [ "$(jget value)" = 1 ]; echo $?) \
  "after a restart, the import made once writes succeed again is there, alone ($(jget value) version)"

# The log says why each write failed (and never holds a value or a token).
rc=0
imported_d=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["d"])' "$imported")
{ grep -q 'could not save state' "$work/mock.log" &&
  ! grep -q -e 'base-2' -e 'new-1' -e "$token" -e "$imported_d" "$work/mock.log"; } || rc=1
result "$rc" "the mock's log reports the failed saves without values, key material or tokens"

echo "1..$n"
if [ "$failed" != 0 ]; then
  echo "# the mock's log:"
  sed 's/^/# /' "$work/mock.log" | tail -n 40
fi
exit "$failed"
