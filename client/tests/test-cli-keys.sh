#!/usr/bin/env bash
# test-cli-keys.sh: the `kvclient key` verbs tested as a user runs them, against the real
# mockvault binary with a fixture that grants key permissions.
#
# Usage: test-cli-keys.sh KVCLIENT MOCKVAULT [FIXTURES]
#   FIXTURES   default: client/tests/keys-fixture.json of this source tree
# Environment: KVCLIENT_VALGRIND=1 also runs the key verbs' main paths under valgrind.
#
# Output is TAP. Every run is checked for its exit code, and its stderr for plaintexts,
# ciphertexts, signatures, private key material, client secrets and tokens (cli-lib.sh's kv).
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 KVCLIENT MOCKVAULT [FIXTURES]" >&2
    exit 2
fi
KV=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
MOCK=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
FIXTURES=${3:-$(cd "$(dirname "$0")" && pwd)/keys-fixture.json}

# shellcheck source=cli-lib.sh
. "$(dirname "$0")/cli-lib.sh"

# The first JSON string member named $1 in the last output (az's one-member-a-line layout).
out_member() {
    sed -n "s/^ *\"$1\": \"\\([^\"]*\\)\".*/\\1/p" "$TMP/out" | head -1
}
b64() { printf '%s' "$1" | base64 -w0; }

# ----- Help and usage (no server needed) -------------------------------------------------------

kv 0 "key --help" key --help
out_has "key --help lists the verbs" "rotation-policy update"
out_has "key --help lists sign" "key    sign"
kv 0 "key sign --help" key sign --help
out_has "sign --help documents --digest" "--digest"
kv 0 "key rotation-policy update --help" key rotation-policy update --help
out_has "two-word verb help" "Usage: kvclient key rotation-policy update"

proxy_mode
as_admin
kv 2 "usage: create without --name" key create "${V[@]}"
kv 2 "usage: bad --size" key create "${V[@]}" -n k --size 1024
kv 2 "usage: bad --protection" key create "${V[@]}" -n k --protection cloud
kv 2 "usage: encrypt without --algorithm" key encrypt "${V[@]}" -n k --value AAAA
kv 2 "usage: encrypt without --value" key encrypt "${V[@]}" -n k -a RSA-OAEP
kv 2 "usage: sign without --digest" key sign "${V[@]}" -n k -a RS256
kv 2 "usage: verify without --signature" key verify "${V[@]}" -n k -a RS256 --digest AAAA
kv 2 "usage: bad --data-type" key decrypt "${V[@]}" -n k -a RSA-OAEP --value AAAA --data-type hex
kv 2 "usage: import without --pem-file" key import "${V[@]}" -n k
kv 2 "usage: --digest not valid for encrypt" key encrypt "${V[@]}" -n k -a RSA-OAEP --value AAAA --digest AAAA
kv 2 "usage: unknown rotation-policy verb" key rotation-policy bogus "${V[@]}" -n k
kv 2 "usage: word after a two-word verb" key rotation-policy show extra "${V[@]}" -n k
kv 2 "usage: --id of a secret" key show --id https://demo.localhost/secrets/x
err_has "usage: --id needs /keys/" "--id has no /keys/NAME path"
kv 2 "usage: rotation-policy update with --value and --file" key rotation-policy update \
    "${V[@]}" -n k --value '{}' --file /dev/null
forbid NOT-BASE64-SECRET
kv 2 "usage: a --value that is not base64" key encrypt "${V[@]}" -n k -a RSA-OAEP --value 'NOT-BASE64-SECRET!'
err_has "usage: names the option, not the value" "--value must be base64"

# ----- Every verb, proxy mode ------------------------------------------------------------------

kv 0 "create: RSA with tags and ops" key create "${V[@]}" -n cli-rsa --tags env=test \
    --ops encrypt decrypt sign verify --expires 2099-12-31T00:00:00Z
