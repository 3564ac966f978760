// One client run against mockvault, in a process of its own (NODE_EXTRA_CA_CERTS is only read at
// start). run.mjs starts the mock and this script; this script only talks to the mock.
//
// MV_MODE selects how the client is built:
//   proxy    unmodified production code: HTTPS_PROXY + AZURE_* env, DefaultAzureCredential,
//            https://demo.vault.azure.net, no options at all
//   flow     same as proxy, with the get-only automation-flow identity in AZURE_CLIENT_ID: get only
//   direct   https://localhost:PORT, ClientSecretCredential with authorityHost and
//            disableInstanceDiscovery, challenge resource verification off
//   directip the same with https://127.0.0.1:PORT (the URL in the mock's ready file)
//   pervault https://demo.localhost:PORT with challenge resource verification ON
// Other inputs: MV_PORT, MV_SUFFIX (makes names and values unique), MV_TENANT_ID, MV_CLIENT_ID,
// MV_CLIENT_SECRET (direct modes), MV_FLOW_SECRET_NAME / MV_FLOW_SECRET_VALUE (flow mode).
import assert from "node:assert/strict";
import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { expectRestError } from "./mvsdk.mjs";

const mode = process.env.MV_MODE;
const port = process.env.MV_PORT;
const suffix = process.env.MV_SUFFIX;

function makeClient() {
  switch (mode) {
    case "proxy":
    case "flow":
      // Exactly what production code looks like.
      return {
        vaultUrl: "https://demo.vault.azure.net",
        client: new SecretClient("https://demo.vault.azure.net", new DefaultAzureCredential()),
      };
    case "direct":
    case "directip": {
      // directip: the URL the ready file names (an IP address; the certificate has an IP SAN).
      const host = mode === "direct" ? "localhost" : "127.0.0.1";
      const vaultUrl = `https://${host}:${port}`;
      const cred = new ClientSecretCredential(
        process.env.MV_TENANT_ID,
        process.env.MV_CLIENT_ID,
        process.env.MV_CLIENT_SECRET,
        { authorityHost: vaultUrl, disableInstanceDiscovery: true },
      );
      return {
        vaultUrl,
        client: new SecretClient(vaultUrl, cred, { disableChallengeResourceVerification: true }),
      };
    }
    case "pervault": {
      const vaultUrl = `https://demo.localhost:${port}`;
      const cred = new ClientSecretCredential(
        process.env.MV_TENANT_ID,
        process.env.MV_CLIENT_ID,
        process.env.MV_CLIENT_SECRET,
        { authorityHost: `https://localhost:${port}`, disableInstanceDiscovery: true },
      );
      return { vaultUrl, client: new SecretClient(vaultUrl, cred) };
    }
    default:
      throw new Error(`unknown MV_MODE ${mode}`);
  }
}

let step = "start";
const steps = [];

async function check(name, fn) {
  step = name;
  const t0 = Date.now();
  await fn();
  const ms = Date.now() - t0;
  steps.push(name);
  console.log(`  ok   ${name} (${ms} ms)`);
}

const HEX32 = /^[0-9a-f]{32}$/;

async function collect(iter) {
  const out = [];
  for await (const x of iter) {
    out.push(x);
  }
  return out;
}

async function flowOnly(client) {
  const name = process.env.MV_FLOW_SECRET_NAME;
  const value = process.env.MV_FLOW_SECRET_VALUE;
  await check(`automation-flow identity: getSecret(${name})`, async () => {
    const s = await client.getSecret(name);
    assert.equal(s.name, name);
    assert.equal(s.value, value);
    assert.match(s.properties.version, HEX32);
  });
  // The flow's identity has only "get". Authorization is not enforced by the mock yet, so a
  // denied setSecret is not checked here.
}

