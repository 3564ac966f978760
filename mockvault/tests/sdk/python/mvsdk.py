"""The scaffolding the Python SDK suites share (test_sdk.py, test_identity.py, test_keys.py,
test_certs.py, test_cae.py): where the mock, its fixtures and the client's python are, a mock
started on port 0 with its ready file, the clean environment a client starts from, and, for the
client side, the step log, the expected-error check and the failure report.

Not a test itself (no test_ prefix). Each suite is run as a script (run-sdk.sh runs
/usr/bin/python3 python/test_X.py, and each suite runs itself again with --child for the client),
so the suite's own folder is first on sys.path and `import mvsdk` finds this file in both.

Environment: MOCKVAULT_BIN (default <repo>/${BUILD_DIR:-build}/mockvault/mockvault),
MOCKVAULT_FIXTURES (default <repo>/fixtures/default.json), MOCKVAULT_PYTHON (default
/usr/bin/python3), MOCKVAULT_KEEP=1 (keep every test's temporary directory, not only a failed one's).
"""

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
BIN = os.environ.get("MOCKVAULT_BIN") or os.path.join(
    REPO, os.environ.get("BUILD_DIR") or "build", "mockvault", "mockvault")
FIXTURES = os.environ.get("MOCKVAULT_FIXTURES") or os.path.join(REPO, "fixtures", "default.json")
# Debian's python3-azure is installed for /usr/bin/python3 only; the pyenv python on PATH lacks it.
PYTHON = os.environ.get("MOCKVAULT_PYTHON") or "/usr/bin/python3"
READY_TIMEOUT_S = 10
HEX32 = re.compile(r"^[0-9a-f]{32}$")
# The fixtures' mockvault-admin application (fixtures/default.json).
ADMIN_ID = "aaaaaaaa-0000-0000-0000-000000000001"


def load_fixture(path=FIXTURES):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def app(tenant, client_id):
    """The tenant's application with this client id."""
    return next(a for a in tenant["applications"] if a["clientId"] == client_id)


# ---- the client side -------------------------------------------------------------------------

class Steps:
    """Names the check under way (`with step("..."):`) and prints each that passes, with its time,
    so a failure report can say which one failed."""

    def __init__(self):
        self.current = "start"
        self.count = 0

    def __call__(self, name):
        self.current = name
        return self

    def __enter__(self):
        self.t0 = time.monotonic()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.count += 1
            print(f"  ok   {self.current} ({(time.monotonic() - self.t0) * 1000:.0f} ms)", flush=True)
        return False


def expect_http_error(fn, status, code=None, inner=None):
    """Runs fn, which must raise the SDK's HttpResponseError with this status (and error code and
    innererror code when given); returns the error."""
    from azure.core.exceptions import HttpResponseError
    try:
        fn()
    except HttpResponseError as e:
        assert e.status_code == status, f"status {e.status_code}, wanted {status}: {e.message}"
        if code is not None:
            got = e.error.code if e.error else None
            assert got == code, f"error code {got!r}, wanted {code!r}: {e.message}"
        if inner is not None:
            body = json.loads(e.response.text())
            got = body["error"].get("innererror", {}).get("code")
            assert got == inner, f"innererror {got!r}, wanted {inner!r}"
        return e
    raise AssertionError(f"expected HTTP {status}, but the call succeeded")


def report_failure(what, e):
    """Prints a client's failure: what failed, the traceback, and the response it holds. Error
    bodies carry no secret value or key material; success bodies may, so they are never printed."""
    print(f"  FAIL {what}", file=sys.stderr, flush=True)
    traceback.print_exc()
    resp = getattr(e, "response", None)
    if resp is not None:
        req = resp.request
        body = resp.text() if resp.status_code >= 400 else "(not shown)"
        print(f"  response: {resp.status_code} to {req.method} {req.url}: {body}", file=sys.stderr)


# ---- the test side ---------------------------------------------------------------------------

