#!/usr/bin/python3
"""Runs the official Azure SDK for Python against mockvault.

Uses Debian's python3-azure (azure-identity 1.13.0b2, azure-keyvault-secrets 4.7.0b1) from
/usr/bin/python3; the pyenv python on PATH lacks them. Each test starts its own mock (port 0,
temporary state dir, ready file) and runs the client in a fresh /usr/bin/python3 process, with
the proxy and CA variables set before anything is imported.

    /usr/bin/python3 mockvault/tests/sdk/python/test_sdk.py -v

Modes (one test each):
  proxy     HTTPS_PROXY + REQUESTS_CA_BUNDLE, default authority, https://demo.vault.azure.net,
            ClientSecretCredential(T, C, S) and SecretClient(url, cred) without options; then the
            get-only automation-flow identity gets a secret. The mock logs in text format, and the
            log is checked for secret values.
  direct    https://localhost:PORT, authority=https://localhost:PORT, instance_discovery=False,
            verify_challenge_resource=False.
  directip  the same with https://127.0.0.1:PORT, the URL in the mock's ready file.
  pervault  https://demo.localhost:PORT with challenge verification on, when demo.localhost
            resolves (or a private /etc/hosts in a mount namespace works); skipped otherwise.

Environment: MOCKVAULT_BIN (default <repo>/${BUILD_DIR:-build}/mockvault/mockvault),
MOCKVAULT_FIXTURES (default <repo>/fixtures/default.json), MOCKVAULT_PYTHON (default
/usr/bin/python3).
"""

import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

from mvsdk import (ADMIN_ID, HEX32, MockTest, Steps, app, client_env, expect_http_error, load_fixture,
                   main, report_failure)

CLIENT_TIMEOUT_S = 180


# ---- the client side (runs in a child process: test_sdk.py --child MODE) -------------------

def make_client(mode, env):
    from azure.identity import ClientSecretCredential
    from azure.keyvault.secrets import SecretClient

    tenant, client_id, secret = env["MV_TENANT_ID"], env["MV_CLIENT_ID"], env["MV_CLIENT_SECRET"]
    port = env["MV_PORT"]
    if mode in ("proxy", "flow"):
        url = "https://demo.vault.azure.net"
        return url, SecretClient(url, ClientSecretCredential(tenant, client_id, secret))
    # directip uses the URL the mock's ready file names (an IP; the certificate has an IP SAN).
    authority = f"https://{'127.0.0.1' if mode == 'directip' else 'localhost'}:{port}"
    # instance_discovery=False is this beta's name (1.13.0b3 and later: disable_instance_discovery).
    cred = ClientSecretCredential(tenant, client_id, secret, authority=authority,
                                  instance_discovery=False)
    if mode in ("direct", "directip"):
        url = authority
        return url, SecretClient(url, cred, verify_challenge_resource=False)
    if mode == "pervault":
        url = f"https://demo.localhost:{port}"
        return url, SecretClient(url, cred)
    raise ValueError(f"unknown mode {mode}")


def flow_only(client, env, step):
    name, value = env["MV_FLOW_SECRET_NAME"], env["MV_FLOW_SECRET_VALUE"]
    with step(f"automation-flow identity: get_secret({name})"):
        s = client.get_secret(name)
        assert s.name == name, s.name
        assert s.value == value, "wrong value"
        assert HEX32.match(s.properties.version or ""), s.properties.version
    # The flow's identity has only "get"; authorization is not enforced by the mock yet, so a
    # denied set_secret is not checked here.


