#!/usr/bin/python3
"""The certificates family through Debian's azure-keyvault-certificates (python3-azure) against
mockvault (spec/keyvault-certificates.md, issue 11).

One test starts a mock with fixtures/default.json (port 0, its HTTPS proxy, text log) and runs the
client in a fresh /usr/bin/python3 process with HTTPS_PROXY, REQUESTS_CA_BUNDLE and AZURE_* set
before anything is imported: unmodified code, DefaultAzureCredential, CertificateClient and
SecretClient on https://demo.vault.azure.net with no options (the SDK's own api-version, 7.3). It
runs every operation of the spec (the create poller, import, merge of a CSR signed here with
python3-cryptography, the pending operation, policy, contacts, issuers, delete/recover/purge,
backup/restore), then loads the certificate's PFX through SecretClient
(pkcs12.load_key_and_certificates with password None) and serves TLS with it from Python's ssl
module to a client that trusts the certificate (or the CA that signed the merged one), comparing
the peer certificate's SHA-1 with x5t.

    /usr/bin/python3 mockvault/tests/sdk/python/test_certs.py -v

Nothing printed holds a private key, a PFX, a password or a token; the strings that must never
reach the mock's log (passwords, the start of every key and PFX) are written to a watch file the
test side looks for in the log.
Environment: MOCKVAULT_BIN (default <repo>/${BUILD_DIR:-build}/mockvault/mockvault).
"""

import base64
import datetime
import hashlib
import os
import shutil
import socket
import ssl
import tempfile
import threading
import uuid

from mvsdk import ADMIN_ID, HEX32, MockTest, Steps, app, azure_env, client_env, expect_http_error, \
    load_fixture, main, report_failure

CLIENT_TIMEOUT_S = 300
VAULT = "https://demo.vault.azure.net"


# ---- the client side (a child process: test_certs.py --child) ------------------------------

