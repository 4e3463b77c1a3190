/**
 * A main client registered by JWKS URL (config `client.jwksUrl`, issue 16): against a server that registers
 * clients only by JWKS URL, the harness serves the main client's keys itself, every test of that client runs
 * (0 failed, 0 broken), and only the tests that need an inline registration are skipped, saying so. With
 * that client alone (no jwksUrlClient) the tests that keep the served key set as it is run with it; with
 * both clients at one host:port, one JWKS host serves both paths; a server that never fetches the main
 * client's URL leaves its tests broken with that reason, never passed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import { generateClientKey } from "../keys.ts";
import { runSuite } from "./run-suite.ts";
import type { Summary, SummaryTest } from "./summary-reporter.ts";
import { unclaimedLoopbackPort } from "./unclaimed-port.ts";
import { budgetMs } from "./budget.ts";

const INLINE_ONLY = "rejects any jku from a client registered with an inline JWK Set";
/** The same test at an app launch's code exchange (suites/app-launch/client-authentication.spec.ts). */
const INLINE_ONLY_AT_CODE_EXCHANGE =
  "refuses any jku from a client registered with an inline JWK Set at the code exchange";
const inlineOnly = (title: string): boolean =>
  title === INLINE_ONLY || title === INLINE_ONLY_AT_CODE_EXCHANGE;
const INLINE_REASON =
  "does not apply: the client is registered by JWKS URL (client.jwksUrl in the config), and this test needs a client registered with an inline JWK Set";

/** The tests that keep the served key set as it is: with only the main client by URL, they use it. */
const KEYS_UNCHANGED = [
  "issues an access token to the client registered by JWKS URL",
  "honours a jku equal to the client's registered JWKS URL",
  "rejects an assertion whose jku is not the client's registered JWKS URL",
  "does not fetch a jku that is not the client's registered JWKS URL",
  "rejects a jku that is the registered JWKS URL with a trailing slash",
  "rejects a jku that is the registered JWKS URL with a query string",
];

const notPassed = (summary: Summary, except: (t: SummaryTest) => boolean = () => false): string[] =>
  summary.tests
    .filter((t) => t.status !== "passed" && !except(t))
    .map((t) => `${t.status}: ${t.title}: ${t.message ?? ""}`);

/**
 * A reference target registering clients only by JWKS URL, and a config for it in a temporary folder:
 * the main client at `{origin}/keys/client.json` and, with `urlClient`, a jwksUrlClient at
 * `{origin}/keys/url-client.json`, both on one loopback port the harness listens at.
 */
