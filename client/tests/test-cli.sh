#!/usr/bin/env bash
# test-cli.sh: the kvclient CLI tested as a user runs it, against the real mockvault binary.
#
# Usage: test-cli.sh KVCLIENT MOCKVAULT [FIXTURES]
#   KVCLIENT   path of the kvclient binary
#   MOCKVAULT  path of the mockvault binary
#   FIXTURES   fixture file (default: fixtures/default.json of this source tree)
# Environment: KVCLIENT_VALGRIND=1 also runs the main paths (show, set, list, a failure) under
# valgrind and fails on memory errors or definite leaks.
#
# Output is TAP. Every kvclient run is checked for its exit code (the kv_status value), and its
# stderr is checked to hold no secret value, no client secret and no token (JWTs start "eyJ"),
# with -v as well as without.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 KVCLIENT MOCKVAULT [FIXTURES]" >&2
    exit 2
fi
KV=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
MOCK=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
FIXTURES=${3:-$(cd "$(dirname "$0")/../.." && pwd)/fixtures/default.json}

# shellcheck source=cli-lib.sh
. "$(dirname "$0")/cli-lib.sh"
# ----- Help, version, usage errors (no server needed) ------------------------------------------

kv 0 "--version" --version
# KVCLIENT_EXPECT_VERSION: the project version, passed by meson (the one version source).
out_has "--version names the program" "kvclient ${KVCLIENT_EXPECT_VERSION:?}"
kv 0 "--help" --help
out_has "--help lists the exit codes" "KV_E_NOT_FOUND"
out_has "--help gives the number of KV_E_DISABLED" " 13  KV_E_DISABLED"
out_has "--help lists the verbs" "list-deleted"
kv 0 "secret --help" secret --help
out_has "secret --help lists secret verbs" "set-attributes"
kv 0 "secret show --help" secret show --help
out_has "show --help documents --warn-expiry" "--warn-expiry"
out_has "show --help documents the exit codes" "KV_E_EXPIRED"
kv 0 "token get --help" token get --help
out_has "token get --help documents --scope" "--scope"

proxy_mode
as_admin
kv 2 "usage: no command"
kv 2 "usage: unknown group" bogus show
kv 2 "usage: unknown verb" secret shwo
kv 2 "usage: no verb" secret "${V[@]}"
kv 2 "usage: unknown option" secret show "${V[@]}" -n db-password --bogus
kv 2 "usage: --name missing" secret show "${V[@]}"
kv 2 "usage: no vault" secret show -n db-password
kv 2 "usage: --vault-name and --vault-url" secret show -n x --vault-name demo --vault-url https://x
kv 2 "usage: --vault-url not https" secret show -n x --vault-url http://demo.localhost
kv 2 "usage: bad vault name" secret show -n x --vault-name 'de/mo'
kv 2 "usage: set without a value" secret set "${V[@]}" -n x
kv 2 "usage: --value and --file" secret set "${V[@]}" -n x --value a --file /dev/null
kv 2 "usage: --value not valid for show" secret show "${V[@]}" -n x --value a
kv 2 "usage: bad --enabled" secret set-attributes "${V[@]}" -n x --enabled maybe
kv 2 "usage: bad --expires" secret set-attributes "${V[@]}" -n x --expires 2026-13-01
kv 2 "usage: bad --not-before" secret set-attributes "${V[@]}" -n x --not-before tomorrow
kv 2 "usage: bad -o" secret list "${V[@]}" -o yaml
kv 2 "usage: unsupported --query" secret list "${V[@]}" --query "[?name=='x']"
kv 2 "usage: --maxresults 0" secret list "${V[@]}" --maxresults 0
kv 2 "usage: bad --warn-expiry" secret show "${V[@]}" -n x --warn-expiry 3w
kv 2 "usage: bad --max-retries" secret show "${V[@]}" -n x --max-retries -1
kv 2 "usage: bad --timeout" secret show "${V[@]}" -n x --timeout 0
kv 2 "usage: backup without --file" secret backup "${V[@]}" -n x
kv 2 "usage: bad --encoding" secret set "${V[@]}" -n x --file /dev/null --encoding utf-32
kv 2 "usage: --client-id without --identity" secret list "${V[@]}" --client-id abc
kv 2 "usage: --id not https" secret show --id http://demo.localhost/secrets/x
err_has "usage: --id names the problem" "--id must be an https:// secret identifier"
kv 2 "usage: --id of a key" secret show --id https://demo.localhost/keys/x
err_has "usage: --id needs /secrets/" "--id has no /secrets/NAME path"
kv 2 "usage: --id too deep" secret show --id https://demo.localhost/secrets/x/v/w
err_has "usage: --id is no secret id" "--id is not a secret identifier"
# A mistyped option must not echo the secret that follows it, nor may a stray word.
forbid TYPO-SECRET-1
forbid STRAY-SECRET-2
kv 2 "usage: mistyped --value" secret set "${V[@]}" -n x --vaule TYPO-SECRET-1
err_has "the mistyped option is named" "--vaule"
kv 2 "usage: stray word after the value" secret set "${V[@]}" -n x --value a STRAY-SECRET-2
err_has "the usage error points to help" "Try 'kvclient secret set --help'"