def b64u(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def check_bundle(c, name):
    """A completed version: kid/sid in lockstep, x5t = SHA-1(cer), nbf/exp = the certificate's."""
    from cryptography import x509
    p = c.properties
    assert p.name == name, f"name {p.name!r}"
    assert HEX32.match(p.version or ""), f"version {p.version!r}"
    assert c.cer and len(c.cer) > 200, "cer holds a DER certificate"
    assert hashlib.sha1(c.cer).digest() == p.x509_thumbprint, "x509_thumbprint = SHA-1(cer)"
    assert c.key_id == f"{VAULT}/keys/{name}/{p.version}", f"key_id {c.key_id}"
    assert c.secret_id == f"{VAULT}/secrets/{name}/{p.version}", f"secret_id {c.secret_id}"
    x = x509.load_der_x509_certificate(bytes(c.cer))
    nb = x.not_valid_before.replace(tzinfo=datetime.timezone.utc)
    na = x.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    assert int(p.not_before.timestamp()) == int(nb.timestamp()), "not_before = notBefore"
    assert int(p.expires_on.timestamp()) == int(na.timestamp()), "expires_on = notAfter"
    return x


def actions(policy):
    return [(str(getattr(a.action, "value", a.action)), a.lifetime_percentage, a.days_before_expiry)
            for a in policy.lifetime_actions or []]


def serve_tls(cert_pem, key_pem, ca_pem, work):
    """Serves one TLS connection from Python's ssl module with the key and certificate (files in
    work, 0600), and connects a client trusting ca_pem for the name localhost; returns the peer
    certificate (DER) the client saw."""
    cert_file, key_file = os.path.join(work, "tls-cert.pem"), os.path.join(work, "tls-key.pem")
    for path, data in ((cert_file, cert_pem), (key_file, key_pem)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(cert_file, key_file)
    os.unlink(key_file)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    errors = []

    def server():
        try:
            conn, _ = lsock.accept()
            with sctx.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"served over the vault's certificate\n")
        except Exception as e:  # noqa: B902 - reported by the client side
            errors.append(repr(e))

    t = threading.Thread(target=server, daemon=True)
    t.start()
    try:
        cctx = ssl.create_default_context(cadata=ca_pem.decode())
        with socket.create_connection(lsock.getsockname(), timeout=10) as raw:
            with cctx.wrap_socket(raw, server_hostname="localhost") as tls:
                peer = tls.getpeercert(binary_form=True)
                assert tls.recv(100).startswith(b"served"), "the TLS server answered"
    finally:
        t.join(10)
        lsock.close()
    assert not errors, f"the TLS server failed: {errors}"
    return peer


def check_peer(peer, c):
    assert peer == c.cer, "the peer certificate is the vault's cer"
    assert b64u(hashlib.sha1(peer).digest()) == b64u(c.properties.x509_thumbprint), \
        "the peer certificate's SHA-1 = x5t"


def create_and_read(cc, st, n, step):
    from azure.keyvault.certificates import CertificatePolicy
    with step("begin_create_certificate Self: the poller's result is the completed bundle (rows 1-3)"):
        pol = CertificatePolicy(issuer_name="Self", subject=f"CN={n('self')}", san_dns_names=["localhost"])
        c = cc.begin_create_certificate(n("self"), pol, _polling_interval=1).result()
        x = check_bundle(c, n("self"))
        assert x.subject.rfc4514_string() == f"CN={n('self')}", "subject"
        p = c.properties
        assert abs(p.not_before.timestamp() - (p.created_on.timestamp() - 600)) <= 2, "nbf = created - 600"
        pol = c.policy
        assert pol.issuer_name == "Self" and pol.key_type == "RSA" and pol.key_size == 2048, "key defaults"
        assert pol.exportable is True and pol.reuse_key is False, "exportable, reuse_key defaults"
        assert pol.content_type == "application/x-pkcs12", f"content type {pol.content_type}"
        assert pol.validity_in_months == 12, "validity default"
        assert actions(pol) == [("AutoRenew", 80, None)], f"lifetime actions {actions(pol)}"
        assert [str(getattr(k, "value", k)) for k in pol.key_usage] == ["digitalSignature", "keyEncipherment"]
        assert pol.enhanced_key_usage == ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], "EKU default"
        st["self"] = c
        op = cc.get_certificate_operation(n("self"))
        assert op.status == "completed" and op.target == f"{VAULT}/certificates/{n('self')}", \
            f"operation after completion: {op.status} {op.target}"
    with step("get_certificate (latest, with policy) / get_certificate_version (rows 3-4, 13)"):
        c = cc.get_certificate(n("self"))
        assert c.properties.version == st["self"].properties.version and c.cer == st["self"].cer
        assert c.policy is not None and c.policy.issuer_name == "Self", "latest carries the policy"
        v = cc.get_certificate_version(n("self"), st["self"].properties.version)
        check_bundle(v, n("self"))
        assert v.policy is None, "a versioned GET has no policy"
        expect_http_error(lambda: cc.get_certificate(n("nope")), 404, "CertificateNotFound")
    with step("update_certificate_properties: tags, disabled still readable, enabled"):
        ver = st["self"].properties.version
        u = cc.update_certificate_properties(n("self"), ver, tags={"env": "py"})
        assert u.properties.tags == {"env": "py"} and u.properties.version == ver
        d = cc.update_certificate_properties(n("self"), ver, enabled=False)
        assert d.properties.enabled is False
        assert cc.get_certificate(n("self")).properties.enabled is False, "a disabled certificate reads"
        assert cc.update_certificate_properties(n("self"), ver, enabled=True).properties.enabled is True
    with step("get_certificate_policy / update_certificate_policy"):
        from azure.keyvault.certificates import LifetimeAction, CertificatePolicyAction
        pol = cc.get_certificate_policy(n("self"))
        assert pol.subject == f"CN={n('self')}", f"policy subject {pol.subject}"
        new = CertificatePolicy(issuer_name="Self", subject=pol.subject, san_dns_names=["localhost"],
                                validity_in_months=6,
                                lifetime_actions=[LifetimeAction(CertificatePolicyAction.email_contacts,
                                                                 days_before_expiry=30)])
        upd = cc.update_certificate_policy(n("self"), new)
        assert upd.validity_in_months == 6, "validity updated"
        assert actions(upd) == [("EmailContacts", None, 30)], f"lifetime actions {actions(upd)}"
        assert cc.get_certificate_policy(n("self")).validity_in_months == 6, "stored"
    with step("a second create uses the stored policy; list_properties_of_certificate_versions"):
        c = cc.begin_create_certificate(n("self"), new, _polling_interval=1).result()
        check_bundle(c, n("self"))
        assert c.properties.version != st["self"].properties.version, "a new version"
        vs = sorted(v.version for v in cc.list_properties_of_certificate_versions(n("self")))
        assert vs == sorted([st["self"].properties.version, c.properties.version]), "both versions"
        st["self2"] = c


