#!/usr/bin/python3
"""The keys family through Debian's azure-keyvault-keys (python3-azure) against mockvault.

One test starts a mock loaded with ../keys-fixture.json (port 0, its HTTPS proxy, text log) and
runs the client in a fresh /usr/bin/python3 process with HTTPS_PROXY and REQUESTS_CA_BUNDLE set
before anything is imported: unmodified code, ClientSecretCredential(T, C, S), KeyClient and
CryptographyClient on https://keys.vault.azure.net with no options (so the SDK's own default
api-version). Spec/keyvault-keys.md §6 is what is checked about local and remote paths: the mock's
journal (GET /_mock/requests) shows what reached it, so "local" means "no request".

    /usr/bin/python3 mockvault/tests/sdk/python/test_keys.py -v

Nothing printed holds key material, plaintext, ciphertext, signatures or tokens.
Environment: MOCKVAULT_BIN (default <repo>/${BUILD_DIR:-build}/mockvault/mockvault).
"""

import hashlib
import http.client
import json
import os
import re
import ssl
import uuid

from mvsdk import HERE, HEX32, MockTest, Steps, client_env, expect_http_error, load_fixture, main, \
    report_failure

FIXTURES = os.path.join(HERE, "..", "keys-fixture.json")
CLIENT_TIMEOUT_S = 300
VAULT = "https://keys.vault.azure.net"
RBAC_VAULT = "https://keys-rbac.vault.azure.net"
RSA_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


# ---- the client side (a child process: test_keys.py --child) -------------------------------

