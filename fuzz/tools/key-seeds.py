#!/usr/bin/env python3
"""Writes the seed corpora of the keys fuzz targets (fuzz/corpus/{keys,keymat,client-keys} and the
keys fixtures of fuzz/corpus/state) from freshly generated keys, with the bodies of
spec/keyvault-keys.md. Run once from the repository root; the output is committed (needs Python's
cryptography package, which only this tool uses). Test keys only: nothing here is a secret."""
import base64
import json
import os
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def i2b(n, width=0):
    raw = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    return raw.rjust(width, b"\0") if width else raw


def rsa_parts(k, lead_zero=False):
    pn = k.private_numbers()
    pub = pn.public_numbers
    n = i2b(pub.n)
    if lead_zero:
        n = b"\0" + n
    return [n, i2b(pub.e), i2b(pn.d), i2b(pn.p), i2b(pn.q), i2b(pn.dmp1), i2b(pn.dmq1),
            i2b(pn.iqmp)]


def ec_parts(k, width):
    pn = k.private_numbers()
    return [i2b(pn.public_numbers.x, width), i2b(pn.public_numbers.y, width),
            i2b(pn.private_value, width)]


def jwk(kty, parts, crv=None):
    if kty == "RSA":
        names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"]
        j = {"kty": "RSA"}
    else:
        names = ["x", "y", "d"]
        j = {"kty": "EC", "crv": crv}
    for name, p in zip(names, parts):
        j[name] = b64u(p)
    return j


def write(target, name, data):
    d = os.path.join("fuzz/corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, (dict, list)):
        data = json.dumps(data, separators=(",", ":"))
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pem(k, fmt):
    return k.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


rsa2k = rsa.generate_private_key(65537, 2048)
rsa3k = rsa.generate_private_key(65537, 3072)
curves = [("P-256", ec.SECP256R1(), 32), ("P-384", ec.SECP384R1(), 48),
          ("P-521", ec.SECP521R1(), 66), ("P-256K", ec.SECP256K1(), 32)]
eckeys = {crv: (ec.generate_private_key(c), w) for crv, c, w in curves}
TRAD = serialization.PrivateFormat.TraditionalOpenSSL
PKCS8 = serialization.PrivateFormat.PKCS8

# ---- keymat: byte 0 = form (0 PEM, 1 RSA, 2..5 EC curves), parts length-prefixed ----
def parts_bin(form, parts, extra=b""):
    out = bytes([form])
    for p in parts:
        out += struct.pack(">H", len(p)) + p
    return out + extra


write("keymat", "pem-rsa-pkcs1", b"\0" + pem(rsa2k, TRAD))
write("keymat", "pem-rsa-pkcs8", b"\0" + pem(rsa3k, PKCS8) + b"\0" + b"\1" * 384)
for crv, fmtname in (("P-256", "sec1"), ("P-384", "pkcs8"), ("P-521", "sec1")):
    k, _ = eckeys[crv]
    write("keymat", "pem-%s-%s" % (crv.lower(), fmtname),
          b"\0" + pem(k, TRAD if fmtname == "sec1" else PKCS8))
write("keymat", "jwk-rsa-2048", parts_bin(1, rsa_parts(rsa2k), b"\2" * 256))
write("keymat", "jwk-rsa-lead-zero", parts_bin(1, rsa_parts(rsa2k, True)[:5]))
for i, (crv, _, w) in enumerate(curves):
    k, _ = eckeys[crv]
    write("keymat", "jwk-%s" % crv.lower(), parts_bin(2 + i, ec_parts(k, w), b"\3" * (2 * w)))

# ---- keys: byte 0 = the request of fuzz-keys.c's ops[] ----
OPS = {"create": 0, "import": 1, "patch": 2, "patch-version": 3, "encrypt": 4, "decrypt": 5,
       "wrapkey": 6, "unwrapkey": 7, "sign-rsa": 8, "sign-ec": 9, "verify-rsa": 10,
       "verify-ec": 11, "policy": 12, "restore": 13, "restore-sealed": 14,
       "decrypt-sealed": 15, "unwrap-sealed": 16, "verify-signed-rsa": 17,
       "verify-signed-ec": 18, "release": 19, "rng": 20}


def req(op, name, body):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body, separators=(",", ":"))
    if isinstance(body, str):
        body = body.encode()
    write("keys", name, bytes([OPS[op]]) + body)


req("create", "create-ec", {"kty": "EC", "crv": "P-256"})
req("create", "create-rsa", {"kty": "RSA"})
req("create", "create-rsa-4096", {"kty": "RSA", "key_size": 4096, "key_ops": ["sign", "verify"],
                                  "attributes": {"enabled": True, "exp": 2524723200},
                                  "tags": {"purpose": "fuzz"}})
