/**
 * A protected resource in the config (issue 15, oauth-jwt): a server with no FHIR base in the config, only
 * a token endpoint and a `protectedResource` (any URL and method), has the RFC 6750 bearer-token tests run
 * against that resource under --profile oauth-jwt, and the reference faults those tests guard are still
 * caught there. The FHIR-specific tests (scope enforcement per resource type) stay SMART-only.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { DETECTION_MATRIX } from "../../fixtures/reference-server/detection-matrix.ts";
import type { Fault } from "../../fixtures/reference-server/options.ts";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import { loadTargetConfig } from "../config.ts";
import { ConformanceContext, Target } from "../conformance.ts";
import { HttpClient } from "../http.ts";
import { generateClientKey, publicJwks } from "../keys.ts";
import { runConformanceCli, runSuite, SUITE_RUN_LIMIT_MS } from "./run-suite.ts";
import type { Summary } from "./summary-reporter.ts";
import { budgetMs } from "./budget.ts";

/** The RFC 6750 tests of suites/fhir/bearer-token.spec.ts: every one runs against a protectedResource. */
const BEARER_TESTS = [
  "answers a search with a valid access token",
  "refuses a search without a token with 401 and a Bearer challenge",
  "refuses an unknown access token with 401 invalid_token",
  "refuses an access token with one character changed",
  "refuses an Authorization header with the Bearer scheme with no token",
  "refuses an Authorization header with two tokens after Bearer",
  "refuses an Authorization header with the Basic scheme",
  'accepts the scheme name in lower case ("bearer")',
  "refuses a token sent both in the header and in the query string",
  "sends no error attribute in the challenge when no credentials were sent",
  "refuses a token once it has expired",
];

/** The reference faults whose detection-matrix rows name a bearer test: each must be caught there too. */
const FAULTS = (Object.keys(DETECTION_MATRIX) as Fault[]).filter((fault) =>
  DETECTION_MATRIX[fault].some((title) => BEARER_TESTS.includes(title)),
);

