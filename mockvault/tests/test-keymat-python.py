#!/usr/bin/env python3
"""test-keymat-python.py KEYMAT_TOOL: python3-cryptography (OpenSSL) checks what keymat made:
RSA-OAEP and RSA-OAEP-256 ciphertexts decrypt (an encoder check independent of keymat's own
decoder), PS256/PS512 verify with salt = digest length from n and e as the Python SDK's local
verify does (spec §3.8, test row 7), and the P-256K PKCS#8 export loads, its d gives the exported
x and y, and the ES256K signature verifies. Exits 77 (skipped) without the cryptography module."""
import subprocess
import sys

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
except ImportError:
    print("skip: python3-cryptography is not installed")
    sys.exit(77)

out = subprocess.run([sys.argv[1], "test-keymat-python"], capture_output=True, text=True,
                     check=True).stdout
rows = [line.split(" ") for line in out.splitlines()]
one = {r[0]: bytes.fromhex(r[1]) for r in rows if len(r) == 2}
ops = [(r[0], bytes.fromhex(r[1]), bytes.fromhex(r[2])) for r in rows if len(r) == 3]
checks = 0

priv = serialization.load_der_private_key(one["rsa_pkcs8"], password=None)
pub = rsa.RSAPublicNumbers(int.from_bytes(one["rsa_e"], "big"),
                           int.from_bytes(one["rsa_n"], "big")).public_key()
assert priv.public_key().public_numbers() == pub.public_numbers(), "PKCS#8 and n/e differ"
for name, data, result in ops:
    if name in ("oaep1", "oaep256"):
        h = hashes.SHA1() if name == "oaep1" else hashes.SHA256()
        assert len(result) == 256, name
        plain = priv.decrypt(result, padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
        assert plain == data, f"{name}: {len(data)}-byte plaintext differs"
    elif name in ("ps256", "ps512"):
        h = hashes.SHA256() if name == "ps256" else hashes.SHA512()
        pub.verify(result, data, padding.PSS(mgf=padding.MGF1(h), salt_length=len(data)),
                   utils.Prehashed(h))
    elif name == "es256k":
        k1 = serialization.load_der_private_key(one["k1_pkcs8"], password=None)
        assert isinstance(k1.curve, ec.SECP256K1)
        nums = k1.public_key().public_numbers()
        assert nums.x.to_bytes(32, "big") == one["k1_x"], "P-256K x"
        assert nums.y.to_bytes(32, "big") == one["k1_y"], "P-256K y"
        sig = utils.encode_dss_signature(int.from_bytes(result[:32], "big"),
                                         int.from_bytes(result[32:], "big"))
        k1.public_key().verify(sig, data, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    else:
        raise AssertionError(f"unknown row {name}")
    checks += 1
assert checks >= 25, checks
print(f"keymat-python: {checks} checks passed")