req("create", "create-hsm-release", {"kty": "RSA-HSM", "key_size": 2048,
                                     "attributes": {"exportable": True},
                                     "release_policy": {"data": b64u(b'{"anyOf":[]}')}})
req("create", "create-p256k", {"kty": "EC", "crv": "P-256K", "public_exponent": 65537})
req("import", "import-rsa", {"key": dict(jwk("RSA", rsa_parts(rsa2k, True)),
                                         key_ops=["encrypt", "decrypt"])})
req("import", "import-ec", {"key": jwk("EC", ec_parts(*eckeys["P-384"]), "P-384"), "Hsm": False,
                            "attributes": {"enabled": False}, "tags": {"a": "b"}})
req("import", "import-p256k", {"key": jwk("EC", ec_parts(*eckeys["P-256K"]), "P-256K")})
req("patch", "patch", {"key_ops": ["decrypt", "encrypt"], "attributes": {"exp": 2524723200},
                       "tags": {"foo": "updated tag"}})
req("patch-version", "patch-version", {"attributes": {"enabled": False, "nbf": 1}})
req("encrypt", "encrypt", {"alg": "RSA-OAEP-256",
                           "value": "x_BZpSkLnMc-r6_tpe1CFPmtIKWKAXOtAE99G7zQCns"})
req("decrypt", "decrypt", {"alg": "RSA1_5", "value": b64u(b"\1" * 256)})
req("wrapkey", "wrapkey", {"alg": "RSA-OAEP", "value": b64u(b"k" * 32)})
req("unwrapkey", "unwrapkey", {"alg": "RSA-OAEP", "value": b64u(b"\5" * 255)})
req("sign-rsa", "sign-rs256", {"alg": "RS256",
                               "value": "vgZc0NQUb6WMKX___V2JntcFRO_vszKwSAj7R2rL1zg"})
req("sign-rsa", "sign-ps512", {"alg": "PS512", "value": b64u(b"d" * 64)})
req("sign-ec", "sign-es256", {"alg": "ES256", "value": b64u(b"d" * 32)})
req("sign-ec", "sign-es256-50", {"alg": "ES256", "value": b64u(b"d" * 50)})
req("verify-rsa", "verify-rs256", {"alg": "RS256", "digest": b64u(b"d" * 32),
                                   "value": b64u(b"s" * 256)})
req("verify-ec", "verify-es256", {"alg": "ES256", "digest": b64u(b"d" * 32),
                                  "value": b64u(b"s" * 64)})
req("policy", "policy", {"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P10D"},
                                              "action": {"type": "Rotate"}}],
                         "attributes": {"expiryTime": "P90D"}})
req("policy", "policy-notify", {"lifetimeActions": [
    {"trigger": {"timeAfterCreate": "P1Y2M3DT4H5M6S"}, "action": {"type": "rotate"}},
    {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}],
    "attributes": None})
req("restore", "restore", {"value": b64u(b"MVBK1" + b"\0" * 40)})
key_blob = {"name": "restored", "versions": [
    {"kty": "EC", "jwk": jwk("EC", ec_parts(*eckeys["P-256"]), "P-256"), "keyOps": ["sign"],
     "enabled": True, "created": 1777476608, "updated": 1777476608,
     "id": "50926fee51bf42868c869e0266598d5d", "tags": {"t": "v"}},
    {"kty": "RSA", "pem": pem(rsa2k, TRAD).decode(), "created": 1777476609,
     "id": "60926fee51bf42868c869e0266598d5d"}],
    "rotationPolicy": {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"},
                                            "action": {"type": "Rotate"}}],
                       "attributes": {"expiryTime": "P90D", "created": 1777476608,
                                      "updated": 1777476608}}}
req("restore-sealed", "restore-sealed", key_blob)
req("restore-sealed", "restore-sealed-deleted", dict(key_blob, deletedDate=1777476608,
                                                     scheduledPurgeDate=1778081408))
req("decrypt-sealed", "decrypt-sealed", {"alg": "RSA-OAEP-256", "value": b64u(b"secret")})
req("unwrap-sealed", "unwrap-sealed", {"alg": "RSA1_5", "value": b64u(b"k" * 32)})
req("verify-signed-rsa", "verify-signed-ps256", {"alg": "PS256", "digest": b64u(b"d" * 32)})
req("verify-signed-ec", "verify-signed-es256", {"alg": "ES256", "digest": b64u(b"d" * 32)})
req("release", "release", {"target": "eyJhbGciOiJub25lIn0.e30.", "enc": "CKM_RSA_AES_KEY_WRAP"})
req("rng", "rng", {"count": 32})

# ---- state: fixtures with keys ----
with open("fuzz/corpus/state/small.json") as f:
    small = json.load(f)
