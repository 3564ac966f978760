#!/usr/bin/env python3
"""Writes the seed corpus of the certs fuzz target (fuzz/corpus/certs) with the request bodies of
spec/keyvault-certificates.md: byte 0 is the index of the request in fuzz-certs.c's ops[], the rest
its body. The PEM and PFX uploads are fresh test keys made with the openssl CLI (PFX with PBE and
MAC iteration count 16, so each input stays fast); the merge's x5c is the leaf of
fuzz/corpus/x509/merge-der (a certificate for another P-256 key than fz-pend's operation holds, so
the merge reads the chain and is refused at the key check, as the service refuses it). corpus/certs/restore-sealed-export (not written here) is the "certificates"
entry of GET /_mock/state for a Self certificate (EC P-256) the mock issued, renamed fz-restored:
the certificate part of a backup blob, which restore accepts. Run once from the repository root; the output is committed. Test keys only:
nothing here is a secret."""
import base64
import json
import os
import subprocess
import tempfile

OPS = {"create": 0, "create-base": 1, "import": 2, "import-base": 3, "merge": 4, "cancel": 5,
       "update": 6, "policy-update": 7, "contacts": 8, "issuer-set": 9, "issuer-update": 10,
       "restore": 11, "restore-sealed": 12, "policy": 13}
OUT = "fuzz/corpus/certs"

POLICY = {"key_props": {"exportable": True, "kty": "RSA", "key_size": 2048, "reuse_key": False},
          "secret_props": {"contentType": "application/x-pkcs12"},
          "x509_props": {"subject": "CN=DefaultPolicy", "sans": {},
                         "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
                         "key_usage": ["digitalSignature", "keyEncipherment"],
                         "validity_months": 12, "basic_constraints": {"ca": False}},
          "lifetime_actions": [{"trigger": {"lifetime_percentage": 80},
                                "action": {"action_type": "AutoRenew"}}],
          "issuer": {"name": "Self"}, "attributes": {"enabled": True}}
EC_POLICY = {"key_props": {"exportable": False, "kty": "EC", "crv": "P-384", "reuse_key": True},
             "secret_props": {"contentType": "application/x-pem-file"},
             "x509_props": {"subject": "CN=ec, O=Contoso, C=US",
                            "sans": {"dns_names": ["a.example", "*.b.example"],
                                     "emails": ["a@example.com"], "upns": ["u@example.com"],
                                     "ip_addresses": ["10.0.0.1", "::1"],
                                     "uris": ["https://example.com/x"]},
                            "key_usage": ["digitalSignature", "keyAgreement"],
                            "ekus": ["1.3.6.1.5.5.7.3.2"], "validity_months": 1},
             "lifetime_actions": [{"trigger": {"days_before_expiry": 10},
                                   "action": {"action_type": "EmailContacts"}}],
             "issuer": {"name": "Unknown", "cert_transparency": False}}


def write(name, op, body):
    text = body if isinstance(body, (bytes, str)) else json.dumps(body, separators=(",", ":"))
    if isinstance(text, str):
        text = text.encode()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([OPS[op]]) + text)


def openssl(*args, **kw):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, **kw).stdout


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        key, crt = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", crt, "-days", "30", "-subj", "/CN=seed")
        pem = open(key).read() + open(crt).read()
        pfx = {}
        for pw in ("", "1234"):
            pfx[pw] = openssl("pkcs12", "-export", "-inkey", key, "-in", crt, "-passout",
                              "pass:" + pw, "-iter", "16",
                              "-keypbe", "AES-256-CBC", "-certpbe", "AES-256-CBC")
    # The leaf's DER, by its outer SEQUENCE's length (30 82 HH LL); the rest of that input is
    # fuzz-x509's framing.
    raw = open("fuzz/corpus/x509/merge-der", "rb").read()[1:]
    der = [raw[:4 + (raw[2] << 8 | raw[3])]]
    b64 = lambda b: base64.b64encode(b).decode()

    write("create-default", "create", {"policy": {"x509_props": {"subject": "CN=DefaultPolicy",
                                                                 "sans": {}},
                                                  "issuer": {"name": "Self"}}})
    write("create-full", "create", {"policy": POLICY, "attributes": {"enabled": False},
                                    "tags": {"a": "b"}})
    write("create-ec-unknown", "create", {"policy": EC_POLICY})
    write("create-base-no-policy", "create-base", {"tags": {"renew": "1"}})
    write("import-pem", "import", {"value": pem, "policy": {"secret_props": {
        "contentType": "application/x-pem-file"}}})
    write("import-pem-b64", "import", {"value": b64(pem.encode()), "policy": {"secret_props": {
        "contentType": "application/x-pem-file"}}})
    write("import-pfx", "import", {"value": b64(pfx[""]), "tags": {"t": "1"}})
    write("import-pfx-password", "import-base", {"value": b64(pfx["1234"]), "pwd": "1234",
                                                 "policy": {"key_props": {"exportable": True}}})
    write("merge-single", "merge", {"x5c": [b64(x) for x in der if x]})
    write("merge-double", "merge", {"x5c": [b64(b64(x).encode()) for x in der if x],
                                    "attributes": {"enabled": True}})
    write("cancel", "cancel", {"cancellation_requested": True})
    write("update", "update", {"attributes": {"enabled": False, "exp": 1900000000},
                               "tags": {"x": "y"}, "policy": {"x509_props": {"validity_months": 6}}})
    write("policy-update", "policy-update", {"x509_props": {"subject": "CN=renewed"},
                                             "lifetime_actions": [{"trigger": {
                                                 "days_before_expiry": 30}, "action": {
                                                 "action_type": "AutoRenew"}}]})
    write("contacts", "contacts", {"contacts": [{"email": "a@example.com", "name": "A",
                                                 "phone": "1"}, {"email": "b@example.com"}]})
    write("issuer-set", "issuer-set", {"provider": "DigiCert", "credentials": {
        "account_id": "acct", "pwd": "pw"}, "org_details": {"admin_details": [{
            "first_name": "A", "last_name": "B", "email": "a@example.com", "phone": "1"}]},
        "attributes": {"enabled": True}})
    write("issuer-update", "issuer-update", {"provider": "GlobalSign",
                                             "attributes": {"enabled": False}})
    write("restore-garbage", "restore", {"value": "bm90IGEgYmxvYg"})
    write("restore-sealed", "restore-sealed", {"certificate": {
        "name": "fz-restored", "policy": POLICY, "versions": [{"pem": pem}]}})
    write("policy-full", "policy", POLICY)
    write("policy-ec", "policy", EC_POLICY)
    write("policy-partial", "policy", {"key_props": {"key_size": 4096}, "x509_props": {
        "subject": "CN=x", "validity_months": 1200}})


if __name__ == "__main__":
    main()
