/**
 * Right about a server whose only protected routes are Bulk Data's (no search, no read): the FHIR tests
 * derive a `$export` kick-off from its CapabilityStatement and pass; told to search it (config
 * protectedRequests), every test that needs the route ends broken with a plain message, never failed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import { generateClientKey, publicJwks } from "../keys.ts";
import { runSuite } from "./run-suite.ts";

const SCOPE = "system/Patient.rs system/Observation.rs";
const BEARER_TESTS = "fhir/bearer-token";

let dir: string;
let keysPath: string;
let server: ReferenceServer;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-protected-requests-"));
  const generated = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
  keysPath = join(dir, "client.private.jwks.json");
  await writeFile(keysPath, JSON.stringify({ keys: generated.map((g) => g.privateJwk) }), { mode: 0o600 });
  server = await startReferenceServer({
    clients: [{ clientId: "bulk-client", scope: SCOPE, jwks: publicJwks(generated.map((g) => g.key)) }],
    alternate: ["protected-routes"],
    tokenLifetimeSeconds: 3,
  });
});

test.afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function configWith(name: string, extra: Record<string, unknown>): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(
    path,
    JSON.stringify({
      name,
      fhirBaseUrl: server.fhirBaseUrl,
      tokenEndpoint: server.tokenUrl,
      client: { clientId: "bulk-client", privateJwksPath: keysPath, scope: SCOPE },
      ...extra,
    }),
  );
  return path;
}

test("a Bulk-Data-only server: the FHIR tests ask for $export kick-offs and pass", async () => {
  const summary = await runSuite({ target: await configWith("derived", {}), grep: "fhir/", workers: 2 });
  expect(summary.tests.length).toBeGreaterThan(15);
  expect(
    summary.tests
      .filter((t) => t.status === "failed" || t.status === "broken")
      .map((t) => `${t.title}: ${t.message}`),
  ).toEqual([]);
  expect(summary.tests.filter((t) => t.status === "passed").length).toBeGreaterThan(10);
});

test("a configured search the server does not have: broken, saying to set protectedRequests", async () => {
  const summary = await runSuite({
    target: await configWith("search", { protectedRequests: { search: "Patient?_count=1" } }),
    grep: BEARER_TESTS,
    workers: 2,
  });
  expect(summary.tests.length).toBeGreaterThan(8);
  expect(summary.tests.filter((t) => t.status === "failed").map((t) => `${t.title}: ${t.message}`)).toEqual(
    [],
  );
  // Refusals without a valid token may come before the route is looked up (a 401 is judged as such); a
  // valid token meets the 404.
  const needRoute = [
    "answers a search with a valid access token",
    'accepts the scheme name in lower case ("bearer")',
    "refuses a token once it has expired",
  ];
  expect(summary.tests.filter((t) => needRoute.includes(t.title)).length).toBe(needRoute.length);
  const wrong = summary.tests
    .filter((t) => needRoute.includes(t.title))
    .filter(
      (t) =>
        t.status !== "broken" ||
        !/\[ERR_TARGET_PREREQUISITE\].*search Patient .* answered 404: set protectedRequests in the config/.test(
          t.message ?? "",
        ),
    )
    .map((t) => `${t.status}: ${t.title}: ${t.message ?? ""}`);
  expect(wrong).toEqual([]);
});