# ----- Proxy mode: every verb as the admin app -----------------------------------------------

V1=kvcli-value-one-4f1c
V2=kvcli-value-two-9a7e
V3=kvcli-value-three-5d20
forbid "$V1"; forbid "$V2"; forbid "$V3"

kv 0 "set: creates a secret" secret set "${V[@]}" -n cli-a --value "$V1" \
    --content-type text/plain --tags env=test owner=cli flag --expires 2099-12-31T00:00:00Z
out_json "set: prints JSON"
out_lacks "set: output omits the value" "$V1"
out_lacks "set: output has no value member" '"value"'
out_has "set: prints the name" '"name": "cli-a"'
out_has "set: prints tags" '"env": "test"'
out_has "set: a tag without '=' has an empty value" '"flag": ""'
out_has "set: prints expires as ISO 8601" '"expires": "2099-12-31T00:00:00+00:00"'
out_has "set: prints the content type" '"contentType": "text/plain"'
out_has "set: az's kid member" '"kid": null'
out_has "set: az's attributes shape" '"recoveryLevel": "Recoverable+Purgeable"'
out_has "set: id under the vault URL" "\"id\": \"$VAULT_URL/secrets/cli-a/"

kv 0 "show: prints the secret" secret show "${V[@]}" -n cli-a
out_json "show: prints JSON"
out_has "show: prints the value" "\"value\": \"$V1\""
out_has "show: enabled" '"enabled": true'
err_empty "show: no warning for a far expiry"
kv 0 "show --query value -o tsv" secret show "${V[@]}" -n cli-a --query value -o tsv
out_is "--query value -o tsv prints the bare value" "$V1"
kv 0 "show --query value (json)" secret show "${V[@]}" -n cli-a --query value
out_is "--query value prints a JSON string, as az does" "\"$V1\""
kv 0 "show --query id" secret show "${V[@]}" -n cli-a --query id -o tsv
V1_ID=$(cat "$TMP/out")
out_has "--query id is the versioned id" "$VAULT_URL/secrets/cli-a/"
kv 0 "show --query attributes.expires" secret show "${V[@]}" -n cli-a --query attributes.expires -o tsv
out_is "--query attributes.expires" "2099-12-31T00:00:00+00:00"
kv 0 "show --query tags.env" secret show "${V[@]}" -n cli-a --query tags.env -o tsv
out_is "--query tags.env" "test"
kv 0 "show --query of a missing member prints nothing" secret show "${V[@]}" -n cli-a --query nope
out_empty "--query nope: empty output"
kv 0 "show -o tsv" secret show "${V[@]}" -n cli-a -o tsv
out_has "tsv: the value is a column" "$(printf '\t%s' "$V1")"
out_has "tsv: null is None, like az" "$(printf '\tNone\t')"
kv 0 "show -o table" secret show "${V[@]}" -n cli-a -o table
out_has "table: headers" "ContentType"
out_has "table: value column" "Value"
out_lacks "table: id column left out, as az does" "Id "
kv 0 "show -o none" secret show "${V[@]}" -n cli-a -o none
out_empty "-o none prints nothing"