def all_operations(client, url, mode, suffix, step):
    from datetime import datetime, timezone

    n1 = f"py-{mode}-{suffix}-main"
    v1 = f"sv-{suffix}-{mode}-one"
    v2 = f"sv-{suffix}-{mode}-two"
    list_names = [f"py-{mode}-{suffix}-list{i}" for i in range(1, 6)]
    missing = f"py-{mode}-{suffix}-missing"
    not_before = datetime.fromtimestamp(1577836800, timezone.utc)
    expires_on = datetime.fromtimestamp(1893456000, timezone.utc)

    with step("set_secret"):
        s = client.set_secret(n1, v1)
        assert s.name == n1 and s.value == v1
        ver1 = s.properties.version
        assert HEX32.match(ver1 or ""), ver1
        assert s.id == f"{url}/secrets/{n1}/{ver1}", s.id
        assert s.properties.vault_url == url, s.properties.vault_url
        assert s.properties.enabled is True
        assert isinstance(s.properties.created_on, datetime)
        assert isinstance(s.properties.updated_on, datetime)

    with step("set_secret with tags, content_type, enabled, not_before, expires_on"):
        s = client.set_secret(n1, v2, tags={"env": "probe"}, content_type="text/plain",
                              enabled=True, not_before=not_before, expires_on=expires_on)
        ver2 = s.properties.version
        assert s.value == v2
        assert HEX32.match(ver2 or "") and ver2 != ver1, ver2
        assert s.properties.tags == {"env": "probe"}, s.properties.tags
        assert s.properties.content_type == "text/plain"
        assert s.properties.not_before == not_before, s.properties.not_before
        assert s.properties.expires_on == expires_on, s.properties.expires_on

    with step("get_secret (latest)"):
        s = client.get_secret(n1)
        assert s.value == v2 and s.properties.version == ver2
        assert s.properties.tags == {"env": "probe"}
        assert s.properties.content_type == "text/plain"

    with step("get_secret(version)"):
        s = client.get_secret(n1, ver1)
        assert s.value == v1 and s.properties.version == ver1

    with step("list_properties_of_secrets(max_page_size=2).by_page() over several pages"):
        for i, n in enumerate(list_names, 1):
            client.set_secret(n, f"sv-{suffix}-{mode}-list{i}")
        seen, pages = set(), 0
        for page in client.list_properties_of_secrets(max_page_size=2).by_page():
            items = list(page)
            pages += 1
            assert len(items) <= 2, f"page {pages} has {len(items)} items"
            for p in items:
                assert p.id == f"{url}/secrets/{p.name}", p.id
                seen.add(p.name)
            assert pages < 1000, "paging does not end"
        assert pages >= 3, f"only {pages} pages"
        for n in [n1] + list_names:
            assert n in seen, f"{n} missing from {sorted(seen)}"
        assert len(list(client.list_properties_of_secrets())) == len(seen)

    with step("list_properties_of_secret_versions"):
        versions = list(client.list_properties_of_secret_versions(n1))
        assert sorted(p.version for p in versions) == sorted([ver1, ver2]), versions
        for p in versions:
            assert p.name == n1 and p.id == f"{url}/secrets/{n1}/{p.version}", p.id
        pages = list(client.list_properties_of_secret_versions(n1, max_page_size=1).by_page())
        assert len(pages) >= 2, f"{len(pages)} pages of versions"

    with step("update_secret_properties(enabled=False) then get_secret -> 403 Forbidden"):
        p = client.update_secret_properties(n1, ver2, enabled=False, tags={"env": "disabled"})
        assert p.enabled is False and p.version == ver2
        assert p.tags == {"env": "disabled"}, p.tags
        e = expect_http_error(lambda: client.get_secret(n1), 403, "Forbidden")
        assert "disabled" in str(e), str(e)

    with step("update_secret_properties(latest, enabled=True, content_type)"):
        p = client.update_secret_properties(n1, enabled=True, content_type="application/x-test")
        assert p.enabled is True and p.version == ver2
        assert p.content_type == "application/x-test"
        s = client.get_secret(n1)
        assert s.value == v2 and s.properties.tags == {"env": "disabled"}

    with step("backup_secret"):
        backup = client.backup_secret(n1)
        assert isinstance(backup, bytes) and len(backup) > 0

    with step("begin_delete_secret().wait()"):
        poller = client.begin_delete_secret(n1)
        poller.wait(timeout=60)
        assert poller.done(), "delete did not finish within 60 s"
        d = poller.result()
        assert d.name == n1
        assert d.recovery_id == f"{url}/deletedsecrets/{n1}", d.recovery_id
        assert isinstance(d.deleted_date, datetime)
        assert isinstance(d.scheduled_purge_date, datetime)
        expect_http_error(lambda: client.get_secret(n1), 404, "SecretNotFound")

    with step("set_secret on a soft-deleted name -> 409"):
        e = expect_http_error(lambda: client.set_secret(n1, v1), 409)
        print(f"       ({e.error.code if e.error else None}: {e.message.splitlines()[0]})")

    with step("get_deleted_secret"):
        d = client.get_deleted_secret(n1)
        assert d.name == n1 and d.properties.version == ver2
        assert d.recovery_id == f"{url}/deletedsecrets/{n1}"
        assert d.scheduled_purge_date > d.deleted_date

    with step("list_deleted_secrets"):
        names = [d.name for d in client.list_deleted_secrets()]
        assert n1 in names, names
        pages = list(client.list_deleted_secrets(max_page_size=1).by_page())
        assert len(pages) >= 1

    with step("begin_recover_deleted_secret().wait()"):
        poller = client.begin_recover_deleted_secret(n1)
        poller.wait(timeout=60)
        assert poller.done(), "recover did not finish within 60 s"
        assert poller.result().name == n1
        s = client.get_secret(n1)
        assert s.value == v2 and s.properties.version == ver2
        expect_http_error(lambda: client.get_deleted_secret(n1), 404)

    with step("delete again + purge_deleted_secret"):
        poller = client.begin_delete_secret(n1)
        poller.wait(timeout=60)
        assert poller.done()
        client.purge_deleted_secret(n1)
        expect_http_error(lambda: client.get_deleted_secret(n1), 404)
        expect_http_error(lambda: client.get_secret(n1), 404, "SecretNotFound")

    with step("restore_secret_backup"):
        p = client.restore_secret_backup(backup)
        assert p.name == n1
        assert client.get_secret(n1).value == v2
        assert client.get_secret(n1, ver1).value == v1
        assert len(list(client.list_properties_of_secret_versions(n1))) == 2

    with step("restore_secret_backup over an existing secret -> 409"):
        expect_http_error(lambda: client.restore_secret_backup(backup), 409)

    with step("get_secret of a missing secret -> 404 SecretNotFound"):
        from azure.core.exceptions import ResourceNotFoundError
        e = expect_http_error(lambda: client.get_secret(missing), 404, "SecretNotFound")
        assert isinstance(e, ResourceNotFoundError), type(e)
        assert missing in str(e), str(e)


