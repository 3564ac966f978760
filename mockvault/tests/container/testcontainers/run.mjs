// CI's run of the Testcontainers recipe (recipe.mjs) against podman's Docker-compatible API
// (test-testcontainers.sh starts `podman system service`): the container starts and is waited
// for, the CA is fetched, the JS SDK's unmodified proxy scenario (../../sdk/js/client.mjs) runs
// with the recipe's environment, the control API takes the token, and the container stops.
// TAP output; exit 0 when every check passed.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { get, startMockvault } from "./recipe.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const sdk = join(here, "..", "..", "sdk", "js");
let n = 0;
let failed = false;
const result = (ok, what) => {
  n += 1;
  failed ||= !ok;
  console.log(`${ok ? "ok" : "not ok"} ${n} - ${what}`);
};

function runClient(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(sdk, "client.mjs")], {
      cwd: sdk,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function main() {
  const t0 = Date.now();
  const mv = await startMockvault({ image: process.env.MOCKVAULT_TEST_IMAGE || undefined });
  result(true, `GenericContainer started and /_mock/health answered in ${Date.now() - t0} ms (${mv.url})`);
  result(true, "the CA from GET /_mock/ca.pem verifies the mock's certificate");
  try {
    const c = await runClient({ ...mv.env, MV_MODE: "proxy", MV_SUFFIX: randomBytes(4).toString("hex") });
    for (const line of c.out.trimEnd().split("\n")) {
      console.log(`# ${line}`);
    }
    result(c.code === 0, "the JS SDK's every-operation scenario with the recipe's environment, unmodified code");
    const ca = readFileSync(mv.caFile);
    const without = await get(`${mv.url}/_mock/requests`, { ca });
    const withToken = await get(`${mv.url}/_mock/requests`, {
      ca,
      headers: { "X-Mockvault-Control-Token": mv.controlToken },
    });
    result(without.status === 403 && withToken.status === 200,
      `the control API: ${without.status} without the token, ${withToken.status} with it`);
  } finally {
    const s0 = Date.now();
    await mv.container.stop({ timeout: 10, remove: true, removeVolumes: true });
    result(Date.now() - s0 < 5000, `container.stop() took ${Date.now() - s0} ms`);
  }
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.log(`not ok ${n + 1} - ${err.stack || err}`);
  console.log(`1..${n + 1}`);
  process.exit(1);
});
