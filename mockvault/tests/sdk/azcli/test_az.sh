#!/usr/bin/env bash
# The Azure CLI from Debian (azure-cli 2.45) against the mock through its HTTPS proxy, with the
# stock AzureCloud: az login --service-principal, az account get-access-token for Key Vault, and
# az rest GET/PUT on secrets. (This Debian build's `az keyvault secret` commands fail before any
# HTTP with "No module named 'azure.keyvault.v7_0'", a packaging problem: spec/real-clients.md C.1.)
# Starts its own mock on free ports; needs MOCKVAULT_BIN or the default build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
bin="${MOCKVAULT_BIN:-$repo/build/mockvault/mockvault}"
py=/usr/bin/python3
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "  ok   $*"; }

command -v az >/dev/null || fail "az is not installed (scripts/setup installs azure-cli)"
"$bin" --port 0 --proxy-port 0 --fixtures "$repo/fixtures/default.json" --state-dir "$work/state" \
  --ready-file "$work/ready.json" --log-format text 2>"$work/mock.log" &
pid=$!
for _ in $(seq 1 200); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
[ -s "$work/ready.json" ] || fail "mock did not become ready"
field() { "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/ready.json" "$1"; }

# A throwaway az profile; the proxy and the CA are the only mock-specific settings.
export AZURE_CONFIG_DIR="$work/az" AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_NO_COLOR=true
export HTTPS_PROXY="$(field proxy)" REQUESTS_CA_BUNDLE="$(field ca)"
unset NO_PROXY no_proxy http_proxy HTTP_PROXY
tenant=11111111-1111-1111-1111-111111111111
admin=aaaaaaaa-0000-0000-0000-000000000001
secret=admin-client-secret
vault=https://demo.vault.azure.net

az login --service-principal -u "$admin" -p "$secret" --tenant "$tenant" --allow-no-subscriptions \
  -o json >"$work/login.json" 2>"$work/login.err" || { cat "$work/login.err" >&2; fail "az login"; }
"$py" - "$work/login.json" "$tenant" <<'PY' || fail "az login output"
import json, sys
acc = json.load(open(sys.argv[1]))
assert any(a["tenantId"] == sys.argv[2] for a in acc), acc
PY
ok "az login --service-principal (stock AzureCloud through the proxy)"

az account get-access-token --resource https://vault.azure.net -o json >"$work/tok.json" 2>"$work/tok.err" ||
  { cat "$work/tok.err" >&2; fail "az account get-access-token"; }
"$py" - "$work/tok.json" "$tenant" <<'PY' || fail "token shape"
import base64, json, sys
t = json.load(open(sys.argv[1]))
p = t["accessToken"].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
assert claims["aud"] == "https://vault.azure.net", claims["aud"]
assert claims["iss"] == f"https://sts.windows.net/{sys.argv[2]}/", claims["iss"]
assert claims["ver"] == "1.0"
PY
ok "az account get-access-token --resource https://vault.azure.net"

az rest --method put --url "$vault/secrets/az-cli-secret?api-version=7.4" --resource https://vault.azure.net \
  --body '{"value":"value-from-az-cli","contentType":"text/plain"}' -o json >"$work/put.json" 2>"$work/put.err" ||
  { cat "$work/put.err" >&2; fail "az rest PUT"; }
az rest --method get --url "$vault/secrets/az-cli-secret?api-version=7.4" --resource https://vault.azure.net \
  -o json >"$work/get.json" 2>"$work/get.err" || { cat "$work/get.err" >&2; fail "az rest GET"; }
"$py" - "$work/get.json" <<'PY' || fail "az rest GET body"
import json, sys
b = json.load(open(sys.argv[1]))
assert b["value"] == "value-from-az-cli" and b["contentType"] == "text/plain", sorted(b)
assert b["id"].startswith("https://demo.vault.azure.net/secrets/az-cli-secret/"), b["id"]
PY
ok "az rest PUT + GET https://demo.vault.azure.net/secrets/az-cli-secret"

# A denial surfaces as az's error with the service's message.
if az rest --method get --url "$vault/secrets/missing-secret?api-version=7.4" --resource https://vault.azure.net \
  -o json >/dev/null 2>"$work/nf.err"; then fail "az rest GET of a missing secret succeeded"; fi
grep -q "SecretNotFound" "$work/nf.err" || { cat "$work/nf.err" >&2; fail "404 not surfaced"; }
ok "az rest GET of a missing secret -> SecretNotFound"

# Nothing secret in the mock's log.
for s in "$secret" value-from-az-cli; do
  if grep -qF -- "$s" "$work/mock.log"; then fail "a secret value reached the mock's log"; fi
done
grep -q "op=SetSecret" "$work/mock.log" || fail "the mock's log has no SetSecret line"
ok "no secret value or client secret in the mock's log"
echo "azure-cli: all checks passed"
