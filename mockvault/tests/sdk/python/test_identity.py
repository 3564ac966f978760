#!/usr/bin/python3
"""Managed identity and certificate credentials of the Azure SDK for Python against mockvault.

Uses Debian's python3-azure (azure-identity 1.13.0b2, azure-keyvault-secrets 4.7.0b1) from
/usr/bin/python3; the pyenv python on PATH lacks them. This azure-identity does not delegate managed
identity to MSAL: AppServiceCredential and ImdsCredential send the requests themselves
(spec/real-clients.md B.5).

    /usr/bin/python3 mockvault/tests/sdk/python/test_identity.py -v [-k NAME]

Every test starts its own mock (--imds-port 0 --identity-header <random> --proxy-port 0, text log)
and runs one client in a fresh /usr/bin/python3 process (test_identity.py --child CASE) with its
own environment, set before anything is imported. The client builds the credential, reads
graph-app-secret from vault demo with SecretClient and checks the value and the claims of every
token the SecretClient got. The test then checks:
  - the mock's log: the expected request lines (exactly one managed identity request, so no retry
    storm), and none of: the tokens the client used, the private key, the identity header, the
    secret value;
  - GET /_mock/authz/needed lists exactly the expected principal with secretPermissions ["get"] on
    demo (so the vault saw that identity's token), or nobody when the credential had to fail;
  - the mock exits 0 on SIGTERM.

Cases:
  appservice_system, appservice_user   ManagedIdentityCredential([client_id=...]) with
                                       IDENTITY_ENDPOINT=http://127.0.0.1:<imds>/msi/token and
                                       IDENTITY_HEADER
  appservice_https                     the same with https://localhost:PORT/msi/token
  appservice_wrong_header              a wrong IDENTITY_HEADER: the server's message surfaces
  imds_system, imds_user               AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:<imds>
  imds_unknown_user                    an unknown client_id: 400 "Identity not found", one request
  cert_direct                          CertificateCredential(T, C, certificate_path=...,
                                       authority=https://localhost:PORT, instance_discovery=False)
  cert_proxy                           CertificateCredential(T, C, certificate_path=...), default
                                       authority, https://demo.vault.azure.net, HTTPS_PROXY
  env_cert_proxy                       DefaultAzureCredential() with AZURE_CLIENT_CERTIFICATE_PATH
                                       through HTTPS_PROXY
Managed identity cases use the vault https://localhost:PORT with verify_challenge_resource=False.

Environment: MOCKVAULT_BIN (default <repo>/${BUILD_DIR:-build}/mockvault/mockvault),
MOCKVAULT_FIXTURES (default <repo>/fixtures/default.json), MOCKVAULT_PYTHON (default
/usr/bin/python3), MOCKVAULT_KEEP=1 (keep every test's temporary directory, not only a failed one's).
"""

import base64
import json
import os
import re
import secrets
import time

from mvsdk import REPO, MockTest, app, client_env, load_fixture, main, report_failure

CERT_PATH = os.path.join(REPO, "fixtures", "certs", "automation-flow.pem")
CLIENT_TIMEOUT_S = 120
WRONG_HEADER_TEXT = "The X-IDENTITY-HEADER value is not the one this endpoint expects"
UNKNOWN_CLIENT_ID = "00000000-0000-0000-0000-00000000dead"

FIXTURE = load_fixture()
TENANT = FIXTURE["tenants"][0]
FLOW = app(TENANT, "22222222-2222-2222-2222-222222222222")
MIS = {m["clientId"]: m for m in TENANT["managedIdentities"]}
VM_IDENTITY = MIS["44444444-4444-4444-4444-444444444444"]
APP_IDENTITY = MIS["99999999-9999-9999-9999-999999999999"]
SECRET = next(s for s in next(v for v in FIXTURE["vaults"] if v["name"] == "demo")["secrets"]
              if s["name"] == "graph-app-secret")
SECRET_LATEST = SECRET["versions"][-1]


# ---- the cases -------------------------------------------------------------------------------
#
# env(m): the case's environment (m: {"port", "imds", "proxy", "header"}); credential(m) is built
# in the child; vault: "direct" or "proxy"; principal: whose token the vault must see (None: the
# credential must fail with `error` in its message or its cause, after one managed identity
# request answered with `status`); token: "mi" (exactly one managed identity request) or "aad".