printf '%s' "$V2" >"$TMP/value2"
kv 0 "set --file: new version" secret set "${V[@]}" -n cli-a --file "$TMP/value2" -o none
kv 0 "show: latest version from the file" secret show "${V[@]}" -n cli-a --query value -o tsv
out_is "--file value, byte for byte" "$V2"
kv 0 "set --file adds az's file-encoding tag" secret show "${V[@]}" -n cli-a --query tags -o json
out_has "file-encoding tag" '"file-encoding": "utf-8"'
STDIN=$TMP/value2
kv 0 "set --file - reads stdin" secret set "${V[@]}" -n cli-stdin --file - --encoding base64 -o none
STDIN=/dev/null
kv 0 "set --encoding base64" secret show "${V[@]}" -n cli-stdin --query value -o tsv
out_is "--encoding base64 stores base64 of the file" "$(printf '%s' "$V2" | base64 -w0)"
kv 0 "show --version: the first version" secret show --id "$V1_ID" --query value -o tsv
out_is "show --id with a version" "$V1"
kv 0 "show --id without a version" secret show --id "${V1_ID%/*}" --query value -o tsv
out_is "show --id without a version gives the latest" "$V2"
kv 0 "show --version" secret show "${V[@]}" -n cli-a --version "${V1_ID##*/}" --query value -o tsv
out_is "show --version gives that version's value" "$V1"

kv 0 "list-versions" secret list-versions "${V[@]}" -n cli-a
out_json "list-versions: JSON"
out_lacks "list-versions: no values" "$V1"
out_lacks "list-versions: no values (2)" "$V2"
out_lacks "list-versions: no value member" '"value"'
kv 0 "list-versions --query [].id" secret list-versions "${V[@]}" -n cli-a --query '[].id' -o tsv
if [ "$(wc -l <"$TMP/out")" -eq 2 ]; then ok "list-versions: two versions"; else not_ok "list-versions: two versions"; fi

kv 0 "list" secret list "${V[@]}"
out_json "list: JSON"
out_has "list: has db-password" '"name": "db-password"'
out_has "list: has the new secret" '"name": "cli-a"'
out_lacks "list: no value member" '"value"'
for s in fake-db-password fake-api-key "$V2"; do out_lacks "list: no value ($s)" "$s"; done
out_lacks "list: items have no kid, as in az" '"kid"'
kv 0 "list --maxresults 2" secret list "${V[@]}" --maxresults 2 --query '[].name' -o tsv
if [ "$(wc -l <"$TMP/out")" -eq 2 ]; then ok "--maxresults caps the items"; else not_ok "--maxresults caps the items"; fi
kv 0 "list -o table" secret list "${V[@]}" -o table
if head -1 "$TMP/out" | grep -q '^ContentType  *Name *$'; then ok "table: header row"; else not_ok "table: header row"; fi
if sed -n 2p "$TMP/out" | grep -q '^-* *-*$'; then ok "table: dashes row"; else not_ok "table: dashes row"; fi
kv 0 "list -o tsv" secret list "${V[@]}" -o tsv
out_has "tsv list: a row per item" "$(printf '\tdb-password\t')"
kv 0 "list -o none" secret list "${V[@]}" -o none
out_empty "list -o none prints nothing"

# Disabled: set-attributes --enabled false, then show fails with 13.
kv 0 "set-attributes --enabled false" secret set-attributes "${V[@]}" -n cli-a --enabled false
out_has "set-attributes prints enabled false" '"enabled": false'
out_lacks "set-attributes omits the value" "$V2"
kv 13 "show a disabled secret: exit 13" secret show "${V[@]}" -n cli-a
out_empty "disabled: nothing on stdout"
err_has "disabled: kv_strerror" "the secret or key is disabled"
err_has "disabled: HTTP status, code and inner code" "HTTP 403 Forbidden/SecretDisabled"
err_has "disabled: request id" "request id "
kv 0 "set-attributes --enabled true --tags" secret set-attributes "${V[@]}" -n cli-a \
    --enabled true --tags only=this --content-type application/x-test
out_has "set-attributes replaced the tags" '"only": "this"'
out_lacks "set-attributes replaced the tags (old gone)" '"env"'
out_has "set-attributes changed the content type" '"contentType": "application/x-test"'
kv 0 "set-attributes --tags '' clears the tags" secret set-attributes "${V[@]}" -n cli-a --tags ""
out_has "tags cleared" '"tags": null'
kv 0 "set-attributes of an older version" secret set-attributes "${V[@]}" -n cli-a \
    --version "${V1_ID##*/}" --not-before 2020-01-01T00:00Z