async function allOperations(client, vaultUrl) {
  const n1 = `js-${mode}-${suffix}-main`;
  const v1 = `sv-${suffix}-${mode}-one`;
  const v2 = `sv-${suffix}-${mode}-two`;
  const listNames = [1, 2, 3, 4, 5].map((i) => `js-${mode}-${suffix}-list${i}`);
  const missing = `js-${mode}-${suffix}-missing`;
  const notBefore = new Date(1577836800 * 1000);
  const expiresOn = new Date(1893456000 * 1000);
  let ver1, ver2, backup;

  await check("setSecret", async () => {
    const s = await client.setSecret(n1, v1);
    assert.equal(s.name, n1);
    assert.equal(s.value, v1);
    assert.match(s.properties.version, HEX32);
    assert.equal(s.properties.id, `${vaultUrl}/secrets/${n1}/${s.properties.version}`);
    assert.equal(s.properties.vaultUrl, vaultUrl);
    assert.equal(s.properties.enabled, true);
    assert.ok(s.properties.createdOn instanceof Date, "createdOn is a Date");
    assert.ok(s.properties.updatedOn instanceof Date, "updatedOn is a Date");
    ver1 = s.properties.version;
  });

  await check("setSecret with options (tags, contentType, enabled, notBefore, expiresOn)", async () => {
    const s = await client.setSecret(n1, v2, {
      tags: { env: "probe" },
      contentType: "text/plain",
      enabled: true,
      notBefore,
      expiresOn,
    });
    assert.equal(s.value, v2);
    assert.match(s.properties.version, HEX32);
    assert.notEqual(s.properties.version, ver1);
    assert.deepEqual(s.properties.tags, { env: "probe" });
    assert.equal(s.properties.contentType, "text/plain");
    assert.equal(s.properties.enabled, true);
    assert.equal(s.properties.notBefore?.getTime(), notBefore.getTime());
    assert.equal(s.properties.expiresOn?.getTime(), expiresOn.getTime());
    ver2 = s.properties.version;
  });

  await check("getSecret (latest)", async () => {
    const s = await client.getSecret(n1);
    assert.equal(s.value, v2);
    assert.equal(s.properties.version, ver2);
    assert.equal(s.properties.contentType, "text/plain");
    assert.deepEqual(s.properties.tags, { env: "probe" });
  });

  await check("getSecret({version})", async () => {
    const s = await client.getSecret(n1, { version: ver1 });
    assert.equal(s.value, v1);
    assert.equal(s.properties.version, ver1);
  });

  await check("listPropertiesOfSecrets().byPage({maxPageSize: 2}) over several pages", async () => {
    for (const [i, n] of listNames.entries()) {
      await client.setSecret(n, `sv-${suffix}-${mode}-list${i + 1}`);
    }
    const seen = new Set();
    let pages = 0;
    for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 2 })) {
      pages++;
      assert.ok(page.length <= 2, `page ${pages} has ${page.length} items (maxPageSize 2)`);
      for (const p of page) {
        assert.equal(p.value, undefined, "list items carry no value");
        assert.equal(p.id, `${vaultUrl}/secrets/${p.name}`, "list item id has no version");
        seen.add(p.name);
      }
      assert.ok(pages < 1000, "paging does not end");
    }
    assert.ok(pages >= 3, `expected at least 3 pages, got ${pages}`);
    for (const n of [n1, ...listNames]) {
      assert.ok(seen.has(n), `${n} missing from the listing (saw ${[...seen].join(", ")})`);
    }
    // The plain iterator sees the same names.
    const all = (await collect(client.listPropertiesOfSecrets())).map((p) => p.name);
    assert.equal(all.length, seen.size);
  });

  await check("listPropertiesOfSecretVersions", async () => {
    const versions = await collect(client.listPropertiesOfSecretVersions(n1));
    const got = versions.map((p) => p.version).sort();
    assert.deepEqual(got, [ver1, ver2].sort());
    for (const p of versions) {
      assert.equal(p.name, n1);
      assert.equal(p.value, undefined);
      assert.equal(p.id, `${vaultUrl}/secrets/${n1}/${p.version}`);
    }
    let pages = 0;
    for await (const page of client.listPropertiesOfSecretVersions(n1).byPage({ maxPageSize: 1 })) {
      pages++;
      assert.ok(page.length <= 1);
    }
    assert.ok(pages >= 2, `expected 2 pages of versions, got ${pages}`);
  });

  await check("updateSecretProperties(enabled: false) then getSecret -> 403 Forbidden", async () => {
    const p = await client.updateSecretProperties(n1, ver2, {
      enabled: false,
      tags: { env: "disabled" },
    });
    assert.equal(p.enabled, false);
    assert.deepEqual(p.tags, { env: "disabled" });
    assert.equal(p.version, ver2);
    const err = await expectRestError(() => client.getSecret(n1), 403, "Forbidden");
    assert.match(err.message, /disabled/);
  });

  await check("updateSecretProperties(latest, enabled: true, contentType)", async () => {
    // An empty version means the latest: PATCH /secrets/{n}/
    const p = await client.updateSecretProperties(n1, "", {
      enabled: true,
      contentType: "application/x-test",
    });
    assert.equal(p.enabled, true);
    assert.equal(p.version, ver2);
    assert.equal(p.contentType, "application/x-test");
    const s = await client.getSecret(n1);
    assert.equal(s.value, v2);
    assert.deepEqual(s.properties.tags, { env: "disabled" });
  });

  await check("backupSecret", async () => {
    backup = await client.backupSecret(n1);
    assert.ok(backup instanceof Uint8Array, "backup is a Uint8Array");
    assert.ok(backup.length > 0, "backup is not empty");
  });

  await check("beginDeleteSecret + pollUntilDone", async () => {
    const poller = await client.beginDeleteSecret(n1);
    const d = await poller.pollUntilDone();
    assert.equal(d.name, n1);
    assert.ok(d.recoveryId, "recoveryId");
    assert.ok(d.deletedOn instanceof Date, "deletedOn");
    assert.ok(d.scheduledPurgeDate instanceof Date, "scheduledPurgeDate");
    await expectRestError(() => client.getSecret(n1), 404, "SecretNotFound");
  });

  await check("setSecret on a soft-deleted name -> 409", async () => {
    const err = await expectRestError(() => client.setSecret(n1, v1), 409);
    console.log(`       (code ${err.code}: ${err.message})`);
  });

  await check("getDeletedSecret", async () => {
    const d = await client.getDeletedSecret(n1);
    assert.equal(d.name, n1);
    assert.equal(d.properties.version, ver2);
    assert.equal(d.recoveryId, `${vaultUrl}/deletedsecrets/${n1}`);
    assert.ok(d.scheduledPurgeDate instanceof Date);
    assert.ok(d.scheduledPurgeDate > d.deletedOn, "scheduledPurgeDate after deletedOn");
  });

  await check("listDeletedSecrets", async () => {
    const names = (await collect(client.listDeletedSecrets())).map((d) => d.name);
    assert.ok(names.includes(n1), `${n1} not in ${names.join(", ")}`);
    let pages = 0;
    for await (const page of client.listDeletedSecrets().byPage({ maxPageSize: 1 })) {
      pages++;
      assert.ok(page.length <= 1);
      assert.ok(pages < 1000);
    }
    assert.ok(pages >= 1);
  });

  await check("beginRecoverDeletedSecret + pollUntilDone", async () => {
    const poller = await client.beginRecoverDeletedSecret(n1);
    const p = await poller.pollUntilDone();
    assert.equal(p.name, n1);
    const s = await client.getSecret(n1);
    assert.equal(s.value, v2);
    assert.equal(s.properties.version, ver2);
    await expectRestError(() => client.getDeletedSecret(n1), 404);
  });

  await check("delete again + purgeDeletedSecret", async () => {
    const poller = await client.beginDeleteSecret(n1);
    await poller.pollUntilDone();
    await client.purgeDeletedSecret(n1);
    await expectRestError(() => client.getDeletedSecret(n1), 404);
    await expectRestError(() => client.getSecret(n1), 404, "SecretNotFound");
  });

  await check("restoreSecretBackup", async () => {
    const p = await client.restoreSecretBackup(backup);
    assert.equal(p.name, n1);
    const s = await client.getSecret(n1);
    assert.equal(s.value, v2);
    const old = await client.getSecret(n1, { version: ver1 });
    assert.equal(old.value, v1);
    const versions = await collect(client.listPropertiesOfSecretVersions(n1));
    assert.equal(versions.length, 2);
  });

  await check("restoreSecretBackup over an existing secret -> 409", async () => {
    await expectRestError(() => client.restoreSecretBackup(backup), 409);
  });

  await check("getSecret of a missing secret -> 404 SecretNotFound", async () => {
    const err = await expectRestError(() => client.getSecret(missing), 404, "SecretNotFound");
    assert.match(err.message, new RegExp(missing));
  });
}

async function main() {
  const { vaultUrl, client } = makeClient();
  console.log(`  mode ${mode}: vault ${vaultUrl}`);
  if (mode === "flow") {
    await flowOnly(client);
  } else {
    await allOperations(client, vaultUrl);
  }
  console.log(`  mode ${mode}: ${steps.length} checks passed`);
}

main().catch((err) => {
  console.error(`  FAIL ${step}`);
  console.error(err && err.stack ? err.stack : err);
  if (err && err.name === "RestError") {
    console.error(
      `  RestError statusCode=${err.statusCode} code=${err.code}` +
        ` request=${err.request?.method} ${err.request?.url}` +
        ` response=${err.response?.bodyAsText}`,
    );
  }
  process.exit(1);
});