class Journal:
    """The mock's request journal over its control API (127.0.0.1, not through the proxy)."""

    def __init__(self, port, ca):
        self.port = int(port)
        self.ctx = ssl.create_default_context(cafile=ca)

    def _req(self, method, path):
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=10)
        try:
            c.request(method, path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def clear(self):
        st, _ = self._req("DELETE", "/_mock/requests")
        assert st == 204, f"DELETE /_mock/requests: {st}"

    def lines(self):
        st, body = self._req("GET", "/_mock/requests")
        assert st == 200, f"GET /_mock/requests: {st}"
        return [f"{e['method']} {e['path']} {e['status']}" for e in json.loads(body)["value"]]

    def during(self, fn):
        """Runs fn with an empty journal; returns (fn's result, the journal lines meanwhile)."""
        self.clear()
        out = fn()
        return out, self.lines()


def sent(lines, pattern):
    return [ln for ln in lines if re.search(pattern, ln, re.I)]


def digest(alg, data):
    return HASHES[alg[2:5]](data).digest()


def assert_no_private(k):
    for f in ("d", "dp", "dq", "qi", "p", "q", "k", "t"):
        assert getattr(k.key, f, None) is None, f"the key bundle carries the private field {f}"


def actions(policy):
    """A rotation policy's actions as (lower-case type, timeBeforeExpiry) pairs."""
    return [(str(getattr(a.action, "value", a.action)).lower(), a.time_before_expiry)
            for a in policy.lifetime_actions]


def key_client_ops(kc, st, n, step):
    from azure.keyvault.keys import (JsonWebKey, KeyRotationLifetimeAction, KeyRotationPolicy,
                                     KeyRotationPolicyAction)
    from cryptography.hazmat.primitives.asymmetric import rsa

    with step("create_rsa_key: 2048 bits, AQAB, the six default key_ops, no private parts"):
        k = kc.create_rsa_key(n("rsa"), tags={"env": "sdk"})
        assert k.name == n("rsa") and HEX32.match(k.properties.version or "")
        assert k.id == f"{VAULT}/keys/{n('rsa')}/{k.properties.version}", k.id
        assert k.key_type == "RSA", k.key_type
        assert list(k.key_operations) == RSA_OPS, k.key_operations
        assert len(k.key.n) == 256 and k.key.n[0] >= 0x80, "n is 256 bytes, unsigned, top bit set"
        assert k.key.e == b"\x01\x00\x01"
        assert k.properties.tags == {"env": "sdk"} and k.properties.enabled is True
        assert k.properties.recoverable_days == 7, k.properties.recoverable_days
        assert_no_private(k)
        st["rsa"] = k

    with step("create_ec_key P-256, P-384, P-521, P-256K: fixed-width x/y, key_ops sign+verify"):
        st["ec"] = {}
        for crv, width in (("P-256", 32), ("P-384", 48), ("P-521", 66), ("P-256K", 32)):
            k = kc.create_ec_key(n(f"ec-{crv.lower()}"), curve=crv)
            assert k.key.crv == crv and k.key_type == "EC", (k.key.crv, k.key_type)
            assert len(k.key.x) == width and len(k.key.y) == width, f"{crv} coordinate width"
            assert list(k.key_operations) == ["sign", "verify"], k.key_operations
            assert_no_private(k)
            st["ec"][crv] = k

    with step("import_key RSA with a leading zero on n: stored unsigned, public only"):
        priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pn = priv.private_numbers()

        def b(i, size=None):
            return i.to_bytes(size or (i.bit_length() + 7) // 8, "big")
        n_raw = b(pn.public_numbers.n)
        jwk = JsonWebKey(kty="RSA", key_ops=["sign", "verify", "encrypt", "decrypt"],
                         n=b"\x00" + n_raw, e=b(pn.public_numbers.e), d=b(pn.d), p=b(pn.p),
                         q=b(pn.q), dp=b(pn.dmp1), dq=b(pn.dmq1), qi=b(pn.iqmp))
        k = kc.import_key(n("imported"), jwk)
        assert k.key.n == n_raw, "imported n comes back without the leading zero"
        assert_no_private(k)
        st["imported"], st["imported_private"] = k, priv

    with step("get_key (latest, version) and the fixture's generated keys"):
        k = kc.get_key(n("rsa"))
        assert k.id == st["rsa"].id and k.key.n == st["rsa"].key.n
        assert kc.get_key(n("rsa"), st["rsa"].properties.version).id == st["rsa"].id
        f = kc.get_key("fixture-rsa")
        assert f.key_type == "RSA" and len(f.key.n) == 256
        assert kc.get_key("fixture-ec").key.crv == "P-384"

    with step("list_properties_of_keys: base ids, every name (paged by the mock)"):
        items = list(kc.list_properties_of_keys())
        names = {p.name for p in items}
        for want in (n("rsa"), n("imported"), "fixture-rsa", "fixture-ec"):
            assert want in names, f"{want} not listed"
        for p in items:
            assert p.id == f"{VAULT}/keys/{p.name}", p.id

    with step("update_key_properties (no version = latest): key_ops, tags, expires_on"):
        from datetime import datetime, timezone
        exp = datetime.fromtimestamp(2524723200, timezone.utc)
        k = kc.update_key_properties(n("imported"), key_operations=["sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey"],
                                     tags={"foo": "updated tag"}, expires_on=exp)
        assert k.properties.version == st["imported"].properties.version
        assert list(k.key_operations) == ["sign", "verify", "encrypt", "decrypt", "wrapKey",
                                          "unwrapKey"], k.key_operations
        assert k.properties.tags == {"foo": "updated tag"} and k.properties.expires_on == exp
        st["imported"] = k

    with step("rotate_key + list_properties_of_key_versions"):
        k = kc.rotate_key(n("rsa"))
        assert k.properties.version != st["rsa"].properties.version
        assert k.key.n != st["rsa"].key.n and len(k.key.n) == 256
        versions = sorted(p.version for p in kc.list_properties_of_key_versions(n("rsa")))
        assert versions == sorted([st["rsa"].properties.version, k.properties.version]), versions
        st["rotated"] = k

    with step("get_key_rotation_policy (never set): Notify P30D"):
        p = kc.get_key_rotation_policy(n("ec-p-256"))
        assert p.id is None, p.id
        assert actions(p) == [("notify", "P30D")], actions(p)

    with step("update_key_rotation_policy (Rotate P10D, P90D): Notify appended, id"):
        policy = KeyRotationPolicy(expires_in="P90D", lifetime_actions=[
            KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_before_expiry="P10D")])
        p = kc.update_key_rotation_policy(n("ec-p-256"), policy)
        assert p.id == f"{VAULT}/keys/{n('ec-p-256')}/rotationpolicy", p.id
        assert actions(p) == [("rotate", "P10D"), ("notify", "P30D")], actions(p)
        assert p.expires_in == "P90D" and p.created_on is not None

    with step("get_random_bytes(32)"):
        a, b2 = kc.get_random_bytes(32), kc.get_random_bytes(32)
        assert len(a) == 32 and a != b2

    with step("get_key of a missing key -> 404 KeyNotFound"):
        expect_http_error(lambda: kc.get_key(n("missing")), 404, "KeyNotFound")


def crypto_ops(kc, st, cred, journal, step, plain):
    from azure.keyvault.keys.crypto import (CryptographyClient, EncryptionAlgorithm,
                                            KeyWrapAlgorithm, SignatureAlgorithm)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    data = b"data to sign for the python sdk"

    with step("CryptographyClient(KeyVaultKey): RSA1_5, RSA-OAEP, RSA-OAEP-256 encrypt locally, decrypt remotely"):
        cc = CryptographyClient(st["rsa"], cred)
        for alg in (EncryptionAlgorithm.rsa1_5, EncryptionAlgorithm.rsa_oaep, EncryptionAlgorithm.rsa_oaep_256):
            enc, seen = journal.during(lambda: cc.encrypt(alg, plain))
            assert not sent(seen, r"/encrypt"), f"{alg} encrypt was not local: {seen}"
            dec, seen = journal.during(lambda: cc.decrypt(alg, enc.ciphertext))
            assert len(sent(seen, r"^POST /keys/\S+/decrypt 200$")) == 1, f"{alg} decrypt: {seen}"
            assert dec.plaintext == plain, f"{alg}: the mock does not decrypt the SDK's ciphertext"

    with step("wrap_key locally (RSA-OAEP, RSA-OAEP-256, RSA1_5), unwrap_key remotely"):
        cc = CryptographyClient(st["rsa"], cred)
        cek = os.urandom(32)
        for alg in (KeyWrapAlgorithm.rsa_oaep, KeyWrapAlgorithm.rsa_oaep_256, KeyWrapAlgorithm.rsa1_5):
            w, seen = journal.during(lambda: cc.wrap_key(alg, cek))
            assert not sent(seen, r"/wrapkey"), f"{alg} wrap was not local"
            assert cc.unwrap_key(alg, w.encrypted_key).key == cek, f"{alg} unwrap"

    with step("sign RS256/PS256/RS512/PS384 remotely; local verify (no request) is_valid; tampered is not"):
        cc = CryptographyClient(st["rsa"], cred)
        for name in ("rs256", "ps256", "rs512", "ps384"):
            alg = getattr(SignatureAlgorithm, name)
            dg = digest(alg.value, data)
            s = cc.sign(alg, dg)
            assert s.key_id == st["rsa"].id and len(s.signature) == 256
            v, seen = journal.during(lambda: cc.verify(alg, dg, s.signature))
            assert v.is_valid, f"{alg} local verify"
            assert not sent(seen, r"/verify"), f"{alg} verify was not local: {seen}"
            bad = bytearray(s.signature)
            bad[7] ^= 1
            assert not cc.verify(alg, dg, bytes(bad)).is_valid, f"{alg} tampered signature verified"

    with step("sign ES256/ES256K/ES384/ES512 remotely; local EC verify (raw r||s split in half)"):
        for crv, name, width in (("P-256", "es256", 64), ("P-256K", "es256_k", 64),
                                 ("P-384", "es384", 96), ("P-521", "es512", 132)):
            alg = getattr(SignatureAlgorithm, name)
            cc = CryptographyClient(st["ec"][crv], cred)
            dg = digest(alg.value, data)
            s = cc.sign(alg, dg)
            assert len(s.signature) == width, f"{alg} signature width {len(s.signature)}"
            v, seen = journal.during(lambda: cc.verify(alg, dg, s.signature))
            assert v.is_valid and not sent(seen, r"/verify"), f"{alg} local verify"

    with step("ES256 with a 50-byte digest -> 400 BadParameter (spec row 8)"):
        cc = CryptographyClient(st["ec"]["P-256"], cred)
        e = expect_http_error(lambda: cc.sign(SignatureAlgorithm.es256, b"\x01" * 50), 400, "BadParameter")
        assert "Invalid length of 'value': 50 bytes. ES256 requires 32 bytes" in e.message, e.message

    with step("imported key: the mock's RS256 equals cryptography's; PS256 verifies with salt 32"):
        cc = CryptographyClient(st["imported"], cred)
        dg = digest("RS256", data)
        s = cc.sign(SignatureAlgorithm.rs256, dg)
        from cryptography.hazmat.primitives.asymmetric import utils
        mine = st["imported_private"].sign(dg, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        assert s.signature == mine, "PKCS#1 v1.5 signatures are deterministic: not the same bytes"
        ps = cc.sign(SignatureAlgorithm.ps256, dg)
        st["imported_private"].public_key().verify(
            ps.signature, dg, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            utils.Prehashed(hashes.SHA256()))

    with step("version-less get_cryptography_client of the rotated key signs with the new version"):
        cc = kc.get_cryptography_client(st["rsa"].name)
        s = cc.sign(SignatureAlgorithm.rs256, digest("RS256", data))
        assert s.key_id == st["rotated"].id, "kid is not the rotated version"


def rules(kc, st, n, cred, crypto_cred, journal, step, plain):
    from datetime import datetime, timedelta, timezone
    from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm, SignatureAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    dg = digest("RS256", b"rules")

    with step("disabled key: get 200 enabled False, sign -> 403 KeyDisabled, local encrypt works"):
        kc.create_rsa_key(n("disabled"))
        k = kc.update_key_properties(n("disabled"), enabled=False)
        assert k.properties.enabled is False
        k = kc.get_key(n("disabled"))
        assert k.properties.enabled is False
        cc = CryptographyClient(k, cred)
        expect_http_error(lambda: cc.sign(SignatureAlgorithm.rs256, dg), 403, "Forbidden", "KeyDisabled")
        expect_http_error(lambda: cc.decrypt(EncryptionAlgorithm.rsa_oaep, b"\x01" * 256), 403,
                          "Forbidden", "KeyDisabled")
        enc, seen = journal.during(lambda: cc.encrypt(EncryptionAlgorithm.rsa_oaep, plain))
        assert len(enc.ciphertext) == 256 and not sent(seen, r"/encrypt")

    with step("key_ops without encrypt: local encrypt falls back to the mock -> 403 KeyOperationForbidden"):
        kc.create_rsa_key(n("signonly"), key_operations=["sign", "verify"])
        cc = CryptographyClient(kc.get_key(n("signonly")), cred)
        e = expect_http_error(lambda: cc.encrypt(EncryptionAlgorithm.rsa_oaep, plain), 403,
                              "Forbidden", "KeyOperationForbidden")
        assert e.error.message == "Operation encrypt is not permitted on this key.", e.error.message

    with step("past exp: local encrypt raises ValueError with no request; decrypt 200; remote encrypt 403"):
        past = datetime.now(timezone.utc) - timedelta(days=1)
        k = kc.create_rsa_key(n("expired"), expires_on=past)
        cc = CryptographyClient(k, cred)

        def local_encrypt():
            try:
                cc.encrypt(EncryptionAlgorithm.rsa_oaep, plain)
            except ValueError as err:
                return str(err)
            raise AssertionError("encrypt with an expired key did not raise ValueError")
        msg, seen = journal.during(local_encrypt)
        assert "expired" in msg and seen == [], f"local refusal sent requests: {seen}"
        # A valid ciphertext made outside the SDK still decrypts (spec row 11).
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers
        pub = RSAPublicNumbers(int.from_bytes(k.key.e, "big"), int.from_bytes(k.key.n, "big")).public_key()
        ct = pub.encrypt(plain, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
        assert cc.decrypt(EncryptionAlgorithm.rsa_oaep, ct).plaintext == plain, "decrypt of an expired key"
        # The crypto-only identity cannot GET the key, so its client goes remote: the mock refuses.
        remote = CryptographyClient(k.id, crypto_cred)
        expect_http_error(lambda: remote.encrypt(EncryptionAlgorithm.rsa_oaep, plain), 403, "Forbidden")


def other_identities(st, crypto_cred, enc_cred, journal, step, plain):
    from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm, SignatureAlgorithm

    with step("CryptographyClient(id) without get permission: GET 403 once, then remote only"):
        cc = CryptographyClient(st["rsa"].id, crypto_cred)
        enc, seen = journal.during(lambda: cc.encrypt(EncryptionAlgorithm.rsa_oaep, plain))
        assert len(sent(seen, r"^GET /keys/\S+ 403$")) == 1, f"no denied GET: {seen}"
        assert len(sent(seen, r"^POST /keys/\S+/encrypt 200$")) == 1, f"encrypt not remote: {seen}"
        dec, seen = journal.during(lambda: cc.decrypt(EncryptionAlgorithm.rsa_oaep, enc.ciphertext))
        assert dec.plaintext == plain and not sent(seen, r"^GET "), f"second GET after a 403: {seen}"
        dg = digest("RS256", b"remote")
        s = cc.sign(SignatureAlgorithm.rs256, dg)
        v, seen = journal.during(lambda: cc.verify(SignatureAlgorithm.rs256, dg, s.signature))
        assert v.is_valid and len(sent(seen, r"/verify 200$")) == 1, f"verify not remote: {seen}"

    with step("RBAC Crypto Service Encryption User: GET ok, wrap local, unwrap remote, sign 403 ForbiddenByRbac"):
        from azure.keyvault.keys import KeyClient
        k = KeyClient(RBAC_VAULT, enc_cred).get_key("wrapping")
        cc = CryptographyClient(k.id, enc_cred)
        cek = os.urandom(32)
        w, seen = journal.during(lambda: cc.wrap_key(KeyWrapAlgorithm.rsa_oaep, cek))
        assert not sent(seen, r"/wrapkey"), f"wrap was not local: {seen}"
        assert cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep, w.encrypted_key).key == cek
        expect_http_error(lambda: cc.sign(SignatureAlgorithm.rs256, digest("RS256", b"x")), 403,
                          "Forbidden", "ForbiddenByRbac")


def lifecycle(kc, st, n, step):
    name = n("rsa")
    with step("backup_key (two versions)"):
        backup = kc.backup_key(name)
        assert isinstance(backup, bytes) and backup

    with step("begin_delete_key().wait(); get_key -> 404; create -> 409; get_deleted_key, list_deleted_keys"):
        d = kc.begin_delete_key(name)
        d.wait()
        d = d.result()
        assert d.recovery_id == f"{VAULT}/deletedkeys/{name}", d.recovery_id
        assert (d.scheduled_purge_date - d.deleted_date).total_seconds() == 7 * 86400
        expect_http_error(lambda: kc.get_key(name), 404, "KeyNotFound")
        e = expect_http_error(lambda: kc.create_rsa_key(name), 409, "Conflict", "ObjectIsDeletedButRecoverable")
        assert "deleted but recoverable" in e.message, e.message
        assert kc.get_deleted_key(name).properties.version == st["rotated"].properties.version
        assert name in {x.name for x in kc.list_deleted_keys()}

    with step("begin_recover_deleted_key().wait(): the latest version is back"):
        kc.begin_recover_deleted_key(name).wait()
        assert kc.get_key(name).id == st["rotated"].id

    with step("delete + purge_deleted_key"):
        kc.begin_delete_key(name).wait()
        kc.purge_deleted_key(name)
        expect_http_error(lambda: kc.get_deleted_key(name), 404, "KeyNotFound")

    with step("restore_key_backup: both versions with their ids and created dates"):
        k = kc.restore_key_backup(backup)
        assert k.id == st["rotated"].id
        assert k.properties.created_on == st["rotated"].properties.created_on
        assert kc.get_key(name, st["rsa"].properties.version).key.n == st["rsa"].key.n
        assert len(list(kc.list_properties_of_key_versions(name))) == 2

    with step("restore_key_backup onto an existing name -> 409 Conflict"):
        e = expect_http_error(lambda: kc.restore_key_backup(backup), 409, "Conflict")
        assert "There was a conflict restoring the key" in e.message, e.message


def child_main():
    from azure.identity import ClientSecretCredential
    from azure.keyvault.keys import KeyClient
    env = os.environ
    step = Steps()
    suffix = env["MV_SUFFIX"]
    plain = f"kp-{suffix}-plaintext".encode()
    ids = json.loads(env["MV_IDS"])
    journal = Journal(env["MV_PORT"], env["REQUESTS_CA_BUNDLE"])

    def n(tag):
        return f"py-keys-{suffix}-{tag}"
    try:
        tenant = env["MV_TENANT_ID"]
        cred = ClientSecretCredential(tenant, *ids["admin"])
        crypto_cred = ClientSecretCredential(tenant, *ids["cryptoNoGet"])
        enc_cred = ClientSecretCredential(tenant, *ids["encryptionUser"])
        kc = KeyClient(VAULT, cred)
        print(f"  keys: vault {VAULT}", flush=True)
        st = {}
        key_client_ops(kc, st, n, step)
        crypto_ops(kc, st, cred, journal, step, plain)
        rules(kc, st, n, cred, crypto_cred, journal, step, plain)
        other_identities(st, crypto_cred, enc_cred, journal, step, plain)
        lifecycle(kc, st, n, step)
    except BaseException as e:  # noqa: B902 - report everything, then fail
        report_failure(step.current, e)
        return 1
    print(f"  keys: {step.count} checks passed", flush=True)
    return 0


# ---- the test side ---------------------------------------------------------------------------

class KeysTest(MockTest):
    def test_keys_proxy(self):
        """KeyClient and CryptographyClient, unmodified, through HTTPS_PROXY."""
        tenant = load_fixture(FIXTURES)["tenants"][0]
        apps = {a["displayName"]: a for a in tenant["applications"]}
        secrets = [a["secrets"][0]["value"] for a in apps.values()]
        mock = self.start_mock("keys", fixtures=FIXTURES)
        suffix = uuid.uuid4().hex[:8]
        env = client_env(mock, **{
            "MV_PORT": str(mock.ready["port"]), "MV_SUFFIX": suffix, "MV_TENANT_ID": tenant["id"],
            "MV_IDS": json.dumps({k: [apps[a]["clientId"], apps[a]["secrets"][0]["value"]]
                                  for k, a in (("admin", "mockvault-admin"),
                                               ("cryptoNoGet", "crypto-no-get"),
                                               ("encryptionUser", "encryption-user"))}),
        })
        print("\n--- Python SDK, keys", flush=True)
        self.run_child(__file__, [], env, "keys", CLIENT_TIMEOUT_S)
        self.assertEqual(mock.stop(), 0, "mockvault exit status")
        log = mock.log()
        import base64
        marker = f"kp-{suffix}-plaintext"
        leaks = [s for s in secrets + [marker, base64.urlsafe_b64encode(marker.encode()).decode().rstrip("=")]
                 if s in log]
        self.assertEqual(leaks, [], "a plaintext or client secret reached the mock's log")
        self.assertRegex(log, r"/keys/", "the mock's log has no key request lines")
        print("  ok   no plaintext or client secret in the mock's log", flush=True)


if __name__ == "__main__":
    main(child_main)