def child_main(mode):
    env = os.environ
    step = Steps()
    try:
        url, client = make_client(mode, env)
        print(f"  mode {mode}: vault {url}", flush=True)
        if mode == "flow":
            flow_only(client, env, step)
        else:
            all_operations(client, url, mode, env["MV_SUFFIX"], step)
    except BaseException as e:  # noqa: B902 - report everything, then fail
        report_failure(step.current, e)
        return 1
    print(f"  mode {mode}: {step.count} checks passed", flush=True)
    return 0


# ---- the test side: mock lifecycle and one test per mode -----------------------------------

FIXTURE = load_fixture()
TENANT = FIXTURE["tenants"][0]
ADMIN = app(TENANT, ADMIN_ID)
FLOW = app(TENANT, "22222222-2222-2222-2222-222222222222")
FLOW_SECRET = next(s for s in next(v for v in FIXTURE["vaults"] if v["name"] == "demo")["secrets"]
                   if s["name"] == "graph-app-secret")
FLOW_SECRET_VALUE = FLOW_SECRET["versions"][-1]["value"]
SUFFIX = uuid.uuid4().hex[:8]


def per_vault_wrapper():
    """How to make demo.localhost resolve: ([], None) when it does, (argv prefix, tmpdir) for a
    private /etc/hosts in a mount namespace, or raises unittest.SkipTest."""
    if subprocess.run(["getent", "hosts", "demo.localhost"], capture_output=True).returncode == 0:
        return [], None
    if shutil.which("unshare") is None or \
            subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        raise unittest.SkipTest("demo.localhost does not resolve and `unshare -m` is unavailable "
                                "(needs root); not editing /etc/hosts")
    tmp = tempfile.mkdtemp(prefix="mockvault-py-hosts-")
    hosts = os.path.join(tmp, "hosts")
    with open("/etc/hosts", encoding="utf-8") as f:
        content = f.read()
    with open(hosts, "w", encoding="utf-8") as f:
        f.write(content + "\n127.0.0.1 demo.localhost\n")
    prefix = ["unshare", "-m", "sh", "-c", 'mount --bind "$1" /etc/hosts && shift && exec "$@"',
              "sh", hosts]
    probe = subprocess.run(prefix + ["getent", "hosts", "demo.localhost"], capture_output=True)
    if probe.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise unittest.SkipTest("demo.localhost does not resolve and a private hosts file did not "
                                f"work: {probe.stderr.decode(errors='replace')}")
    print(f"\n  demo.localhost does not resolve here; using a private /etc/hosts in a mount "
          f"namespace ({hosts})", flush=True)
    return prefix, tmp


