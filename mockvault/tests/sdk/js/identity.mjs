// Managed identity and certificate credentials of the Azure SDK for JavaScript against mockvault:
// ManagedIdentityCredential through App Service (IDENTITY_ENDPOINT + IDENTITY_HEADER) and IMDS
// (AZURE_POD_IDENTITY_AUTHORITY_HOST), system- and user-assigned, ClientCertificateCredential
// direct and through the proxy, and DefaultAzureCredential with AZURE_CLIENT_CERTIFICATE_PATH.
// Each case then reads graph-app-secret from vault demo with SecretClient.
//
//   node identity.mjs [case...]          (default: every case; run.mjs runs this as mode "identity")
//
// Every case gets its own mock (--imds-port 0 --identity-header <random> --proxy-port 0, text log)
// and its own Node process (`node identity.mjs --child CASE`) with its own environment. The runner
// then checks, per case:
//   - the client's own assertions (secret value; the token's aud, appid and oid);
//   - the mock's log: has the expected request lines (and exactly one managed identity request,
//     so no retry storm), and holds none of: the tokens the client used, the private key, the
//     identity header, the secret value;
//   - GET /_mock/authz/needed lists exactly the expected principal with secretPermissions ["get"]
//     on demo (so the vault saw the token of that identity), or nobody when the credential failed;
//   - the mock exits 0 on SIGTERM (matters under ASan).
//
// Environment: MOCKVAULT_BIN (default <repo>/${BUILD_DIR:-build}/mockvault/mockvault),
// MOCKVAULT_FIXTURES (default <repo>/fixtures/default.json), MOCKVAULT_KEEP=1 (keep every case's
// temporary directory with mock.log, not only a failed one's).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bin, fixtures, repo } from "./mvsdk.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const certPath = join(repo, "fixtures", "certs", "automation-flow.pem");
const READY_TIMEOUT_MS = 10_000;
const CLIENT_TIMEOUT_MS = 120_000;

const fixture = JSON.parse(readFileSync(fixtures, "utf8"));
const tenant = fixture.tenants[0];
const flow = tenant.applications.find((a) => a.clientId === "22222222-2222-2222-2222-222222222222");
const vmIdentity = tenant.managedIdentities.find((m) => m.clientId === "44444444-4444-4444-4444-444444444444");
const appIdentity = tenant.managedIdentities.find((m) => m.clientId === "99999999-9999-9999-9999-999999999999");
if (!flow || !vmIdentity || !appIdentity) {
  throw new Error(`${fixtures}: automation-flow, vm-identity or app-identity is missing`);
}
const demoVault = fixture.vaults.find((v) => v.name === "demo");
const secret = demoVault.secrets.find((s) => s.name === "graph-app-secret");
const secretLatest = secret.versions[secret.versions.length - 1];
const WRONG_HEADER_TEXT = "The X-IDENTITY-HEADER value is not the one this endpoint expects";
const UNKNOWN_CLIENT_ID = "00000000-0000-0000-0000-00000000dead";

// ---- the cases (shared by the runner and the child) -------------------------------------------
//
// env(m): the case's environment on top of a clean one (m: {port, imds, proxy, header}).
// credential(m, sdk): built in the child. vault: "direct" (https://localhost:PORT, challenge
// resource verification off) or "proxy" (https://demo.vault.azure.net through HTTPS_PROXY).
// principal: whose token the vault must see (null: the credential must fail with expectError in
// its message, after one managed identity request answered with expectStatus).
// tokenRequests: how the token is fetched: "mi" (exactly one managed identity request) or "aad".

const proxyEnv = (m) => ({ HTTPS_PROXY: m.proxy });

