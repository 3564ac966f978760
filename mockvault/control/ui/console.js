// console.js: the console's entry point: views switched by the URL fragment, the live request
// journal (GET /_mock/requests/stream, read with fetch so that no library is needed), its filters
// and marks, and a denial's explanation with the button that applies its smallest change
// (the journal entry's "fix": one control-API call). docs/console.md describes the page.
import {
  act, api, badge, el, fmtTime, notify, principalName, principals, renderAll, renderClock,
  renderNeeded, state,
} from "/_mock/ui/views.js";

const MAX_ENTRIES = 2000; // kept in memory; the journal itself keeps 10,000
const MAX_ROWS = 500; // drawn
const entries = []; // newest last
let lastSeq = 0;
let skippedTotal = 0;

// ---- Views ----

const views = ["requests", "vaults", "access", "identities", "needed", "clock"];

async function showView() {
  const name = views.includes(location.hash.slice(1)) ? location.hash.slice(1) : "requests";
  for (const v of views) document.getElementById(`view-${v}`).hidden = v !== name;
  for (const a of document.querySelectorAll("#tabs a")) {
    if (a.dataset.view === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  try {
    if (name === "needed") await renderNeeded();
    if (name === "clock") await renderClock();
  } catch (e) {
    notify(e.message, true);
  }
}

// ---- The journal ----

function statusKind(s) {
  return s >= 200 && s < 400 ? "ok" : s === 429 || s === 0 ? "warn" : "bad";
}

function marks(e) {
  const out = [];
  if (e.fault) out.push(badge(`fault #${e.fault}`, "warn"));
  if (e.status === 429) out.push(badge("throttled", "warn"));
  if (e.authz === "would-deny") out.push(badge("would deny", "warn"));
  if (e.algorithm) out.push(badge(e.algorithm));
  return out;
}

function isMarked(e) {
  return Boolean(e.fault || e.status === 429 || e.authz === "would-deny");
}

function filters() {
  return {
    vault: document.getElementById("f-vault").value.toLowerCase(),
    principal: document.getElementById("f-principal").value.toLowerCase(),
    operation: document.getElementById("f-operation").value.trim().toLowerCase(),
    status: document.getElementById("f-status").value,
  };
}

function matches(e, f) {
  if (f.vault && (e.vault || "").toLowerCase() !== f.vault) return false;
  if (f.principal && (e.appid || "").toLowerCase() !== f.principal && (e.oid || "").toLowerCase() !== f.principal) return false;
  if (f.operation && !(e.operation || "").toLowerCase().includes(f.operation)) return false;
  switch (f.status) {
    case "": return true;
    case "ok": return e.status >= 200 && e.status < 400;
    case "err": return e.status >= 400 || e.status === 0;
    case "marked": return isMarked(e);
    default: return String(e.status) === f.status;
  }
}

// What a fix does, in words: "grant secrets get to no-access-app in vault demo".
function describeFix(fix) {
  const b = fix.body || {};
  const vault = (fix.path.match(/\/_mock\/vaults\/([^/]+)\//) || [])[1] || "";
  if (b.role) return `assign '${b.role}' to ${principalName(b.principalId) || b.principalId} at scope ${b.scope || "/"} in vault ${vault}`;
  const perms = Object.entries(b.permissions || {}).map(([f, p]) => `${f} ${p.join(", ")}`).join("; ");
  return `grant ${perms} to ${principalName(b.objectId) || b.objectId} in vault ${vault}`;
}

async function applyFix(e, button) {
  button.disabled = true;
  await act(`Applied: ${describeFix(e.fix)}. The next request of this client succeeds.`, async () => {
    await api(e.fix.method, e.fix.path, e.fix.body);
    e.fixed = true;
    button.textContent = "Fix applied";
  }, async () => {
    state.summary = await api("GET", "/_mock/summary");
    renderAll();
  });
  if (!e.fixed) button.disabled = false;
}

function rows(e) {
  const name = principalName(e.oid) || principalName(e.appid);
  const denied = Boolean(e.explanation) && e.status === 403;
  const cls = denied ? "denied" : isMarked(e) ? "marked" : null;
  const tr = el("tr", { class: cls, "data-seq": e.seq, "data-status": e.status, "data-request-id": e.requestId },
    el("td", { class: "mono" }, fmtTime(e.time).slice(11)),
    el("td", {}, el("strong", {}, e.operation || "?"), " ", el("span", { class: "mono hint" }, `${e.method} ${e.path}`)),
    el("td", {}, e.vault),
    el("td", {}, name || el("code", {}, e.appid || "")),
    el("td", {}, badge(e.status === 0 ? "dropped" : e.status, statusKind(e.status)), e.errorCode ? [" ", el("span", { class: "hint" }, e.errorCode)] : null),
    el("td", {}, marks(e)),
    el("td", { class: "num" }, e.latencyMs));
  if (!e.explanation) return [tr];
  const fixButton = e.fix ? el("button", { type: "button", class: "fix", "data-fix-seq": e.seq, disabled: e.fixed || null,
    onclick: (ev) => applyFix(e, ev.currentTarget) }, e.fixed ? "Fix applied" : `Fix: ${describeFix(e.fix)}`) : null;
  return [tr, el("tr", { class: "explain", "data-explain-seq": e.seq, "data-request-id": e.requestId },
    el("td", { colspan: 7 }, el("p", { class: "explanation" }, e.explanation), fixButton))];
}

function render() {
  const f = filters();
  const shown = [];
  for (let i = entries.length - 1; i >= 0 && shown.length < MAX_ROWS; i--) {
    if (matches(entries[i], f)) shown.push(entries[i]);
  }
  const tbody = document.querySelector("#journal tbody");
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.fixSeq : undefined;
  tbody.replaceChildren(...shown.flatMap(rows));
  if (focused) {
    const again = tbody.querySelector(`button[data-fix-seq="${focused}"]`);
    if (again) again.focus();
  }
  document.getElementById("journal-empty").hidden = entries.length > 0;
  const sk = document.getElementById("skipped");
  sk.hidden = skippedTotal === 0;
  sk.textContent = `${skippedTotal} requests came faster than the page is sent them and are not shown (GET /_mock/requests has the newest 10,000).`;
}

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
  });
}

// A change that a client made (a write, or anything else that succeeded) may have changed the
// vaults: the summary is read again, at most once a second.
let summaryTimer = null;
function scheduleSummary() {
  if (summaryTimer) return;
  summaryTimer = setTimeout(async () => {
    summaryTimer = null;
    try {
      state.summary = await api("GET", "/_mock/summary");
      renderAll();
      fillFilterChoices();
    } catch (e) {
      notify(e.message, true);
    }
  }, 1000);
}

function onEvent(type, data) {
  if (type === "request") {
    const e = JSON.parse(data);
    lastSeq = Math.max(lastSeq, e.seq || 0);
    entries.push(e);
    if (entries.length > MAX_ENTRIES) entries.splice(0, entries.length - MAX_ENTRIES);
    if (e.method !== "GET" && e.status < 400) scheduleSummary();
    scheduleRender();
  } else if (type === "clear") {
    entries.length = 0;
    skippedTotal = 0;
    scheduleRender();
    scheduleSummary();
  } else if (type === "skipped") {
    skippedTotal += JSON.parse(data).count || 0;
    scheduleRender();
  }
}

// Server-sent events, parsed from a fetch body: blocks separated by a blank line, "event:" and
// "data:" fields, ":" comments ignored.
function parseBlock(block) {
  let type = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (data.length) onEvent(type, data.join("\n"));
}

function setLive(on, text) {
  const b = document.getElementById("live");
  b.textContent = text || (on ? "live" : "reconnecting…");
  b.className = `badge ${on ? "ok" : "off"}`;
}

async function stream() {
  for (;;) {
    try {
      const res = await fetch(`/_mock/requests/stream?after=${lastSeq}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`stream: ${res.status}`);
      setLive(true);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          parseBlock(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      }
    } catch (e) {
      setLive(false, "disconnected");
    }
    setLive(false);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function fillFilterChoices() {
  const keep = (id) => document.getElementById(id).value;
  const vault = keep("f-vault"), principal = keep("f-principal");
  document.getElementById("f-vault").replaceChildren(el("option", { value: "" }, "any"),
    ...state.summary.vaults.map((v) => el("option", { value: v.name.toLowerCase() }, v.name)));
  document.getElementById("f-principal").replaceChildren(el("option", { value: "" }, "any"),
    ...principals().filter((p) => p.appid).map((p) => el("option", { value: p.appid.toLowerCase() }, p.name)));
  document.getElementById("f-vault").value = vault;
  document.getElementById("f-principal").value = principal;
  fillOperations();
}

function fillOperations() {
  const ops = new Set(entries.map((e) => e.operation).filter(Boolean));
  document.getElementById("ops").replaceChildren(...[...ops].sort().map((o) => el("option", { value: o })));
}

async function init() {
  for (const id of ["f-vault", "f-principal", "f-operation", "f-status"]) {
    document.getElementById(id).addEventListener("input", scheduleRender);
  }
  document.getElementById("filters").addEventListener("submit", (ev) => ev.preventDefault());
  document.getElementById("clear-journal").addEventListener("click", () =>
    act("Journal cleared", () => api("DELETE", "/_mock/requests")));
  document.getElementById("reset").addEventListener("click", () => {
    if (confirm("Reset the mock to its fixture? Vaults, access, the clock, faults and the journal go back to the start.")) {
      act("Reset to the fixture", () => api("POST", "/_mock/reset"), async () => {
        state.summary = await api("GET", "/_mock/summary");
        renderAll();
        await showView();
      });
    }
  });
  window.addEventListener("hashchange", showView);
  try {
    state.summary = await api("GET", "/_mock/summary");
  } catch (e) {
    notify(`The control API refused: ${e.message}`, true);
    setLive(false, "no access");
    return;
  }
  document.getElementById("authz-mode").textContent = `authz ${state.summary.authz}`;
  renderAll();
  fillFilterChoices();
  await showView();
  render();
  stream();
  setInterval(fillOperations, 5000);
}

init();
