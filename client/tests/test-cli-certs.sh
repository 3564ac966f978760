#!/usr/bin/env bash
# test-cli-certs.sh: the `kvclient certificate` verbs tested as a user runs them, against the real
# mockvault binary with a fixture that grants certificate permissions (certs-fixture.json).
#
# Usage: test-cli-certs.sh KVCLIENT MOCKVAULT [FIXTURES]
#   FIXTURES   default: client/tests/certs-fixture.json of this source tree
# Environment: KVCLIENT_VALGRIND=1 also runs the certificate verbs' main paths under valgrind.
#
# Output is TAP. Every run is checked for its exit code, and its stderr for client secrets,
# tokens, the PFX password and private keys (cli-lib.sh's kv). openssl makes the PFX with a
# password and signs the CSR for the merge; those steps are skipped without it.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 KVCLIENT MOCKVAULT [FIXTURES]" >&2
    exit 2
fi
KV=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
MOCK=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
FIXTURES=${3:-$(cd "$(dirname "$0")" && pwd)/certs-fixture.json}

# shellcheck source=cli-lib.sh
. "$(dirname "$0")/cli-lib.sh"

PFX_PASSWORD=cli-Pfx-pa55-never-shown
forbid "$PFX_PASSWORD"
forbid "PRIVATE KEY"
POLICY_SELF='{"x509CertificateProperties":{"subject":"CN=cli.contoso.com","validityInMonths":12},"issuerParameters":{"name":"Self"}}'
POLICY_UNKNOWN='{"x509_props":{"subject":"CN=merge.contoso.com"},"issuer":{"name":"Unknown"}}'

# ----- Help, usage and offline verbs (no server needed) ----------------------------------------

kv 0 "certificate --help" certificate --help
out_has "help lists pending merge" "certificate pending merge"
out_has "help lists issuer create" "certificate issuer create"
kv 0 "certificate import --help" certificate import --help
out_has "import --help documents --password" "--password"
kv 0 "get-default-policy needs no vault or credential" certificate get-default-policy
out_json "get-default-policy: JSON"
out_has "get-default-policy: az's subject" '"subject": "CN=CLIGetDefaultPolicy"'
out_has "get-default-policy: az's names" '"keyProperties"'
"$KV" certificate get-default-policy >"$TMP/default-policy.json" 2>/dev/null

proxy_mode
as_admin
kv 2 "usage: create without --policy" certificate create "${V[@]}" -n c
err_has "usage: names get-default-policy" "get-default-policy"
kv 2 "usage: --policy that is not JSON" certificate create "${V[@]}" -n c --policy 'nope'
kv 2 "usage: import without --file" certificate import "${V[@]}" -n c
kv 2 "usage: bad --encoding" certificate download "${V[@]}" -n c --file "$TMP/x" --encoding PFX
kv 2 "usage: issuer show without --issuer-name" certificate issuer show "${V[@]}"
kv 2 "usage: contact delete without --email" certificate contact delete "${V[@]}"
kv 2 "usage: --id of a key" certificate show --id https://demo.localhost/keys/x
err_has "usage: --id needs /certificates/" "--id has no /certificates/NAME path"
kv 2 "usage: bad --validity" certificate create "${V[@]}" -n c --policy '{}' --validity 0

# ----- Create, show, download, the secret --------------------------------------------------------

kv 0 "create from az's policy file (waits for completion)" certificate create "${V[@]}" -n cli-c1 \
    --policy "@$TMP/default-policy.json" --tags env=test --timeout 120
out_json "create: JSON"
out_has "create: the certificate" "\"id\": \"$VAULT_URL/certificates/cli-c1/"
out_has "create: the policy in az's names" '"issuerParameters"'
out_has "create: the subject" '"subject": "CN=CLIGetDefaultPolicy"'
out_has "create: the secret id" "\"sid\": \"$VAULT_URL/secrets/cli-c1/"
out_has "create: tags" '"env": "test"'
kv 0 "create with a camelCase policy and --validity" certificate create "${V[@]}" -n cli-c2 \
    --policy "$POLICY_SELF" --validity 3 --query policy.x509CertificateProperties.validityInMonths \
    -o tsv
