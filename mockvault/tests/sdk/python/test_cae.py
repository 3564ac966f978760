#!/usr/bin/python3
"""Continuous access evaluation with the Azure SDK for Python against mockvault (docs/cae.md,
spec/identity.md §7.4): the client's app is revoked mid-run (POST /_mock/principals/{id}/revoke).

Debian's python3-azure (azure-identity 1.13.0b2, azure-keyvault-secrets 4.7.0b1) predates the Key
Vault SDKs' CAE support (keyvault-secrets 4.9): it declares capability CP1 in every token request
but never forwards a challenge's claims, and its challenge policy reads the claims challenge as a
new Key Vault challenge with scope "/.default". These tests pin what that SDK does, so a change
on either side shows:
  - revoked_fails_with_default_settings: the SDK's token carries cp1, the vault answers the
    claims challenge, the SDK raises ValueError "The challenge contains invalid scope '/.default'."
    after one 401 and no new token request;
  - revoked_without_cp1_goes_on: with AZURE_IDENTITY_DISABLE_CP1 set (the SDK's switch) the token
    declares no capability, the service does not challenge it, and the client goes on working;
  - hard_revocation_without_cp1_fails: a hard revocation (?hard=1, beyond the service) reaches that
    token too: the same failure.
Every test starts its own mock (--proxy-port 0) and runs the client, unmodified production code
(DefaultAzureCredential, https://demo.vault.azure.net through HTTPS_PROXY), in a fresh
/usr/bin/python3 process (test_cae.py --child) that reads a secret, waits for the parent to revoke
the app, and reads it again.

    /usr/bin/python3 mockvault/tests/sdk/python/test_cae.py -v

Environment: MOCKVAULT_BIN (default <repo>/${BUILD_DIR:-build}/mockvault/mockvault),
MOCKVAULT_FIXTURES (default <repo>/fixtures/default.json).
"""

import json
import os
import subprocess
import sys

from mvsdk import ADMIN_ID, MockTest, app, azure_env, client_env, load_fixture, main

TENANT = load_fixture()["tenants"][0]
ADMIN = app(TENANT, ADMIN_ID)
SECRET = "db-password"
TIMEOUT_S = 120


def child():
    """The client: get, tell the parent, wait for it to revoke, get again; one JSON line each."""
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.secrets import SecretClient

    client = SecretClient("https://demo.vault.azure.net", DefaultAzureCredential())
    client.get_secret(SECRET)
    print(json.dumps({"first": "ok"}), flush=True)
    sys.stdin.readline()
    try:
        client.get_secret(SECRET)
        print(json.dumps({"second": "ok"}), flush=True)
    except Exception as e:  # the SDK's own error, named in the result
        print(json.dumps({"second": type(e).__name__, "message": str(e)[:300]}), flush=True)


class CaeTest(MockTest):
    def run_client(self, extra_env, hard=False):
        """Runs the child; revokes the admin app between its two gets. Returns (second result,
        the GetSecret statuses and error codes after the revocation, token requests after it)."""
        mock = self.start_mock("cae", log_format=None)
        env = client_env(mock, **azure_env(TENANT, ADMIN), **extra_env)
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child"], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        try:
            first = p.stdout.readline()
            self.assertEqual(json.loads(first or "{}").get("first"), "ok",
                             f"first get failed: {p.stderr.read() if not first else ''}")
            mock.control("DELETE", "/_mock/requests")
            mock.control("POST", f"/_mock/principals/{ADMIN['clientId']}/revoke"
                                 + ("?hard=1" if hard else ""))
            out, err = p.communicate("go\n", timeout=TIMEOUT_S)
            self.assertEqual(p.returncode, 0, err[-2000:])
            second = json.loads(out.strip().splitlines()[-1])
            journal = mock.control("GET", "/_mock/requests")["value"]
            gets = [(e["status"], e["errorCode"]) for e in journal if e["operation"] == "GetSecret"]
            tokens = [e for e in journal if e["operation"] == "Token"]
            return second, gets, tokens
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()

    def test_revoked_fails_with_default_settings(self):
        second, gets, tokens = self.run_client({})
        self.assertEqual(second.get("second"), "ValueError", second)
        self.assertIn("invalid scope '/.default'", second.get("message", ""))
        self.assertEqual(gets, [(401, "insufficient_claims")])
        self.assertEqual(tokens, [])

    def test_revoked_without_cp1_goes_on(self):
        second, gets, tokens = self.run_client({"AZURE_IDENTITY_DISABLE_CP1": "1"})
        self.assertEqual(second, {"second": "ok"})
        self.assertEqual(gets, [(200, "")])
        self.assertEqual(tokens, [])

    def test_hard_revocation_without_cp1_fails(self):
        second, gets, _ = self.run_client({"AZURE_IDENTITY_DISABLE_CP1": "1"}, hard=True)
        self.assertEqual(second.get("second"), "ValueError", second)
        self.assertEqual(gets, [(401, "insufficient_claims")])


if __name__ == "__main__":
    main(child)