out_json "create: JSON"
out_has "create: kty" '"kty": "RSA"'
out_has "create: ops in order" '"encrypt",'
out_has "create: e" '"e": "AQAB"'
out_has "create: kid" "\"kid\": \"$VAULT_URL/keys/cli-rsa/"
out_has "create: expires" '"expires": "2099-12-31T00:00:00+00:00"'
out_has "create: tags" '"env": "test"'
out_lacks "create: no private part" '"d"'
KID1=$(out_member kid)
kv 0 "create: EC P-384" key create "${V[@]}" -n cli-ec --kty EC --curve P-384
out_has "create: crv" '"crv": "P-384"'
out_has "create: EC ops by default" '"sign",'
kv 0 "create: --curve alone makes EC" key create "${V[@]}" -n cli-ec256 --curve P-256 -o none
kv 0 "create: RSA 3072" key create "${V[@]}" -n cli-rsa3k --size 3072 -o none
kv 16 "create: the service refuses oct on a vault" key create "${V[@]}" -n cli-oct --kty oct
err_has "create refused: HTTP 400" "HTTP 400 BadParameter"

kv 0 "show" key show "${V[@]}" -n cli-rsa
out_has "show: the same kid" "\"kid\": \"$KID1\""
kv 0 "show --id" key show --id "$KID1" --query key.kty -o tsv
out_is "show --id: kty" "RSA"
kv 0 "create: second version" key create "${V[@]}" -n cli-rsa --ops sign verify -o none
kv 0 "show --version" key show "${V[@]}" -n cli-rsa --version "${KID1##*/}" --query key.kid -o tsv
out_is "show --version: that version" "$KID1"
kv 0 "list-versions" key list-versions "${V[@]}" -n cli-rsa --query '[].kid' -o tsv
if [ "$(wc -l <"$TMP/out")" -eq 2 ]; then ok "list-versions: two versions"; else not_ok "list-versions: two versions"; fi
kv 0 "list" key list "${V[@]}" --query '[].name' -o tsv
out_has "list names the keys" "cli-ec"
kv 0 "list -o table" key list "${V[@]}" -o table
out_has "list table: Kid column" "Kid"
kv 0 "list --maxresults 2" key list "${V[@]}" --maxresults 2 --query '[].name' -o tsv
if [ "$(wc -l <"$TMP/out")" -eq 2 ]; then ok "--maxresults caps the keys"; else not_ok "--maxresults caps the keys"; fi
kv 14 "show a missing key: exit 14" key show "${V[@]}" -n no-such-key
err_has "not found: KeyNotFound" "HTTP 404 KeyNotFound"

# Cryptography: the latest version of cli-rsa may sign and verify; the first one also encrypts.
PLAIN=cli-plaintext-9c41
forbid "$PLAIN"
forbid "$(b64 "$PLAIN")"
kv 0 "encrypt (first version)" key encrypt "${V[@]}" -n cli-rsa --version "${KID1##*/}" \
    -a RSA-OAEP --value "$(b64 "$PLAIN")"
out_has "encrypt: algorithm" '"algorithm": "RSA-OAEP"'
out_has "encrypt: kid" "\"kid\": \"$KID1\""
CIPHER=$(out_member result)
forbid "$CIPHER"
kv 0 "decrypt --data-type plaintext" key decrypt "${V[@]}" -n cli-rsa --version "${KID1##*/}" \
    -a RSA-OAEP --value "$CIPHER" --data-type plaintext --query result -o tsv
out_is "decrypt: the plaintext" "$PLAIN"
kv 0 "encrypt --data-type plaintext" key encrypt "${V[@]}" -n cli-rsa --version "${KID1##*/}" \
    -a RSA-OAEP-256 --value "$PLAIN" --data-type plaintext --query result -o tsv
C2=$(cat "$TMP/out")
forbid "$C2"
kv 0 "decrypt (base64)" key decrypt "${V[@]}" -n cli-rsa --version "${KID1##*/}" \
    -a RSA-OAEP-256 --value "$C2" --query result -o tsv
out_is "decrypt: base64 of the plaintext" "$(b64 "$PLAIN")"
kv 12 "decrypt with a version without decrypt: exit 12" key decrypt "${V[@]}" -n cli-rsa \
    -a RSA-OAEP --value "$CIPHER"
err_has "decrypt refused: KeyOperationForbidden" "Forbidden/KeyOperationForbidden"