small["vaults"][0]["name"] = "keys-vault"
small["vaults"][0]["secrets"] = []
small["vaults"][0]["keys"] = [
    {"name": "gen-ec", "versions": [{"kty": "EC", "crv": "P-521", "keyOps": ["sign", "verify"]}]},
    {"name": "gen-rsa", "versions": [{"kty": "RSA-HSM", "size": 4096, "created": "-7d",
                                      "exp": "+90d", "exportable": True,
                                      "releasePolicy": {"data": b64u(b'{"anyOf":[]}')}}],
     "rotationPolicy": {"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P10D"},
                                             "action": {"type": "Rotate"}}],
                        "attributes": {"expiryTime": "P90D"}}},
    {"name": "given", "versions": [
        {"pem": pem(eckeys["P-256"][0], PKCS8).decode(), "crv": "P-256"},
        {"jwk": jwk("RSA", rsa_parts(rsa2k)), "size": 2048, "id": "3333cccc3333cccc3333cccc3333cccc"},
        {"jwk": jwk("EC", ec_parts(*eckeys["P-256K"]), "P-256K"), "kty": "EC-HSM"}]},
]
small["vaults"][0]["deletedKeys"] = [
    {"name": "gone", "deletedDate": "-1d", "versions": [{"kty": "EC", "crv": "P-384"}]}]
write("state", "keys.json", small)

# ---- client-keys: byte 0 = operation (low 4 bits) | status index << 4 ----
KID = "https://demo.vault.azure.net/keys/name/3388d7735f4c469ba171f5b374ddc258"
ecpub = jwk("EC", ec_parts(*eckeys["P-256"])[:2], "P-256")
rsapub = jwk("RSA", rsa_parts(rsa2k)[:2])
attrs = {"enabled": True, "created": 1777476608, "updated": 1777476608,
         "recoveryLevel": "CustomizedRecoverable+Purgeable", "recoverableDays": 7,
         "exportable": False, "hsmPlatform": "0"}
bundle = {"key": dict(ecpub, kid=KID, key_ops=["sign", "verify"]), "attributes": attrs}
rsa_bundle = {"key": dict(rsapub, kid=KID, key_ops=["decrypt", "encrypt"]),
              "attributes": dict(attrs, key_size=2048, exp=2524723200), "tags": {"foo": "bar"}}


def client(op, name, body, status=0):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body, separators=(",", ":"))
    if isinstance(body, str):
        body = body.encode()
    write("client-keys", name, bytes([op | status << 4]) + body)


client(0, "get-ec", bundle)
client(0, "get-rsa", rsa_bundle)
deleted = dict(bundle, recoveryId="https://demo.vault.azure.net/deletedkeys/name",
               deletedDate=1777476700, scheduledPurgeDate=1778081500)
client(1, "get-deleted", deleted)
client(2, "delete", deleted)
client(3, "rotate", rsa_bundle)
item = {"kid": "https://demo.vault.azure.net/keys/name", "attributes": attrs, "tags": {}}
client(4, "list", {"value": [item, {"kid": 7}], "nextLink": "@ORIGIN@/keys?$skiptoken=x"})
client(5, "versions", {"value": [dict(item, kid=KID)], "nextLink": None})
client(6, "list-deleted", {"value": [dict(item, recoveryId="x", deletedDate=1, managed=True)]})
client(7, "policy", {"id": "https://demo.vault.azure.net/keys/name/rotationpolicy",
                     "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P10D"},
                                          "action": {"type": "Rotate"}},
                                         {"trigger": {"timeBeforeExpiry": "P30D"},
                                          "action": {"type": "Notify"}}],
                     "attributes": {"expiryTime": "P90D", "created": 1722561266,
                                    "updated": 1722561266}})
client(7, "policy-default", {"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"},
                                                  "action": {"type": "Notify"}}],
                             "attributes": None})
client(8, "encrypt", {"kid": KID, "value": b64u(b"c" * 256)})
client(9, "decrypt", {"kid": KID, "value": "eA"})
client(10, "unwrap", {"kid": KID, "value": b64u(b"k" * 32)})
client(11, "sign", {"kid": KID, "value": b64u(b"s" * 64)})
client(12, "verify", {"value": True})
client(13, "backup", {"value": b64u(b"\x26AzureKeyVaultKeyBackupV1.microsoft.com" + b"x" * 40)})
client(14, "restore", rsa_bundle)
client(0, "error", {"error": {"code": "KeyNotFound", "message": "A key with (name/id) name was "
                              "not found in this key vault."}}, 7)
client(8, "forbidden", {"error": {"code": "Forbidden", "message": "Operation encrypt is not "
                                  "permitted on this key.", "innererror": {
                                      "code": "KeyOperationForbidden"}}}, 6)
client(15, "pem-rsa", pem(rsa2k, TRAD))
client(15, "pem-ec", pem(eckeys["P-521"][0], PKCS8))
