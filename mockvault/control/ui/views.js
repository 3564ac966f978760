// views.js: the console's helpers and its views other than the live requests: vaults with their
// objects per family, access policies and role assignments (editable), identities and what they
// may do, the "needed" report, the clock, fault rules and throttling. Everything comes from the
// control API (docs/control-api.md); nothing here ever receives a secret value or key material
// (GET /_mock/summary carries metadata only). Text from the mock goes into the page as text nodes,
// never as HTML: paths and names are the clients' own text.

export const state = { summary: null };

// el("td", {class: "num"}, "text", child...): an element with attributes and children (strings
// become text nodes; null and false are skipped).
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, "");
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// A control-API call: JSON in and out; a refusal throws with the mock's message.
export async function api(method, path, body) {
  const opt = { method, headers: {} };
  if (body !== undefined) {
    opt.headers["Content-Type"] = "application/json";
    opt.body = JSON.stringify(body);
  }
  const res = await fetch(path, opt);
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!res.ok) throw new Error((json && json.error && json.error.message) || `${res.status} ${res.statusText}`);
  return json;
}

export function notify(text, error = false) {
  const n = document.getElementById("notice");
  n.textContent = text;
  n.className = error ? "notice error" : "notice";
}

// Runs fn, reporting its failure in the notice line; then refreshes what changed.
export async function act(label, fn, after) {
  try {
    await fn();
    notify(label);
    if (after) await after();
  } catch (e) {
    notify(`${label} failed: ${e.message}`, true);
  }
}

