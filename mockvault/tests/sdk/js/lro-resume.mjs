// The official SDK tests "lro.delete / lro.recover: can resume from a stopped poller"
// (azure-sdk-for-js, sdk/keyvault/keyvault-secrets/test/public/lro.{delete,recover}.spec.ts, and the
// same pair in keyvault-keys) against mockvault, in both consistency modes (docs/consistency.md).
//
//   node lro-resume.mjs [MOCK_OPTION...]
//   (run-sdk.sh MOCKVAULT_BIN js lro-resume.mjs --consistency azure --seed 15 --consistency-delay 1000-2000)
//
// The npm packages ship no tests, so their steps are rewritten here: begin the delete (or, after a
// completed delete, the recover), start pollUntilDone, stop the poller, serialise it with
// toString(), begin again with { resumeFrom } and pollUntilDone. Against Key Vault a delete or a
// recover lags (GET /deletedsecrets/N answers 404 for seconds, spec/keyvault-secrets.md), so the
// stopped poller is not complete and the resumed one does the waiting. The mock is started with the
// options given (meson: --consistency azure) and must behave so: the stopped poller not complete,
// its pollUntilDone rejected with PollerStoppedError, the resumed poller finishing with the deleted
// (recovered) object after at least one 404 in the journal. Then PUT /_mock/consistency
// {"mode":"instant"} and the same steps must show the mock's default kindness: the poller is already
// complete when stopped (the official assertion `!isCompleted` fails there). Either half failing
// fails the test, so it fails when the options given do not make the mock lag.
//
// Secrets: @azure/keyvault-secrets; keys: @azure/keyvault-keys. Certificates are not covered: the
// package is not a dependency here. Values never appear in the output.
//
// Environment: MOCKVAULT_BIN and MOCKVAULT_FIXTURES (mvsdk.mjs).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtures, startMock } from "./mvsdk.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const VAULT = "https://demo.vault.azure.net";
// The official tests poll every 5 s live; a shorter interval keeps this test short while the lag
// (--consistency-delay) still spans several polls.
const POLL = { intervalInMs: 400 };
const ADMIN = "aaaaaaaa-0000-0000-0000-000000000001";

// ---- the SDK steps (child process) ----------------------------------------------------------

// The two steps of the official test once `poller` has begun: start pollUntilDone, stop, note the
// state, serialise, resume with `begin`, and poll the resumed poller until done.
async function stopAndResume(poller, begin, name, pollBeforeStop) {
  const o = { beginStarted: poller.getOperationState().isStarted };
  const firstOutcome = poller.pollUntilDone().then(
    () => "resolved",
    (e) => `${e.name}: ${e.message}`,
  );
  if (pollBeforeStop) {
    await poller.poll(); // lro.recover.spec.ts: "Making sure it has some data"
  }
  poller.stopPolling();
  o.isStopped = poller.isStopped();
  o.completedWhenStopped = Boolean(poller.getOperationState().isCompleted);
  const resumed = await begin(name, { resumeFrom: poller.toString(), ...POLL });
  o.resumedStarted = resumed.getOperationState().isStarted;
  const t0 = Date.now();
  const result = await resumed.pollUntilDone();
  o.resumeMs = Date.now() - t0;
  o.resultName = result.name;
  o.resumedCompleted = Boolean(resumed.getOperationState().isCompleted);
  o.firstPoller = await firstOutcome;
  return { o, result };
}

async function child(phase) {
  const { DefaultAzureCredential } = await import("@azure/identity");
  const { SecretClient } = await import("@azure/keyvault-secrets");
  const { KeyClient } = await import("@azure/keyvault-keys");
  const cred = new DefaultAzureCredential();
  const secrets = new SecretClient(VAULT, cred);
  const keys = new KeyClient(VAULT, cred);
  const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");

  const families = {
    secret: {
      create: (n) => secrets.setSecret(n, "value"),
      beginDelete: (n, opt) => secrets.beginDeleteSecret(n, opt),
      beginRecover: (n, opt) => secrets.beginRecoverDeletedSecret(n, opt),
      deletedOf: (r) => r.properties.recoveryId,
      read: async (n) => (await secrets.getSecret(n)).name,
    },
    key: {
      create: (n) => keys.createEcKey(n, { curve: "P-256" }),
      beginDelete: (n, opt) => keys.beginDeleteKey(n, opt),
      beginRecover: (n, opt) => keys.beginRecoverDeletedKey(n, opt),
      deletedOf: (r) => r.properties.recoveryId,
      read: async (n) => (await keys.getKey(n)).name,
    },
  };
  for (const [type, f] of Object.entries(families)) {
    // lro.delete.spec.ts "can resume from a stopped poller".
    let name = `lro-resume-delete-${type}-${phase}`;
    await f.create(name);
    let poller = await f.beginDelete(name, POLL);
    const del = await stopAndResume(poller, f.beginDelete, name, false);
    del.o.deletedRecoveryId = Boolean(f.deletedOf(del.result));
    say({ type, test: "delete", name, ...del.o });

    // lro.recover.spec.ts "can resume from a stopped poller".
    name = `lro-resume-recover-${type}-${phase}`;
    await f.create(name);
    await (await f.beginDelete(name, POLL)).pollUntilDone();
    poller = await f.beginRecover(name, POLL);
    const rec = await stopAndResume(poller, f.beginRecover, name, true);
    rec.o.readAfterRecover = (await f.read(name)) === name;
    say({ type, test: "recover", name, ...rec.o });
  }
}

// ---- the mock and the checks (parent) ------------------------------------------------------