def pending_ops(cc, st, n, step, work):
    from azure.keyvault.certificates import CertificatePolicy
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    with step("begin_create_certificate Unknown: the poller is done at once; get_certificate_operation (row 7)"):
        pol = CertificatePolicy(issuer_name="Unknown", subject=f"CN={n('merge')}", san_dns_names=["localhost"])
        poller = cc.begin_create_certificate(n("merge"), pol)
        # Finished from the 202 (issuer Unknown): LROPoller never runs the polling method, so its
        # result is None in 4.7.0b1; the operation is read as an application then reads it.
        assert poller.done(), "the Unknown create's poller is done at once"
        op = cc.get_certificate_operation(n("merge"))
        assert op.status == "inProgress" and op.issuer_name == "Unknown", f"{op.status} {op.issuer_name}"
        assert op.status_details == "Pending certificate created. Please Perform Merge to complete the request."
        assert op.csr and HEX32.match(op.request_id or ""), "CSR and request_id"
        pending = cc.get_certificate(n("merge"))
        assert pending.properties.enabled is False and not pending.cer, "pending: disabled, no cer"
        csr = x509.load_der_x509_csr(bytes(op.csr))
    with step("list_properties_of_certificates: pending-only names only with include_pending"):
        plain = [p.name for p in cc.list_properties_of_certificates()]
        assert n("self") in plain and n("merge") not in plain, "default hides pending-only"
        allp = {p.name: p for p in cc.list_properties_of_certificates(include_pending=True)}
        assert n("merge") in allp and allp[n("merge")].enabled is False, "include_pending lists it"
    with step("merge_certificate: the CSR signed by a CA made here, sent as the SDK sample does (row 8)"):
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.datetime.utcnow()
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mockvault py test CA")])
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(minutes=5))
              .not_valid_after(now + datetime.timedelta(days=3))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .sign(ca_key, hashes.SHA256()))
        b = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca_name)
             .public_key(csr.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(minutes=5))
             .not_valid_after(now + datetime.timedelta(days=30)))
        for ext in csr.extensions:
            b = b.add_extension(ext.value, ext.critical)
        leaf = b.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        # The SDK's own sample passes the base64 text of the DER, which it base64-encodes again.
        c = cc.merge_certificate(n("merge"), [base64.b64encode(leaf)])
        check_bundle(c, n("merge"))
        assert c.cer == leaf and c.properties.enabled is True, "the merged certificate"
        assert actions(c.policy) == [("EmailContacts", 80, None)], f"lifetime {actions(c.policy)}"
        op = cc.get_certificate_operation(n("merge"))
        assert op.status == "completed", f"operation {op.status}"
        st["merged"] = c
        st["ca_pem"] = ca.public_bytes(serialization.Encoding.PEM)
    with step("cancel_certificate_operation / delete_certificate_operation (row 9)"):
        cc.begin_create_certificate(n("cancel"), CertificatePolicy(issuer_name="Unknown", subject="CN=c")).result()
        op = cc.cancel_certificate_operation(n("cancel"))
        assert op.cancellation_requested is True, "cancellation requested"
        op = cc.get_certificate_operation(n("cancel"))
        assert op.status == "cancelled", f"status {op.status}"
        d = cc.delete_certificate_operation(n("cancel"))
        assert d.status == "cancelled", "DELETE returns the operation as it was"
        e = expect_http_error(lambda: cc.get_certificate_operation(n("cancel")), 404, "PendingCertificateNotFound")
        assert e.error.message == f"Pending Certificate not found: {n('cancel')}", e.error.message