DIGEST=$(printf 'cli message' | sha256sum | cut -d' ' -f1 | xxd -r -p | base64 -w0)
OTHER=$(printf 'cli other' | sha256sum | cut -d' ' -f1 | xxd -r -p | base64 -w0)
forbid "$DIGEST"
kv 0 "sign RS256" key sign "${V[@]}" -n cli-rsa -a RS256 --digest "$DIGEST"
out_has "sign: algorithm" '"algorithm": "RS256"'
SIG=$(out_member signature)
forbid "$SIG"
if [ "$(printf '%s' "$SIG" | base64 -d | wc -c)" -eq 256 ]; then ok "sign: 256-byte signature"; else not_ok "sign: 256-byte signature"; fi
kv 0 "verify: valid" key verify "${V[@]}" -n cli-rsa -a RS256 --digest "$DIGEST" --signature "$SIG" \
    --query isValid -o tsv
out_is "verify: isValid true" "true"
kv 0 "verify: another digest" key verify "${V[@]}" -n cli-rsa -a RS256 --digest "$OTHER" \
    --signature "$SIG" --query isValid
out_is "verify: isValid false (exit 0, as az)" "false"
kv 0 "sign ES384" key sign "${V[@]}" -n cli-ec -a ES384 \
    --digest "$(head -c 48 /dev/zero | base64 -w0)" --query signature -o tsv
forbid "$(cat "$TMP/out")"
if [ "$(base64 -d <"$TMP/out" | wc -c)" -eq 96 ]; then ok "ES384: 96-byte raw signature"; else not_ok "ES384: 96-byte raw signature"; fi
kv 16 "sign: wrong digest length, exit 16" key sign "${V[@]}" -n cli-ec -a ES384 --digest "$DIGEST"
err_has "digest length: the service's message" "Invalid length of 'value'"

kv 0 "set-attributes --enabled false" key set-attributes "${V[@]}" -n cli-rsa --enabled false
out_has "set-attributes: enabled false" '"enabled": false'
kv 0 "show a disabled key (readable)" key show "${V[@]}" -n cli-rsa -o none
kv 13 "sign with a disabled key: exit 13" key sign "${V[@]}" -n cli-rsa -a RS256 --digest "$DIGEST"
err_has "disabled: KeyDisabled" "HTTP 403 Forbidden/KeyDisabled"
kv 0 "set-attributes --enabled true --ops --tags" key set-attributes "${V[@]}" -n cli-rsa \
    --enabled true --ops sign --tags only=this
out_has "set-attributes: the ops" '"sign"'
out_lacks "set-attributes: the old ops gone" '"verify"'
out_has "set-attributes: tags replaced" '"only": "this"'

# Rotation.
kv 0 "rotate" key rotate "${V[@]}" -n cli-ec
out_has "rotate: EC again" '"crv": "P-384"'
kv 0 "list-versions after rotate" key list-versions "${V[@]}" -n cli-ec --query '[].kid' -o tsv
if [ "$(wc -l <"$TMP/out")" -eq 2 ]; then ok "rotate made a second version"; else not_ok "rotate made a second version"; fi
kv 0 "rotation-policy show (default)" key rotation-policy show "${V[@]}" -n cli-ec
out_has "default policy: Notify" '"action": "Notify"'
out_has "default policy: P30D" '"timeBeforeExpiry": "P30D"'
out_has "default policy: no id" '"id": null'
POLICY='{"lifetimeActions":[{"trigger":{"timeBeforeExpiry":"P10D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P90D"}}'
kv 0 "rotation-policy update --value" key rotation-policy update "${V[@]}" -n cli-ec --value "$POLICY"
out_has "policy: id" "\"id\": \"$VAULT_URL/keys/cli-ec/rotationpolicy\""
out_has "policy: Rotate" '"action": "Rotate"'
out_has "policy: expiresIn" '"expiresIn": "P90D"'
printf '%s' "$POLICY" >"$TMP/policy.json"
kv 0 "rotation-policy update --file" key rotation-policy update "${V[@]}" -n cli-ec --file "$TMP/policy.json" -o none
kv 2 "rotation-policy update: not JSON" key rotation-policy update "${V[@]}" -n cli-ec --value 'nope'
kv 14 "rotation-policy show: missing key" key rotation-policy show "${V[@]}" -n no-such-key