out_is "create: --validity wins" "3"
kv 0 "show" certificate show "${V[@]}" -n cli-c1 --query x509ThumbprintHex -o tsv
THUMB=$(cat "$TMP/out")
kv 0 "show --query cer" certificate show "${V[@]}" -n cli-c1 --query cer -o tsv
base64 -d <"$TMP/out" >"$TMP/c1.cer"
kv 0 "download DER" certificate download "${V[@]}" -n cli-c1 --file "$TMP/c1.der" --encoding DER
out_empty "download prints nothing"
if cmp -s "$TMP/c1.der" "$TMP/c1.cer"; then ok "download DER is cer"; else not_ok "download DER is cer"; fi
kv 0 "download PEM (the default)" certificate download "${V[@]}" -n cli-c1 --file "$TMP/c1.pem"
if openssl x509 -in "$TMP/c1.pem" -noout -fingerprint -sha1 2>/dev/null | tr -d ':' |
    grep -qi "=$THUMB\$"; then
    ok "download PEM: openssl reads it, the SHA-1 is x509ThumbprintHex"
else
    not_ok "download PEM: openssl reads it, the SHA-1 is x509ThumbprintHex"
fi
kv 0 "the PFX through secret show" secret show "${V[@]}" -n cli-c1 --query value -o tsv
base64 -d <"$TMP/out" >"$TMP/c1.pfx"
if openssl pkcs12 -in "$TMP/c1.pfx" -passin pass: -nokeys -noout 2>/dev/null; then
    ok "the PFX opens with an empty password"
else
    not_ok "the PFX opens with an empty password"
fi
kv 0 "list" certificate list "${V[@]}" --query '[].name' -o tsv
out_has "list names cli-c1" "cli-c1"
kv 0 "list-versions" certificate list-versions "${V[@]}" -n cli-c1 --query '[].subject' -o json
out_has "list-versions: the empty subject" '""'
kv 0 "set-attributes --enabled false" certificate set-attributes "${V[@]}" -n cli-c1 \
    --enabled false --query attributes.enabled -o tsv
out_is "set-attributes: disabled" "false"
kv 0 "policy show" certificate policy show "${V[@]}" -n cli-c1 --query keyProperties.keySize -o tsv
out_is "policy show: key size" "2048"
kv 0 "policy update" certificate policy update "${V[@]}" -n cli-c1 \
    --policy '{"x509CertificateProperties":{"validityInMonths":24}}' \
    --query x509CertificateProperties.validityInMonths -o tsv
out_is "policy update: 24 months" "24"
kv 14 "show a missing certificate: exit 14" certificate show "${V[@]}" -n no-such-cert
err_has "missing: CertificateNotFound" "CertificateNotFound"

# ----- Unknown issuer: pending show, merge, cancel, delete ---------------------------------------

kv 0 "create with the Unknown issuer prints the operation" certificate create "${V[@]}" \
    -n cli-merge --policy "$POLICY_UNKNOWN"
out_has "Unknown: inProgress" '"status": "inProgress"'
out_has "Unknown: merge hint" "Please Perform Merge"
kv 0 "pending show" certificate pending show "${V[@]}" -n cli-merge --query csr -o tsv
if ! command -v openssl >/dev/null; then
    ok "merge # SKIP no openssl"
else
    {
        echo "-----BEGIN CERTIFICATE REQUEST-----"
        fold -w 64 "$TMP/out"
        echo "-----END CERTIFICATE REQUEST-----"
    } >"$TMP/merge.csr"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/ca.key" -out "$TMP/ca.pem" \
        -days 30 -subj "/CN=kvclient CLI test CA" 2>/dev/null
    openssl x509 -req -in "$TMP/merge.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" \
        -CAcreateserial -days 7 -out "$TMP/merge.pem" 2>/dev/null
    cat "$TMP/ca.pem" >>"$TMP/merge.pem"
    kv 0 "pending merge with the chain" certificate pending merge "${V[@]}" -n cli-merge \
        --file "$TMP/merge.pem" --query attributes.enabled -o tsv
    out_is "merge: enabled" "true"
    kv 0 "pending show after merge" certificate pending show "${V[@]}" -n cli-merge \
        --query status -o tsv
    out_is "merge: completed" "completed"