def _mi(client_id=None):
    def make(m):
        from azure.identity import ManagedIdentityCredential
        return ManagedIdentityCredential(client_id=client_id) if client_id \
            else ManagedIdentityCredential()
    return make


def _cert_direct(m):
    from azure.identity import CertificateCredential
    # instance_discovery=False is this beta's name (1.13.0b3 and later: disable_instance_discovery).
    return CertificateCredential(TENANT["id"], FLOW["clientId"], certificate_path=CERT_PATH,
                                 authority=f"https://localhost:{m['port']}",
                                 instance_discovery=False)


def _cert_proxy(m):
    from azure.identity import CertificateCredential
    return CertificateCredential(TENANT["id"], FLOW["clientId"], certificate_path=CERT_PATH)


def _default(m):
    from azure.identity import DefaultAzureCredential
    return DefaultAzureCredential()


def _app_service_env(m, header=None, endpoint=None):
    return {"IDENTITY_ENDPOINT": endpoint or f"{m['imds']}/msi/token",
            "IDENTITY_HEADER": header or m["header"]}


CASES = {
    "appservice_system": dict(
        what="ManagedIdentityCredential(), App Service via IDENTITY_ENDPOINT=http://127.0.0.1:<imds>/msi/token",
        env=_app_service_env, credential=_mi(), vault="direct", principal=VM_IDENTITY, token="mi"),
    "appservice_user": dict(
        what="ManagedIdentityCredential(client_id=...), App Service, user-assigned app-identity",
        env=_app_service_env, credential=_mi(APP_IDENTITY["clientId"]), vault="direct",
        principal=APP_IDENTITY, token="mi"),
    "appservice_https": dict(
        what="ManagedIdentityCredential(), App Service via IDENTITY_ENDPOINT=https://localhost:PORT/msi/token",
        env=lambda m: _app_service_env(m, endpoint=f"https://localhost:{m['port']}/msi/token"),
        credential=_mi(), vault="direct", principal=VM_IDENTITY, token="mi"),
    "appservice_wrong_header": dict(
        what="ManagedIdentityCredential(), App Service with a wrong IDENTITY_HEADER",
        env=lambda m: _app_service_env(m, header="wrong-" + m["header"]),
        credential=_mi(), vault="direct", principal=None, token="mi",
        error=WRONG_HEADER_TEXT, status=401),
    "imds_system": dict(
        what="ManagedIdentityCredential(), IMDS via AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:<imds>",
        env=lambda m: {"AZURE_POD_IDENTITY_AUTHORITY_HOST": m["imds"]},
        credential=_mi(), vault="direct", principal=VM_IDENTITY, token="mi"),
    "imds_user": dict(
        what="ManagedIdentityCredential(client_id=...), IMDS, user-assigned app-identity",
        env=lambda m: {"AZURE_POD_IDENTITY_AUTHORITY_HOST": m["imds"]},
        credential=_mi(APP_IDENTITY["clientId"]), vault="direct", principal=APP_IDENTITY,
        token="mi"),
    "imds_unknown_user": dict(
        what="ManagedIdentityCredential(client_id=<unknown>), IMDS: the server's 400 \"Identity not found\"",
        env=lambda m: {"AZURE_POD_IDENTITY_AUTHORITY_HOST": m["imds"]},
        credential=_mi(UNKNOWN_CLIENT_ID), vault="direct", principal=None, token="mi",
        error="Identity not found", status=400),
    "cert_direct": dict(
        what="CertificateCredential(certificate_path=..., authority=https://localhost:PORT, instance_discovery=False)",
        env=lambda m: {}, credential=_cert_direct, vault="direct", principal=FLOW, token="aad"),
    "cert_proxy": dict(
        what="CertificateCredential(certificate_path=...), default authority, through HTTPS_PROXY",
        env=lambda m: {"HTTPS_PROXY": m["proxy"]}, credential=_cert_proxy, vault="proxy",
        principal=FLOW, token="aad"),
    "env_cert_proxy": dict(
        what="DefaultAzureCredential() with AZURE_CLIENT_CERTIFICATE_PATH, through HTTPS_PROXY",
        env=lambda m: {"HTTPS_PROXY": m["proxy"], "AZURE_TENANT_ID": TENANT["id"],
                       "AZURE_CLIENT_ID": FLOW["clientId"],
                       "AZURE_CLIENT_CERTIFICATE_PATH": CERT_PATH},
        credential=_default, vault="proxy", principal=FLOW, token="aad"),
}


