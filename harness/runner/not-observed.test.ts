/**
 * No hollow passes: a test whose deciding checks judge an event that never happened ends skipped
 * "not observed", never passed. Proven with the 401-challenge test (BS-ERR-04): against a token endpoint
 * that answers every refusal with 400 there is no 401 to judge; against the alternate reference, whose
 * refusals are 401 with a challenge, the test passes; the fault that drops the challenge fails it (in the
 * detection matrix).
 */
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { generateClientKey } from "../keys.ts";
import { runSuite } from "./run-suite.ts";

const TITLE = "sends a WWW-Authenticate challenge whenever it answers 401";
const grep = TITLE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

let dir: string;
let server: Server;
let origin: string;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-not-observed-"));
  // A token endpoint that refuses everything with 400 invalid_client: conformant, and never a 401.
  server = createServer((req, res) => {
    req.resume();
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/fhir/.well-known/smart-configuration")
      return json(200, { token_endpoint: `${origin}/token`, grant_types_supported: ["client_credentials"] });
    if (req.url === "/token")
      return json(400, { error: "invalid_client", error_description: "refused (test server)" });
    json(404, { error: "not found" });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const key = await generateClientKey("RS384");
  await writeFile(join(dir, "client.private.jwks.json"), JSON.stringify({ keys: [key.privateJwk] }));
  await writeFile(
    join(dir, "target.json"),
    JSON.stringify({
      fhirBaseUrl: `${origin}/fhir`,
      tokenEndpoint: `${origin}/token`,
      client: { clientId: "c1", privateJwksPath: "client.private.jwks.json", scope: "system/Patient.rs" },
    }),
  );
});

test.afterAll(async () => {
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

test("a check whose event never happened ends the test skipped as not observed, not passed", async () => {
  const summary = await runSuite({ target: join(dir, "target.json"), grep });
  const run = summary.tests.find((t) => t.title === TITLE);
  expect(run?.status).toBe("skipped");
  expect(run?.message).toMatch(
    /^not observed: no refusal was answered with 401 \(tried: .*400, 400, 400, 400\)/,
  );
});

test("the same test passes where the target answers 401 with a challenge (alternate reference)", async () => {
  const summary = await runSuite({ grep, env: { SMART_REFERENCE_ALTERNATE: "client-auth-status" } });
  expect(summary.tests.find((t) => t.title === TITLE)?.status).toBe("passed");
});