fi
kv 0 "create to cancel" certificate create "${V[@]}" -n cli-cancel --policy "$POLICY_UNKNOWN" -o none
kv 0 "pending cancel" certificate pending cancel "${V[@]}" -n cli-cancel --query cancellationRequested -o tsv
out_is "cancel: requested" "true"
kv 0 "pending delete" certificate pending delete "${V[@]}" -n cli-cancel -o none
kv 14 "pending show after delete: exit 14" certificate pending show "${V[@]}" -n cli-cancel
err_has "PendingCertificateNotFound" "PendingCertificateNotFound"
kv 0 "list --include-pending" certificate list "${V[@]}" --include-pending --query '[].name' -o tsv
out_has "include-pending lists the pending one" "cli-cancel"

# ----- Import -----------------------------------------------------------------------------------

kv 0 "import the service's PFX (no password)" certificate import "${V[@]}" -n cli-imp \
    --file "$TMP/c1.pfx" --query policy.issuerParameters.name -o tsv
out_is "import: issuer Unknown" "Unknown"
if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/imp.key" -out "$TMP/imp.crt" \
        -days 365 -subj "/CN=imported.contoso.com" 2>/dev/null
    openssl pkcs12 -export -inkey "$TMP/imp.key" -in "$TMP/imp.crt" -out "$TMP/imp.pfx" \
        -passout "pass:$PFX_PASSWORD" 2>/dev/null
    cat "$TMP/imp.key" "$TMP/imp.crt" >"$TMP/imp.pem"
    kv 0 "import a PFX with --password" certificate import "${V[@]}" -n cli-pfx \
        --file "$TMP/imp.pfx" --password "$PFX_PASSWORD" --query policy.x509CertificateProperties.subject -o tsv
    out_has "import: the subject from the certificate" "CN=imported.contoso.com"
    kv 16 "import with a wrong password: exit 16" certificate import "${V[@]}" -n cli-pfx2 \
        --file "$TMP/imp.pfx" --password wrong-password
    err_has "wrong password: the PKCS#12 message" "PKCS#12"
    kv 0 "import PEM" certificate import "${V[@]}" -n cli-pem --file "$TMP/imp.pem" \
        --query contentType -o tsv
    out_is "import PEM: PEM content type" "application/x-pem-file"
    kv 0 "-v import: traced without the password" certificate import "${V[@]}" -n cli-pfx \
        --file "$TMP/imp.pfx" --password "$PFX_PASSWORD" -v -o none
    err_has "-v traces the import" "/certificates/cli-pfx/import"
else
    ok "import with a password # SKIP no openssl"
fi

# ----- Delete, recover, purge, backup, restore ----------------------------------------------------

kv 0 "backup" certificate backup "${V[@]}" -n cli-c2 --file "$TMP/c2.bak"
kv 0 "delete" certificate delete "${V[@]}" -n cli-c2 --query recoveryId -o tsv
out_is "delete: recoveryId" "$VAULT_URL/deletedcertificates/cli-c2"
kv 15 "create on a deleted name: exit 15" certificate create "${V[@]}" -n cli-c2 --policy "$POLICY_SELF"
err_has "conflict: ObjectIsDeletedButRecoverable" "ObjectIsDeletedButRecoverable"
kv 0 "show-deleted" certificate show-deleted "${V[@]}" -n cli-c2 -o none
kv 0 "list-deleted" certificate list-deleted "${V[@]}" --query '[].name' -o tsv
out_has "list-deleted names it" "cli-c2"
kv 0 "recover" certificate recover "${V[@]}" -n cli-c2 --query name -o tsv
out_is "recover: back" "cli-c2"
kv 0 "delete again" certificate delete "${V[@]}" -n cli-c2 -o none
kv 0 "purge" certificate purge "${V[@]}" -n cli-c2
out_empty "purge prints nothing"
kv 0 "restore" certificate restore "${V[@]}" --file "$TMP/c2.bak" --query name -o tsv
out_is "restore: the same certificate" "cli-c2"

# ----- Contacts and issuers -----------------------------------------------------------------------

kv 14 "contact list with none: exit 14" certificate contact list "${V[@]}"
err_has "ContactsNotFound" "ContactsNotFound"
kv 0 "contact add" certificate contact add "${V[@]}" --email admin@contoso.com --name "John Doe" \
    --phone 1111111111 -o none