# Import from PEM: the private key never reaches stderr.
if command -v openssl >/dev/null; then
    openssl genrsa -out "$TMP/imp.pem" 2048 2>/dev/null
    forbid "$(sed -n 2p "$TMP/imp.pem")"
    forbid "$(sed -n 10p "$TMP/imp.pem")"
    kv 0 "import an RSA PEM" key import "${V[@]}" -n cli-imp --pem-file "$TMP/imp.pem" --ops sign verify
    out_has "import: RSA" '"kty": "RSA"'
    out_lacks "import: no private part" '"d"'
    N_PEM=$(openssl rsa -in "$TMP/imp.pem" -noout -modulus 2>/dev/null | cut -d= -f2 | tr 'A-F' 'a-f')
    N_OUT=$(out_member n | tr '_-' '/+' | sed 's/$/==/' | base64 -d 2>/dev/null | xxd -p | tr -d '\n')
    if [ -n "$N_PEM" ] && [ "$N_PEM" = "$N_OUT" ]; then ok "import: n is the PEM's modulus"; else not_ok "import: n is the PEM's modulus"; fi
    openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/imp-ec.pem" 2>/dev/null
    forbid "$(sed -n 2p "$TMP/imp-ec.pem")"
    kv 0 "import an EC PEM" key import "${V[@]}" -n cli-imp-ec --pem-file "$TMP/imp-ec.pem"
    out_has "import EC: crv" '"crv": "P-256"'
    kv 0 "sign with the imported key" key sign "${V[@]}" -n cli-imp -a PS256 --digest "$DIGEST" \
        --query signature -o tsv
    forbid "$(cat "$TMP/out")"
    base64 -d <"$TMP/out" >"$TMP/sig.bin"
    printf 'cli message' >"$TMP/msg"
    openssl rsa -in "$TMP/imp.pem" -pubout -out "$TMP/imp.pub" 2>/dev/null
    if openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
        -verify "$TMP/imp.pub" -signature "$TMP/sig.bin" "$TMP/msg" >/dev/null 2>&1; then
        ok "OpenSSL verifies the vault's PS256 signature with the PEM's public key"
    else
        not_ok "OpenSSL verifies the vault's PS256 signature with the PEM's public key"
    fi
else
    ok "import # SKIP openssl is not installed"
fi
printf 'not a key' >"$TMP/bad.pem"
kv 1 "import a file that is no key: exit 1" key import "${V[@]}" -n cli-bad --pem-file "$TMP/bad.pem"
err_has "import: says what is wrong" "is not an unencrypted PEM private key"
err_lacks "import: does not quote the file" "not a key"
kv 4 "import a missing file: exit 4" key import "${V[@]}" -n cli-bad --pem-file "$TMP/missing.pem"

# Soft delete, backup and restore.
kv 0 "backup" key backup "${V[@]}" -n cli-ec256 --file "$TMP/ec.bak"
out_empty "backup prints nothing"
if [ "$(stat -c %a "$TMP/ec.bak")" = 600 ]; then ok "backup file is 0600"; else not_ok "backup file is 0600"; fi
kv 15 "restore over an existing key: exit 15" key restore "${V[@]}" --file "$TMP/ec.bak"
kv 0 "delete" key delete "${V[@]}" -n cli-ec256
out_has "delete: recoveryId" "\"recoveryId\": \"$VAULT_URL/deletedkeys/cli-ec256\""
out_has "delete: scheduledPurgeDate" '"scheduledPurgeDate": "'
kv 15 "create on a deleted name: exit 15" key create "${V[@]}" -n cli-ec256 --kty EC
err_has "conflict: ObjectIsDeletedButRecoverable" "Conflict/ObjectIsDeletedButRecoverable"
kv 0 "show-deleted" key show-deleted "${V[@]}" -n cli-ec256 --query recoveryId -o tsv
out_is "show-deleted: recoveryId" "$VAULT_URL/deletedkeys/cli-ec256"
kv 0 "list-deleted" key list-deleted "${V[@]}" --query '[].name' -o tsv
out_has "list-deleted names it" "cli-ec256"
kv 0 "recover" key recover "${V[@]}" -n cli-ec256 --query key.kty -o tsv
out_is "recover: the key is back" "EC"
kv 0 "delete again" key delete "${V[@]}" -n cli-ec256 -o none
kv 0 "purge" key purge "${V[@]}" -n cli-ec256
out_empty "purge prints nothing"
kv 14 "show-deleted after purge: exit 14" key show-deleted "${V[@]}" -n cli-ec256
kv 0 "restore" key restore "${V[@]}" --file "$TMP/ec.bak" --query key.crv -o tsv
out_is "restore: the same key" "P-256"
printf 'garbage' >"$TMP/bad.bak"
kv 16 "restore a corrupt blob: exit 16" key restore "${V[@]}" --file "$TMP/bad.bak"
err_has "corrupt blob: the keys' message" "Backup blob is corrupt."