const CASES = [
  {
    name: "appservice-system",
    what: "ManagedIdentityCredential(), App Service via IDENTITY_ENDPOINT=http://127.0.0.1:<imds>/msi/token",
    env: (m) => ({ IDENTITY_ENDPOINT: `${m.imds}/msi/token`, IDENTITY_HEADER: m.header }),
    credential: (m, sdk) => new sdk.ManagedIdentityCredential(),
    vault: "direct",
    principal: vmIdentity,
    tokenRequests: "mi",
  },
  {
    name: "appservice-user",
    what: "ManagedIdentityCredential({clientId}), App Service, user-assigned app-identity",
    env: (m) => ({ IDENTITY_ENDPOINT: `${m.imds}/msi/token`, IDENTITY_HEADER: m.header }),
    credential: (m, sdk) => new sdk.ManagedIdentityCredential({ clientId: appIdentity.clientId }),
    vault: "direct",
    principal: appIdentity,
    tokenRequests: "mi",
  },
  {
    name: "appservice-https",
    what: "ManagedIdentityCredential(), App Service via IDENTITY_ENDPOINT=https://localhost:PORT/msi/token",
    env: (m) => ({ IDENTITY_ENDPOINT: `https://localhost:${m.port}/msi/token`, IDENTITY_HEADER: m.header }),
    credential: (m, sdk) => new sdk.ManagedIdentityCredential(),
    vault: "direct",
    principal: vmIdentity,
    tokenRequests: "mi",
  },
  {
    name: "appservice-wrong-header",
    what: "ManagedIdentityCredential(), App Service with a wrong IDENTITY_HEADER: the server's message, one request",
    env: (m) => ({ IDENTITY_ENDPOINT: `${m.imds}/msi/token`, IDENTITY_HEADER: `wrong-${m.header}` }),
    credential: (m, sdk) => new sdk.ManagedIdentityCredential(),
    vault: "direct",
    principal: null,
    expectError: WRONG_HEADER_TEXT,
    expectStatus: 401,
    tokenRequests: "mi",
  },
  {
    name: "imds-system",
    what: "ManagedIdentityCredential(), IMDS via AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:<imds>",
    env: (m) => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: m.imds }),
    credential: (m, sdk) => new sdk.ManagedIdentityCredential(),
    vault: "direct",
    principal: vmIdentity,
    tokenRequests: "mi",
  },
  {
    name: "imds-user",
    what: "ManagedIdentityCredential({clientId}), IMDS, user-assigned app-identity",
    env: (m) => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: m.imds }),
    credential: (m, sdk) => new sdk.ManagedIdentityCredential({ clientId: appIdentity.clientId }),
    vault: "direct",
    principal: appIdentity,
    tokenRequests: "mi",
  },
  {
    name: "imds-unknown-user",
    what: "ManagedIdentityCredential({clientId: unknown}), IMDS: the server's 400 \"Identity not found\", one request",
    env: (m) => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: m.imds }),
    credential: (m, sdk) => new sdk.ManagedIdentityCredential({ clientId: UNKNOWN_CLIENT_ID }),
    vault: "direct",
    principal: null,
    expectError: "Identity not found",
    expectStatus: 400,
    tokenRequests: "mi",
  },
  {
    name: "cert-direct",
    what: "ClientCertificateCredential({certificatePath}), authorityHost https://localhost:PORT",
    env: () => ({}),
    credential: (m, sdk) =>
      new sdk.ClientCertificateCredential(
        tenant.id,
        flow.clientId,
        { certificatePath: certPath },
        { authorityHost: `https://localhost:${m.port}`, disableInstanceDiscovery: true },
      ),
    vault: "direct",
    principal: flow,
    tokenRequests: "aad",
  },
  {
    name: "cert-proxy",
    what: "ClientCertificateCredential({certificatePath}), default authority, through HTTPS_PROXY",
    env: proxyEnv,
    credential: (m, sdk) => new sdk.ClientCertificateCredential(tenant.id, flow.clientId, { certificatePath: certPath }),
    vault: "proxy",
    principal: flow,
    tokenRequests: "aad",
  },
  {
    name: "dac-cert-proxy",
    what: "DefaultAzureCredential() with AZURE_CLIENT_CERTIFICATE_PATH, through HTTPS_PROXY",
    env: (m) => ({
      ...proxyEnv(m),
      AZURE_TENANT_ID: tenant.id,
      AZURE_CLIENT_ID: flow.clientId,
      AZURE_CLIENT_CERTIFICATE_PATH: certPath,
    }),
    credential: (m, sdk) => new sdk.DefaultAzureCredential(),
    vault: "proxy",
    principal: flow,
    tokenRequests: "aad",
  },
];

// ---- the child: one client run -----------------------------------------------------------------

function jwtClaims(token) {
  const parts = token.split(".");
  assert.equal(parts.length, 3, "the access token is a JWT");
  return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
}

