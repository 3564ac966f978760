// mvsdk.mjs: what the JS SDK suites share (as python/mvsdk.py does for the Python suites): where
// the repository, the mock's binary and the default fixture are, a mock started on port 0 and
// waited for, and the check that a call fails with a given RestError.
//
// Environment: MOCKVAULT_BIN (default <repo>/${BUILD_DIR:-build}/mockvault/mockvault),
// MOCKVAULT_FIXTURES (default <repo>/fixtures/default.json).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const bin = process.env.MOCKVAULT_BIN || join(repo, process.env.BUILD_DIR || "build", "mockvault", "mockvault");
export const fixtures = process.env.MOCKVAULT_FIXTURES || join(repo, "fixtures", "default.json");

// Starts the mock with the default fixture, port 0 for HTTPS and the proxy, and extra arguments,
// in a new directory named after prefix (its log is mock.log there); resolves when the ready file
// names the port, the proxy and the CA: { proc, dir, ready, ca } with ca the CA's PEM bytes.
export async function startMock(prefix, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const readyFile = join(dir, "ready.json");
  const fd = openSync(join(dir, "mock.log"), "w");
  const args = ["--port", "0", "--proxy-port", "0", "--fixtures", fixtures, "--ready-file", readyFile, ...extra];
  const proc = spawn(bin, args, { stdio: ["ignore", fd, fd], cwd: repo });
  closeSync(fd);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (existsSync(readyFile)) {
      try {
        const ready = JSON.parse(readFileSync(readyFile, "utf8"));
        if (ready.port && ready.proxy && ready.ca) {
          return { proc, dir, ready, ca: readFileSync(ready.ca) };
        }
      } catch {
        // still being written
      }
    }
    if (Date.now() > deadline || proc.exitCode !== null) {
      throw new Error(`the mock did not start: ${readFileSync(join(dir, "mock.log"), "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Runs fn, which must fail with a RestError of this status (and code, when given).
export async function expectRestError(fn, statusCode, code) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a RestError ${statusCode}, but the call succeeded`);
  assert.equal(err.name, "RestError", `expected a RestError, got ${err.name}: ${err.message}`);
  assert.equal(err.statusCode, statusCode, `statusCode (message: ${err.message})`);
  if (code !== undefined) {
    assert.equal(err.code, code, `code (message: ${err.message})`);
  }
  return err;
}