out_has "not-before set on the old version" '"notBefore": "2020-01-01T00:00:00+00:00"'
kv 0 "show after re-enabling" secret show "${V[@]}" -n cli-a --query value -o tsv
out_is "re-enabled secret readable" "$V2"
kv 13 "fixture disabled-secret: exit 13" secret show "${V[@]}" -n disabled-secret

# Not found.
kv 14 "show a missing secret: exit 14" secret show "${V[@]}" -n no-such-secret
err_has "not found: message" "kvclient: secret show 'no-such-secret': not found (404) (HTTP 404 SecretNotFound"
kv 14 "show-deleted a missing secret: exit 14" secret show-deleted "${V[@]}" -n no-such-secret
# Key Vault answers GetSecretVersions of an unknown name with an empty list, not a 404.
kv 0 "list-versions of a missing secret" secret list-versions "${V[@]}" -n no-such-secret
out_is "list-versions of a missing secret: empty array" "[]"

# Soft delete, conflict, recover, purge.
kv 0 "delete" secret delete "${V[@]}" -n cli-a
out_json "delete: JSON"
out_has "delete: recoveryId" "\"recoveryId\": \"$VAULT_URL/deletedsecrets/cli-a\""
out_has "delete: scheduledPurgeDate" '"scheduledPurgeDate": "'
out_lacks "delete: no value" "$V2"
kv 15 "set on a soft-deleted name: exit 15" secret set "${V[@]}" -n cli-a --value "$V3"
err_has "conflict: inner code" "HTTP 409 Conflict/ObjectIsDeletedButRecoverable"
kv 0 "show-deleted" secret show-deleted "${V[@]}" -n cli-a
out_has "show-deleted: deletedDate" '"deletedDate": "'
out_lacks "show-deleted: no value" "$V2"
kv 0 "list-deleted" secret list-deleted "${V[@]}" --query '[].name' -o tsv
out_has "list-deleted names the deleted secret" "cli-a"
kv 0 "list-deleted (json)" secret list-deleted "${V[@]}"
out_has "list-deleted items have recoveryId" '"recoveryId": "'
kv 0 "recover" secret recover "${V[@]}" -n cli-a
out_has "recover prints the secret" '"name": "cli-a"'
out_lacks "recover: no value" "$V2"
kv 0 "show after recover" secret show "${V[@]}" -n cli-a --query value -o tsv
out_is "recovered value" "$V2"
kv 0 "delete again" secret delete "${V[@]}" -n cli-a -o none
kv 0 "purge" secret purge "${V[@]}" -n cli-a
out_empty "purge prints nothing"
kv 14 "show-deleted after purge: exit 14" secret show-deleted "${V[@]}" -n cli-a
kv 0 "set the purged name again" secret set "${V[@]}" -n cli-a --value "$V3" -o none

# Backup and restore.
kv 0 "backup" secret backup "${V[@]}" -n cli-a --file "$TMP/cli-a.bak"
out_empty "backup prints nothing"
if [ -s "$TMP/cli-a.bak" ]; then ok "backup file written"; else not_ok "backup file written"; fi
if [ "$(stat -c %a "$TMP/cli-a.bak")" = 600 ]; then ok "backup file is 0600"; else not_ok "backup file is 0600"; fi
if grep -qF "$V3" "$TMP/cli-a.bak"; then not_ok "backup does not hold the value in clear"; else ok "backup does not hold the value in clear"; fi
kv 15 "restore over an existing secret: exit 15" secret restore "${V[@]}" --file "$TMP/cli-a.bak"
kv 0 "delete before restore" secret delete "${V[@]}" -n cli-a -o none
kv 0 "purge before restore" secret purge "${V[@]}" -n cli-a
kv 0 "restore" secret restore "${V[@]}" --file "$TMP/cli-a.bak"
out_has "restore prints the secret" '"name": "cli-a"'
out_lacks "restore: no value" "$V3"
kv 0 "show after restore" secret show "${V[@]}" -n cli-a --query value -o tsv
out_is "restored value" "$V3"
kv 4 "restore from a missing file: exit 4" secret restore "${V[@]}" --file "$TMP/missing.bak"
printf 'garbage' >"$TMP/bad.bak"
kv 16 "restore a corrupt blob: exit 16" secret restore "${V[@]}" --file "$TMP/bad.bak"
kv 4 "set --file missing: exit 4" secret set "${V[@]}" -n x --file "$TMP/missing"

