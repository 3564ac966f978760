// The browser console (/_mock/ui) in a real browser: Debian's Chromium, headless, driven by
// puppeteer-core, checked by axe-core. Starts its own mock (port 0, proxy on, temporary state
// dir), runs scripts/demo --attach against it (kvclient, a real client), then:
//   1. the page loads with no console errors or failed requests;
//   2. the vaults and objects it lists are those of GET /_mock/state (read here, never by the page);
//   3. a denial made with curl (the default fixture's no-access-app) appears within a second with
//      its explanation;
//   4. the fix button, reached with Tab and pressed with Enter, makes the next request succeed;
//   5. no secret value, client secret, token or private key part of the fixture appears in the
//      DOM or in any response the page received (fetch bodies, stream chunks included);
//   6. axe-core reports no serious or critical violation in any view.
// MOCKVAULT_UI_SCREENSHOT=FILE.png saves the console after the denial (docs/console.png).
//
// Environment: MOCKVAULT_BIN, KVCLIENT_BIN (default <repo>/${BUILD_DIR:-build}/...),
// CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const build = resolve(repo, process.env.BUILD_DIR || "build");
const bin = process.env.MOCKVAULT_BIN || join(build, "mockvault", "mockvault");
const kvclient = process.env.KVCLIENT_BIN || join(build, "client", "kvclient");
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const fixtureFile = join(repo, "fixtures", "default.json");
const fixture = JSON.parse(readFileSync(fixtureFile, "utf8"));
const TENANT = fixture.tenants[0].id;
const NOACCESS = fixture.tenants[0].applications.find((a) => a.displayName === "no-access-app");

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok" : "FAIL"} - ${what}`);
  if (!ok) failures++;
}

// ---- the mock ----

const dir = mkdtempSync(join(tmpdir(), "mockvault-ui-"));
const logFd = openSync(join(dir, "mock.log"), "w");
const mock = spawn(bin, ["--port", "0", "--proxy-port", "0", "--fixtures", fixtureFile,
  "--state-dir", join(dir, "state"), "--ready-file", join(dir, "ready.json")],
{ stdio: ["ignore", logFd, logFd] });
closeSync(logFd);
let ready = null;
for (let i = 0; i < 200 && !ready; i++) {
  try { ready = JSON.parse(readFileSync(join(dir, "ready.json"), "utf8")); } catch { await new Promise((r) => setTimeout(r, 50)); }
}
if (!ready) throw new Error(`the mock did not start (${dir}/mock.log)`);
const ca = readFileSync(ready.ca);
const base = `https://localhost:${ready.port}`;