function control(mock, method, path, body) {
  return new Promise((resolveP, reject) => {
    const headers = body ? { "Content-Type": "application/json" } : {};
    const req = request({ host: "127.0.0.1", port: mock.ready.port, path, method, ca: mock.ca, headers }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolveP({ status: res.statusCode, json: text ? JSON.parse(text) : null }));
    });
    req.on("error", reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

// Runs the SDK steps in a fresh Node process (NODE_EXTRA_CA_CERTS is read at start only) and
// returns its observations, one per test.
async function runChild(mock, env, phase) {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", phase],
    { env, cwd: here, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (d) => { out += d; });
  const code = await new Promise((r) => proc.on("exit", r));
  assert.equal(code, 0, `${phase}: the SDK steps failed (exit ${code})`);
  return out.trim().split("\n").map((l) => JSON.parse(l));
}

// The statuses the mock answered the SDK's polls of `name`: GetDeletedSecret/GetDeletedKey after a
// delete, GetSecret/GetKey after a recover.
function polls(journal, r) {
  const op = r.test === "delete" ? (r.type === "secret" ? "GetDeletedSecret" : "GetDeletedKey")
    : (r.type === "secret" ? "GetSecret" : "GetKey");
  const seg = r.test === "delete" ? `/deleted${r.type}s/${r.name}` : `/${r.type}s/${r.name}`;
  return journal.filter((e) => e.operation === op && e.path.startsWith(seg)).map((e) => e.status);
}

function checkAzure(r, journal) {
  const what = `azure ${r.type} ${r.test}`;
  assert.ok(r.beginStarted && r.isStopped, `${what}: the poller did not start and stop`);
  assert.equal(r.completedWhenStopped, false, `${what}: the poller was already complete when stopped (no lag)`);
  assert.equal(r.firstPoller, "PollerStoppedError: This poller is already stopped", `${what}: the stopped poller`);
  assert.ok(r.resumedStarted && r.resumedCompleted, `${what}: the resumed poller did not complete`);
  assert.equal(r.resultName, r.name, `${what}: the resumed poller's result`);
  if (r.test === "delete") {
    assert.ok(r.deletedRecoveryId, `${what}: the result is not a deleted ${r.type}`);
  } else {
    assert.ok(r.readAfterRecover, `${what}: the recovered ${r.type} cannot be read`);
  }
  const st = polls(journal, r);
  // Each begin polls once, so at least two 404s precede the 200 that completes the resumed poller
  // (after a recover, the poller's GET before its POST is one more 404, and the read after it one
  // more 200).
  const tail = r.test === "recover" ? 2 : 1;
  const lag = st.slice(0, -tail);
  assert.ok(lag.length >= 2 && lag.every((s) => s === 404) && st.slice(-tail).every((s) => s === 200),
    `${what}: the mock answered the polls ${st.join(",")}, not 404s then 200`);
  console.log(`  ok   ${what}: stopped before completion, resumed poller done after ${r.resumeMs} ms (polls ${st.join(",")})`);
}

function checkInstant(r, journal) {
  const what = `instant ${r.type} ${r.test}`;
  assert.equal(r.completedWhenStopped, true,
    `${what}: the poller was not complete when stopped; instant mode should answer at once`);
  assert.equal(r.firstPoller, "resolved", `${what}: the first poller's pollUntilDone`);
  assert.ok(r.resumedCompleted && r.resultName === r.name, `${what}: the resumed poller`);
  const st = polls(journal, r);
  assert.ok(st.at(-1) === 200 && st.filter((s) => s === 404).length <= (r.test === "recover" ? 1 : 0),
    `${what}: the polls the mock answered were ${st.join(",")}`);
  console.log(`  ok   ${what}: already complete when stopped (the official test's !isCompleted fails here; polls ${st.join(",")})`);
}

async function main(mockArgs) {
  const fixture = JSON.parse(readFileSync(fixtures, "utf8"));
  const admin = fixture.tenants[0].applications.find((a) => a.clientId === ADMIN);
  const mock = await startMock("mockvault-js-lro-", mockArgs);
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
    const cfg = (await control(mock, "GET", "/_mock/consistency")).json;
    console.log(`mock options: ${mockArgs.join(" ") || "(none)"}; consistency ${cfg.mode} ${cfg.delayMs.min}-${cfg.delayMs.max} ms`);

    const t0 = Date.now();
    const lagging = await runChild(mock, env, "azure");
    let journal = (await control(mock, "GET", "/_mock/requests")).json.value;
    assert.equal(lagging.length, 4, "the SDK steps reported too few tests");
    for (const r of lagging) {
      checkAzure(r, journal);
    }
    console.log(`  (the lagging half took ${Date.now() - t0} ms)`);

    assert.equal((await control(mock, "PUT", "/_mock/consistency", { mode: "instant" })).status, 200);
    assert.equal((await control(mock, "DELETE", "/_mock/requests")).status, 204);
    const instant = await runChild(mock, env, "instant");
    journal = (await control(mock, "GET", "/_mock/requests")).json.value;
    assert.equal(instant.length, 4, "the SDK steps reported too few tests");
    for (const r of instant) {
      checkInstant(r, journal);
    }
    console.log("lro-resume.mjs: all checks passed");
  } finally {
    mock.proc.kill("SIGTERM");
    await new Promise((r) => (mock.proc.exitCode !== null ? r() : mock.proc.on("exit", r)));
    rmSync(mock.dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  await child(process.argv[3]);
} else {
  await main(process.argv.slice(2));
}