def imports(cc, st, n, step, watch):
    from azure.keyvault.certificates import CertificatePolicy
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.utcnow()
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mockvault Tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "py-import")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    pw = f"pfx-pw-{uuid.uuid4().hex[:8]}"
    watch(pw)
    pkcs8 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    watch(pkcs8.decode().split("\n")[1])
    with step("import_certificate: PFX with a password (row 10)"):
        pfx = pkcs12.serialize_key_and_certificates(b"imp", key, cert, None,
                                                    serialization.BestAvailableEncryption(pw.encode()))
        c = cc.import_certificate(n("imp-pw"), pfx, password=pw)
        check_bundle(c, n("imp-pw"))
        assert c.cer == der, "cer is the imported certificate"
        assert "CN=py-import" in c.policy.subject and "O=Mockvault Tests" in c.policy.subject, c.policy.subject
        assert c.policy.issuer_name == "Unknown", f"issuer {c.policy.issuer_name}"
        assert actions(c.policy)[0][0] == "EmailContacts", f"lifetime {actions(c.policy)}"
    with step("import_certificate: PFX without a password, PEM (base64 of the file, as the SDK sends it)"):
        pfx = pkcs12.serialize_key_and_certificates(b"imp", key, cert, None, serialization.NoEncryption())
        assert cc.import_certificate(n("imp-nopw"), pfx).cer == der, "PFX without password"
        pem = pkcs8 + cert.public_bytes(serialization.Encoding.PEM)
        c = cc.import_certificate(n("imp-pem"), pem,
                                  policy=CertificatePolicy(content_type="application/x-pem-file"))
        assert c.cer == der and c.policy.content_type == "application/x-pem-file", "PEM import"
    with step("import_certificate errors: wrong password, PKCS#1 PEM key (rows 11-12)"):
        pfx = pkcs12.serialize_key_and_certificates(b"imp", key, cert, None,
                                                    serialization.BestAvailableEncryption(pw.encode()))
        e = expect_http_error(lambda: cc.import_certificate(n("imp-bad"), pfx, password="wrong"), 400)
        assert "The specified PKCS#12 X.509 certificate content can not be read." in e.error.message, e.error.message
        pkcs1 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption())
        e = expect_http_error(lambda: cc.import_certificate(
            n("imp-bad"), pkcs1 + cert.public_bytes(serialization.Encoding.PEM),
            policy=CertificatePolicy(content_type="application/x-pem-file")), 400)
        assert "The specified PEM X.509 certificate content is in an unexpected format." in e.error.message, \
            e.error.message


def lifecycle(cc, sc, st, n, step):
    from azure.keyvault.certificates import CertificatePolicy
    with step("begin_delete_certificate / get_deleted_certificate / 409 on create (row 14)"):
        d = cc.begin_delete_certificate(n("imp-nopw")).result()
        assert d.recovery_id == f"{VAULT}/deletedcertificates/{n('imp-nopw')}", d.recovery_id
        assert d.deleted_on and d.scheduled_purge_date, "deleted_on, scheduled_purge_date"
        cc.begin_delete_certificate(n("imp-pem")).wait()
        assert cc.get_deleted_certificate(n("imp-nopw")).name == n("imp-nopw")
        expect_http_error(lambda: cc.get_certificate(n("imp-nopw")), 404, "CertificateNotFound")
        expect_http_error(lambda: sc.get_secret(n("imp-nopw")), 404)
        expect_http_error(lambda: cc.begin_create_certificate(
            n("imp-nopw"), CertificatePolicy(issuer_name="Self", subject="CN=x")), 409, "Conflict")
    with step("begin_recover_deleted_certificate: certificate and managed secret back"):
        r = cc.begin_recover_deleted_certificate(n("imp-nopw")).result()
        assert r.name == n("imp-nopw")
        assert sc.get_secret(n("imp-nopw")).properties.version == r.properties.version, "secret recovered"
    with step("purge_deleted_certificate"):
        cc.purge_deleted_certificate(n("imp-pem"))
        expect_http_error(lambda: cc.get_deleted_certificate(n("imp-pem")), 404, "CertificateNotFound")
    with step("backup_certificate / restore_certificate_backup after a purge"):
        blob = cc.backup_certificate(n("imp-pw"))
        assert isinstance(blob, bytes) and len(blob) > 100, "a backup blob"
        cc.begin_delete_certificate(n("imp-pw")).wait()
        cc.purge_deleted_certificate(n("imp-pw"))
        r = cc.restore_certificate_backup(blob)
        check_bundle(r, n("imp-pw"))
        g = cc.get_certificate(n("imp-pw"))
        assert g.properties.version == r.properties.version and g.cer == r.cer, "restored as it was"
        expect_http_error(lambda: cc.restore_certificate_backup(b"not a backup"), 400)