kv 0 "contact add a second" certificate contact add "${V[@]}" --email ops@contoso.com -o none
kv 0 "contact list" certificate contact list "${V[@]}" --query '[].email' -o tsv
out_has "contact list: both" "ops@contoso.com"
kv 0 "contact delete" certificate contact delete "${V[@]}" --email admin@contoso.com --query '[].email' -o tsv
out_is "contact delete: one left" "ops@contoso.com"
kv 14 "contact delete of an unknown email: exit 14" certificate contact delete "${V[@]}" --email x@y.z
kv 0 "issuer create" certificate issuer create "${V[@]}" --issuer-name cli-issuer \
    --provider-name Test --account-id keyvaultuser --password "$PFX_PASSWORD"
out_has "issuer create: the account" '"accountId": "keyvaultuser"'
out_lacks "issuer create: no password" "$PFX_PASSWORD"
kv 0 "issuer update" certificate issuer update "${V[@]}" --issuer-name cli-issuer \
    --organization-id org-7 --query accountId -o tsv
out_is "issuer update keeps the account" "keyvaultuser"
kv 0 "issuer list" certificate issuer list "${V[@]}" --query '[].name' -o tsv
out_is "issuer list" "cli-issuer"
kv 0 "issuer show" certificate issuer show "${V[@]}" --issuer-name cli-issuer --query provider -o tsv
out_is "issuer show: provider" "Test"
kv 0 "issuer delete" certificate issuer delete "${V[@]}" --issuer-name cli-issuer -o none
kv 14 "issuer show after delete: exit 14" certificate issuer show "${V[@]}" --issuer-name cli-issuer
err_has "CertificateIssuerNotFound" "CertificateIssuerNotFound"

# Access: the automation flow has certificates get and list only.
as_flow
kv 0 "flow: show" certificate show "${V[@]}" -n cli-c1 -o none
kv 12 "flow: create denied, exit 12" certificate create "${V[@]}" -n flow-cert --policy "$POLICY_SELF"
err_has "denied: AccessDenied" "Forbidden/AccessDenied"
as_admin

# ----- Direct mode ----------------------------------------------------------------------------

direct_mode
kv 0 "direct: show by --id" certificate show --id "https://demo.localhost:$PORT/certificates/cli-c1" \
    --query id -o tsv
out_has "direct: id under demo.localhost" "https://demo.localhost:$PORT/certificates/cli-c1/"

# ----- valgrind ----------------------------------------------------------------------------

if [ "${KVCLIENT_VALGRIND:-0}" = 1 ] && ! command -v valgrind >/dev/null; then
    ok "valgrind runs # SKIP valgrind is not installed"
elif [ "${KVCLIENT_VALGRIND:-0}" = 1 ]; then
    vg 0 "certificate get-default-policy" certificate get-default-policy
    vg 0 "certificate create" certificate create "${V[@]}" -n cli-vg --policy "$POLICY_SELF" --tags a=b
    vg 0 "certificate show" certificate show "${V[@]}" -n cli-vg
    vg 0 "certificate list -o table" certificate list "${V[@]}" -o table
    vg 0 "certificate download" certificate download "${V[@]}" -n cli-vg --file "$TMP/vg.pem"
    vg 0 "certificate pending show" certificate pending show "${V[@]}" -n cli-vg
    vg 0 "certificate policy update" certificate policy update "${V[@]}" -n cli-vg \
        --policy '{"x509CertificateProperties":{"validityInMonths":6}}'
    vg 0 "certificate backup" certificate backup "${V[@]}" -n cli-vg --file "$TMP/vg.bak"
    if [ -f "$TMP/imp.pfx" ]; then
        vg 0 "certificate import" certificate import "${V[@]}" -n cli-vg-imp --file "$TMP/imp.pfx" \
            --password "$PFX_PASSWORD"
    fi
    vg 0 "certificate contact add" certificate contact add "${V[@]}" --email vg@contoso.com
    vg 0 "certificate issuer create" certificate issuer create "${V[@]}" --issuer-name vg \
        --provider-name Test
    vg 14 "certificate show missing" certificate show "${V[@]}" -n no-such-cert
    vg 2 "certificate usage error" certificate create "${V[@]}" -n cli-vg
else
    ok "valgrind runs # SKIP set KVCLIENT_VALGRIND=1"
fi

tap_end
