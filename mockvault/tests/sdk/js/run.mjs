// Runs the official Azure SDK for JavaScript (@azure/identity + @azure/keyvault-secrets) against
// mockvault. Starts its own mock per mode (port 0, temporary state dir, ready file), runs
// client.mjs in a fresh Node process per mode (NODE_EXTRA_CA_CERTS is read at process start only),
// stops the mock, and checks that no secret value ever reached the mock's log.
//
//   node run.mjs [mode...]      modes: proxy direct directip pervault identity keys (default: all)
//
// Mode keys runs keys.mjs (@azure/keyvault-keys) against a mock loaded with ../keys-fixture.json.
//
// Environment: MOCKVAULT_BIN and MOCKVAULT_FIXTURES (mvsdk.mjs).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bin, fixtures, repo } from "./mvsdk.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const READY_TIMEOUT_MS = 10_000;
const CLIENT_TIMEOUT_MS = 180_000;

const fixture = JSON.parse(readFileSync(fixtures, "utf8"));
const tenant = fixture.tenants[0];
const appByClientId = (id) => tenant.applications.find((a) => a.clientId === id);
const admin = appByClientId("aaaaaaaa-0000-0000-0000-000000000001");
const flow = appByClientId("22222222-2222-2222-2222-222222222222");
if (!admin || !flow) {
  throw new Error(`${fixtures}: the admin and automation-flow applications are missing`);
}
const demoVault = fixture.vaults.find((v) => v.name === "demo");
const flowSecret = demoVault.secrets.find((s) => s.name === "graph-app-secret");
const flowSecretValue = flowSecret.versions[flowSecret.versions.length - 1].value;

const suffix = randomBytes(4).toString("hex");
const liveMocks = new Set();

// ---- the mock -------------------------------------------------------------------------------