# Expiry awareness.
kv 0 "show an expired secret: warns" secret show "${V[@]}" -n expired-secret -o none
err_has "expired warning" "kvclient: warning: secret 'expired-secret' is expired at "
kv 22 "show --fail-on-expired on an expired secret: exit 22" secret show "${V[@]}" \
    -n expired-secret --fail-on-expired
out_empty "expired: value not printed"
err_has "expired: error line" "kvclient: secret show 'expired-secret': the secret or key is expired or not yet valid (expired at "
kv 0 "show a not yet valid secret: warns" secret show "${V[@]}" -n not-yet-valid -o none
err_has "not yet valid warning" "is not valid until "
kv 22 "--fail-on-expired on a not yet valid secret: exit 22" secret show "${V[@]}" \
    -n not-yet-valid --fail-on-expired --query value -o tsv
out_empty "not yet valid: value not printed"
kv 0 "expiry in 180 days: no warning by default" secret show "${V[@]}" -n graph-app-secret -o none
err_empty "no warning with the default 30d"
kv 0 "--warn-expiry 200d warns" secret show "${V[@]}" -n graph-app-secret -o none --warn-expiry 200d
err_has "expires-soon warning" "kvclient: warning: secret 'graph-app-secret' expires at "
kv 0 "--warn-expiry 0 turns the warning off" secret show "${V[@]}" -n graph-app-secret -o none \
    --warn-expiry 0
err_empty "no warning with 0"
kv 0 "--warn-expiry in hours" secret set "${V[@]}" -n cli-soon --value "$V1" -o none \
    --expires "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)"
kv 0 "expires in 2h, --warn-expiry 3h" secret show "${V[@]}" -n cli-soon -o none --warn-expiry 3h
err_has "2h warning" "kvclient: warning: secret 'cli-soon' expires at "
kv 0 "expires in 2h, --warn-expiry 60m: quiet" secret show "${V[@]}" -n cli-soon -o none --warn-expiry 60m
err_empty "quiet with 60m"
kv 0 "--fail-on-expired on a valid secret" secret show "${V[@]}" -n db-password --fail-on-expired --query value -o tsv
out_is "valid secret still printed" "fake-db-password-v3"

# Denied and other identities.
as_flow
kv 12 "flow app (get only) set: exit 12" secret set "${V[@]}" -n flow-try --value "$V1"
err_has "denied: HTTP 403" "access denied (403) (HTTP 403 Forbidden"
err_has "denied: request id" "request id "
kv 0 "flow app show (get allowed)" secret show "${V[@]}" -n db-password --query value -o tsv
out_is "flow app reads the value" "fake-db-password-v3"
kv 12 "flow app list: exit 12" secret list "${V[@]}"
as_noaccess
kv 12 "no-access app show: exit 12" secret show "${V[@]}" -n db-password
out_empty "denied: nothing printed"
export AZURE_CLIENT_SECRET=wrong-client-secret
forbid wrong-client-secret
kv 9 "wrong client secret: exit 9" secret show "${V[@]}" -n db-password
as_admin

# Tokens.
kv 0 "token get" token get
out_json "token get: JSON"
out_has "token get: accessToken" '"accessToken": "eyJ'
out_has "token get: tokenType" '"tokenType": "Bearer"'
out_has "token get: expiresOn" '"expiresOn": "'
out_has "token get: expires_on" '"expires_on": '
err_empty "token get: quiet stderr"
kv 0 "token get --query accessToken" token get --scope https://vault.azure.net/.default --query accessToken -o tsv
TOKEN=$(cat "$TMP/out")
forbid "$TOKEN"
if [ "${TOKEN:0:3}" = eyJ ]; then ok "bare token"; else not_ok "bare token"; fi
kv 0 "token get --resource" token get --resource https://vault.azure.net -o none
kv 2 "token get --scope and --resource" token get --scope a --resource b
kv 2 "token get refuses vault options" token get --vault-name demo

