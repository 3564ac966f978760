// The certificates family through the official @azure/keyvault-certificates (CertificateClient,
// pollers included) and @azure/keyvault-secrets (the certificate's PFX and PEM), against a mock
// this script starts itself (spec/keyvault-certificates.md, issue 11).
//
//   node certs.mjs        (run-sdk.sh MOCKVAULT_BIN js certs.mjs)
//
// The client is unmodified production code (DefaultAzureCredential from AZURE_*, the real vault URL
// https://demo.vault.azure.net through HTTPS_PROXY, the mock's CA through NODE_EXTRA_CA_CERTS) in a
// fresh Node process (certs.mjs --child; NODE_EXTRA_CA_CERTS is read at start only). It runs every
// operation of the spec, then loads the certificates' secrets and actually serves TLS with them
// (node:https with the PFX and with the PEM key and certificate) to a client that trusts the
// self-signed certificate itself or the CA the test made to sign a merged CSR, and checks that the
// peer certificate is the one the vault named (x5t, cer).
//
// Nothing printed holds a private key, a PFX, a password or a token; the child writes the strings
// that must never reach the mock's log (PFX passwords, the start of every private key it saw) to a
// file the parent then looks for in the log.
//
// Environment: MOCKVAULT_BIN and MOCKVAULT_FIXTURES (mvsdk.mjs).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import crypto from "node:crypto";
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bin, expectRestError, fixtures, repo } from "./mvsdk.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const VAULT = "https://demo.vault.azure.net";
const HEX32 = /^[0-9a-f]{32}$/;
const CLIENT_TIMEOUT_MS = 240_000;

// ---- the client (child process) ------------------------------------------------------------

let step = "start";
let count = 0;

async function check(name, fn) {
  step = name;
  const t0 = Date.now();
  await fn();
  count++;
  console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
}

async function collect(iter) {
  const out = [];
  for await (const x of iter) {
    out.push(x);
  }
  return out;
}

// Drops the undefined members the SDK's models carry, for deepEqual.
const plain = (x) => JSON.parse(JSON.stringify(x));
const sha1 = (buf) => crypto.createHash("sha1").update(buf).digest();
const secs = (d) => Math.floor(d.getTime() / 1000);
const pemOf = (der) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

// A bundle of a completed version: versioned id, kid and sid in lockstep, x5t = SHA-1(cer).
function checkBundle(c, name) {
  const p = c.properties;
  assert.equal(p.name, name, "name");
  assert.match(p.version, HEX32, "version");
  assert.ok(c.cer && c.cer.length > 200, "cer holds a DER certificate");
  assert.ok(sha1(c.cer).equals(Buffer.from(p.x509Thumbprint)), "x509Thumbprint = SHA-1(cer)");
  assert.equal(c.keyId, `${VAULT}/keys/${name}/${p.version}`, "keyId names the same version");
  assert.equal(c.secretId, `${VAULT}/secrets/${name}/${p.version}`, "secretId names the same version");
  const x = new crypto.X509Certificate(c.cer);
  assert.equal(secs(p.notBefore), secs(new Date(x.validFrom)), "notBefore = the certificate's notBefore");
  assert.equal(secs(p.expiresOn), secs(new Date(x.validTo)), "expiresOn = the certificate's notAfter");
  return x;
}