test("a protectedResource is sent with its own URL, method, body and headers, and the test's Authorization", async () => {
  const seen: { method?: string; url?: string; headers: IncomingMessage["headers"]; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/reports?since=2024`;
  try {
    const dir = await mkdtemp(join(tmpdir(), "smart-protected-resource-unit-"));
    const key = await generateClientKey("ES384");
    await writeFile(join(dir, "keys.json"), JSON.stringify({ keys: [key.privateJwk] }));
    await writeFile(
      join(dir, "target.json"),
      JSON.stringify({
        tokenEndpoint: "http://127.0.0.1:1/token",
        client: { clientId: "c", privateJwksPath: "keys.json", scope: "report.write" },
        protectedResource: {
          url,
          method: "POST",
          body: '{"n":1}',
          contentType: "application/json",
          headers: { "x-tenant": "lab-7" },
        },
      }),
    );
    // Without fhirBaseUrl the config loads only under oauth-jwt.
    const previous = process.env.SMART_PROFILE;
    process.env.SMART_PROFILE = "oauth-jwt";
    const config = await loadTargetConfig(join(dir, "target.json")).finally(() => {
      if (previous === undefined) delete process.env.SMART_PROFILE;
      else process.env.SMART_PROFILE = previous;
    });
    await rm(dir, { recursive: true, force: true });
    const http = new HttpClient({ timeoutMs: 5_000 });
    const state = { targetConfigPath: "inline", embedded: false, faults: [], startedAt: "" };
    const t = new ConformanceContext(new Target(config, state, http), http, test.info());
    const request = await t.bearerRequest("Patient");
    expect(request.kind).toBe("resource");
    const ex = await t.sendProtected(request, "Bearer abc", "with a token");
    expect(ex.response.status).toBe(204);
    await t.sendProtected(request, undefined, "without a token");
    expect(
      seen.map((s) => [s.method, s.url, s.body, s.headers["content-type"], s.headers["x-tenant"]]),
    ).toEqual([
      ["POST", "/api/v1/reports?since=2024", '{"n":1}', "application/json", "lab-7"],
      ["POST", "/api/v1/reports?since=2024", '{"n":1}', "application/json", "lab-7"],
    ]);
    expect(seen.map((s) => s.headers.authorization)).toEqual(["Bearer abc", undefined]);
    // Without a FHIR base the FHIR requests are not there to make: the scope tests skip, never guess a URL.
    expect(await t.protectedRequest("Patient")).toBeUndefined();
  } finally {
    await new Promise((done) => server.close(done));
  }
});

/** Short-lived tokens, so the expiry test waits only seconds. */
const TOKEN_LIFETIME_SECONDS = 3;

test("under oauth-jwt, a config with no fhirBaseUrl and a protectedResource runs the RFC 6750 tests against it", async () => {
  test.setTimeout(budgetMs(80_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-protected-resource-"));
  let server: ReferenceServer | undefined;
  try {
    const keys = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
    await writeFile(join(dir, "keys.json"), JSON.stringify({ keys: keys.map((k) => k.privateJwk) }));
    const scope = "system/Patient.rs system/Observation.rs";
    // A resource that needs its own headers: a Bulk Data kick-off (GET with Prefer: respond-async), which
    // the reference serves where it serves Bulk Data alone.
    server = await startReferenceServer({
      clients: [{ clientId: "inline-client", scope, jwks: publicJwks(keys.map((k) => k.key)) }],
      alternate: ["protected-routes"],
      tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS,
    });
    const target = join(dir, "target.json");
    await writeFile(
      target,
      JSON.stringify({
        tokenEndpoint: server.tokenUrl,
        client: { clientId: "inline-client", privateJwksPath: "keys.json", scope },
        protectedResource: {
          url: `${server.fhirBaseUrl}/$export?_type=Patient`,
          headers: { accept: "application/fhir+json", prefer: "respond-async" },
        },
      }),
    );
    const reports = join(dir, "reports");
    const { status, output } = await runConformanceCli(
      ["--profile", "oauth-jwt", "--target", target, "--grep", "fhir/"],
      { SMART_REPORTS_DIR: reports, SMART_QUIET: "1" },
    );
    const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;

    // Every RFC 6750 test passes against the resource; the FHIR-specific ones are skipped as SMART-only.
    expect(status, output).toBe(0);
    expect(summary.fhirBaseUrl).toBeUndefined();
    expect(summary.target).toBe(server.tokenUrl);
    const byTitle = new Map(summary.tests.map((t) => [t.title, t]));
    for (const title of BEARER_TESTS) expect(byTitle.get(title)?.status, title).toBe("passed");
    const others = summary.tests.filter((t) => !BEARER_TESTS.includes(t.title));
    expect(others.length).toBeGreaterThan(0);
    for (const t of others) {
      expect(t.status, t.title).toBe("skipped");
      expect(t.message, t.title).toMatch(/SMART-only/);
    }
  } finally {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("with the protectedResource at the reference FHIR endpoint, each reference fault the bearer tests guard is caught", async () => {
  test.setTimeout(SUITE_RUN_LIMIT_MS);
  // The detection matrix restricted to the bearer tests, against an embedded target configured as a
  // non-FHIR API would be: no fhirBaseUrl, the token endpoint, and a search as its protectedResource.
  const summary = await runSuite({
    detection: true,
    grep: "fhir/bearer-token",
    workers: 2,
    tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS,
    env: { SMART_PROFILE: "oauth-jwt", SMART_REFERENCE_PROTECTED_RESOURCE: "Patient?_count=1" },
  });
  expect(summary.fhirBaseUrl).toBeUndefined();
  const of = (project: string) => summary.tests.filter((t) => t.project === project);
  const conformant = of("conformant");
  expect(conformant.map((t) => t.title).sort()).toEqual([...BEARER_TESTS].sort());
  for (const t of conformant) expect(t.status, `${t.title}: ${t.message ?? ""}`).toBe("passed");
  expect(FAULTS.length).toBeGreaterThanOrEqual(7);
  for (const fault of FAULTS) {
    const expected = DETECTION_MATRIX[fault].filter((title) => BEARER_TESTS.includes(title)).sort();
    const judged = of(fault);
    expect(judged.map((t) => t.title).sort(), fault).toEqual(expected);
    for (const t of judged) expect(t.status, `${fault}: ${t.title}: ${t.message ?? ""}`).toBe("failed");
  }
});
