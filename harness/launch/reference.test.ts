/**
 * The launch driver against the reference target's launch side (fixtures/reference-server/launch.ts),
 * configured exactly as the embedded target is (embeddedLaunchConfig): the login and consent pages got
 * through headless, the code exchanged with the client's signed assertion and PKCE verifier, the id_token
 * verified against the advertised jwks_uri, the refresh; a login session reused within a browser context;
 * refusals read as outcomes; the id_token verification catches the reference's id_token faults; and the
 * recorded exchanges show no code, verifier or token whole.
 */
import { expect, test } from "@playwright/test";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import type { Fault } from "../../fixtures/reference-server/options.ts";
import { launchConfig, type TargetConfig } from "../config.ts";
import { Client } from "../conformance.ts";
import { HttpClient, jsonBody } from "../http.ts";
import { generateClientKey, publicJwks, type ClientKey } from "../keys.ts";
import { Redactor, renderExchange } from "../redact.ts";
import {
  EMBEDDED_LAUNCH_PASSWORD_ENV,
  EMBEDDED_LAUNCH_USERNAME,
  EMBEDDED_REDIRECT_URI,
  embeddedLaunchConfig,
} from "../runner/embedded-target.ts";
import { BrowserHolder } from "./browser.ts";
import { LaunchDriver, launchEndpoints } from "./driver.ts";

const CLIENT_ID = "launch-test-client";
const PASSWORD = `ref-${Math.random().toString(36).slice(2)}`;
const TIMEOUT_MS = 10_000;

let browsers: BrowserHolder;
let key: ClientKey;
const servers: ReferenceServer[] = [];

test.beforeAll(async () => {
  browsers = new BrowserHolder(60_000);
  key = (await generateClientKey("ES384")).key;
  // The config names the variable; the driver reads it when it types the password.
  process.env[EMBEDDED_LAUNCH_PASSWORD_ENV] = PASSWORD;
});

test.afterAll(async () => {
  await browsers.close();
  await Promise.all(servers.map((s) => s.close()));
});

async function driverFor(
  faults: readonly Fault[] = [],
): Promise<{ driver: LaunchDriver; http: HttpClient; server: ReferenceServer }> {
  const server = await startReferenceServer({
    clients: [
      {
        clientId: CLIENT_ID,
        scope: "system/Patient.rs",
        jwks: publicJwks([key]),
        redirectUris: [EMBEDDED_REDIRECT_URI],
      },
    ],
    faults,
    launchUser: { username: EMBEDDED_LAUNCH_USERNAME, password: PASSWORD },
  });
  servers.push(server);
  const http = new HttpClient({ timeoutMs: TIMEOUT_MS });
  const discoveryUrl = `${server.fhirBaseUrl}/.well-known/smart-configuration`;
  const discovery = jsonBody(await http.get(discoveryUrl)) as Record<string, unknown>;
  const endpoints = launchEndpoints(discovery, discoveryUrl, true);
  if ("reason" in endpoints) throw new Error(endpoints.reason);
  const config = {
    requestTimeoutMs: TIMEOUT_MS,
    fhirBaseUrl: server.fhirBaseUrl,
    client: { clientId: CLIENT_ID },
  } as unknown as TargetConfig;
  const client = new Client(CLIENT_ID, "system/Patient.rs", [key], server.tokenUrl);
  const driver = new LaunchDriver(
    {
      config,
      http,
      testInfo: test.info(),
      browser: () => browsers.browser(),
      client: () => Promise.resolve(client),
      postToken: (params, options) => http.postForm(server.tokenUrl, params, options),
      lean: false,
    },
    launchConfig(embeddedLaunchConfig()),
    endpoints,
  );
  return { driver, http, server };
}

test("the embedded target's launch block gets a code, tokens, a valid id_token and a refresh", async () => {
  const { driver, http } = await driverFor();
  try {
    const launch = await driver.tokens();
    const body = launch.body;
    expect(body).toMatchObject({ token_type: "Bearer", patient: expect.any(String) });
    expect(typeof body.refresh_token).toBe("string");
    const verified = await driver.verifyIdToken(body.id_token as string);
    expect(verified.problems).toEqual({});
    expect(verified.claims?.fhirUser).toEqual(expect.stringContaining("/Practitioner/"));
    const refreshed = await driver.exchange(
      await driver.refreshParams(body.refresh_token as string),
      "refresh",
    );
    expect(refreshed.response.status).toBe(200);

    // Nothing bearer-like is shown whole: code, verifier, tokens, the password never at all.
    const redactor = new Redactor(false);
    for (const ex of http.exchanges) redactor.learn(ex);
    const shown = http.exchanges.map((ex) => renderExchange(ex, redactor)).join("\n");
    for (const secret of [launch.code, launch.request.pkce.verifier, body.access_token, body.refresh_token])
      expect(shown).not.toContain(secret as string);
    expect(shown).not.toContain(PASSWORD);
    expect(shown).toContain("<signature removed");
  } finally {
    await driver.close();
  }
});

test("a session reused in one browser context skips the login page; consent is asked again", async () => {
  const { driver } = await driverFor();
  try {
    const session = await driver.session();
    const first = await driver.code({ session });
    const second = await driver.code({ session });
    expect(first.code).not.toBe(second.code);
    expect(second.result.exchange.label).toContain("launch.login[1]");
    expect(second.result.exchange.label).not.toContain("launch.login[0]");
  } finally {
    await driver.close();
  }
});

test("refusals are outcomes: an unregistered redirect_uri a 400 page, no code_challenge an error redirect with state", async () => {
  const { driver } = await driverFor();
  try {
    const page = await driver.authorize(
      driver.request({ changes: { redirect_uri: `${EMBEDDED_REDIRECT_URI}/elsewhere` } }),
    );
    expect(page).toMatchObject({ kind: "page", status: 400 });
    const request = driver.request({ changes: { code_challenge: undefined } });
    const refused = await driver.authorize(request);
    expect(refused).toMatchObject({ kind: "error", error: "invalid_request", state: request.state });
  } finally {
    await driver.close();
  }
});

for (const [fault, item] of [
  ["launch-id-token-foreign-key", "signature"],
  ["launch-id-token-wrong-aud", "aud"],
  ["launch-id-token-wrong-iss", "iss"],
  ["launch-id-token-expired", "exp"],
] as const) {
  test(`id_token verification catches ${fault}: a problem with ${item}`, async () => {
    const { driver } = await driverFor([fault]);
    try {
      const { body } = await driver.tokens();
      const verified = await driver.verifyIdToken(body.id_token as string);
      expect(Object.keys(verified.problems)).toEqual([item]);
    } finally {
      await driver.close();
    }
  });
}