# ---- the client side (runs in a child process: test_identity.py --child CASE) ----------------

class Recording:
    """Hands the SecretClient the credential's tokens and keeps a copy of each, for the log check
    and the claims check."""

    def __init__(self, cred):
        self.cred = cred
        self.tokens = []

    def get_token(self, *scopes, **kwargs):
        t = self.cred.get_token(*scopes, **kwargs)
        self.tokens.append(t.token)
        return t


def jwt_claims(token):
    parts = token.split(".")
    assert len(parts) == 3, "the access token is not a JWT"
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def child_main(name):
    from azure.keyvault.secrets import SecretClient

    c = CASES[name]
    m = json.loads(os.environ["MV_MOCK"])
    out = os.environ["MV_OUT"]
    cred = None
    rec = None
    t0 = time.monotonic()

    def save(**extra):
        with open(out, "w", encoding="utf-8") as f:
            json.dump(dict(tokens=rec.tokens if rec else [], **extra), f)

    try:
        cred = c["credential"](m)
        rec = Recording(cred)
        if c["vault"] == "proxy":
            url = "https://demo.vault.azure.net"
            client = SecretClient(url, rec)
        else:
            url = f"https://localhost:{m['port']}"
            client = SecretClient(url, rec, verify_challenge_resource=False)
        if c["principal"] is None:
            from azure.core.exceptions import ClientAuthenticationError
            try:
                client.get_secret(SECRET["name"])
            except ClientAuthenticationError as e:
                ms = (time.monotonic() - t0) * 1000
                save(ms=ms)
                # ImdsCredential turns a 400 into CredentialUnavailableError with its own text;
                # the server's answer is then the cause (an HttpResponseError).
                texts = [str(e), str(e.__cause__ or "")]
                assert any(c["error"] in t for t in texts), \
                    f"the error does not carry the server's message {c['error']!r}: " \
                    f"{type(e).__name__}: {e} (cause: {e.__cause__!r})"
                print(f"  ok   {name}: get_secret fails in {ms:.0f} ms with "
                      f"{type(e).__name__}: {str(e).splitlines()[0]}"
                      + (f" (cause: {str(e.__cause__).splitlines()[0]})" if e.__cause__ else ""),
                      flush=True)
                return 0
            save()
            raise AssertionError(f"get_secret succeeded, but should have failed with {c['error']!r}")
        s = client.get_secret(SECRET["name"])
        ms = (time.monotonic() - t0) * 1000
        save(ms=ms)
        assert s.name == SECRET["name"], s.name
        assert s.value == SECRET_LATEST["value"], "wrong secret value"
        assert s.properties.version == SECRET_LATEST["id"], s.properties.version
        assert s.properties.vault_url == url, s.properties.vault_url
        assert rec.tokens, "the SecretClient never asked the credential for a token"
        p = c["principal"]
        for t in set(rec.tokens):
            claims = jwt_claims(t)
            assert claims.get("aud") == "https://vault.azure.net", claims.get("aud")
            assert claims.get("oid") == p["objectId"], claims.get("oid")
            assert (claims.get("appid") or claims.get("azp")) == p["clientId"], claims
            assert claims.get("tid") == TENANT["id"], claims.get("tid")
        print(f"  ok   {name}: get_secret({SECRET['name']}) in {ms:.0f} ms as oid {p['objectId']}",
              flush=True)
        return 0
    except BaseException as e:  # noqa: B902 - report everything, then fail
        if rec is not None and not os.path.exists(out):
            save()
        report_failure(f"{name} (client)", e)
        return 1


# ---- the test side ---------------------------------------------------------------------------

def private_key_lines():
    with open(CERT_PATH, encoding="ascii") as f:
        pem = f.read()
    m = re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END [A-Z ]*PRIVATE KEY-----", pem, re.S)
    assert m, f"{CERT_PATH} holds no private key"
    return [line for line in m.group(1).split() if len(line) >= 16]


