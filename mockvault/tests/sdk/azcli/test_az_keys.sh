#!/usr/bin/env bash
# Keys with the Azure CLI from Debian (azure-cli 2.45) through the mock's HTTPS proxy, stock
# AzureCloud: `az rest` creates an RSA and an EC key and signs with each (RS256, ES256), and the
# signatures are verified here with python3-cryptography against the public JWK the mock returned.
# `az keyvault key ...` fails in this Debian build before any HTTP ("No module named
# 'azure.keyvault.v7_0'", spec/real-clients.md C.1); the test checks that it still does, so it
# notices when the packaging is fixed and the real commands can be used instead.
# Uses sdk/keys-fixture.json. Nothing printed holds a digest, a signature or a token.
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
"$bin" --port 0 --proxy-port 0 --fixtures "$here/../keys-fixture.json" --state-dir "$work/state" \
  --ready-file "$work/ready.json" --log-format text 2>"$work/mock.log" >&2 &
pid=$!
for _ in $(seq 1 200); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
[ -s "$work/ready.json" ] || { cat "$work/mock.log" >&2; fail "mock did not become ready"; }
field() { "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/ready.json" "$1"; }

export AZURE_CONFIG_DIR="$work/az" AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_NO_COLOR=true
export HTTPS_PROXY="$(field proxy)" REQUESTS_CA_BUNDLE="$(field ca)"
unset NO_PROXY no_proxy http_proxy HTTP_PROXY
tenant=11111111-1111-1111-1111-111111111111
admin=aaaaaaaa-0000-0000-0000-000000000001
secret=admin-client-secret
vault=https://keys.vault.azure.net
# az pins 7.6-preview.2 for keys (spec/keyvault-keys.md §0).
api=7.6-preview.2

az login --service-principal -u "$admin" -p "$secret" --tenant "$tenant" --allow-no-subscriptions \
  -o none 2>"$work/login.err" || { cat "$work/login.err" >&2; fail "az login"; }
ok "az login --service-principal"

if az keyvault key list --vault-name keys -o none 2>"$work/kv.err"; then
  echo "  note: az keyvault key works in this az build; consider testing it directly"
else
  grep -q "azure.keyvault.v7_0" "$work/kv.err" || { cat "$work/kv.err" >&2; fail "az keyvault key failed for another reason"; }
  ok "az keyvault key still fails before any HTTP in this Debian build (packaging, not the mock)"
fi

rest() { az rest --resource https://vault.azure.net --only-show-errors -o json "$@"; }

# create: RSA (defaults) and EC P-256
rest --method post --url "$vault/keys/az-rsa/create?api-version=$api" --body '{"kty":"RSA"}' \
  >"$work/rsa.json" 2>"$work/err" || { cat "$work/err" >&2; fail "az rest create RSA"; }
rest --method post --url "$vault/keys/az-ec/create?api-version=$api" --body '{"kty":"EC","crv":"P-256"}' \
  >"$work/ec.json" 2>"$work/err" || { cat "$work/err" >&2; fail "az rest create EC"; }
"$py" - "$work/rsa.json" "$work/ec.json" <<'PY' || fail "create answers"
import json, re, sys
rsa, ec = (json.load(open(p)) for p in sys.argv[1:3])
for b, name in ((rsa, "az-rsa"), (ec, "az-ec")):
    assert re.fullmatch(r"https://keys\.vault\.azure\.net/keys/%s/[0-9a-f]{32}" % name, b["key"]["kid"]), b["key"]["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(b["key"]), "private fields"
    assert b["attributes"]["enabled"] is True
assert rsa["key"]["kty"] == "RSA" and rsa["key"]["e"] == "AQAB" and len(rsa["key"]["n"]) == 342
assert ec["key"]["crv"] == "P-256" and len(ec["key"]["x"]) == 43 and len(ec["key"]["y"]) == 43
assert ec["key"]["key_ops"] == ["sign", "verify"], ec["key"]["key_ops"]
PY
ok "az rest POST /keys/{name}/create (RSA, EC P-256)"

# sign: RS256 with the RSA key, ES256 with the EC key (version-less paths); verify locally.
"$py" -c 'import base64,hashlib; print(base64.urlsafe_b64encode(hashlib.sha256(b"signed by az rest").digest()).decode().rstrip("="))' >"$work/digest"
for k in rsa:RS256 ec:ES256; do
  name=az-${k%%:*} alg=${k##*:}
  printf '{"alg":"%s","value":"%s"}' "$alg" "$(cat "$work/digest")" >"$work/sign-$name.body"
  rest --method post --url "$vault/keys/$name/sign?api-version=$api" --body "@$work/sign-$name.body" \
    >"$work/sig-$name.json" 2>"$work/err" || { cat "$work/err" >&2; fail "az rest sign $alg"; }
done
"$py" - "$work" <<'PY' || fail "signature verification"
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
w = sys.argv[1]
d = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
num = lambda s: int.from_bytes(d(s), "big")
digest = hashlib.sha256(b"signed by az rest").digest()
pre = utils.Prehashed(hashes.SHA256())
for name in ("az-rsa", "az-ec"):
    key = json.load(open(f"{w}/{name.split('-')[1]}.json"))["key"]
    sig = json.load(open(f"{w}/sig-{name}.json"))
    assert sig["kid"] == key["kid"], "the sign answer names the current version"
    s = d(sig["value"])
    if name == "az-rsa":
        assert len(s) == 256, "RS256 signature length"
        pub = rsa.RSAPublicNumbers(num(key["e"]), num(key["n"])).public_key()
        pub.verify(s, digest, padding.PKCS1v15(), pre)
    else:
        assert len(s) == 64, "ES256 is raw r||s, 64 bytes"
        pub = ec.EllipticCurvePublicNumbers(num(key["x"]), num(key["y"]), ec.SECP256R1()).public_key()
        r, t = int.from_bytes(s[:32], "big"), int.from_bytes(s[32:], "big")
        pub.verify(utils.encode_dss_signature(r, t), digest, ec.ECDSA(pre))
PY
ok "az rest POST /keys/{name}/sign (RS256, ES256): the signatures verify locally"

# An op outside the key's key_ops surfaces as az's error with the service's code.
printf '{"alg":"RSA-OAEP","value":"AAEC"}' >"$work/enc.body"
if rest --method post --url "$vault/keys/az-ec/encrypt?api-version=$api" --body "@$work/enc.body" \
  >/dev/null 2>"$work/enc.err"; then fail "encrypt with an EC key succeeded"; fi
grep -q "KeyOperationForbidden\|not permitted" "$work/enc.err" || { cat "$work/enc.err" >&2; fail "403 not surfaced"; }
ok "az rest encrypt with an EC key -> 403 (key_ops)"

if grep -qF -- "$secret" "$work/mock.log"; then fail "the client secret reached the mock's log"; fi
grep -q "/keys/" "$work/mock.log" || fail "the mock's log has no key request lines"
ok "no client secret in the mock's log"
echo "azure-cli keys: all checks passed"