# -v: traces on stderr, with values, tokens and secrets masked (kv checks stderr every run).
kv 0 "-v show" secret show "${V[@]}" -n db-password -v --query value -o tsv
err_has "-v traces the request" "kvclient: * > GET https://demo.vault.azure.net/secrets/db-password"
err_has "-v shows the bearer masked" "Bearer ***"
out_is "-v does not change stdout" "fake-db-password-v3"
kv 0 "-v set" secret set "${V[@]}" -n cli-verbose --value "$V1" -v -o none
err_has "-v traces the PUT" "> PUT "
kv 0 "-v list" secret list "${V[@]}" -v -o none
kv 0 "-v token get" token get -v -o none
as_flow
kv 12 "-v denied" secret set "${V[@]}" -n cli-a --value "$V2" -v
err_has "-v denied: the error line after the traces" "access denied (403)"
as_admin
kv 0 "--debug is -v" secret show "${V[@]}" -n api-key --debug -o none

# Challenge verification, TLS, network, credentials.
unset HTTPS_PROXY
export AZURE_AUTHORITY_HOST=https://localhost:$PORT
kv 10 "challenge resource mismatch: exit 10" secret show --vault-url "https://127.0.0.1:$PORT" -n db-password
err_has "challenge: the library's explanation" "--no-verify-challenge"
kv 0 "--no-verify-challenge" secret show --vault-url "https://127.0.0.1:$PORT" -n db-password \
    --no-verify-challenge --query value -o tsv
out_is "--no-verify-challenge reads the value" "fake-db-password-v3"
kv 6 "untrusted CA: exit 6" secret show --vault-url "https://demo.localhost:$PORT" -n db-password \
    --ca-file /etc/hostname
SSL_CERT_FILE_SAVED=$SSL_CERT_FILE
unset SSL_CERT_FILE
kv 0 "--ca-file without SSL_CERT_FILE" secret show --vault-url "https://demo.localhost:$PORT" \
    -n db-password --ca-file "$CA" -o none
export SSL_CERT_FILE=$SSL_CERT_FILE_SAVED
kv 5 "connection refused: exit 5" secret show --vault-url https://demo.localhost:1 -n db-password \
    --max-retries 0
unset AZURE_CLIENT_SECRET AZURE_CLIENT_ID AZURE_TENANT_ID
export AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:1
kv 9 "no credential: managed identity unreachable, exit 9" secret show \
    --vault-url "https://demo.localhost:$PORT" -n db-password --max-retries 0 --timeout 10
unset AZURE_POD_IDENTITY_AUTHORITY_HOST
kv 8 "no credential at all: exit 8" secret show --vault-url "https://demo.localhost:$PORT" -n db-password
err_has "no credential: names the variables" "AZURE_TENANT_ID"
AZURE_CLIENT_SECRET=$ADMIN_SECRET kv 8 "client secret without tenant and client id: exit 8" \
    secret show --vault-url "https://demo.localhost:$PORT" -n db-password

# Managed identity through the mock's IMDS: vm-identity (system-assigned, get+list) and
# app-identity (user-assigned).
export AZURE_POD_IDENTITY_AUTHORITY_HOST=$IMDS
kv 0 "managed identity from the environment chain" secret show \
    --vault-url "https://demo.localhost:$PORT" -n db-password --query value -o tsv
out_is "managed identity reads the value" "fake-db-password-v3"
kv 0 "--identity" secret list --vault-url "https://demo.localhost:$PORT" --identity -o none
kv 0 "--identity --client-id (user-assigned)" secret show --vault-url "https://demo.localhost:$PORT" \
    -n db-password --identity --client-id 99999999-9999-9999-9999-999999999999 -v -o none
err_has "-v names the credential" "credential: managed identity"
err_has "the user-assigned client id goes to IMDS" "client_id=99999999-9999-9999-9999-999999999999"
kv 12 "managed identity (get+list) set: exit 12" secret set --vault-url "https://demo.localhost:$PORT" \
    --identity -n mi-try --value "$V1"
unset AZURE_POD_IDENTITY_AUTHORITY_HOST
as_admin