def contacts_issuers(cc, n, step, watch):
    from azure.keyvault.certificates import AdministratorContact, CertificateContact
    with step("set_contacts / get_contacts / delete_contacts (row 15)"):
        want = [("admin@contoso.com", "John Doe", "1111111111"), ("ops@contoso.com", "Ops", "2222222222")]
        got = cc.set_contacts([CertificateContact(email=e, name=nm, phone=p) for e, nm, p in want])
        norm = lambda cs: [(c.email, c.name, c.phone) for c in cs]  # noqa: E731
        assert norm(got) == want, norm(got)
        assert norm(cc.get_contacts()) == want, "get"
        assert norm(cc.delete_contacts()) == want, "delete returns the list"
        e = expect_http_error(cc.get_contacts, 404, "ContactsNotFound")
        assert e.error.message == "Contacts not found", e.error.message
    with step("create_issuer / get_issuer / update_issuer / list / delete_issuer (row 15)"):
        name = n("iss")
        pw = f"issuer-pw-{uuid.uuid4().hex[:8]}"
        watch(pw)
        admin = AdministratorContact(first_name="John", last_name="Doe", email="admin@microsoft.com",
                                     phone="4255555555")
        c = cc.create_issuer(name, "Test", account_id="keyvaultuser", password=pw, admin_contacts=[admin])
        assert c.name == name and c.provider == "Test" and c.account_id == "keyvaultuser"
        assert c.password is None, "the password is never returned"
        assert [(a.first_name, a.email) for a in c.admin_contacts] == [("John", "admin@microsoft.com")]
        assert cc.get_issuer(name).account_id == "keyvaultuser"
        u = cc.update_issuer(name, account_id="otheruser")
        assert u.account_id == "otheruser" and len(u.admin_contacts) == 1, "PATCH merges"
        assert any(i.name == name and i.provider == "Test" for i in cc.list_properties_of_issuers())
        assert cc.delete_issuer(name).name == name
        e = expect_http_error(lambda: cc.get_issuer(name), 404, "CertificateIssuerNotFound")
        assert e.error.message == "Issuer not found", e.error.message