# Access: the automation flow has keys get and sign only.
as_flow
kv 0 "flow: show" key show "${V[@]}" -n cli-rsa -o none
kv 0 "flow: sign" key sign "${V[@]}" -n cli-rsa -a RS256 --digest "$DIGEST" -o none
kv 12 "flow: create denied, exit 12" key create "${V[@]}" -n flow-key
err_has "denied: AccessDenied" "Forbidden/AccessDenied"
kv 12 "flow: encrypt denied" key encrypt "${V[@]}" -n cli-rsa -a RSA-OAEP --value "$(b64 "$PLAIN")"
as_admin

# -v: the requests are traced, never the data.
kv 0 "-v sign" key sign "${V[@]}" -n cli-rsa -a RS256 --digest "$DIGEST" -v -o none
err_has "-v traces the POST" "> POST https://demo.vault.azure.net/keys/cli-rsa//sign"
kv 0 "-v encrypt" key encrypt "${V[@]}" -n cli-rsa --version "${KID1##*/}" -a RSA-OAEP \
    --value "$(b64 "$PLAIN")" -v -o none

# ----- Direct mode --------------------------------------------------------------------------

direct_mode
kv 0 "direct: create" key create "${V[@]}" -n cli-direct --kty EC -o none
kv 0 "direct: sign" key sign "${V[@]}" -n cli-direct -a ES256 --digest "$DIGEST" -o none
kv 0 "direct: show" key show "${V[@]}" -n cli-direct --query key.kid -o tsv
out_has "direct: kid under demo.localhost" "https://demo.localhost:$PORT/keys/cli-direct/"

# ----- valgrind ----------------------------------------------------------------------------

if [ "${KVCLIENT_VALGRIND:-0}" = 1 ] && ! command -v valgrind >/dev/null; then
    ok "valgrind runs # SKIP valgrind is not installed"
elif [ "${KVCLIENT_VALGRIND:-0}" = 1 ]; then
    vg 0 "key create" key create "${V[@]}" -n cli-vg --ops sign verify encrypt decrypt --tags a=b
    vg 0 "key show" key show "${V[@]}" -n cli-vg
    vg 0 "key list -o table" key list "${V[@]}" -o table
    vg 0 "key sign" key sign "${V[@]}" -n cli-vg -a RS256 --digest "$DIGEST"
    vg 0 "key verify" key verify "${V[@]}" -n cli-vg -a RS256 --digest "$DIGEST" --signature "$SIG"
    vg 0 "key encrypt --data-type plaintext" key encrypt "${V[@]}" -n cli-vg -a RSA-OAEP \
        --value "$PLAIN" --data-type plaintext
    vg 0 "key rotation-policy update" key rotation-policy update "${V[@]}" -n cli-vg --value "$POLICY"
    vg 0 "key backup" key backup "${V[@]}" -n cli-vg --file "$TMP/vg.bak"
    if [ -f "$TMP/imp.pem" ]; then
        vg 0 "key import" key import "${V[@]}" -n cli-vg-imp --pem-file "$TMP/imp.pem"
    fi
    vg 14 "key show missing" key show "${V[@]}" -n no-such-key
    vg 2 "key usage error" key sign "${V[@]}" -n cli-vg
else
    ok "valgrind runs # SKIP set KVCLIENT_VALGRIND=1"
fi

tap_end