// Runs openssl with the arguments (files in dir); its output is never shown (keys, PFX).
function openssl(dir, args) {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

// A TLS handshake against a node:https server with options, from a client trusting ca: returns
// the peer certificate the client saw.
async function serveAndConnect(serverOptions, ca) {
  const server = https.createServer(serverOptions, (req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("served over the vault's certificate\n");
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    return await new Promise((resolveP, reject) => {
      const req = https.request({
        host: "127.0.0.1",
        port: server.address().port,
        servername: "localhost",
        path: "/",
        ca,
        agent: false,
        rejectUnauthorized: true,
      }, (res) => {
        const peer = res.socket.getPeerCertificate();
        const authorized = res.socket.authorized;
        res.resume();
        res.on("end", () => resolveP({ peer, authorized, status: res.statusCode }));
      });
      req.on("error", reject);
      req.end();
    });
  } finally {
    server.close();
  }
}

// The handshake succeeded, was verified, and the server showed exactly the vault's certificate.
function checkPeer(seen, cert) {
  assert.equal(seen.status, 200, "the TLS server answered");
  assert.equal(seen.authorized, true, "the client verified the server's certificate");
  assert.ok(Buffer.from(seen.peer.raw).equals(Buffer.from(cert.cer)), "the peer certificate is the vault's cer");
  const fp = seen.peer.fingerprint.replace(/:/g, "").toLowerCase();
  assert.equal(fp, Buffer.from(cert.properties.x509Thumbprint).toString("hex"), "peer SHA-1 fingerprint = x5t");
}

async function child() {
  const { DefaultAzureCredential } = await import("@azure/identity");
  const { CertificateClient } = await import("@azure/keyvault-certificates");
  const { SecretClient } = await import("@azure/keyvault-secrets");
  const suffix = process.env.MV_SUFFIX;
  const watchFile = process.env.MV_WATCH_FILE;
  const watch = (s) => appendFileSync(watchFile, s + "\n");
  const work = mkdtempSync(join(tmpdir(), "mockvault-js-certs-work-"));
  const n = (tag) => `js-cert-${suffix}-${tag}`;
  const cred = new DefaultAzureCredential();
  const client = new CertificateClient(VAULT, cred);
  const secrets = new SecretClient(VAULT, cred);
  const st = {};

  try {
    // ---- create (Self) and reads ------------------------------------------------------------
    await check("beginCreateCertificate Self + pollUntilDone: completed bundle, kid/sid in lockstep (rows 1-3)", async () => {
      const poller = await client.beginCreateCertificate(n("self"), {
        issuerName: "Self",
        subject: `CN=${n("self")}`,
        subjectAlternativeNames: { dnsNames: ["localhost"] },
      }, { intervalInMs: 500 });
      const c = await poller.pollUntilDone();
      assert.equal(poller.getOperationState().isCompleted, true, "the poller completed");
      // 4.10.3's create poller keeps the operation to itself; getCertificateOperation shows it.
      const op = (await client.getCertificateOperation(n("self"))).getOperationState().certificateOperation;
      assert.equal(op.status, "completed", "operation status");
      assert.equal(op.target, `${VAULT}/certificates/${n("self")}`, "operation target");
      const x = checkBundle(c, n("self"));
      assert.equal(x.subject, `CN=${n("self")}`, "the certificate's subject");
      assert.match(x.subjectAltName, /DNS:localhost/, "the certificate's SAN");
      const p = c.properties;
      assert.ok(Math.abs(secs(p.notBefore) - (secs(p.createdOn) - 600)) <= 2, "notBefore = created - 600 s");
      const pol = c.policy;
      assert.equal(pol.issuerName, "Self", "policy issuer");
      assert.equal(pol.keyType, "RSA", "policy keyType default");
      assert.equal(pol.keySize, 2048, "policy keySize default");
      assert.equal(pol.exportable, true, "policy exportable default");
      assert.equal(pol.contentType, "application/x-pkcs12", "policy contentType default");
      assert.equal(pol.validityInMonths, 12, "policy validity default");
      assert.deepEqual(plain(pol.lifetimeActions), [{ action: "AutoRenew", lifetimePercentage: 80 }], "lifetime action default for Self");
      assert.deepEqual(pol.keyUsage, ["digitalSignature", "keyEncipherment"], "key usage default");
      assert.deepEqual(pol.enhancedKeyUsage, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], "EKU default");
      st.self = c;
    });

    await check("getCertificate (latest, with policy) and getCertificateVersion (no policy) (rows 3-4)", async () => {
      const c = await client.getCertificate(n("self"));
      assert.equal(c.properties.version, st.self.properties.version, "latest version");
      assert.ok(Buffer.from(c.cer).equals(Buffer.from(st.self.cer)), "same cer");
      assert.equal(c.policy?.issuerName, "Self", "latest carries the policy");
      const v = await client.getCertificateVersion(n("self"), st.self.properties.version);
      checkBundle(v, n("self"));
      assert.equal(v.policy, undefined, "a versioned GET has no policy");
      await expectRestError(() => client.getCertificate(`js-cert-${suffix}-nope`), 404, "CertificateNotFound");
    });

    await check("updateCertificateProperties: tags, disable (still readable), enable", async () => {
      const ver = st.self.properties.version;
      const u = await client.updateCertificateProperties(n("self"), ver, { tags: { env: "js" } });
      assert.deepEqual(u.properties.tags, { env: "js" }, "tags");
      assert.equal(u.properties.version, ver, "same version");
      const d = await client.updateCertificateProperties(n("self"), ver, { enabled: false });
      assert.equal(d.properties.enabled, false, "disabled");
      const g = await client.getCertificate(n("self"));
      assert.equal(g.properties.enabled, false, "a disabled certificate is still readable (200)");
      await expectRestError(() => secrets.getSecret(n("self")), 403, "Forbidden");
      const e = await client.updateCertificateProperties(n("self"), ver, { enabled: true });
      assert.equal(e.properties.enabled, true, "enabled again");
    });

    await check("getCertificatePolicy / updateCertificatePolicy", async () => {
      const pol = await client.getCertificatePolicy(n("self"));
      assert.equal(pol.subject, `CN=${n("self")}`, "policy subject");
      // 4.10.3's updateCertificatePolicy resolves to an empty policy whatever the service answers
      // (it returns toPublicPolicy of a body it never reads), so the update is read back.
      await client.updateCertificatePolicy(n("self"), {
        ...pol,
        validityInMonths: 6,
        lifetimeActions: [{ action: "EmailContacts", daysBeforeExpiry: 30 }],
      });
      const upd = await client.getCertificatePolicy(n("self"));
      assert.equal(upd.validityInMonths, 6, "validity updated");
      assert.deepEqual(plain(upd.lifetimeActions), [{ action: "EmailContacts", daysBeforeExpiry: 30 }], "lifetime actions updated");
      assert.equal(upd.subject, pol.subject, "subject kept");
      assert.deepEqual(upd.subjectAlternativeNames?.dnsNames, ["localhost"], "SANs kept");
    });

    await check("a second create (with the stored policy) adds a version; listPropertiesOfCertificateVersions", async () => {
      // A create replaces the policy with the one it sends, so an application renewing by hand
      // sends the stored one.
      const pol = await client.getCertificatePolicy(n("self"));
      const poller = await client.beginCreateCertificate(n("self"), pol, { intervalInMs: 500 });
      const c = await poller.pollUntilDone();
      checkBundle(c, n("self"));
      assert.notEqual(c.properties.version, st.self.properties.version, "a new version");
      const x = new crypto.X509Certificate(c.cer);
      const days = (new Date(x.validTo) - new Date(x.validFrom)) / 86400e3;
      assert.ok(days > 170 && days < 190, `the 6-month policy was used (${days.toFixed(0)} days)`);
      const versions = await collect(client.listPropertiesOfCertificateVersions(n("self")));
      assert.deepEqual(versions.map((v) => v.version).sort(), [st.self.properties.version, c.properties.version].sort(), "both versions");
      for (const v of versions) {
        assert.equal(v.x509Thumbprint?.length, 20, "version items carry x5t");
      }
      st.self2 = c;
    });

    // ---- Unknown issuer: pending, CSR, merge ------------------------------------------------
    await check("beginCreateCertificate Unknown: stays inProgress with a CSR; getCertificateOperation (row 7)", async () => {
      const poller = await client.beginCreateCertificate(n("merge"), {
        issuerName: "Unknown",
        subject: `CN=${n("merge")}`,
        subjectAlternativeNames: { dnsNames: ["localhost"] },
      });
      assert.ok(!poller.getOperationState().isCompleted, "the create poller is not done");
      const opPoller = await client.getCertificateOperation(n("merge"));
      const op = opPoller.getOperationState().certificateOperation;
      assert.equal(op.status, "inProgress", "still inProgress");
      assert.equal(op.statusDetails, "Pending certificate created. Please Perform Merge to complete the request.", "statusDetails");
      assert.equal(op.issuerName, "Unknown", "issuer");
      assert.ok(op.csr && op.csr.length > 100, "a CSR");
      assert.match(op.requestId, HEX32, "request_id");
      const pending = await client.getCertificate(n("merge"));
      assert.equal(pending.properties.enabled, false, "the pending version is disabled");
      assert.equal(pending.cer, undefined, "no cer before the merge");
      st.csr = Buffer.from(op.csr);
    });

    await check("listPropertiesOfCertificates: pending-only names only with includePending", async () => {
      const plain = (await collect(client.listPropertiesOfCertificates())).map((p) => p.name);
      assert.ok(plain.includes(n("self")), "the completed certificate is listed");
      assert.ok(!plain.includes(n("merge")), "a pending-only certificate is hidden by default");
      const all = await collect(client.listPropertiesOfCertificates({ includePending: true }));
      const item = all.find((p) => p.name === n("merge"));
      assert.ok(item, "includePending lists the pending-only certificate");
      assert.equal(item.enabled, false, "the pending item is disabled");
      assert.ok(all.find((p) => p.name === n("self"))?.x509Thumbprint, "completed items carry x5t");
    });

    await check("mergeCertificate with a certificate signed from the CSR by a CA made here (row 8)", async () => {
      writeFileSync(join(work, "req.pem"), `-----BEGIN CERTIFICATE REQUEST-----\n${st.csr.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE REQUEST-----\n`);
      openssl(work, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-subj", `/CN=mockvault js test CA ${suffix}`, "-days", "3"]);
      openssl(work, ["x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "30", "-copy_extensions", "copy", "-outform", "DER", "-out", "leaf.der"]);
      const leaf = readFileSync(join(work, "leaf.der"));
      const c = await client.mergeCertificate(n("merge"), [leaf]);
      checkBundle(c, n("merge"));
      assert.ok(Buffer.from(c.cer).equals(leaf), "the merged cer is the signed certificate");
      assert.equal(c.properties.enabled, true, "enabled after the merge");
      assert.deepEqual(plain(c.policy.lifetimeActions), [{ action: "EmailContacts", lifetimePercentage: 80 }], "EmailContacts for Unknown");
      const op = (await client.getCertificateOperation(n("merge"))).getOperationState().certificateOperation;
      assert.equal(op.status, "completed", "the operation completed");
      assert.equal(op.target, `${VAULT}/certificates/${n("merge")}`, "target");
      st.merged = c;
      st.caPem = readFileSync(join(work, "ca.pem"));
    });

    await check("cancel (the operation poller's cancelOperation) and deleteCertificateOperation (row 9)", async () => {
      await client.beginCreateCertificate(n("cancel"), { issuerName: "Unknown", subject: `CN=${n("cancel")}` });
      const opPoller = await client.getCertificateOperation(n("cancel"));
      await opPoller.cancelOperation();
      assert.equal(opPoller.getOperationState().certificateOperation.cancellationRequested, true, "cancellation requested");
      const op = (await client.getCertificateOperation(n("cancel"))).getOperationState().certificateOperation;
      assert.equal(op.status, "cancelled", "status after the cancellation");
      const del = await client.deleteCertificateOperation(n("cancel"));
      assert.equal(del.status, "cancelled", "DELETE returns the operation as it was");
      await expectRestError(() => client.getCertificateOperation(n("cancel")), 404, "PendingCertificateNotFound");
    });

    // ---- import ------------------------------------------------------------------------------
    await check("importCertificate: PFX with a password, PFX without, PEM (rows 10-11)", async () => {
      openssl(work, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "imp.key", "-out", "imp.pem",
        "-subj", "/C=DE/O=Mockvault Tests/CN=js-import", "-days", "30"]);
      const password = `pfx-pw-${suffix}`;
      watch(password);
      watch(readFileSync(join(work, "imp.key"), "utf8").split("\n")[1]);
      openssl(work, ["pkcs12", "-export", "-inkey", "imp.key", "-in", "imp.pem", "-out", "pw.pfx", "-passout", `pass:${password}`]);
      openssl(work, ["pkcs12", "-export", "-inkey", "imp.key", "-in", "imp.pem", "-out", "nopw.pfx", "-passout", "pass:"]);
      const der = new crypto.X509Certificate(readFileSync(join(work, "imp.pem"))).raw;

      const a = await client.importCertificate(n("imp-pw"), readFileSync(join(work, "pw.pfx")), { password });
      checkBundle(a, n("imp-pw"));
      assert.ok(Buffer.from(a.cer).equals(der), "cer is the imported certificate");
      assert.match(a.policy.subject, /CN=js-import/, "policy subject from the certificate");
      assert.match(a.policy.subject, /O=Mockvault Tests/, "policy subject from the certificate (O)");
      assert.equal(a.policy.issuerName, "Unknown", "issuer of an import without policy");
      assert.equal(a.policy.lifetimeActions?.[0]?.action, "EmailContacts", "EmailContacts for an import");

      const b = await client.importCertificate(n("imp-nopw"), readFileSync(join(work, "nopw.pfx")));
      assert.ok(Buffer.from(b.cer).equals(der), "PFX without a password");

      const pem = readFileSync(join(work, "imp.key"), "utf8") + readFileSync(join(work, "imp.pem"), "utf8");
      // 4.10.3 sends the PEM text but drops options.policy (its request serializer reads
      // certificatePolicy, the options carry policy), so the service sees PEM without the PEM
      // content type and refuses it as PKCS#12 (spec §3 Import), as it would from this SDK.
      const pemErr = await expectRestError(() => client.importCertificate(n("imp-pem"), Buffer.from(pem), { policy: { contentType: "application/x-pem-file" } }), 400);
      assert.match(pemErr.message, /PKCS#12 X\.509 certificate content can not be read/, "PEM without its content type");
      // The same call with the policy where the serializer looks for it goes through.
      const c = await client.importCertificate(n("imp-pem"), Buffer.from(pem), {
        policy: { contentType: "application/x-pem-file" },
        certificatePolicy: { secretProperties: { contentType: "application/x-pem-file" } },
      });
      assert.ok(Buffer.from(c.cer).equals(der), "PEM import");
      assert.equal(c.policy.contentType, "application/x-pem-file", "the PEM policy is kept");

      const e = await expectRestError(() => client.importCertificate(n("imp-bad"), readFileSync(join(work, "pw.pfx")), { password: "wrong" }), 400);
      assert.match(e.message, /The specified PKCS#12 X\.509 certificate content can not be read/, "wrong password message");
    });

    // ---- delete, recover, purge, backup, restore -----------------------------------------------
    await check("beginDeleteCertificate / getDeletedCertificate / beginRecoverDeletedCertificate (row 14)", async () => {
      const poller = await client.beginDeleteCertificate(n("imp-nopw"));
      const d = await poller.pollUntilDone();
      assert.equal(d.recoveryId, `${VAULT}/deletedcertificates/${n("imp-nopw")}`, "recoveryId");
      assert.ok(d.deletedOn instanceof Date && d.scheduledPurgeDate instanceof Date, "deletedOn, scheduledPurgeDate");
      const g = await client.getDeletedCertificate(n("imp-nopw"));
      assert.equal(g.properties.name, n("imp-nopw"), "deleted certificate");
      await expectRestError(() => client.getCertificate(n("imp-nopw")), 404, "CertificateNotFound");
      await expectRestError(() => secrets.getSecret(n("imp-nopw")), 404);
      await expectRestError(() => client.beginCreateCertificate(n("imp-nopw"), { issuerName: "Self", subject: "CN=x" }), 409, "Conflict");
      const r = await (await client.beginRecoverDeletedCertificate(n("imp-nopw"))).pollUntilDone();
      assert.equal(r.properties.name, n("imp-nopw"), "recovered");
      const s = await secrets.getSecret(n("imp-nopw"));
      assert.equal(s.properties.version, r.properties.version, "the managed secret came back too");
    });

    await check("purgeDeletedCertificate", async () => {
      await (await client.beginDeleteCertificate(n("imp-nopw"))).pollUntilDone();
      await client.purgeDeletedCertificate(n("imp-nopw"));
      await expectRestError(() => client.getDeletedCertificate(n("imp-nopw")), 404, "CertificateNotFound");
    });

    await check("backupCertificate / restoreCertificateBackup after a purge", async () => {
      const blob = await client.backupCertificate(n("imp-pw"));
      assert.ok(blob && blob.length > 100, "a backup blob");
      await (await client.beginDeleteCertificate(n("imp-pw"))).pollUntilDone();
      await client.purgeDeletedCertificate(n("imp-pw"));
      const r = await client.restoreCertificateBackup(blob);
      checkBundle(r, n("imp-pw"));
      const g = await client.getCertificate(n("imp-pw"));
      assert.ok(g.properties.version === r.properties.version && Buffer.from(g.cer).equals(Buffer.from(r.cer)), "restored as it was");
      await expectRestError(() => client.restoreCertificateBackup(Buffer.from("not a backup")), 400);
    });

    // ---- contacts and issuers ----------------------------------------------------------------
    await check("setContacts / getContacts / deleteContacts (row 15)", async () => {
      const want = [
        { email: "admin@contoso.com", name: "John Doe", phone: "1111111111" },
        { email: "ops@contoso.com", name: "Ops", phone: "2222222222" },
      ];
      const set = await client.setContacts(want);
      assert.deepEqual(plain(set), want, "set");
      assert.deepEqual(plain(await client.getContacts()), want, "get");
      // 4.10.3's deleteContacts resolves to [] whatever the service answers (it reads contactList
      // from the raw body, whose member is contacts); the service's answer is checked by kvconform.
      await client.deleteContacts();
      await expectRestError(() => client.getContacts(), 404, "ContactsNotFound");
    });

    await check("createIssuer / getIssuer / updateIssuer / listPropertiesOfIssuers / deleteIssuer (row 15)", async () => {
      const name = `js-iss-${suffix}`;
      const pw = `issuer-pw-${suffix}`;
      watch(pw);
      const admin = { firstName: "John", lastName: "Doe", email: "admin@microsoft.com", phone: "4255555555" };
      const c = await client.createIssuer(name, "Test", { accountId: "keyvaultuser", password: pw, administratorContacts: [admin] });
      // 4.10.3 parses an issuer id (.../certificates/issuers/NAME) as a certificate id, so its
      // name reads "issuers"; the id is what the service sent.
      assert.equal(c.id, `${VAULT}/certificates/issuers/${name}`, "id");
      assert.equal(c.provider, "Test", "provider");
      assert.equal(c.accountId, "keyvaultuser", "accountId");
      assert.equal(c.password, undefined, "the password is never returned");
      assert.deepEqual(plain(c.administratorContacts), [admin], "admin contacts");
      const g = await client.getIssuer(name);
      assert.equal(g.accountId, "keyvaultuser", "get");
      const u = await client.updateIssuer(name, { accountId: "otheruser" });
      assert.equal(u.accountId, "otheruser", "updated");
      assert.deepEqual(plain(u.administratorContacts), [admin], "PATCH keeps the rest");
      const list = await collect(client.listPropertiesOfIssuers());
      assert.ok(list.some((i) => i.id === `${VAULT}/certificates/issuers/${name}` && i.provider === "Test"), "listed");
      const d = await client.deleteIssuer(name);
      assert.equal(d.id, `${VAULT}/certificates/issuers/${name}`, "delete returns the issuer");
      await expectRestError(() => client.getIssuer(name), 404, "CertificateIssuerNotFound");
    });

    // ---- the secrets behind the certificates, and TLS with them -------------------------------
    await check("SecretClient: the PFX secret (managed, kid), a direct set refused (rows 5-6)", async () => {
      const s = await secrets.getSecret(n("self"));
      assert.equal(s.properties.contentType, "application/x-pkcs12", "contentType");
      assert.equal(s.properties.managed, true, "managed");
      assert.equal(s.properties.version, st.self2.properties.version, "the latest version");
      assert.equal(s.properties.certificateKeyId, st.self2.keyId, "kid");
      const der = Buffer.from(s.value, "base64");
      watch(s.value.slice(0, 60));
      st.pfx = der;
      await expectRestError(() => secrets.setSecret(n("self"), "x"), 403, "Forbidden");
    });

    await check("TLS: node:https serves the PFX (passphrase \"\"), the client trusts the certificate itself", async () => {
      const seen = await serveAndConnect({ pfx: st.pfx, passphrase: "" }, pemOf(st.self2.cer));
      checkPeer(seen, st.self2);
    });

    await check("TLS: the merged certificate's PFX, the client trusts the CA that signed it", async () => {
      const s = await secrets.getSecret(n("merge"));
      assert.equal(s.properties.contentType, "application/x-pkcs12", "contentType");
      const seen = await serveAndConnect({ pfx: Buffer.from(s.value, "base64"), passphrase: "" }, st.caPem);
      checkPeer(seen, st.merged);
    });

    await check("TLS: a PEM certificate's secret (PKCS#8 key first, LF), served as key + cert", async () => {
      const poller = await client.beginCreateCertificate(n("pem"), {
        issuerName: "Self",
        subject: `CN=${n("pem")}`,
        subjectAlternativeNames: { dnsNames: ["localhost"] },
        contentType: "application/x-pem-file",
        keyType: "EC",
        keyCurveName: "P-256",
      }, { intervalInMs: 500 });
      const c = await poller.pollUntilDone();
      checkBundle(c, n("pem"));
      const s = await secrets.getSecret(n("pem"));
      assert.equal(s.properties.contentType, "application/x-pem-file", "contentType");
      assert.ok(s.value.startsWith("-----BEGIN PRIVATE KEY-----\n"), "PKCS#8 key first");
      assert.ok(!s.value.includes("\r"), "LF line ends");
      watch(s.value.split("\n")[1]);
      const keyPem = s.value.slice(0, s.value.indexOf("-----END PRIVATE KEY-----") + 26);
      const certPem = s.value.slice(s.value.indexOf("-----BEGIN CERTIFICATE-----"));
      const seen = await serveAndConnect({ key: keyPem, cert: certPem }, pemOf(c.cer));
      checkPeer(seen, c);
      const p = crypto.createPrivateKey(keyPem);
      assert.equal(p.asymmetricKeyType, "ec", "an EC key as the policy asked");
    });
  } catch (e) {
    console.error(`  FAIL ${step}`);
    // RestErrors carry the service's error message; never a success body.
    console.error(`  ${e.name}${e.statusCode ? ` ${e.statusCode}` : ""}: ${String(e.message).split("\n").slice(0, 8).join("\n  ")}`);
    if (e.request) {
      console.error(`  request: ${e.request.method} ${e.request.url}`);
    }
    rmSync(work, { recursive: true, force: true });
    process.exit(1);
  }
  rmSync(work, { recursive: true, force: true });
  console.log(`  certificates: ${count} checks passed`);
}

// ---- the mock and the checks (parent) ------------------------------------------------------

async function parent() {
  const fixture = JSON.parse(readFileSync(fixtures, "utf8"));
  const tenant = fixture.tenants[0];
  const admin = tenant.applications.find((a) => a.clientId === "aaaaaaaa-0000-0000-0000-000000000001");
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: build first (scripts/build)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "mockvault-js-certs-"));
  const readyFile = join(dir, "ready.json");
  const logFile = join(dir, "mock.log");
  const watchFile = join(dir, "watch.txt");
  writeFileSync(watchFile, "");
  const fd = openSync(logFile, "w");
  const mock = spawn(bin, ["--port", "0", "--proxy-port", "0", "--fixtures", fixtures, "--state-dir", join(dir, "state"),
    "--ready-file", readyFile, "--log-format", "text"], { stdio: ["ignore", fd, fd], cwd: repo });
  closeSync(fd);
  let exited = null;
  mock.on("exit", (code, signal) => {
    exited = { code, signal };
  });
  process.on("exit", () => exited || mock.kill("SIGKILL"));
  let ready;
  const deadline = Date.now() + 10_000;
  while (!ready) {
    try {
      const r = JSON.parse(readFileSync(readyFile, "utf8"));
      if (r.port && r.proxy && r.ca) {
        ready = r;
      }
    } catch {
      // not there yet
    }
    if (exited || Date.now() > deadline) {
      throw new Error(`the mock did not start: ${readFileSync(logFile, "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(https?_proxy|all_proxy|no_proxy|AZURE_.*|NODE_EXTRA_CA_CERTS|NODE_OPTIONS|NODE_TLS_REJECT_UNAUTHORIZED|SSL_CERT_(FILE|DIR)|IDENTITY_.*|MSI_.*)$/i.test(k)) {
      env[k] = v;
    }
  }
  Object.assign(env, {
    HTTPS_PROXY: ready.proxy,
    NODE_EXTRA_CA_CERTS: ready.ca,
    AZURE_TENANT_ID: tenant.id,
    AZURE_CLIENT_ID: admin.clientId,
    AZURE_CLIENT_SECRET: admin.secrets[0].value,
    MV_SUFFIX: crypto.randomBytes(4).toString("hex"),
    MV_WATCH_FILE: watchFile,
  });
  console.log(`--- JS SDK, certificates (${VAULT} through the proxy)`);
  const ok = await new Promise((resolveP) => {
    const c = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child"], { env, cwd: here, stdio: ["ignore", "inherit", "inherit"] });
    const timer = setTimeout(() => {
      console.error(`  client timed out after ${CLIENT_TIMEOUT_MS} ms; killing it`);
      c.kill("SIGKILL");
    }, CLIENT_TIMEOUT_MS);
    c.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolveP(code === 0 && !signal);
    });
  });
  mock.kill("SIGTERM");
  for (let i = 0; i < 250 && !exited; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const log = readFileSync(logFile, "utf8");
  const watched = [admin.secrets[0].value, ...readFileSync(watchFile, "utf8").split("\n").filter((s) => s.length >= 8)];
  const leaked = watched.filter((s) => log.includes(s)).length;
  const logOk = leaked === 0 && /CreateCertificate/.test(log);
  console.log(`  ${logOk ? "ok  " : "FAIL"} the mock's log (${log.split("\n").length - 1} lines) has certificate requests and ` +
    `${leaked ? `${leaked} watched string(s): a password, key or PFX` : `none of the ${watched.length} watched strings`}`);
  const stopped = exited && exited.code === 0;
  if (!stopped) {
    console.error(`  FAIL mockvault did not stop cleanly on SIGTERM: ${JSON.stringify(exited)}`);
  }
  if (ok && logOk && stopped) {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
  console.error(`  kept ${dir} for inspection`);
  process.exit(1);
}

if (process.argv[2] === "--child") {
  await child();
} else {
  await parent();
}
