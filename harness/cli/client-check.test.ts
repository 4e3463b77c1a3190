/**
 * `npm run client-check`: bad arguments name the flag and judge nothing (exit 2); a judge that hears from
 * no client says so and fails the run.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { budgetMs } from "../runner/budget.ts";
import { bin, runProcess } from "../runner/run-suite.ts";
import type { Summary } from "../runner/summary-reporter.ts";
import { parseClientCheckArgs } from "./client-check.ts";

let dir: string;
let jwks: string;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-client-check-"));
  jwks = join(dir, "public.jwks.json");
  await writeFile(jwks, JSON.stringify({ keys: [{ kty: "EC", crv: "P-384", kid: "k", x: "AA", y: "AA" }] }));
  await writeFile(join(dir, "not-json.txt"), "hello");
  await writeFile(join(dir, "no-keys.json"), JSON.stringify({ keys: [] }));
});

test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BAD: readonly (readonly [string, () => readonly string[], RegExp])[] = [
  ["no client id", () => ["--jwks", jwks], /^--client-id: required/],
  [
    "both key flags",
    () => ["--client-id", "c", "--jwks", jwks, "--jwks-url", "http://127.0.0.1:1/k"],
    /^--jwks \/ --jwks-url/,
  ],
  ["no key flag", () => ["--client-id", "c"], /^--jwks \/ --jwks-url/],
  [
    "unreadable jwks",
    () => ["--client-id", "c", "--jwks", join(dir, "missing.json")],
    /^--jwks: .* not a readable JSON/,
  ],
  [
    "jwks not JSON",
    () => ["--client-id", "c", "--jwks", join(dir, "not-json.txt")],
    /^--jwks: .* not a readable JSON/,
  ],
  [
    "empty key set",
    () => ["--client-id", "c", "--jwks", join(dir, "no-keys.json")],
    /^--jwks: .* not a JWK Set/,
  ],
  [
    "jwks URL not http",
    () => ["--client-id", "c", "--jwks-url", "file:///etc/keys"],
    /^--jwks-url: .* not an http/,
  ],
  ["zero token ttl", () => ["--client-id", "c", "--jwks", jwks, "--token-ttl", "0"], /^--token-ttl: "0"/],
  ["port out of range", () => ["--client-id", "c", "--jwks", jwks, "--port", "70000"], /^--port: 70000/],
  ["empty scope", () => ["--client-id", "c", "--jwks", jwks, "--scope", " "], /^--scope: empty/],
  ["bad fail-on", () => ["--client-id", "c", "--jwks", jwks, "--fail-on", "maybe"], /^--fail-on: "maybe"/],
  ["nothing after --", () => ["--client-id", "c", "--jwks", jwks, "--"], /^--: no command/],
  [
    "a profile the judge does not have",
    () => ["--client-id", "c", "--jwks", jwks, "--profile", "strict"],
    /^--profile: "strict" is not one of smart-v2, oauth-jwt/,
  ],
  [
    "unknown flag",
    () => ["--client-id", "c", "--jwks", jwks, "--tokenttl", "2"],
    /Unknown option '--tokenttl'/,
  ],
];

for (const [name, args, message] of BAD) {
  test(`client-check refuses ${name}, naming the flag`, () => {
    expect(() => parseClientCheckArgs(args())).toThrow(message);
  });
}

test("client-check keeps the command after -- whole and defaults its timeout and profile", () => {
  const parsed = parseClientCheckArgs([
    "--client-id",
    "c",
    "--jwks",
    jwks,
    "--",
    "node",
    "client.mjs",
    "--flag",
  ]);
  expect(parsed).toMatchObject({
    clientId: "c",
    command: ["node", "client.mjs", "--flag"],
    timeoutSeconds: 120,
    profile: "smart-v2",
  });
  expect(parseClientCheckArgs(["--client-id", "c", "--jwks", jwks, "--profile", "oauth-jwt"])).toMatchObject({
    profile: "oauth-jwt",
  });
});

test("a judge no client talked to says so and fails the run", async () => {
  // One CLI start, a judge that waits 1 s for a client, the report: about 15 s on an idle 2-core machine.
  test.setTimeout(budgetMs(15_000));
  const reports = join(dir, "reports");
  const { status: code, output } = await runProcess(
    bin("tsx"),
    ["harness/cli/client-check.ts", "--client-id", "c", "--jwks", jwks, "--timeout", "1"],
    { SMART_REPORTS_DIR: reports, SMART_QUIET: "1" },
  );
  expect(output).toMatch(/SMART_FHIR_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/fhir/);
  expect(output).toContain("The client made no token request at all");
  expect(code, output).toBe(1);
  const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
  expect(
    summary.tests.find((t) => t.title === "requests an access token from the token endpoint")?.status,
  ).toBe("failed");
  expect(summary.totals.failed).toBe(1);
});