class Mock:
    """A mockvault on port 0 (and its HTTPS proxy on port 0) in a temporary directory of its own:
    state dir, ready file and log. Ready once the ready file names every field in `want`."""

    def __init__(self, label, fixtures=FIXTURES, log_format="text", args=(),
                 want=("port", "ca", "proxy")):
        self.dir = tempfile.mkdtemp(prefix=f"mockvault-py-{label}-")
        self.log_path = os.path.join(self.dir, "mock.log")
        ready_path = os.path.join(self.dir, "ready.json")
        argv = [BIN, "--port", "0", "--proxy-port", "0", *args, "--fixtures", fixtures,
                "--state-dir", os.path.join(self.dir, "state"), "--ready-file", ready_path]
        if log_format:
            argv += ["--log-format", log_format]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=REPO)
        deadline = time.monotonic() + READY_TIMEOUT_S
        self.ready = None
        while self.ready is None:
            try:
                with open(ready_path, encoding="utf-8") as f:
                    r = json.load(f)
                if all(r.get(k) for k in want):
                    self.ready = r
                    break
            except (OSError, ValueError):
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"mockvault exited early ({self.proc.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"no ready file with {', '.join(want)} after {READY_TIMEOUT_S} s:"
                                   f"\n{self.log()}")
            time.sleep(0.02)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def control(self, method, path):
        """A control API call (/_mock/...) on 127.0.0.1, never through a proxy whatever the
        caller's environment says; returns the JSON body, or None when there is none."""
        ctx = ssl.create_default_context(cafile=self.ready["ca"])
        req = urllib.request.Request(f"https://127.0.0.1:{self.ready['port']}{path}", method=method)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             urllib.request.HTTPSHandler(context=ctx))
        with opener.open(req, timeout=10) as r:
            body = r.read()
            return json.loads(body) if body else None

    def stop(self):
        """Stops the mock; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                print("mockvault did not stop within 5 s of SIGTERM; killing it", file=sys.stderr)
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def clean_env():
    """The caller's environment without proxy settings, CA overrides, Azure credentials or managed
    identity variables, so that a client sees only what its test sets."""
    drop = re.compile(r"^(https?_proxy|all_proxy|no_proxy|AZURE_.*|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|"
                      r"SSL_CERT_(FILE|DIR)|IDENTITY_.*|IMDS_.*|MSI_.*|MSAL_.*|PYTHON.*)$", re.I)
    return {k: v for k, v in os.environ.items() if not drop.match(k)}


def client_env(mock, proxy=True, **extra):
    """clean_env() with the mock's CA trusted (REQUESTS_CA_BUNDLE), its proxy as HTTPS_PROXY unless
    proxy is False, and the extra variables."""
    env = clean_env()
    env["REQUESTS_CA_BUNDLE"] = mock.ready["ca"]
    if proxy:
        env["HTTPS_PROXY"] = mock.ready["proxy"]
    env.update(extra)
    return env


def azure_env(tenant, application):
    """The variables DefaultAzureCredential's EnvironmentCredential reads for a client secret."""
    return {"AZURE_TENANT_ID": tenant["id"], "AZURE_CLIENT_ID": application["clientId"],
            "AZURE_CLIENT_SECRET": application["secrets"][0]["value"]}


class MockTest(unittest.TestCase):
    """A test case whose mocks stop when it ends; a mock's directory is kept (and named) when the
    test failed, the mock did not exit 0, or MOCKVAULT_KEEP is set."""
    maxDiff = None

    def start_mock(self, label, **kwargs):
        mock = Mock(label, **kwargs)
        self.addCleanup(self._finish_mock, mock)
        return mock

    def _finish_mock(self, mock):
        code = mock.stop()
        if code == 0 and not self._failed() and not os.environ.get("MOCKVAULT_KEEP"):
            mock.cleanup()
        else:
            print(f"\n  mockvault exit status {code}; kept {mock.dir}", file=sys.stderr)

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return False
        return any(t is self for t, _ in result.failures + result.errors)

    def run_child(self, script, args, env, what, timeout, prefix=()):
        """Runs `PYTHON script --child ARGS...` (after the argv prefix, if any) with env, echoes its
        output and fails the test unless it exits 0."""
        try:
            proc = subprocess.run([*prefix, PYTHON, os.path.abspath(script), "--child", *args],
                                  env=env, cwd=HERE, timeout=timeout, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except subprocess.TimeoutExpired as e:
            sys.stdout.write((e.stdout or b"").decode(errors="replace"))
            self.fail(f"{what}: the client timed out after {timeout} s")
        sys.stdout.write(proc.stdout.decode(errors="replace"))
        sys.stdout.flush()
        self.assertEqual(proc.returncode, 0, f"{what}: the client failed (output above)")


def main(child):
    """A suite's entry point: `--child ARGS...` runs child(*ARGS) and exits with its status (the
    client side); otherwise the unittest tests run (the test side)."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(child(*sys.argv[2:]))
    if not os.path.exists(BIN):
        sys.exit(f"{BIN} not found: build first (scripts/build)")
    unittest.main()
