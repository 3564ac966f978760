// Continuous access evaluation with the Azure SDK for JavaScript against mockvault (docs/cae.md,
// spec/identity.md §7.3-7.4): the client's app is revoked mid-run
// (POST /_mock/principals/{id}/revoke) and the SDK must recover by itself.
//
//   node cae.mjs        (run-sdk.sh MOCKVAULT_BIN js cae.mjs)
//
// Starts its own mock (--proxy-port 0) and runs the client, unmodified production code
// (DefaultAzureCredential, https://demo.vault.azure.net through HTTPS_PROXY), in a fresh Node
// process (cae.mjs --child; NODE_EXTRA_CA_CERTS is read at start only). The client reads a secret,
// waits for the parent to revoke its app, and reads it twice more. The parent then checks the
// mock's journal: exactly one 401 insufficient_claims, one token request, one retry answered 200,
// and no further challenge or token. Then the same with a second revocation of the same client.
// That the SDK sent the challenge's claims shows in its recovery: without them msal-node hands
// back its cached (revoked) token and the retry gets 401 again.
//
// Environment: MOCKVAULT_BIN and MOCKVAULT_FIXTURES (mvsdk.mjs).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { createInterface } from "node:readline";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtures, startMock } from "./mvsdk.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SECRET = "db-password";

// ---- the client (child process) ------------------------------------------------------------

async function child() {
  const { DefaultAzureCredential } = await import("@azure/identity");
  const { SecretClient } = await import("@azure/keyvault-secrets");
  const client = new SecretClient("https://demo.vault.azure.net", new DefaultAzureCredential());
  const lines = createInterface({ input: process.stdin });
  const next = lines[Symbol.asyncIterator]();
  const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");

  await client.getSecret(SECRET);
  say({ step: "warm" });
  for (const step of ["revoked", "again"]) {
    await next.next(); // the parent revoked the app
    try {
      await client.getSecret(SECRET);
      await client.getSecret(SECRET);
      say({ step, ok: true });
    } catch (e) {
      say({ step, ok: false, error: `${e.name} ${e.statusCode ?? ""}: ${String(e.message).slice(0, 300)}` });
    }
  }
  lines.close();
}

// ---- the mock and the checks (parent) ------------------------------------------------------

function control(mock, method, path) {
  return new Promise((resolveP, reject) => {
    const req = request({ host: "127.0.0.1", port: mock.ready.port, path, method, ca: mock.ca }, (res) => {
      let body = "";
      res.on("data", (d) => { body += d; });
      res.on("end", () => resolveP({ status: res.statusCode, json: body ? JSON.parse(body) : null }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function main() {
  const fixture = JSON.parse(readFileSync(fixtures, "utf8"));
  const admin = fixture.tenants[0].applications.find((a) => a.clientId === "aaaaaaaa-0000-0000-0000-000000000001");
  const mock = await startMock("mockvault-js-cae-");
  let client;
  try {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!/^(https?_proxy|all_proxy|no_proxy|AZURE_.*|NODE_EXTRA_CA_CERTS|NODE_OPTIONS|NODE_TLS_REJECT_UNAUTHORIZED|SSL_CERT_(FILE|DIR)|IDENTITY_.*|MSI_.*)$/i.test(k)) {
        env[k] = v;
      }
    }
    Object.assign(env, {
      HTTPS_PROXY: mock.ready.proxy, NODE_EXTRA_CA_CERTS: mock.ready.ca,
      AZURE_TENANT_ID: fixture.tenants[0].id, AZURE_CLIENT_ID: admin.clientId,
      AZURE_CLIENT_SECRET: admin.secrets[0].value,
    });
    client = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child"], { env, cwd: here, stdio: ["pipe", "pipe", "inherit"] });
    const out = createInterface({ input: client.stdout })[Symbol.asyncIterator]();
    const read = async () => {
      const { value, done } = await out.next();
      assert.ok(!done, "the client exited early");
      return JSON.parse(value);
    };
    assert.deepEqual(await read(), { step: "warm" });
    for (const step of ["revoked", "again"]) {
      assert.equal((await control(mock, "DELETE", "/_mock/requests")).status, 204);
      const rv = await control(mock, "POST", `/_mock/principals/${admin.clientId}/revoke`);
      assert.equal(rv.status, 200);
      client.stdin.write("go\n");
      const res = await read();
      assert.deepEqual(res, { step, ok: true }, `the SDK did not recover: ${res.error}`);
      const journal = (await control(mock, "GET", "/_mock/requests")).json.value;
      const gets = journal.filter((e) => e.operation === "GetSecret").map((e) => `${e.status}/${e.errorCode}`);
      const tokens = journal.filter((e) => e.operation === "Token");
      assert.deepEqual(gets, ["401/insufficient_claims", "200/", "200/"], `${step}: GetSecret attempts`);
      assert.equal(tokens.length, 1, `${step}: token requests`);
      assert.equal(tokens[0].status, 200, `${step}: the token request failed`);
      console.log(`  ok   ${step}: 401 claims challenge, one token request, one retry, then 200 (revokedAt ${rv.json.revokedAt})`);
    }
    client.stdin.end();
    await new Promise((r) => client.on("exit", r));
    assert.equal(client.exitCode, 0, "the client process failed");
    console.log("cae.mjs: all checks passed");
  } finally {
    if (client && client.exitCode === null) {
      client.kill();
    }
    mock.proc.kill("SIGTERM");
    await new Promise((r) => (mock.proc.exitCode !== null ? r() : mock.proc.on("exit", r)));
    rmSync(mock.dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  await child();
} else {
  await main();
}