export function fmtTime(unix) {
  if (unix === undefined || unix === null) return "";
  return new Date(unix * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function badge(text, kind) {
  return el("span", { class: `badge ${kind || ""}` }, text);
}

// Every principal of the fixture by object id and by client id, with a display name.
export function principals() {
  const out = [];
  for (const t of (state.summary && state.summary.tenants) || []) {
    for (const a of t.applications) out.push({ kind: "application", name: a.displayName, oid: a.objectId, appid: a.clientId, tenant: t.id });
    for (const m of t.managedIdentities) out.push({ kind: "managed identity", name: m.name, oid: m.objectId, appid: m.clientId, tenant: t.id });
    for (const u of t.users) out.push({ kind: "user", name: u.displayName, oid: u.id, appid: "", tenant: t.id });
  }
  return out;
}

export function principalName(id) {
  if (!id) return "";
  const low = id.toLowerCase();
  const p = principals().find((x) => x.oid.toLowerCase() === low || (x.appid && x.appid.toLowerCase() === low));
  return p ? p.name : "";
}

function who(id) {
  const name = principalName(id);
  return name ? [name, " ", el("code", { class: "hint" }, id)] : [el("code", {}, id)];
}

function kvList(pairs) {
  return el("dl", { class: "kv" }, pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

// ---- Vaults and their objects ----

function versionMarks(v) {
  return [
    v.enabled ? null : badge("disabled", "bad"),
    v.expired ? badge("expired", "bad") : null,
    v.notYetValid ? badge("not yet valid", "warn") : null,
  ];
}

function tagsText(tags) {
  return tags ? Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(", ") : "";
}

function typeText(v) {
  if (v.keyType) return `${v.keyType} ${v.keySize || v.curve || ""}`.trim();
  return v.contentType || "";
}

function objectTable(family, objects) {
  const rows = objects.map((o) => {
    const cur = o.versions[o.versions.length - 1] || {};
    const older = o.versions.slice(0, -1).reverse();
    return el("tr", { class: o.deleted ? "marked" : null },
      el("td", {}, el("code", {}, o.name), o.deleted ? [" ", badge("deleted", "warn")] : null),
      el("td", { class: "num" }, o.versions.length),
      el("td", {}, cur.id ? el("code", { title: cur.id }, cur.id.slice(0, 8)) : "", " ", versionMarks(cur)),
      el("td", {}, fmtTime(cur.nbf)), el("td", {}, fmtTime(cur.exp)),
      el("td", {}, typeText(cur)), el("td", {}, tagsText(cur.tags)),
      el("td", {}, older.length ? el("details", {}, el("summary", {}, `${older.length} older`),
        el("ul", {}, older.map((v) => el("li", {}, el("code", {}, v.id.slice(0, 8)), " ",
          fmtTime(v.created), " ", versionMarks(v))))) : ""));
  });
  return el("table", { class: "grid" },
    el("caption", { class: "sr-only" }, family),
    el("thead", {}, el("tr", {}, ["Name", "Versions", "Current version", "Not before", "Expires",
      "Type", "Tags", "Older versions"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows));
}

export function renderVaults() {
  const box = document.getElementById("vaults");
  const s = state.summary;
  box.replaceChildren(...s.vaults.map((v) => el("div", { class: "card", "data-vault": v.name },
    el("h3", {}, v.name, v.name === s.defaultVault ? [" ", badge("default vault")] : null),
    kvList([["Permission model", v.permissionModel], ["Location", v.location],
      ["Soft delete", `${v.retentionDays} days retention, purge protection ${v.purgeProtection ? "on" : "off"}`],
      ["Recovery level", v.recoveryLevel]]),
    Object.entries(v.objects).map(([family, objects]) => el("section", { "data-family": family },
      el("h4", {}, `${family} (${objects.length})`),
      objects.length ? objectTable(family, objects) : el("p", { class: "hint" }, `No ${family}.`))))));
}

// ---- Access policies and role assignments ----

async function refresh() {
  state.summary = await api("GET", "/_mock/summary");
  renderAll();
}

function selectOf(id, label, options) {
  return el("label", {}, label, el("select", { id },
    options.map(([value, text]) => el("option", { value }, text))));
}

function principalOptions() {
  return principals().map((p) => [p.oid, `${p.name} (${p.kind})`]);
}

function policyRow(vault, list, i) {
  const p = list[i];
  const fams = Object.entries(p.permissions || {});
  return el("tr", {},
    el("td", {}, who(p.objectId), p.applicationId ? [" via app ", el("code", {}, p.applicationId)] : null),
    el("td", {}, fams.map(([f, perms]) => el("div", {}, el("strong", {}, `${f}: `), perms.join(", ") || "none"))),
    el("td", {}, el("button", { type: "button", class: "danger", "aria-label": `Remove the access policy of ${principalName(p.objectId) || p.objectId}`,
      onclick: () => act("Access policy removed", () => api("PUT", `/_mock/vaults/${vault.name}/accessPolicies`,
        list.filter((_, k) => k !== i)), refresh) }, "Remove")));
}

function policyForm(vault) {
  const fams = state.summary.families;
  const id = (x) => `ap-${vault.name}-${x}`;
  const permBox = el("div", { class: "perms", id: id("perms") });
  const fill = () => {
    const f = fams.find((x) => x.name === document.getElementById(id("family")).value) || fams[0];
    permBox.replaceChildren(...["all", ...f.permissions].map((p) =>
      el("label", { class: "inline" }, el("input", { type: "checkbox", value: p }), p)));
  };
  const form = el("fieldset", {}, el("legend", {}, "Grant permissions (merged into the principal's entry)"),
    el("div", { class: "row" }, selectOf(id("who"), "Principal", principalOptions()),
      selectOf(id("family"), "Family", fams.map((f) => [f.name, f.name]))), permBox,
    el("button", { type: "button", class: "primary", onclick: () => {
      const perms = [...permBox.querySelectorAll("input:checked")].map((c) => c.value);
      const family = document.getElementById(id("family")).value;
      return act("Permissions granted", () => api("POST", `/_mock/vaults/${vault.name}/accessPolicies`,
        { objectId: document.getElementById(id("who")).value, permissions: { [family]: perms } }), refresh);
    } }, "Grant"));
  queueMicrotask(() => {
    document.getElementById(id("family")).addEventListener("change", fill);
    fill();
  });
  return form;
}

function roleRow(vault, list, i) {
  const a = list[i];
  return el("tr", {}, el("td", {}, who(a.principalId)), el("td", {}, a.role), el("td", {}, el("code", {}, a.scope || "/")),
    el("td", {}, el("button", { type: "button", class: "danger", "aria-label": `Remove ${a.role} of ${principalName(a.principalId) || a.principalId}`,
      onclick: () => act("Role assignment removed", () => api("PUT", `/_mock/vaults/${vault.name}/roleAssignments`,
        list.filter((_, k) => k !== i)), refresh) }, "Remove")));
}

function roleForm(vault) {
  const id = (x) => `ra-${vault.name}-${x}`;
  return el("fieldset", {}, el("legend", {}, "Assign a role"),
    el("div", { class: "row" }, selectOf(id("who"), "Principal", principalOptions()),
      selectOf(id("role"), "Role", state.summary.roles.map((r) => [r, r])),
      el("label", {}, "Scope", el("input", { id: id("scope"), value: "/", size: 24 })),
      el("button", { type: "button", class: "primary", onclick: () => act("Role assigned",
        () => api("POST", `/_mock/vaults/${vault.name}/roleAssignments`, {
          principalId: document.getElementById(id("who")).value,
          role: document.getElementById(id("role")).value,
          scope: document.getElementById(id("scope")).value || "/",
        }), refresh) }, "Assign")));
}

export function renderAccess() {
  const box = document.getElementById("access");
  box.replaceChildren(...state.summary.vaults.map((v) => {
    const pols = v.accessPolicies || [], roles = v.roleAssignments || [];
    const active = v.permissionModel === "rbac" ? "role assignments decide" : "access policies decide";
    return el("div", { class: "card" }, el("h3", {}, v.name, " ", el("span", { class: "hint" }, `(${active})`)),
      el("h4", {}, "Access policies"),
      el("table", { class: "grid" }, el("thead", {}, el("tr", {}, ["Principal", "Permissions", ""].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, pols.map((_, i) => policyRow(v, pols, i)))),
      policyForm(v),
      el("h4", {}, "Role assignments"),
      el("table", { class: "grid" }, el("thead", {}, el("tr", {}, ["Principal", "Role", "Scope", ""].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, roles.map((_, i) => roleRow(v, roles, i)))),
      roleForm(v));
  }));
}

// ---- Identities and what they may do ----

function grantsOf(p) {
  const out = [];
  for (const v of state.summary.vaults) {
    const low = p.oid.toLowerCase();
    const pols = (v.accessPolicies || []).filter((a) => a.objectId.toLowerCase() === low);
    const roles = (v.roleAssignments || []).filter((a) => a.principalId.toLowerCase() === low);
    const list = v.permissionModel === "rbac"
      ? roles.map((a) => `${a.role} at ${a.scope || "/"}`)
      : pols.flatMap((a) => Object.entries(a.permissions || {}).map(([f, ps]) => `${f}: ${ps.join(", ") || "none"}`));
    out.push(el("div", {}, el("strong", {}, `${v.name}: `), list.length ? list.join("; ") : "nothing"));
  }
  return out;
}

export function renderIdentities() {
  const box = document.getElementById("identities");
  const rows = principals().map((p) => el("tr", {}, el("td", {}, p.name), el("td", {}, p.kind),
    el("td", {}, el("code", {}, p.appid)), el("td", {}, el("code", {}, p.oid)), el("td", {}, grantsOf(p))));
  const apps = (state.summary.tenants || []).flatMap((t) => t.applications);
  box.replaceChildren(
    el("table", { class: "grid" }, el("thead", {}, el("tr", {}, ["Name", "Kind", "Client id", "Object id", "May do (per vault)"]
      .map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, rows)),
    el("h3", {}, "Application credentials"),
    el("p", { class: "hint" }, "Counted only: the console never receives a client secret."),
    el("table", { class: "grid" }, el("thead", {}, el("tr", {}, ["Application", "Client secrets", "Certificates", "Graph roles"]
      .map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, apps.map((a) => el("tr", {}, el("td", {}, a.displayName), el("td", { class: "num" }, a.clientSecrets),
      el("td", { class: "num" }, a.certificates), el("td", {}, (a.graphRoles || []).join(", ")))))));
}

// ---- Needed ----

export async function renderNeeded() {
  const box = document.getElementById("needed");
  const data = await api("GET", "/_mock/authz/needed");
  const rows = [];
  for (const p of data.principals || []) {
    for (const v of p.vaults) {
      const perms = Object.entries(v).filter(([k, x]) => k.endsWith("Permissions") && x.length)
        .map(([k, x]) => `${k.replace("Permissions", "")}: ${x.join(", ")}`);
      rows.push(el("tr", {}, el("td", {}, p.displayName || principalName(p.oid) || p.appid, " ", el("code", { class: "hint" }, p.oid)),
        el("td", {}, v.vault), el("td", {}, perms.join("; ")),
        el("td", {}, v.roleAssignments.map((r) => `${r.role} at ${r.scope}`).join("; "))));
    }
  }
  box.replaceChildren(el("p", { class: "hint" }, "Per principal and vault, the smallest access-policy permissions and role assignments that would have allowed everything it did (GET /_mock/authz/needed)."),
    rows.length ? el("table", { class: "grid" }, el("thead", {}, el("tr", {}, ["Principal", "Vault", "Access-policy permissions", "Role assignments"]
      .map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, rows)) : el("p", {}, "Nothing recorded yet."));
}

// ---- Clock, faults, throttling ----

export async function renderClock() {
  const c = await api("GET", "/_mock/clock");
  const post = (label, body) => act(label, () => api("POST", "/_mock/clock", body), renderClock);
  document.getElementById("clock").replaceChildren(el("div", { class: "card" }, el("h3", {}, "Mock clock"),
    kvList([["Now", fmtTime(c.now)], ["Frozen", c.frozen ? "yes" : "no"], ["Offset from real time", `${c.offset} s`]]),
    el("div", { class: "row" },
      el("button", { type: "button", onclick: () => post("Clock advanced 1 hour", { advance: 3600 }) }, "+1 hour"),
      el("button", { type: "button", onclick: () => post("Clock advanced 1 day", { advance: 86400 }) }, "+1 day"),
      el("button", { type: "button", onclick: () => post("Clock advanced 30 days", { advance: 30 * 86400 }) }, "+30 days"),
      el("label", {}, "Advance by (seconds)", el("input", { id: "clock-secs", type: "number", value: "60", size: 8 })),
      el("button", { type: "button", onclick: () => post("Clock advanced", { advance: Number(document.getElementById("clock-secs").value) }) }, "Advance"),
      el("button", { type: "button", onclick: () => post(c.frozen ? "Clock running" : "Clock frozen", { freeze: !c.frozen }) }, c.frozen ? "Unfreeze" : "Freeze"))));
  await renderFaults();
  await renderThrottle();
}

function faultText(f) {
  const m = Object.entries(f.match || {}).map(([k, v]) => `${k}=${v}`).join(" ") || "every request";
  const a = Object.entries(f.action || {}).map(([k, v]) => `${k}=${v}`).join(" ");
  const how = ["times", "every", "probability"].filter((k) => f[k] !== undefined && f[k] !== null).map((k) => `${k}=${f[k]}`).join(" ");
  return `${m} → ${a}${how ? ` (${how})` : ""}`;
}

async function renderFaults() {
  const data = await api("GET", "/_mock/faults");
  const rules = data.value || [];
  const val = (id) => document.getElementById(id).value.trim();
  const add = () => {
    const match = {}, action = {}, rule = { match, action };
    for (const k of ["endpoint", "operation", "vault", "principal", "path"]) if (val(`fa-${k}`)) match[k] = val(`fa-${k}`);
    for (const k of ["status", "retryAfter", "delayMs"]) if (val(`fa-${k}`)) action[k] = Number(val(`fa-${k}`));
    if (document.getElementById("fa-drop").checked) action.drop = true;
    if (val("fa-times")) rule.times = Number(val("fa-times"));
    if (val("fa-probability")) rule.probability = Number(val("fa-probability"));
    return act("Fault rule added", () => api("POST", "/_mock/faults", rule), renderFaults);
  };
  const input = (k, label, size = 12, type = "text") => el("label", {}, label, el("input", { id: `fa-${k}`, size, type }));
  document.getElementById("faults").replaceChildren(el("div", { class: "card" }, el("h3", {}, "Fault rules"),
    rules.length ? el("table", { class: "grid" }, el("thead", {}, el("tr", {}, ["Id", "Rule", "Matched", "Fired", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rules.map((f) => el("tr", {}, el("td", {}, f.id), el("td", {}, el("code", {}, faultText(f))),
        el("td", { class: "num" }, f.matched), el("td", { class: "num" }, f.fired),
        el("td", {}, el("button", { type: "button", class: "danger", "aria-label": `Remove fault rule ${f.id}`,
          onclick: () => act(`Fault rule ${f.id} removed`, () => api("DELETE", `/_mock/faults/${f.id}`), renderFaults) }, "Remove"))))))
      : el("p", { class: "hint" }, "No fault rules."),
    el("fieldset", {}, el("legend", {}, "Add a rule"),
      el("div", { class: "row" }, input("endpoint", "Endpoint (vault, token, msi…)", 10), input("operation", "Operation", 14),
        input("vault", "Vault", 10), input("principal", "Principal", 14), input("path", "Path glob", 14)),
      el("div", { class: "row" }, input("status", "Status", 5, "number"), input("retryAfter", "Retry-After (s)", 5, "number"),
        input("delayMs", "Delay (ms)", 6, "number"), el("label", { class: "inline" }, el("input", { id: "fa-drop", type: "checkbox" }), "Drop connection"),
        input("times", "Times", 4, "number"), input("probability", "Probability", 4, "number"),
        el("button", { type: "button", class: "primary", onclick: add }, "Add rule"))),
    rules.length ? el("button", { type: "button", class: "danger", onclick: () => act("Fault rules cleared", () => api("DELETE", "/_mock/faults"), renderFaults) }, "Remove all") : null));
}

async function renderThrottle() {
  const t = await api("GET", "/_mock/throttle");
  const throttled = document.querySelectorAll("#journal tr[data-status='429']").length;
  const put = () => act("Throttling changed", () => api("PUT", "/_mock/throttle", {
    mode: document.getElementById("th-mode").value,
    transactions: Number(document.getElementById("th-tr").value),
    creations: Number(document.getElementById("th-cr").value),
    windowSeconds: Number(document.getElementById("th-win").value),
  }), renderThrottle);
  document.getElementById("throttle").replaceChildren(el("div", { class: "card" }, el("h3", {}, "Throttling"),
    kvList([["Mode", t.mode], ["Per vault per window", `${t.transactions} transactions, ${t.creations} creations`],
      ["Window", `${t.windowSeconds} s`], ["429 answers in the requests shown", String(throttled)]]),
    el("div", { class: "row" },
      el("label", {}, "Mode", el("select", { id: "th-mode" }, ["off", "azure"].map((m) => el("option", { value: m, selected: m === t.mode }, m)))),
      el("label", {}, "Transactions", el("input", { id: "th-tr", type: "number", value: t.transactions, size: 7 })),
      el("label", {}, "Creations", el("input", { id: "th-cr", type: "number", value: t.creations, size: 7 })),
      el("label", {}, "Window (s)", el("input", { id: "th-win", type: "number", value: t.windowSeconds, size: 5 })),
      el("button", { type: "button", class: "primary", onclick: put }, "Apply"))));
}

export function renderAll() {
  renderVaults();
  renderAccess();
  renderIdentities();
}
