#!/usr/bin/env python3
"""test-x509-python.py DIR NOW: python3-cryptography (OpenSSL and its own Rust parsers) reads what
the X.509 layer wrote into DIR (test-x509.c): c.pfx opens with the password b"" and with None, its
key is the certificate's, the certificate is signed by its own key, its extensions are in the
service's order with KU critical, its serial is 16 bytes and positive, notBefore is NOW - 600, its
x5t (file x5t) is the base64url SHA-1 of the DER; c.pem loads as the PKCS#8 key plus the same
certificate; r.der is a CSR whose signature verifies.
test-x509-python.py --ec-keys DIR: every k*.pem and k*.pfx in DIR (many EC keys of each curve)
loads with cryptography's strict PKCS#8 reader, which refuses an ECPrivateKey whose privateKey is
not at the curve's width (RFC 5915), and its key is its certificate's.
Prints counts only, never key material. Exits 77 (skipped) without the cryptography module."""
import base64
import glob
import hashlib
import sys

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
except ImportError:
    print("skip: python3-cryptography is not installed")
    sys.exit(77)



def read(name):
    with open(f"{d}/{name}", "rb") as f:
        return f.read()


def spki(key):
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


if sys.argv[1] == "--ec-keys":
    d = sys.argv[2]
    pems, pfxs = sorted(glob.glob(f"{d}/k*.pem")), sorted(glob.glob(f"{d}/k*.pfx"))
    assert pems and len(pems) == len(pfxs), "no EC keys written"
    for path in pems:
        with open(path, "rb") as f:
            pem = f.read()
        key = serialization.load_pem_private_key(pem, password=None)
        certs = x509.load_pem_x509_certificates(pem)
        assert spki(key.public_key()) == spki(certs[0].public_key()), f"{path}: key differs"
    for path in pfxs:
        with open(path, "rb") as f:
            key, leaf, _ = pkcs12.load_key_and_certificates(f.read(), b"")
        assert spki(key.public_key()) == spki(leaf.public_key()), f"{path}: key differs"
    print(f"ok: {len(pems)} PEM and {len(pfxs)} PFX EC keys")
    sys.exit(0)

d, now = sys.argv[1], int(sys.argv[2])

der = read("c.der")
cert = x509.load_der_x509_certificate(der)
checks = 0
for pw in (b"", None):
    key, leaf, extra = pkcs12.load_key_and_certificates(read("c.pfx"), pw)
    assert key is not None and leaf is not None, f"PFX with {pw!r}: no key or no certificate"
    assert leaf.public_bytes(serialization.Encoding.DER) == der, "PFX certificate differs"
    assert spki(key.public_key()) == spki(cert.public_key()), "PFX key is not the certificate's"
    assert extra == [], "PFX holds extra certificates"
    checks += 1

cert.verify_directly_issued_by(cert)
oids = [(e.oid.dotted_string, e.critical) for e in cert.extensions]
assert oids == [("2.5.29.15", True), ("2.5.29.19", False), ("2.5.29.37", False),
                ("2.5.29.17", False), ("2.5.29.35", False), ("2.5.29.14", False)], oids
assert cert.version == x509.Version.v3
assert 0 < cert.serial_number < 2**127 and cert.serial_number >= 2**120, "serial not 16 bytes"
assert int(cert.not_valid_before_utc.timestamp()) == now - 600
x5t = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=")
assert x5t == read("x5t"), "x5t differs"
checks += 5

pem = read("c.pem")
assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n") and pem.endswith(b"\n") and b"\r" not in pem
key = serialization.load_pem_private_key(pem, password=None)
certs = x509.load_pem_x509_certificates(pem)
assert [c.public_bytes(serialization.Encoding.DER) for c in certs] == [der]
assert spki(key.public_key()) == spki(cert.public_key()), "PEM key is not the certificate's"
checks += 1

csr = x509.load_der_x509_csr(read("r.der"))
assert csr.is_signature_valid, "CSR signature does not verify"
assert spki(csr.public_key()) == spki(cert.public_key())
checks += 1
print(f"ok: {checks} checks")
