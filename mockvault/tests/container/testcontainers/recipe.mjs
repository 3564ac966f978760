// The Testcontainers recipe of docs/container.md: mockvault in a container for a Node test suite.
// Works against Docker and against podman's Docker-compatible API (DOCKER_HOST, with
// TESTCONTAINERS_RYUK_DISABLED=true where the reaper's image cannot be pulled).
//
//   const mv = await startMockvault();
//   // mv.env: HTTPS_PROXY, NODE_EXTRA_CA_CERTS and AZURE_* for unmodified Azure SDK code, which
//   // then reaches https://{vault}.vault.azure.net and login.microsoftonline.com in the mock.
//   // Give it to the test processes (Node reads NODE_EXTRA_CA_CERTS at start).
//   ...
//   await mv.container.stop();
import { GenericContainer, Wait } from "testcontainers";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

// One HTTPS GET; resolves to {status, body}.
export function get(url, options = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 10_000, ...options }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}

export async function startMockvault({
  image = "localhost/mockvault:latest",
  controlToken = "testcontainers-control-token-0123456789",
  tenantId = "11111111-1111-1111-1111-111111111111",
  clientId = "aaaaaaaa-0000-0000-0000-000000000001",
  clientSecret = "admin-client-secret",
} = {}) {
  const container = await new GenericContainer(image)
    .withExposedPorts(8443, 8444)
    // The test process reaches the mock through a published port, so it is not a loopback peer:
    // it sends this token to use /_mock (faults, clock, journal).
    .withEnvironment({ MOCKVAULT_CONTROL_TOKEN: controlToken })
    // /_mock/health answers any peer. (Wait.forHealthCheck() runs the image's HEALTHCHECK
    // instead; podman schedules health checks only with systemd.)
    .withWaitStrategy(Wait.forHttp("/_mock/health", 8443).usingTls().allowInsecure())
    .withStartupTimeout(30_000)
    .start();
  const host = container.getHost();
  const url = `https://${host}:${container.getMappedPort(8443)}`;
  const proxy = `http://${host}:${container.getMappedPort(8444)}`;

  // The CA: the first request cannot verify the certificate yet; the second proves the CA does.
  let caFile;
  try {
    const ca = await get(`${url}/_mock/ca.pem`, { rejectUnauthorized: false });
    if (ca.status !== 200 || !ca.body.includes("BEGIN CERTIFICATE")) {
      throw new Error(`GET /_mock/ca.pem answered ${ca.status}`);
    }
    if ((await get(`${url}/_mock/health`, { ca: ca.body })).status !== 200) {
      throw new Error("the mock's CA does not verify its certificate");
    }
    caFile = join(mkdtempSync(join(tmpdir(), "mockvault-ca-")), "ca.pem");
    writeFileSync(caFile, ca.body);
  } catch (err) {
    await container.stop();
    throw err;
  }

  return {
    container,
    url,
    proxy,
    caFile,
    controlToken,
    env: {
      HTTPS_PROXY: proxy,
      NODE_EXTRA_CA_CERTS: caFile,
      AZURE_TENANT_ID: tenantId,
      AZURE_CLIENT_ID: clientId,
      AZURE_CLIENT_SECRET: clientSecret,
    },
  };
}
