/**
 * Reports never leak secrets: after a whole conformance run (HTML report included) against a reference
 * target that tells us every access token it issued, no file under the reports folder holds a private key
 * member, a PEM private key, a signed JWT with its signature, or any issued access token.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import { generateClientKey, publicJwks } from "../keys.ts";
import { scanForSecrets } from "../secret-scan.ts";
import { runConformanceCli } from "./run-suite.ts";

let dir: string;
let server: ReferenceServer;
let privateMembers: string[];

test.describe.configure({ timeout: 180_000 });

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-secrets-"));
  const generated = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
  privateMembers = generated.flatMap((g) =>
    (["d", "p", "q", "dp", "dq", "qi"] as const).flatMap((m) => {
      const value = (g.privateJwk as Record<string, unknown>)[m];
      return typeof value === "string" ? [value] : [];
    }),
  );
  await writeFile(
    join(dir, "client.private.jwks.json"),
    JSON.stringify({ keys: generated.map((g) => g.privateJwk) }),
  );
  server = await startReferenceServer({
    clients: [
      {
        clientId: "scanned-client",
        scope: "system/Patient.rs system/Observation.rs",
        jwks: publicJwks(generated.map((g) => g.key)),
      },
    ],
  });
  await writeFile(
    join(dir, "target.json"),
    JSON.stringify({
      fhirBaseUrl: server.fhirBaseUrl,
      tokenEndpoint: server.tokenUrl,
      client: {
        clientId: "scanned-client",
        privateJwksPath: "client.private.jwks.json",
        scope: "system/Patient.rs system/Observation.rs",
      },
    }),
  );
});

test.afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test("no report file holds a private key, a signed assertion or an issued access token", async () => {
  const reports = join(dir, "reports");
  const { output } = await runConformanceCli(["--target", join(dir, "target.json")], {
    SMART_REPORTS_DIR: reports,
    SMART_QUIET: "1",
  });
  expect(output, "the run judged the target").toMatch(/Result: \d+ passed/);
  const tokens = server.issuedTokens();
  expect(tokens.length, "access tokens issued during the run").toBeGreaterThan(20);
  expect(privateMembers.length).toBeGreaterThanOrEqual(7);
  const findings = scanForSecrets(reports, [...tokens, ...privateMembers]);
  expect(findings.map((f) => `${f.file}: ${f.kind} (${f.excerpt})`)).toEqual([]);
});

test("the scan finds a planted access token, private key member and signed JWT", async () => {
  const planted = join(dir, "planted");
  const token = "Zm9vYmFyYmF6cXV4cXV1eC10b2tlbi12YWx1ZQ";
  await mkdir(join(planted, "nested"), { recursive: true });
  await writeFile(
    join(planted, "nested", "a.json"),
    JSON.stringify({ headers: { authorization: `Bearer ${token}` } }),
  );
  await writeFile(join(planted, "b.txt"), '{"kty":"EC","d":"c2VjcmV0LWtleS1tYXRlcmlhbC1oZXJl"}');
  await writeFile(
    join(planted, "c.txt"),
    "eyJhbGciOiJSUzM4NCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYW5kLW1vcmU",
  );
  const kinds = scanForSecrets(planted, [token])
    .map((f) => `${f.file}: ${f.kind}`)
    .sort();
  expect(kinds).toEqual([
    "b.txt: private JWK member",
    "c.txt: signed JWT with its signature",
    "nested/a.json: known secret",
  ]);
});