class SdkTest(MockTest):
    def run_client(self, mode, mock, extra_env, prefix=()):
        env = client_env(mock, proxy=False, **{
            "MV_PORT": str(mock.ready["port"]),
            "MV_SUFFIX": SUFFIX,
            "MV_TENANT_ID": TENANT["id"],
            "MV_CLIENT_ID": ADMIN["clientId"],
            "MV_CLIENT_SECRET": ADMIN["secrets"][0]["value"],
        })
        env.update(extra_env)
        print(f"\n--- Python SDK, mode {mode}", flush=True)
        self.run_child(__file__, [mode], env, f"mode {mode}", CLIENT_TIMEOUT_S, prefix)

    def assert_log_clean(self, mock, modes, expect_requests):
        mock.stop()
        log = mock.log()
        sensitive = [ADMIN["secrets"][0]["value"], FLOW["secrets"][0]["value"], FLOW_SECRET_VALUE]
        for m in modes:
            sensitive += [f"sv-{SUFFIX}-{m}-one", f"sv-{SUFFIX}-{m}-two"]
            sensitive += [f"sv-{SUFFIX}-{m}-list{i}" for i in range(1, 6)]
        leaked = [s for s in sensitive if s in log]
        self.assertEqual(leaked, [], f"secret values in the mock's log {mock.log_path}")
        if expect_requests:
            self.assertIn("SetSecret", log, "the mock's log has no request lines, so the leak "
                          "check means nothing")
        print(f"  ok   no secret value or client secret in the mock's log "
              f"({log.count(chr(10))} lines)", flush=True)

    def test_a_proxy(self):
        """Default authority and https://demo.vault.azure.net through HTTPS_PROXY."""
        mock = self.start_mock("proxy", log_format="text")
        proxy = {"HTTPS_PROXY": mock.ready["proxy"]}
        self.run_client("proxy", mock, proxy)
        self.run_client("flow", mock, dict(proxy, **{
            "MV_CLIENT_ID": FLOW["clientId"],
            "MV_CLIENT_SECRET": FLOW["secrets"][0]["value"],
            "MV_FLOW_SECRET_NAME": FLOW_SECRET["name"],
            "MV_FLOW_SECRET_VALUE": FLOW_SECRET_VALUE,
        }))
        self.assert_log_clean(mock, ["proxy", "flow"], True)

    def test_b_direct(self):
        """https://localhost:PORT with instance discovery and challenge verification off."""
        mock = self.start_mock("direct", log_format="off")
        self.run_client("direct", mock, {})
        self.assert_log_clean(mock, ["direct"], False)

    def test_b_directip(self):
        """https://127.0.0.1:PORT (the ready file's URL), verification off."""
        mock = self.start_mock("directip", log_format="off")
        self.run_client("directip", mock, {})
        self.assert_log_clean(mock, ["directip"], False)

    def test_c_pervault(self):
        """https://demo.localhost:PORT with challenge verification on."""
        prefix, tmp = per_vault_wrapper()
        if tmp:
            self.addCleanup(shutil.rmtree, tmp, True)
        mock = self.start_mock("pervault", log_format="off")
        self.run_client("pervault", mock, {}, prefix)
        self.assert_log_clean(mock, ["pervault"], False)


if __name__ == "__main__":
    main(child_main)