# ----- Direct mode: https://demo.localhost:PORT ----------------------------------------------

direct_mode
kv 0 "direct: show" secret show "${V[@]}" -n db-password --query value -o tsv
out_is "direct: value" "fake-db-password-v3"
kv 0 "direct: set" secret set "${V[@]}" -n cli-direct --value "$V1" --tags mode=direct
out_has "direct: id under demo.localhost" "\"id\": \"https://demo.localhost:$PORT/secrets/cli-direct/"
kv 0 "direct: --vault-name with --vault-dns-suffix" secret show --vault-name demo \
    --vault-dns-suffix "localhost:$PORT" -n cli-direct --query value -o tsv
out_is "direct: value via the DNS suffix" "$V1"
KVCLIENT_VAULT_DNS_SUFFIX=localhost:$PORT kv 0 "direct: KVCLIENT_VAULT_DNS_SUFFIX" \
    secret show --vault-name demo -n cli-direct -o none
kv 0 "direct: list" secret list "${V[@]}" --query '[].name' -o tsv
out_has "direct: list names" "cli-direct"
kv 0 "direct: list-versions" secret list-versions "${V[@]}" -n db-password -o none
kv 0 "direct: set-attributes" secret set-attributes "${V[@]}" -n cli-direct --enabled false -o none
kv 13 "direct: disabled" secret show "${V[@]}" -n cli-direct
kv 0 "direct: delete" secret delete "${V[@]}" -n cli-direct -o none
kv 15 "direct: conflict" secret set "${V[@]}" -n cli-direct --value "$V2"
kv 0 "direct: show-deleted" secret show-deleted "${V[@]}" -n cli-direct -o none
kv 0 "direct: list-deleted" secret list-deleted "${V[@]}" --query '[].name' -o tsv
out_has "direct: list-deleted names" "cli-direct"
kv 0 "direct: recover" secret recover "${V[@]}" -n cli-direct -o none
kv 0 "direct: backup" secret backup "${V[@]}" -n cli-direct --file "$TMP/direct.bak"
kv 0 "direct: delete again" secret delete "${V[@]}" -n cli-direct -o none
kv 0 "direct: purge" secret purge "${V[@]}" -n cli-direct
kv 0 "direct: restore" secret restore "${V[@]}" --file "$TMP/direct.bak" -o none
kv 14 "direct: not found" secret show "${V[@]}" -n no-such-secret
kv 22 "direct: --fail-on-expired" secret show "${V[@]}" -n expired-secret --fail-on-expired
kv 0 "direct: token get" token get -o none
as_flow
kv 12 "direct: denied" secret set "${V[@]}" -n x --value "$V1"
as_admin
kv 0 "direct: -v" secret show "${V[@]}" -n api-key -v -o none
err_has "direct: -v traces" "kvclient: * > GET https://demo.localhost:$PORT/secrets/api-key"

# ----- valgrind ----------------------------------------------------------------------------

if [ "${KVCLIENT_VALGRIND:-0}" = 1 ] && ! command -v valgrind >/dev/null; then
    ok "valgrind runs # SKIP valgrind is not installed"
elif [ "${KVCLIENT_VALGRIND:-0}" = 1 ]; then
    for mode in proxy direct; do
        "${mode}_mode"
        vg 0 "$mode show" secret show "${V[@]}" -n db-password
        vg 0 "$mode show --query value -o tsv" secret show "${V[@]}" -n db-password --query value -o tsv
        vg 0 "$mode set" secret set "${V[@]}" -n cli-vg --value "$V1" --tags a=b c=d --expires 2099-01-01
        vg 0 "$mode list" secret list "${V[@]}"
        vg 0 "$mode list -o table" secret list "${V[@]}" -o table
        vg 0 "$mode list-versions -o tsv" secret list-versions "${V[@]}" -n db-password -o tsv
        vg 14 "$mode not found" secret show "${V[@]}" -n no-such-secret
        vg 22 "$mode --fail-on-expired" secret show "${V[@]}" -n expired-secret --fail-on-expired
        vg 0 "$mode token get -v" token get -v
    done
    vg 2 "usage error" secret show --vault-name demo
    vg 0 "help" --help
else
    ok "valgrind runs # SKIP set KVCLIENT_VALGRIND=1"
fi

tap_end