async function child(name) {
  const c = CASES.find((x) => x.name === name);
  if (!c) {
    throw new Error(`unknown case ${name}`);
  }
  const { writeFileSync } = await import("node:fs");
  const sdk = { ...(await import("@azure/identity")) };
  const { SecretClient } = await import("@azure/keyvault-secrets");
  const m = JSON.parse(process.env.MV_MOCK);
  const out = process.env.MV_OUT;
  const tokens = [];
  const cred = c.credential(m, sdk);
  // Records every token the SecretClient actually gets, for the runner's log check.
  const recording = {
    async getToken(scopes, options) {
      const t = await cred.getToken(scopes, options);
      if (t?.token) {
        tokens.push(t.token);
      }
      return t;
    },
  };
  const vaultUrl = c.vault === "proxy" ? "https://demo.vault.azure.net" : `https://localhost:${m.port}`;
  const client =
    c.vault === "proxy"
      ? new SecretClient(vaultUrl, recording)
      : new SecretClient(vaultUrl, recording, { disableChallengeResourceVerification: true });
  const save = (extra) => writeFileSync(out, JSON.stringify({ tokens, ...extra }));

  const t0 = Date.now();
  if (c.principal === null) {
    let err;
    try {
      await client.getSecret(secret.name);
    } catch (e) {
      err = e;
    }
    const ms = Date.now() - t0;
    save({ ms });
    assert.ok(err, `getSecret succeeded, but should have failed with "${c.expectError}"`);
    assert.ok(
      String(err.message).includes(c.expectError),
      `the error does not carry the server's message "${c.expectError}": ${err.name}: ${err.message}`,
    );
    console.log(`  ok   ${name}: getSecret fails in ${ms} ms with ${err.name}: ${err.message.split("\n")[0]}`);
    return;
  }
  const s = await client.getSecret(secret.name);
  const ms = Date.now() - t0;
  save({ ms });
  assert.equal(s.name, secret.name);
  assert.equal(s.value, secretLatest.value, "wrong secret value");
  assert.equal(s.properties.version, secretLatest.id);
  assert.equal(s.properties.vaultUrl, vaultUrl);
  assert.ok(tokens.length >= 1, "the SecretClient never asked the credential for a token");
  for (const t of new Set(tokens)) {
    const claims = jwtClaims(t);
    assert.equal(claims.aud, "https://vault.azure.net", "token aud");
    assert.equal(claims.oid, c.principal.objectId, "token oid");
    assert.equal(claims.appid ?? claims.azp, c.principal.clientId, "token appid/azp");
    assert.equal(claims.tid, tenant.id, "token tid");
  }
  console.log(`  ok   ${name}: getSecret(${secret.name}) in ${ms} ms as oid ${c.principal.objectId}`);
}

// ---- the runner --------------------------------------------------------------------------------

const liveMocks = new Set();