function request(method, path, { body, headers = {}, form } = {}) {
  return new Promise((res, rej) => {
    const data = form ? new URLSearchParams(form).toString() : body;
    const h = { ...headers };
    if (form) h["Content-Type"] = "application/x-www-form-urlencoded";
    const req = https.request(`${base}${path}`, { method, ca, headers: h }, (r) => {
      const chunks = [];
      r.on("data", (c) => chunks.push(c));
      r.on("end", () => res({ status: r.statusCode, headers: r.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on("error", rej);
    if (data) req.write(data);
    req.end();
  });
}

// Every value the page must never receive: secret values (all versions), client secrets, the
// private parts of every key, and the tokens issued during the test.
const state = JSON.parse((await request("GET", "/_mock/state")).text);
const forbidden = new Set();
for (const t of state.tenants) for (const a of t.applications) for (const s of a.secrets || []) forbidden.add(s.value);
for (const v of state.vaults) {
  for (const s of [...v.secrets, ...(v.deletedSecrets || [])]) for (const ver of s.versions) forbidden.add(ver.value);
  for (const k of [...(v.keys || []), ...(v.deletedKeys || [])]) {
    // Public parts too: the console shows a key's type and size, never its material.
    for (const ver of k.versions) for (const part of ["d", "p", "q", "dp", "dq", "qi", "n", "x", "y"]) if (ver.jwk && ver.jwk[part]) forbidden.add(ver.jwk[part]);
  }
}

async function token(clientId, secret) {
  const r = await request("POST", `/${TENANT}/oauth2/v2.0/token`, {
    form: { grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope: "https://vault.azure.net/.default" },
  });
  const t = JSON.parse(r.text).access_token;
  forbidden.add(t);
  return t;
}

// curl, as a client of the default vault would call it (the Host names the vault).
function curlGet(path, tok) {
  const r = spawnSync("curl", ["-sS", "-D", "-", "-o", "/dev/null", "--cacert", ready.ca,
    `${base}${path}`, "-H", `Authorization: Bearer ${tok}`], { encoding: "utf8" });
  const status = Number((r.stdout.match(/^HTTP\/\S+ (\d+)/m) || [])[1] || 0);
  const id = (r.stdout.match(/^x-ms-request-id: (\S+)/im) || [])[1] || "";
  return { status, id };
}

// ---- the browser ----

const der = new X509Certificate(readFileSync(join(dir, "state", "server.pem"))).publicKey.export({ type: "spki", format: "der" });
const spki = createHash("sha256").update(der).digest("base64");
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  // Trust exactly the mock's key (pinned), not every certificate.
  args: ["--no-sandbox", `--ignore-certificate-errors-spki-list=${spki}`, "--window-size=1400,1000"],
  defaultViewport: { width: 1400, height: 1000 },
});
const page = await browser.newPage();
const consoleErrors = [];
const received = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(String(e)));
page.on("requestfailed", (r) => { if (!r.url().includes("/_mock/requests/stream")) consoleErrors.push(`failed: ${r.url()} (${r.failure() && r.failure().errorText})`); });
page.on("response", async (r) => {
  if (r.url().includes("/_mock/requests/stream")) return; // read through the fetch wrapper below
  try { received.push((await r.buffer()).toString()); } catch { /* redirects, aborted */ }
});
// Every chunk the page reads from a stream (the live journal; page.on("response") below has the
// other bodies, which a stream's never ends for).
await page.evaluateOnNewDocument(() => {
  window.__received = [];
  const read = ReadableStreamDefaultReader.prototype.read;
  ReadableStreamDefaultReader.prototype.read = async function () {
    const r = await read.call(this);
    if (r.value !== undefined) window.__received.push(typeof r.value === "string" ? r.value : new TextDecoder().decode(r.value));
    return r;
  };
});
await page.setBypassCSP(true); // only so that axe-core can be injected below

try {
  // A real client's run first: the demo (kvclient through the proxy) against this mock.
  const demo = spawnSync("bash", [join(repo, "scripts", "demo"), "--attach", join(dir, "ready.json")],
    { cwd: repo, encoding: "utf8", env: { ...process.env, BUILD_DIR: build }, stdio: ["ignore", "pipe", "pipe"] });
  check(demo.status === 0, `scripts/demo --attach ran (exit ${demo.status}${demo.status ? `: ${demo.stderr.slice(-400)}` : ""})`);

  await page.goto(`${base}/_mock/ui`, { waitUntil: "networkidle2" });
  await page.waitForSelector("#live.ok", { timeout: 5000 });
  check(true, "the page loaded and its live stream connected");

  // 2. Vaults and objects as /_mock/state has them.
  await page.click('#tabs a[data-view="vaults"]'); // as a user switches views
  await page.waitForSelector("#view-vaults:not([hidden]) [data-vault]");
  const shown = await page.$$eval("[data-vault]", (cards) => Object.fromEntries(cards.map((c) => [c.dataset.vault,
    Object.fromEntries([...c.querySelectorAll("[data-family]")].map((f) => [f.dataset.family,
      [...f.querySelectorAll("tbody tr td:first-child code")].map((x) => x.textContent).sort()]))])));
  const fresh = JSON.parse((await request("GET", "/_mock/state")).text);
  for (const v of fresh.vaults) {
    // Every family the export has: a list with its "deleted..." counterpart (secrets, keys,
    // certificates, and whatever comes next).
    const families = Object.keys(v).filter((k) => Array.isArray(v[k]) && Array.isArray(v[`deleted${k[0].toUpperCase()}${k.slice(1)}`]));
    check(families.includes("secrets") && families.includes("keys"), `vault ${v.name}: families ${families.join(", ")}`);
    for (const fam of families) {
      const want = [...(v[fam] || []), ...(v[`deleted${fam[0].toUpperCase()}${fam.slice(1)}`] || [])].map((o) => o.name).sort();
      const got = (shown[v.name] || {})[fam] || [];
      check(JSON.stringify(got) === JSON.stringify(want), `vault ${v.name}: ${fam} listed as in /_mock/state (${got.length})`);
    }
  }
  check(Object.keys(shown).sort().join() === fresh.vaults.map((v) => v.name).sort().join(), "every vault listed");

  // 3. A denial made by curl appears within a second, explained.
  await page.click('#tabs a[data-view="requests"]');
  await page.waitForSelector("#view-requests:not([hidden])");
  const tok = await token(NOACCESS.clientId, NOACCESS.secrets[0].value);
  const denied = curlGet("/secrets/db-password?api-version=7.4", tok);
  check(denied.status === 403, `curl as no-access-app is denied (${denied.status})`);
  const t0 = Date.now();
  const row = await page.waitForSelector(`tr.explain[data-request-id="${denied.id}"] button.fix`, { timeout: 1000 }).catch(() => null);
  check(row !== null, `the denial appeared in ${Date.now() - t0} ms (limit 1000)`);
  const explanation = await page.$eval(`tr.explain[data-request-id="${denied.id}"] .explanation`, (e) => e.textContent).catch(() => "");
  check(/denied GetSecret on vault demo secret db-password .*no-access-app.*smallest change: add an access policy/.test(explanation), `explanation shown: ${explanation}`);
  if (process.env.MOCKVAULT_UI_SCREENSHOT) await page.screenshot({ path: process.env.MOCKVAULT_UI_SCREENSHOT, fullPage: false });

  // 4. Keyboard: Tab to this denial's fix button, press Enter; the next request succeeds.
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  let reached = false;
  for (let i = 0; i < 200 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate((id) => {
      const a = document.activeElement;
      return Boolean(a && a.matches("button.fix") && a.closest(`tr[data-request-id="${id}"]`));
    }, denied.id);
  }
  check(reached, "the fix button is reachable with Tab");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => /Applied: grant secrets get to no-access-app in vault demo/.test(document.getElementById("notice").textContent), { timeout: 3000 }).catch(() => null);
  const notice = await page.$eval("#notice", (e) => e.textContent);
  check(/Applied: grant secrets get to no-access-app/.test(notice), `Enter applied the fix: ${notice}`);
  const again = curlGet("/secrets/db-password?api-version=7.4", tok);
  check(again.status === 200, `the same client's next request succeeds (${again.status})`);

  // 6. Accessibility of every view.
  const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  for (const view of ["requests", "vaults", "access", "identities", "needed", "clock"]) {
    await page.click(`#tabs a[data-view="${view}"]`);
    await page.waitForSelector(`#view-${view}:not([hidden])`);
    await new Promise((r) => setTimeout(r, 300));
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help })));
    const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
    check(bad.length === 0, `axe-core, view ${view}: no serious or critical violation${bad.length ? `: ${JSON.stringify(bad)}` : ""}`);
  }

  // 5. No secret in the DOM or in anything the page received.
  const dom = await page.evaluate(() => document.documentElement.outerHTML);
  const streamed = (await page.evaluate(() => window.__received.join("\n"))) || "";
  const everything = [dom, streamed, ...received].join("\n");
  const leaked = [...forbidden].filter((s) => s && s.length >= 6 && everything.includes(s));
  check(forbidden.size > 20 && leaked.length === 0, `no secret value, client secret, token or private key part in the DOM or ${received.length} responses (${forbidden.size} values checked)`);
  check(streamed.includes("event: request"), "the scan saw the streamed journal");
  check(consoleErrors.length === 0, `no console errors${consoleErrors.length ? `: ${consoleErrors.join(" | ")}` : ""}`);
} finally {
  await browser.close();
  mock.kill("SIGTERM");
  await new Promise((r) => mock.once("exit", r));
  // A sanitizer build's report (MOCKVAULT_BIN from build-asan) lands in the mock's log.
  const log = readFileSync(join(dir, "mock.log"), "utf8");
  check(!/AddressSanitizer|LeakSanitizer|runtime error:/.test(log), "the mock's log has no sanitizer report");
  if (!failures) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir} (mock.log)`);
}
console.log(failures ? `${failures} check(s) failed` : "all checks passed");
process.exit(failures ? 1 : 0);
