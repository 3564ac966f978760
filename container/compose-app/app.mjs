// The application container of compose.yaml: a client of https://mockvault:8443 that uses nothing
// but Node's own modules, to show the two things every app in the Compose network needs: the
// service name in the URL and the mock's CA (NODE_EXTRA_CA_CERTS=/mockvault/ca.pem, from the
// mock's state volume). It gets a token for its identity from the mock's token endpoint, reads a
// secret from the default vault and checks the control API with the control token. Secret values
// are never printed. Exits 0 when all of it worked.
//
// An Azure SDK client in such a container takes the same two settings: vaultUrl
// https://mockvault:8443 with disableChallengeResourceVerification, and authorityHost
// https://mockvault:8443 with disableInstanceDiscovery (docs/container.md).
import { request } from "node:https";

const env = (name) => {
  if (!process.env[name]) {
    throw new Error(`${name} is not set`);
  }
  return process.env[name];
};

function call(method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      let data = "";
      res.on("data", (c) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode, body: data }));
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

// The mock may still be starting (depends_on does not wait for its health check everywhere).
async function waitHealthy(base) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await call("GET", `${base}/_mock/health`)).status === 200) {
        return;
      }
    } catch (err) {
      if (/certificate|self.signed|CERT/i.test(String(err))) {
        throw err; // not a start-up delay: the CA is not trusted
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${base} did not become healthy`);
}

async function main() {
  const vault = env("VAULT_URL");
  const authority = env("AZURE_AUTHORITY_HOST");
  await waitHealthy(vault);
  console.log(`app: ${vault} is healthy, and its certificate is trusted through the CA file`);

  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: env("AZURE_CLIENT_ID"),
    client_secret: env("AZURE_CLIENT_SECRET"),
    scope: "https://vault.azure.net/.default",
  }).toString();
  const tok = await call("POST", `${authority}/${env("AZURE_TENANT_ID")}/oauth2/v2.0/token`, {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  if (tok.status !== 200) {
    throw new Error(`token endpoint answered ${tok.status}`);
  }
  const token = JSON.parse(tok.body).access_token;
  console.log("app: got a token for the app's identity");

  const name = env("SECRET_NAME");
  const got = await call("GET", `${vault}/secrets/${name}?api-version=7.4`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (got.status !== 200) {
    throw new Error(`GET secret ${name} answered ${got.status}: ${got.body}`);
  }
  const value = JSON.parse(got.body).value;
  console.log(`app: read secret ${name} (${value.length} characters) from the default vault`);

  const without = await call("GET", `${vault}/_mock/requests`);
  const withToken = await call("GET", `${vault}/_mock/requests`, {
    headers: { "x-mockvault-control-token": env("MOCKVAULT_CONTROL_TOKEN") },
  });
  if (without.status !== 403 || withToken.status !== 200) {
    throw new Error(`control API: ${without.status} without the token, ${withToken.status} with it`);
  }
  console.log("app: the control API answers 403 without the control token and 200 with it");
}

main().then(
  () => console.log("app: done"),
  (err) => {
    console.error(`app: FAILED: ${err.message}`);
    process.exit(1);
  },
);
