# cli-lib.sh: what the kvclient CLI test scripts share (sourced by test-cli.sh and
# test-cli-keys.sh after they set KV, MOCK and FIXTURES): a scratch directory, a clean
# environment, the TAP plumbing with the check that stderr holds nothing forbidden, the mock
# started on port 0 with FIXTURES, the identities of the fixture and the two vault modes.
# Strings that must never reach stderr are added with forbid().
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvcli-test.XXXXXX")
MOCK_PID=
cleanup() {
    if [ -n "$MOCK_PID" ]; then
        kill "$MOCK_PID" 2>/dev/null
        wait "$MOCK_PID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# A clean environment: no proxy, credential or CA settings of the caller leak into the tests.
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
unset AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_CLIENT_CERTIFICATE_PATH
unset AZURE_AUTHORITY_HOST IDENTITY_ENDPOINT IDENTITY_HEADER AZURE_POD_IDENTITY_AUTHORITY_HOST
unset SSL_CERT_FILE KVCLIENT_VAULT_DNS_SUFFIX
export LC_ALL=C

TENANT=11111111-1111-1111-1111-111111111111
ADMIN_ID=aaaaaaaa-0000-0000-0000-000000000001
ADMIN_SECRET=admin-client-secret
FLOW_ID=22222222-2222-2222-2222-222222222222
FLOW_SECRET=flow-client-secret
NOACCESS_ID=cccccccc-0000-0000-0000-000000000003
NOACCESS_SECRET=noaccess-client-secret

# Strings that must never reach stderr: client secrets, the fixture's values and every value
# the tests set. Values set below are added with forbid().
FORBIDDEN=("$ADMIN_SECRET" "$FLOW_SECRET" "$NOACCESS_SECRET" fake-db-password fake-api-key
           fake-expired-value fake-future-value fake-disabled-value graph-app-client-secret eyJ)
forbid() { FORBIDDEN+=("$1"); }

# ----- TAP plumbing ---------------------------------------------------------------------------

N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() {
    N=$((N + 1))
    FAILED=$((FAILED + 1))
    echo "not ok $N - $1"
    shift
    for line in "$@"; do echo "#   $line"; done
    if [ -s "$TMP/out" ]; then sed 's/^/#   stdout: /' "$TMP/out" | head -20; fi
    if [ -s "$TMP/err" ]; then sed 's/^/#   stderr: /' "$TMP/err" | head -20; fi
}

# kv EXPECTED_RC DESCRIPTION ARGS...: runs kvclient with ARGS (stdin from $STDIN or /dev/null),
# checks the exit code and that stderr holds nothing forbidden. stdout lands in $TMP/out and
# stderr in $TMP/err for the checks that follow.
STDIN=/dev/null
kv() {
    local want=$1 desc=$2 rc s
    shift 2
    "$KV" "$@" <"$STDIN" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    for s in "${FORBIDDEN[@]}"; do
        if grep -qF -- "$s" "$TMP/err"; then
            not_ok "$desc" "stderr contains a secret ($s)"
            return 1
        fi
    done
    if [ "$rc" != "$want" ]; then
        not_ok "$desc" "exit code $rc, expected $want"
        return 1
    fi
    ok "$desc"
}

# Checks on the last run's output; each is one TAP test.
out_has() {
    if grep -qF -- "$2" "$TMP/out"; then ok "$1"; else not_ok "$1" "stdout lacks: $2"; fi
}
out_lacks() {
    if grep -qF -- "$2" "$TMP/out"; then not_ok "$1" "stdout has: $2"; else ok "$1"; fi
}
out_is() {
    local got
    got=$(cat "$TMP/out")
    if [ "$got" = "$2" ]; then ok "$1"; else not_ok "$1" "expected stdout: $2"; fi
}
out_empty() {
    if [ -s "$TMP/out" ]; then not_ok "$1" "stdout is not empty"; else ok "$1"; fi
}
err_has() {
    if grep -qF -- "$2" "$TMP/err"; then ok "$1"; else not_ok "$1" "stderr lacks: $2"; fi
}
err_lacks() {
    if grep -qF -- "$2" "$TMP/err"; then not_ok "$1" "stderr has: $2"; else ok "$1"; fi
}
err_empty() {
    if [ -s "$TMP/err" ]; then not_ok "$1" "stderr is not empty"; else ok "$1"; fi
}
# The JSON on stdout parses (python3 when present; the check is skipped otherwise).
out_json() {
    if ! command -v python3 >/dev/null; then ok "$1 # SKIP no python3"; return; fi
    if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out" 2>/dev/null; then
        ok "$1"
    else
        not_ok "$1" "stdout is not JSON"
    fi
}

# ----- The mock -------------------------------------------------------------------------------

"$MOCK" --port 0 --proxy-port 0 --imds-port 0 --ready-file "$TMP/ready" --fixtures "$FIXTURES" \
    --log-format off >"$TMP/mock.log" 2>&1 &
MOCK_PID=$!
for _ in $(seq 1 100); do
    [ -s "$TMP/ready" ] && break
    sleep 0.1
done
if [ ! -s "$TMP/ready" ]; then
    echo "Bail out! mockvault did not start"
    cat "$TMP/mock.log" >&2
    exit 1
fi
READY=$(cat "$TMP/ready")
PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' <<<"$READY")
CA=$(sed -n 's/.*"ca":"\([^"]*\)".*/\1/p' <<<"$READY")
PROXY=$(sed -n 's/.*"proxy":"\([^"]*\)".*/\1/p' <<<"$READY")
IMDS=$(sed -n 's/.*"imds":"\([^"]*\)".*/\1/p' <<<"$READY")
if [ -z "$PORT" ] || [ -z "$CA" ] || [ -z "$PROXY" ] || [ -z "$IMDS" ]; then
    echo "Bail out! cannot read the ready file: $READY"
    exit 1
fi

# Identities, as environment assignments for `env`.
as_admin() { export AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$ADMIN_ID AZURE_CLIENT_SECRET=$ADMIN_SECRET; }
as_flow() { export AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$FLOW_ID AZURE_CLIENT_SECRET=$FLOW_SECRET; }
as_noaccess() {
    export AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$NOACCESS_ID AZURE_CLIENT_SECRET=$NOACCESS_SECRET
}

# The headline mode: the real Azure names through the mock's CONNECT proxy.
proxy_mode() {
    export HTTPS_PROXY=$PROXY SSL_CERT_FILE=$CA
    unset AZURE_AUTHORITY_HOST
    V=(--vault-name demo)
    VAULT_URL=https://demo.vault.azure.net
}
# Direct mode: https://demo.localhost:PORT (libcurl resolves *.localhost to loopback).
direct_mode() {
    unset HTTPS_PROXY
    export SSL_CERT_FILE=$CA AZURE_AUTHORITY_HOST=https://localhost:$PORT
    V=(--vault-url "https://demo.localhost:$PORT")
    VAULT_URL=https://demo.localhost:$PORT
}


# vg EXPECTED_RC DESCRIPTION ARGS...: like kv, under valgrind (exit 99 = memory errors or
# definite leaks). Used when KVCLIENT_VALGRIND=1 and valgrind is installed.
VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --quiet)
vg() {
    local want=$1 desc=$2 rc
    shift 2
    "${VG[@]}" "$KV" "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" = "$want" ]; then ok "valgrind: $desc"; else not_ok "valgrind: $desc" "exit code $rc, expected $want (99 = valgrind errors)"; fi
}

# The TAP plan and the exit status.
tap_end() {
    echo "1..$N"
    if [ "$FAILED" -ne 0 ]; then
        echo "# $FAILED of $N failed" >&2
        exit 1
    fi
    exit 0
}