async function startMock(label, header) {
  const dir = mkdtempSync(join(tmpdir(), `mockvault-js-id-${label}-`));
  const readyFile = join(dir, "ready.json");
  const logFile = join(dir, "mock.log");
  const fd = openSync(logFile, "w");
  const args = [
    "--port", "0", "--proxy-port", "0", "--imds-port", "0",
    "--identity-header", header,
    "--fixtures", fixtures,
    "--state-dir", join(dir, "state"),
    "--ready-file", readyFile,
    "--log-format", "text",
  ];
  const proc = spawn(bin, args, { stdio: ["ignore", fd, fd], cwd: repo });
  closeSync(fd);
  const mock = { proc, dir, logFile, exited: null };
  liveMocks.add(mock);
  proc.on("exit", (code, signal) => {
    mock.exited = { code, signal };
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (existsSync(readyFile)) {
      try {
        const r = JSON.parse(readFileSync(readyFile, "utf8"));
        if (r.port && r.ca && r.proxy && r.imds) {
          mock.ready = r;
          return mock;
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
      throw new Error(`no ready file (with imds) after ${READY_TIMEOUT_MS} ms; log:\n${readFileSync(logFile, "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopMock(mock) {
  if (!mock.exited) {
    mock.proc.kill("SIGTERM");
    const deadline = Date.now() + 5000;
    while (!mock.exited && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!mock.exited) {
      console.error("  mockvault did not stop within 5 s of SIGTERM; killing it");
      mock.proc.kill("SIGKILL");
      while (!mock.exited) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
  liveMocks.delete(mock);
  return mock.exited;
}

process.on("exit", () => {
  for (const m of liveMocks) {
    try {
      m.proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => process.exit(130));
}

function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(https?_proxy|all_proxy|no_proxy|AZURE_.*|NODE_EXTRA_CA_CERTS|NODE_OPTIONS|NODE_TLS_REJECT_UNAUTHORIZED|SSL_CERT_(FILE|DIR)|IDENTITY_.*|IMDS_.*|MSI_.*|MSAL_.*)$/i.test(k)) {
      continue;
    }
    env[k] = v;
  }
  return env;
}

function runChild(name, env) {
  return new Promise((resolvePromise) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", name], {
      env,
      cwd: here,
      stdio: ["ignore", "inherit", "inherit"],
    });
    const timer = setTimeout(() => {
      console.error(`  client timed out after ${CLIENT_TIMEOUT_MS} ms; killing it`);
      proc.kill("SIGKILL");
    }, CLIENT_TIMEOUT_MS);
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolvePromise(code === 0 && !signal);
    });
  });
}

function getJson(mock, path) {
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(
      `https://127.0.0.1:${mock.ready.port}${path}`,
      { ca: readFileSync(mock.ready.ca), timeout: 10_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => {
          if (res.statusCode !== 200) {
            reject(new Error(`GET ${path}: ${res.statusCode} ${body}`));
            return;
          }
          try {
            resolvePromise(JSON.parse(body));
          } catch (e) {
            reject(new Error(`GET ${path}: not JSON: ${body}`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on("error", reject);
    req.end();
  });
}

// The base64 lines of the private key: none of them may reach the log.
function privateKeyLines() {
  const pem = readFileSync(certPath, "utf8");
  const block = pem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END [A-Z ]*PRIVATE KEY-----/);
  assert.ok(block, `${certPath} holds no private key`);
  return block[1].split(/\s+/).filter((l) => l.length >= 16);
}

// Checks one case's results; returns a list of failure messages (empty: all good).
function checkCase(c, mock, header, out, needed, log) {
  const fails = [];
  const lines = log.split("\n");
  const miLines = lines.filter((l) => /\bop=ManagedIdentityToken\b/.test(l));
  const tokenLines = lines.filter((l) => /\bop=Token\b/.test(l));
  const getLines = lines.filter((l) => /\bop=GetSecret\b/.test(l));

  // What must never be in the log.
  const sensitive = [
    ["the identity header", header],
    ["the secret value", secretLatest.value],
    ["a PEM private key", "PRIVATE KEY"],
  ];
  for (const [i, t] of (out?.tokens ?? []).entries()) {
    sensitive.push([`token #${i + 1}`, t]);
    sensitive.push([`token #${i + 1}'s signature`, t.split(".")[2]]);
  }
  for (const l of privateKeyLines()) {
    sensitive.push(["a line of the private key", l]);
  }
  for (const [what, s] of sensitive) {
    if (s && log.includes(s)) {
      fails.push(`the mock's log holds ${what}`);
    }
  }

  // What must be in the log.
  if (c.tokenRequests === "mi") {
    if (miLines.length !== 1) {
      fails.push(`expected exactly 1 managed identity request, the log has ${miLines.length}:\n    ${miLines.join("\n    ")}`);
    }
    if (tokenLines.length) {
      fails.push(`a managed identity case reached the Entra token endpoint:\n    ${tokenLines.join("\n    ")}`);
    }
    const status = c.principal ? "status=200" : `status=${c.expectStatus}`;
    if (miLines.length && !miLines.every((l) => l.includes(status))) {
      fails.push(`managed identity request not ${status}:\n    ${miLines.join("\n    ")}`);
    }
  } else {
    if (miLines.length) {
      fails.push(`a certificate case made managed identity requests:\n    ${miLines.join("\n    ")}`);
    }
    if (!tokenLines.some((l) => l.includes("status=200") && l.includes(`appid=${c.principal.clientId}`))) {
      fails.push(`no successful token request for ${c.principal.clientId}:\n    ${tokenLines.join("\n    ")}`);
    }
  }
  if (c.principal) {
    if (!getLines.some((l) => l.includes("status=200") && l.includes(`oid=${c.principal.objectId}`))) {
      fails.push(`no successful GetSecret by oid ${c.principal.objectId} in the log:\n    ${getLines.join("\n    ")}`);
    }
    if (!out?.tokens?.length) {
      fails.push("the client recorded no token");
    }
  } else if (getLines.some((l) => l.includes("status=200"))) {
    fails.push("a GetSecret succeeded although the credential should have failed");
  }

  // GET /_mock/authz/needed: exactly this principal, get on demo.
  if (!needed) {
    fails.push("GET /_mock/authz/needed failed");
  } else if (c.principal) {
    const ps = needed.principals ?? [];
    const p = ps.find((x) => x.oid?.toLowerCase() === c.principal.objectId);
    if (ps.length !== 1 || !p) {
      fails.push(`/_mock/authz/needed should list only oid ${c.principal.objectId}: ${JSON.stringify(needed)}`);
    } else {
      try {
        assert.equal(p.appid?.toLowerCase(), c.principal.clientId);
        assert.deepEqual(
          p.vaults.map((v) => ({ vault: v.vault, secretPermissions: v.secretPermissions })),
          [{ vault: "demo", secretPermissions: ["get"] }],
        );
      } catch (e) {
        fails.push(`/_mock/authz/needed: ${e.message.split("\n")[0]}: ${JSON.stringify(needed)}`);
      }
    }
  } else if ((needed.principals ?? []).length !== 0) {
    fails.push(`/_mock/authz/needed lists principals although no token was issued: ${JSON.stringify(needed)}`);
  }
  return fails;
}

async function runCase(c) {
  const header = randomBytes(12).toString("hex");
  const mock = await startMock(c.name, header);
  const m = { port: mock.ready.port, imds: mock.ready.imds, proxy: mock.ready.proxy, header };
  const out = join(mock.dir, "client-out.json");
  const env = {
    ...cleanEnv(),
    NODE_EXTRA_CA_CERTS: mock.ready.ca,
    MV_MOCK: JSON.stringify(m),
    MV_OUT: out,
    ...c.env(m),
  };
  let ok = false;
  let fails = [];
  try {
    console.log(`--- JS SDK identity: ${c.name}: ${c.what}`);
    const t0 = Date.now();
    const clientOk = await runChild(c.name, env);
    if (!clientOk) {
      fails.push("the client failed (output above)");
    }
    let needed = null;
    try {
      needed = await getJson(mock, "/_mock/authz/needed");
    } catch (e) {
      fails.push(String(e.message || e));
    }
    const exit = await stopMock(mock);
    if (exit.code !== 0) {
      fails.push(`mockvault exited with ${JSON.stringify(exit)} after SIGTERM`);
    }
    let outJson = null;
    try {
      outJson = JSON.parse(readFileSync(out, "utf8"));
    } catch {
      fails.push("the client wrote no result file");
    }
    fails.push(...checkCase(c, mock, header, outJson, needed, readFileSync(mock.logFile, "utf8")));
    ok = fails.length === 0;
    if (ok) {
      console.log(`  ok   log clean, one ${c.tokenRequests === "mi" ? "managed identity" : "token"} path as expected, authz/needed right (${Date.now() - t0} ms)`);
    }
  } finally {
    await stopMock(mock);
    if (ok && !process.env.MOCKVAULT_KEEP) {
      rmSync(mock.dir, { recursive: true, force: true });
    } else if (ok) {
      console.log(`  kept ${mock.dir} (MOCKVAULT_KEEP)`);
    } else {
      for (const f of fails) {
        console.error(`  FAIL ${c.name}: ${f}`);
      }
      console.error(`  kept ${mock.dir} for inspection (mock.log, client-out.json)`);
    }
  }
  return ok;
}

async function main() {
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: build first (scripts/build)`);
  }
  const wanted = process.argv.slice(2);
  for (const w of wanted) {
    if (!CASES.some((c) => c.name === w)) {
      throw new Error(`unknown case ${w}; known: ${CASES.map((c) => c.name).join(" ")}`);
    }
  }
  const selected = wanted.length ? CASES.filter((c) => wanted.includes(c.name)) : CASES;
  const results = [];
  const t0 = Date.now();
  for (const c of selected) {
    let ok = false;
    try {
      ok = await runCase(c);
    } catch (err) {
      console.error(`  FAIL ${c.name}: harness: ${err.stack || err}`);
    }
    results.push([c, ok]);
  }
  console.log(`--- JS SDK identity summary (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  for (const [c, ok] of results) {
    console.log(`  ${ok ? "PASS" : "FAIL"} identity ${c.name}: ${c.what}`);
  }
  process.exit(results.every(([, ok]) => ok) ? 0 : 1);
}

if (process.argv[2] === "--child") {
  child(process.argv[3]).catch((err) => {
    console.error(`  FAIL ${process.argv[3]} (client)`);
    console.error(err && err.stack ? err.stack : err);
    if (err?.name === "RestError") {
      console.error(
        `  RestError statusCode=${err.statusCode} code=${err.code}` +
          ` request=${err.request?.method} ${err.request?.url} response=${err.response?.bodyAsText}`,
      );
    }
    if (err?.cause) {
      console.error(`  cause: ${err.cause.stack || err.cause}`);
    }
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err.stack || err);
    process.exit(1);
  });
}