def secrets_and_tls(cc, sc, st, n, step, watch, work):
    from azure.keyvault.certificates import CertificatePolicy
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    def pem_parts(pfx_b64):
        key, cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(pfx_b64), None)
        assert key is not None, "the PFX holds the private key"
        return (cert.public_bytes(serialization.Encoding.PEM),
                key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
                cert.public_bytes(serialization.Encoding.DER))

    with step("SecretClient: the PFX secret (managed, kid, empty password); a direct set refused (rows 5-6)"):
        s = sc.get_secret(n("self"))
        watch(s.value[:60])
        assert s.properties.content_type == "application/x-pkcs12", s.properties.content_type
        assert s.properties.managed is True, "managed"
        assert s.properties.version == st["self2"].properties.version, "latest version"
        assert s.properties.key_id == st["self2"].key_id, "kid"
        cert_pem, key_pem, der = pem_parts(s.value)
        assert der == st["self2"].cer, "the PFX's certificate is the bundle's cer"
        expect_http_error(lambda: sc.set_secret(n("self"), "x"), 403, "Forbidden")
    with step("TLS (ssl module) with the PFX's key and certificate; the client trusts the certificate"):
        check_peer(serve_tls(cert_pem, key_pem, cert_pem, work), st["self2"])
    with step("TLS with the merged certificate's PFX; the client trusts the CA that signed it"):
        s = sc.get_secret(n("merge"))
        cert_pem, key_pem, _ = pem_parts(s.value)
        check_peer(serve_tls(cert_pem, key_pem, st["ca_pem"], work), st["merged"])
    with step("a PEM certificate (EC P-256): the secret is PKCS#8 first, LF; TLS with it"):
        pol = CertificatePolicy(issuer_name="Self", subject=f"CN={n('pem')}", san_dns_names=["localhost"],
                                content_type="application/x-pem-file", key_type="EC", key_curve_name="P-256")
        c = cc.begin_create_certificate(n("pem"), pol, _polling_interval=1).result()
        check_bundle(c, n("pem"))
        s = sc.get_secret(n("pem"))
        assert s.properties.content_type == "application/x-pem-file", s.properties.content_type
        assert s.value.startswith("-----BEGIN PRIVATE KEY-----\n") and "\r" not in s.value, "PKCS#8 first, LF"
        watch(s.value.split("\n")[1])
        end = s.value.index("-----END PRIVATE KEY-----") + len("-----END PRIVATE KEY-----\n")
        key_pem, cert_pem = s.value[:end].encode(), s.value[end:].encode()
        check_peer(serve_tls(cert_pem, key_pem, cert_pem, work), c)


def child_main():
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.certificates import CertificateClient
    from azure.keyvault.secrets import SecretClient
    env = os.environ
    step = Steps()
    suffix = env["MV_SUFFIX"]

    def watch(s):
        with open(env["MV_WATCH_FILE"], "a", encoding="utf-8") as f:
            f.write(s + "\n")

    def n(tag):
        return f"py-cert-{suffix}-{tag}"
    work = tempfile.mkdtemp(prefix="mockvault-py-certs-work-")
    try:
        cred = DefaultAzureCredential()
        cc = CertificateClient(VAULT, cred)
        sc = SecretClient(VAULT, cred)
        print(f"  certificates: vault {VAULT}, api-version {cc.api_version}", flush=True)
        st = {}
        create_and_read(cc, st, n, step)
        pending_ops(cc, st, n, step, work)
        imports(cc, st, n, step, watch)
        lifecycle(cc, sc, st, n, step)
        contacts_issuers(cc, n, step, watch)
        secrets_and_tls(cc, sc, st, n, step, watch, work)
    except BaseException as e:  # noqa: B902 - report everything, then fail
        report_failure(step.current, e)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"  certificates: {step.count} checks passed", flush=True)
    return 0


# ---- the test side ---------------------------------------------------------------------------

class CertsTest(MockTest):
    def test_certs_proxy(self):
        """CertificateClient and SecretClient, unmodified, through HTTPS_PROXY."""
        tenant = load_fixture()["tenants"][0]
        admin = app(tenant, ADMIN_ID)
        mock = self.start_mock("certs")
        watch_path = os.path.join(mock.dir, "watch.txt")
        open(watch_path, "w").close()
        env = client_env(mock, **azure_env(tenant, admin), MV_SUFFIX=uuid.uuid4().hex[:8],
                         MV_WATCH_FILE=watch_path)
        print("\n--- Python SDK, certificates", flush=True)
        self.run_child(__file__, [], env, "certificates", CLIENT_TIMEOUT_S)
        self.assertEqual(mock.stop(), 0, "mockvault exit status")
        log = mock.log()
        with open(watch_path, encoding="utf-8") as f:
            watched = [admin["secrets"][0]["value"]] + [s for s in f.read().split("\n") if len(s) >= 8]
        leaks = sum(1 for s in watched if s in log)
        self.assertEqual(leaks, 0, "a password, private key, PFX or client secret reached the mock's log")
        self.assertRegex(log, r"CreateCertificate", "the mock's log has no certificate request lines")
        print(f"  ok   none of {len(watched)} watched strings in the mock's log", flush=True)


if __name__ == "__main__":
    main(child_main)