class IdentityTest(MockTest):
    def run_case(self, name):
        c = CASES[name]
        header = secrets.token_hex(12)
        mock = self.start_mock(f"id-{name}", args=["--imds-port", "0", "--identity-header", header],
                               want=("port", "ca", "proxy", "imds"))
        m = {"port": mock.ready["port"], "imds": mock.ready["imds"],
             "proxy": mock.ready["proxy"], "header": header}
        out_path = os.path.join(mock.dir, "client-out.json")
        env = client_env(mock, proxy=False, MV_MOCK=json.dumps(m), MV_OUT=out_path)
        env.update(c["env"](m))
        print(f"\n--- Python SDK identity: {name}: {c['what']}", flush=True)
        self.run_child(__file__, [name], env, name, CLIENT_TIMEOUT_S)
        needed = mock.control("GET", "/_mock/authz/needed")
        self.assertEqual(mock.stop(), 0, "mockvault did not exit 0 on SIGTERM")
        with open(out_path, encoding="utf-8") as f:
            out = json.load(f)
        self.check_log(c, mock, header, out)
        self.check_needed(c, needed)
        print(f"  ok   log clean, {c['token']} requests as expected, authz/needed right", flush=True)

    def check_log(self, c, mock, header, out):
        log = mock.log()
        lines = log.splitlines()
        sensitive = [("the identity header", header), ("the secret value", SECRET_LATEST["value"]),
                     ("a PEM private key", "PRIVATE KEY")]
        for i, t in enumerate(out["tokens"], 1):
            sensitive += [(f"token #{i}", t), (f"token #{i}'s signature", t.split(".")[-1])]
        sensitive += [("a line of the private key", line) for line in private_key_lines()]
        leaked = sorted({what for what, s in sensitive if s and s in log})
        self.assertEqual(leaked, [], f"the mock's log {mock.log_path} holds these")

        mi = [ln for ln in lines if re.search(r"\bop=ManagedIdentityToken\b", ln)]
        tok = [ln for ln in lines if re.search(r"\bop=Token\b", ln)]
        get = [ln for ln in lines if re.search(r"\bop=GetSecret\b", ln)]
        p = c["principal"]
        if c["token"] == "mi":
            self.assertEqual(len(mi), 1, "expected exactly one managed identity request:\n" + "\n".join(mi))
            self.assertEqual(tok, [], "a managed identity case reached the Entra token endpoint")
            want = "status=200" if p else f"status={c['status']}"
            self.assertIn(want, mi[0])
        else:
            self.assertEqual(mi, [], "a certificate case made managed identity requests")
            self.assertTrue(any("status=200" in ln and f"appid={p['clientId']}" in ln for ln in tok),
                            "no successful token request for the app:\n" + "\n".join(tok))
        if p:
            self.assertTrue(out["tokens"], "the client recorded no token")
            self.assertTrue(any("status=200" in ln and f"oid={p['objectId']}" in ln for ln in get),
                            f"no successful GetSecret by oid {p['objectId']}:\n" + "\n".join(get))
        else:
            self.assertFalse(any("status=200" in ln for ln in get),
                             "a GetSecret succeeded although the credential should have failed")

    def check_needed(self, c, needed):
        p = c["principal"]
        principals = needed.get("principals", [])
        if p is None:
            self.assertEqual(principals, [], "authz/needed lists principals, but no token was issued")
            return
        self.assertEqual([x.get("oid", "").lower() for x in principals], [p["objectId"]],
                         f"authz/needed should list only oid {p['objectId']}: {needed}")
        self.assertEqual(principals[0].get("appid", "").lower(), p["clientId"])
        self.assertEqual([{"vault": v["vault"], "secretPermissions": v["secretPermissions"]}
                          for v in principals[0]["vaults"]],
                         [{"vault": "demo", "secretPermissions": ["get"]}], str(needed))

    def test_appservice_system(self):
        self.run_case("appservice_system")

    def test_appservice_user(self):
        self.run_case("appservice_user")

    def test_appservice_https(self):
        self.run_case("appservice_https")

    def test_appservice_wrong_header(self):
        self.run_case("appservice_wrong_header")

    def test_imds_system(self):
        self.run_case("imds_system")

    def test_imds_user(self):
        self.run_case("imds_user")

    def test_imds_unknown_user(self):
        self.run_case("imds_unknown_user")

    def test_cert_direct(self):
        self.run_case("cert_direct")

    def test_cert_proxy(self):
        self.run_case("cert_proxy")

    def test_env_cert_proxy(self):
        self.run_case("env_cert_proxy")


if __name__ == "__main__":
    main(child_main)