async function urlOnlyTarget(urlClient: boolean): Promise<{ target: string; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "smart-jwks-url-main-"));
  let server: ReferenceServer | undefined;
  try {
    const keys = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
    await writeFile(
      join(dir, "client.private.jwks.json"),
      JSON.stringify({ keys: keys.map((g) => g.privateJwk) }),
    );
    const origin = `http://127.0.0.1:${await unclaimedLoopbackPort()}`;
    server = await startReferenceServer({
      registration: "jwks-url-only",
      clients: [
        { clientId: "main-client", scope: "system/Patient.rs", jwksUrl: `${origin}/keys/client.json` },
        ...(urlClient
          ? [{ clientId: "url-client", scope: "system/*.rs", jwksUrl: `${origin}/keys/url-client.json` }]
          : []),
      ],
    });
    const target = join(dir, "target.json");
    await writeFile(
      target,
      JSON.stringify({
        fhirBaseUrl: server.fhirBaseUrl,
        client: {
          clientId: "main-client",
          privateJwksPath: "client.private.jwks.json",
          scope: "system/Patient.rs",
          jwksUrl: `${origin}/keys/client.json`,
        },
        ...(urlClient
          ? {
              jwksUrlClient: {
                clientId: "url-client",
                jwksUrl: `${origin}/keys/url-client.json`,
                scope: "system/*.rs",
              },
            }
          : {}),
      }),
    );
    const started = server;
    return {
      target,
      close: async () => {
        await started.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

test("a reference target that registers clients only by JWKS URL: 0 failed, 0 broken, only the inline-only test skipped with its reason", async () => {
  test.setTimeout(budgetMs(60_000));
  // The whole suite but the tests that wait for tokens to expire (@slow): ~15 s with one worker.
  const summary = await runSuite({
    includeSlow: false,
    env: { SMART_REFERENCE_REGISTRATION: "jwks-url-only" },
  });
  expect(summary.target).toMatch(/registers clients only by JWKS URL/);
  expect(summary.tests.length, summary.errors.join("\n")).toBeGreaterThanOrEqual(200);
  expect(notPassed(summary, (t) => inlineOnly(t.title))).toEqual([]);
  const inline = summary.tests.find((t) => t.title === INLINE_ONLY);
  expect(inline?.status).toBe("skipped");
  expect(inline?.message).toBe(INLINE_REASON);
});

test("only the main client, registered by JWKS URL: the tests that keep its key set run with it, the others say they need a jwksUrlClient", async () => {
  test.setTimeout(budgetMs(60_000));
  const { target, close } = await urlOnlyTarget(false);
  try {
    const summary = await runSuite({ target, grep: "key-resolution/|client-assertion/iss-sub" });
    expect(summary.tests.length, summary.errors.join("\n")).toBeGreaterThanOrEqual(25);
    const status = (title: string) => summary.tests.find((t) => t.title === title)?.status;
    for (const title of KEYS_UNCHANGED) expect(status(title), title).toBe("passed");
    expect(status("rejects a client assertion whose kid names no registered key")).toBe("passed");
    expect(summary.totals.failed + summary.totals.broken, notPassed(summary).join("\n")).toBe(0);
    for (const t of summary.tests.filter((s) => s.status === "skipped")) {
      if (inlineOnly(t.title)) expect(t.message).toBe(INLINE_REASON);
      else
        expect(t.message, t.title).toMatch(
          /^no jwksUrlClient in the target config: this test changes the key set served at a client's JWKS URL or needs a second client/,
        );
    }
    // The key-changing JWKS-URL tests and the two-client test.
    expect(status("stops accepting a key removed from a JWKS URL that allows no caching")).toBe("skipped");
    expect(status("rejects an assertion for one client signed with another client's registered key")).toBe(
      "skipped",
    );
  } finally {
    await close();
  }
});

test("both clients registered by JWKS URL at one host:port: one JWKS host serves both paths and every test passes", async () => {
  test.setTimeout(budgetMs(60_000));
  const { target, close } = await urlOnlyTarget(true);
  try {
    const summary = await runSuite({ target, grep: "key-resolution/|client-assertion/iss-sub" });
    expect(summary.tests.length, summary.errors.join("\n")).toBeGreaterThanOrEqual(25);
    expect(notPassed(summary, (t) => inlineOnly(t.title))).toEqual([]);
  } finally {
    await close();
  }
});

test("a server that never fetches the clients' JWKS URLs leaves their tests broken with that reason, none passed", async () => {
  test.setTimeout(budgetMs(40_000));
  const summary = await runSuite({
    grep: "Key selection by kid|jku header",
    env: { SMART_REFERENCE_REGISTRATION: "jwks-url-only", SMART_REFERENCE_SSRF_GUARD: "1" },
  });
  expect(summary.tests.length, summary.errors.join("\n")).toBeGreaterThanOrEqual(9);
  for (const t of summary.tests) {
    if (inlineOnly(t.title)) {
      expect(t.message).toBe(INLINE_REASON);
      continue;
    }
    expect(t.status, `${t.title}: ${t.message}`).toBe("broken");
    // The URL client's tests first try the main client, whose unfetched URL ends them.
    expect(t.message).toMatch(
      /the target never fetched the JWKS URL http:\/\/127\.0\.0\.1:\d+\/jwks\/client\.json during this run \(it refused a valid token request of that client with HTTP \d{3} without fetching it\)/,
    );
    expect(t.message).toMatch(/set client\.listen/);
  }
});