async function startMock(label, logFormat, fixtureFile = fixtures) {
  const dir = mkdtempSync(join(tmpdir(), `mockvault-js-${label}-`));
  const readyFile = join(dir, "ready.json");
  const logFile = join(dir, "mock.log");
  const fd = openSync(logFile, "w");
  const args = [
    "--port", "0", "--proxy-port", "0",
    "--fixtures", fixtureFile,
    "--state-dir", join(dir, "state"),
    "--ready-file", readyFile,
    "--log-format", logFormat,
  ];
  const child = spawn(bin, args, { stdio: ["ignore", fd, fd], cwd: repo });
  closeSync(fd);
  const mock = { child, dir, logFile, exited: null };
  liveMocks.add(mock);
  child.on("exit", (code, signal) => {
    mock.exited = { code, signal };
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (true) {
    if (existsSync(readyFile)) {
      try {
        mock.ready = JSON.parse(readFileSync(readyFile, "utf8"));
        if (mock.ready.port && mock.ready.ca && mock.ready.proxy) {
          break;
        }
      } catch {
        // still being written
      }
    }
    if (mock.exited) {
      throw new Error(`mockvault exited early (${JSON.stringify(mock.exited)}); log:\n${readFileSync(logFile, "utf8")}`);
    }
    if (Date.now() > deadline) {
      await stopMock(mock);
      throw new Error(`no ready file after ${READY_TIMEOUT_MS} ms; log:\n${readFileSync(logFile, "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return mock;
}

async function stopMock(mock) {
  if (!mock.exited) {
    mock.child.kill("SIGTERM");
    const deadline = Date.now() + 5000;
    while (!mock.exited && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!mock.exited) {
      console.error("  mockvault did not stop within 5 s of SIGTERM; killing it");
      mock.child.kill("SIGKILL");
      while (!mock.exited) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
  liveMocks.delete(mock);
  return mock.exited;
}

function killAllMocks() {
  for (const m of liveMocks) {
    try {
      m.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}
process.on("exit", killAllMocks);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    killAllMocks();
    process.exit(130);
  });
}

// ---- the clients -----------------------------------------------------------------------------

// A clean environment: no proxy settings or Azure credentials leak in from the caller.
function baseEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(https?_proxy|all_proxy|no_proxy|AZURE_.*|NODE_EXTRA_CA_CERTS|NODE_OPTIONS|NODE_TLS_REJECT_UNAUTHORIZED|SSL_CERT_(FILE|DIR)|IDENTITY_.*|MSI_.*)$/i.test(k)) {
      continue;
    }
    env[k] = v;
  }
  return env;
}

function runClient(mode, mock, extraEnv, wrap, script = "client.mjs") {
  const env = {
    ...baseEnv(),
    NODE_EXTRA_CA_CERTS: mock.ready.ca,
    MV_MODE: mode,
    MV_PORT: String(mock.ready.port),
    MV_SUFFIX: suffix,
    ...extraEnv,
  };
  let cmd = process.execPath;
  let args = [join(here, script)];
  if (wrap) {
    [cmd, args] = wrap(cmd, args);
  }
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { env, cwd: here, stdio: ["ignore", "inherit", "inherit"] });
    const timer = setTimeout(() => {
      console.error(`  client timed out after ${CLIENT_TIMEOUT_MS} ms; killing it`);
      child.kill("SIGKILL");
    }, CLIENT_TIMEOUT_MS);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolvePromise(code === 0 && !signal);
    });
  });
}

const proxyEnv = (mock) => ({ HTTPS_PROXY: mock.ready.proxy });
const directEnv = {
  MV_TENANT_ID: tenant.id,
  MV_CLIENT_ID: admin.clientId,
  MV_CLIENT_SECRET: admin.secrets[0].value,
};

// How to resolve demo.localhost for the per-vault mode. Returns {wrap} or {skip: reason}.
function perVaultResolution(port) {
  if (spawnSync("getent", ["hosts", "demo.localhost"]).status === 0) {
    return { wrap: null };
  }
  // A private /etc/hosts, visible only inside a new mount namespace: the real one is untouched.
  const unshare = spawnSync("unshare", ["-m", "true"]);
  if (unshare.status !== 0) {
    return { skip: "demo.localhost does not resolve and `unshare -m` is unavailable (needs root); not editing /etc/hosts" };
  }
  const dir = mkdtempSync(join(tmpdir(), "mockvault-js-hosts-"));
  const hosts = join(dir, "hosts");
  writeFileSync(hosts, readFileSync("/etc/hosts", "utf8") + "\n127.0.0.1 demo.localhost\n");
  const probe = spawnSync("unshare", ["-m", "sh", "-c", `mount --bind "$1" /etc/hosts && getent hosts demo.localhost`, "sh", hosts]);
  if (probe.status !== 0) {
    return { skip: `demo.localhost does not resolve and a private hosts file did not work: ${probe.stderr}` };
  }
  console.log(`  demo.localhost does not resolve here; using a private /etc/hosts in a mount namespace (${hosts})`);
  return {
    wrap: (cmd, args) => ["unshare", ["-m", "sh", "-c", `mount --bind "$1" /etc/hosts && shift && exec "$@"`, "sh", hosts, cmd, ...args]],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Every string that must never show up in a log: the values the clients set and read, and the
// client secrets.
function sensitiveStrings(modes) {
  const out = [admin.secrets[0].value, flow.secrets[0].value, flowSecretValue];
  for (const m of modes) {
    out.push(`sv-${suffix}-${m}-one`, `sv-${suffix}-${m}-two`);
    for (let i = 1; i <= 5; i++) {
      out.push(`sv-${suffix}-${m}-list${i}`);
    }
  }
  return out;
}

function checkLog(mock, modes, expectRequests) {
  const log = readFileSync(mock.logFile, "utf8");
  const leaked = sensitiveStrings(modes).filter((s) => log.includes(s));
  if (leaked.length) {
    console.error(`  FAIL secret values in the mock's log (${mock.logFile}): ${leaked.join(", ")}`);
    return false;
  }
  if (expectRequests && !/SetSecret/.test(log)) {
    console.error(`  FAIL the mock's log (${mock.logFile}) has no request lines, so the leak check means nothing`);
    return false;
  }
  console.log(`  ok   no secret value or client secret in the mock's log (${log.split("\n").length - 1} lines)`);
  return true;
}

// ---- the modes -------------------------------------------------------------------------------

const modes = {
  // (a) Unmodified code through the HTTPS proxy, plus the get-only automation-flow identity.
  // The mock logs in text format here, and the log is checked for secret values.
  async proxy(results) {
    const mock = await startMock("proxy", "text");
    try {
      const env = {
        ...proxyEnv(mock),
        AZURE_TENANT_ID: tenant.id,
        AZURE_CLIENT_ID: admin.clientId,
        AZURE_CLIENT_SECRET: admin.secrets[0].value,
      };
      results.push(["proxy: every operation, DefaultAzureCredential, https://demo.vault.azure.net", await runClient("proxy", mock, env)]);
      const flowEnv = {
        ...proxyEnv(mock),
        AZURE_TENANT_ID: tenant.id,
        AZURE_CLIENT_ID: flow.clientId,
        AZURE_CLIENT_SECRET: flow.secrets[0].value,
        MV_FLOW_SECRET_NAME: flowSecret.name,
        MV_FLOW_SECRET_VALUE: flowSecretValue,
      };
      results.push(["proxy: automation-flow identity gets a secret", await runClient("flow", mock, flowEnv)]);
    } finally {
      await finish(mock, results, ["proxy", "flow"], true);
    }
  },

  // (b) Direct to https://localhost:PORT.
  async direct(results) {
    const mock = await startMock("direct", "off");
    try {
      results.push(["direct: every operation, https://localhost:PORT, verification off", await runClient("direct", mock, directEnv)]);
    } finally {
      await finish(mock, results, ["direct"], false);
    }
  },

  // (b2) Direct to https://127.0.0.1:PORT, the URL the ready file names.
  async directip(results) {
    const mock = await startMock("directip", "off");
    try {
      results.push(["directip: every operation, https://127.0.0.1:PORT, verification off", await runClient("directip", mock, directEnv)]);
    } finally {
      await finish(mock, results, ["directip"], false);
    }
  },

  // (c) Per-vault host https://demo.localhost:PORT with challenge resource verification on.
  async pervault(results) {
    const mock = await startMock("pervault", "off");
    let res;
    try {
      res = perVaultResolution(mock.ready.port);
      if (res.skip) {
        console.log(`  SKIP pervault: ${res.skip}`);
        results.push(["pervault: skipped", null]);
        return;
      }
      results.push(["pervault: every operation, https://demo.localhost:PORT, verification on", await runClient("pervault", mock, directEnv, res.wrap)]);
    } finally {
      res?.cleanup?.();
      await finish(mock, results, ["pervault"], false);
    }
  },

  // (e) The keys family (keys.mjs): KeyClient and CryptographyClient, unmodified, through the
  // proxy; other identities of keys-fixture.json for the remote-only and RBAC paths. The mock logs
  // in text format and the log is checked for the plaintext marker and the client secrets.
  async keys(results) {
    const keysFixture = join(here, "..", "keys-fixture.json");
    const kf = JSON.parse(readFileSync(keysFixture, "utf8"));
    const apps = kf.tenants[0].applications;
    const app = (name) => apps.find((a) => a.displayName === name);
    const mock = await startMock("keys", "text", keysFixture);
    const secrets = apps.map((a) => a.secrets[0].value);
    let ok = false;
    try {
      const env = {
        ...proxyEnv(mock),
        AZURE_TENANT_ID: kf.tenants[0].id,
        AZURE_CLIENT_ID: app("mockvault-admin").clientId,
        AZURE_CLIENT_SECRET: app("mockvault-admin").secrets[0].value,
        MV_TENANT_ID: kf.tenants[0].id,
        MV_IDS: JSON.stringify({
          cryptoNoGet: [app("crypto-no-get").clientId, app("crypto-no-get").secrets[0].value],
          encryptionUser: [app("encryption-user").clientId, app("encryption-user").secrets[0].value],
          releaseUser: [app("release-user").clientId, app("release-user").secrets[0].value],
        }),
      };
      ok = await runClient("keys", mock, env, null, "keys.mjs");
      results.push(["keys: KeyClient + CryptographyClient, every operation, https://keys.vault.azure.net", ok]);
    } finally {
      const exit = await stopMock(mock);
      if (exit.code !== 0) {
        results.push(["mockvault stops cleanly on SIGTERM", false]);
      }
      const log = readFileSync(mock.logFile, "utf8");
      const marker = `kp-${suffix}-plaintext`;
      const leaked = [...secrets, marker, Buffer.from(marker).toString("base64url")].filter((s) => log.includes(s));
      const logOk = leaked.length === 0 && /CreateKey|\/keys\//.test(log);
      if (!logOk) {
        console.error(`  FAIL the mock's log (${mock.logFile}) ${leaked.length ? "holds a plaintext or client secret" : "has no key request lines"}`);
      } else {
        console.log(`  ok   no plaintext or client secret in the mock's log (${log.split("\n").length - 1} lines)`);
      }
      results.push(["keys: mock log has no plaintext or client secret", logOk]);
      if (results.every(([, r]) => r !== false)) {
        rmSync(mock.dir, { recursive: true, force: true });
      } else {
        console.error(`  kept ${mock.dir} for inspection`);
      }
    }
  },

  // (d) Managed identity (App Service, IMDS) and certificate credentials: identity.mjs starts a
  // mock per case itself (--imds-port, --identity-header) and runs each case in its own process.
  async identity(results) {
    const ok = await new Promise((resolvePromise) => {
      const child = spawn(process.execPath, [join(here, "identity.mjs")], { cwd: here, stdio: ["ignore", "inherit", "inherit"] });
      child.on("exit", (code, signal) => resolvePromise(code === 0 && !signal));
    });
    results.push(["identity: ManagedIdentityCredential and certificate credentials (identity.mjs)", ok]);
  },
};

async function finish(mock, results, usedModes, expectRequests) {
  const exit = await stopMock(mock);
  if (exit.code !== 0) {
    console.error(`  mockvault exited with ${JSON.stringify(exit)} after SIGTERM; log: ${mock.logFile}`);
    results.push(["mockvault stops cleanly on SIGTERM", false]);
  }
  results.push(["mock log has no secret values", checkLog(mock, usedModes, expectRequests)]);
  if (results.every(([, ok]) => ok !== false)) {
    rmSync(mock.dir, { recursive: true, force: true });
  } else {
    console.error(`  kept ${mock.dir} for inspection`);
  }
}

async function main() {
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: build first (scripts/build)`);
  }
  const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(modes);
  const results = [];
  const t0 = Date.now();
  for (const name of wanted) {
    if (!modes[name]) {
      throw new Error(`unknown mode ${name}; known: ${Object.keys(modes).join(" ")}`);
    }
    console.log(`--- JS SDK, mode ${name}`);
    // Each mode gets its own list, so a mode keeps its temporary directory only when it failed.
    const modeResults = [];
    try {
      await modes[name](modeResults);
    } catch (err) {
      console.error(`  FAIL mode ${name}: ${err.stack || err}`);
      modeResults.push([`${name}: harness`, false]);
    }
    results.push(...modeResults);
  }
  console.log(`--- JS SDK summary (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  for (const [what, ok] of results) {
    console.log(`  ${ok === null ? "SKIP" : ok ? "PASS" : "FAIL"} ${what}`);
  }
  process.exit(results.every(([, ok]) => ok !== false) ? 0 : 1);
}

main().catch((err) => {
  console.error(err.stack || err);
  process.exit(1);
});
