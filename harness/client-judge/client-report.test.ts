/**
 * The client report reads like the server report: ordinary skips are skipped checks with their reason, not
 * Allure "Global Errors"; the environment panel names the client, its registration, the judge, the command
 * and how it ended; the discovery check attaches the discovery requests the client really made (here a
 * root-relative one that got 404); and a command that cannot be started is "could not judge" (exit 2),
 * not a SHALL violation. Each case is one `npm run client-check` run (~10 s idle for a judged one).
 */
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { budgetMs } from "../runner/budget.ts";
import { bin, runProcess } from "../runner/run-suite.ts";

let dir: string;
let jwks: string;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-client-report-"));
  jwks = join(dir, "public.jwks.json");
  await writeFile(jwks, JSON.stringify({ keys: [{ kty: "EC", crv: "P-384", kid: "k1", x: "AA", y: "AA" }] }));
});

test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs client-check with the given command after `--` (limit: what an idle run takes, scaled by how busy
 * the machine is); its reports go to a folder of its own.
 */
async function clientCheck(name: string, command: readonly string[], limit: number) {
  const reports = join(dir, name);
  const run = await runProcess(
    bin("tsx"),
    ["harness/cli/client-check.ts", "--client-id", "c1", "--jwks", jwks, "--timeout", "60", "--", ...command],
    { SMART_REPORTS_DIR: reports, SMART_QUIET: "1" },
    limit,
  );
  return { ...run, reports };
}

interface AllureResult {
  readonly name: string;
  readonly status: string;
  readonly statusDetails?: { readonly message?: string };
  readonly steps: readonly {
    readonly name: string;
    readonly attachments: readonly { readonly name: string; readonly source: string }[];
  }[];
}

/** A client that looks for discovery at the origin's root (404 there), gives up and exits 3. */
const ROOT_DISCOVERY_CLIENT = [
  "node",
  "--input-type=module",
  "-e",
  `const r = await fetch(new URL("/.well-known/smart-configuration", process.env.SMART_FHIR_BASE_URL), { headers: { accept: "application/json" } });
   console.error("discovery: HTTP " + r.status); process.exit(3);`,
];

test("the client report: skips as skipped checks, the environment panel, the discovery requests made", async () => {
  // ~10 s idle: the judge, the client, 37 checks in Playwright, the HTML report.
  const limit = budgetMs(15_000);
  test.setTimeout(limit + 30_000);
  const { status, output, reports } = await clientCheck("root-discovery", ROOT_DISCOVERY_CLIENT, limit);
  // No token request: the SHALL check "requests an access token" fails, so exit 1.
  expect(status, output).toBe(1);
  const results = join(reports, "allure-results");
  const files = await readdir(results);
  const read = async <T>(file: string) => JSON.parse(await readFile(join(results, file), "utf8")) as T;

  // Ordinary skips (of checks with nothing to judge) are no "Global Errors".
  const globalErrors = (
    await Promise.all(
      files.filter((f) => f.endsWith("-globals.json")).map((f) => read<{ errors?: unknown[] }>(f)),
    )
  ).flatMap((g) => g.errors ?? []);
  expect(globalErrors).toEqual([]);
  const tests = await Promise.all(
    files.filter((f) => f.endsWith("-result.json")).map((f) => read<AllureResult>(f)),
  );
  const skipped = tests.filter((t) => t.status === "skipped");
  expect(skipped.length).toBeGreaterThan(10);
  // Each skipped check says why, under its own name.
  expect(skipped.filter((t) => !t.statusDetails?.message).map((t) => t.name)).toEqual([]);
  expect(tests.find((t) => t.name === "POSTs the token request as an HTML form")).toMatchObject({
    status: "skipped",
    statusDetails: { message: "the client made no token request" },
  });
  expect(tests.find((t) => t.name === "serves its key set to an anonymous GET as JSON")).toMatchObject({
    status: "skipped",
    statusDetails: { message: "the client registered its key set inline" },
  });

  // The discovery check fails, saying where the client looked, and attaches that request and its 404.
  const discovery = tests.find(
    (t) => t.name === "discovers the token endpoint before its first token request",
  );
  expect(discovery?.status).toBe("failed");
  expect(discovery?.statusDetails?.message).toMatch(
    /never fetched the discovery document; it asked GET \/\.well-known\/smart-configuration \(request 1, .*\), answered HTTP 404/,
  );
  const attachment = discovery?.steps
    .flatMap((s) => s.attachments)
    .find((a) => a.name === "request 1: GET /.well-known/smart-configuration: HTTP 404");
  expect(attachment, JSON.stringify(discovery?.steps.map((s) => s.name))).toBeDefined();
  const transcript = await readFile(join(results, attachment?.source ?? "missing"), "utf8");
  expect(transcript).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/smart-configuration/);
  expect(transcript).toContain("404");

  // The environment panel, as the HTML report shows it.
  const html = await readFile(join(reports, "allure-report", "index.html"), "utf8");
  const encoded = /d\("widgets\/allure_environment\.json","([^"]*)"\)/.exec(html)?.[1];
  expect(encoded, "the report has an environment widget").toBeDefined();
  const panel = Object.fromEntries(
    (
      JSON.parse(Buffer.from(encoded ?? "", "base64").toString("utf8")) as {
        name: string;
        values: string[];
      }[]
    ).map((e) => [e.name, e.values.join(" ")]),
  );
  const fhirBase = /Judge: FHIR base (http:\/\/127\.0\.0\.1:\d+\/fhir)/.exec(output)?.[1];
  expect(fhirBase, output).toBeDefined();
  expect(panel).toMatchObject({
    "Client id": "c1",
    Registration: "inline JWK Set, 1 key(s): k1",
    Scopes: "system/*.rs",
    "Judge FHIR base URL": fhirBase,
    "Client exit status": "exited with 3",
    "Requests seen": "1 (0 token request(s))",
  });
  expect(panel.Command).toMatch(/^node --input-type=module -e 'const r = await fetch/);
});

test("a client command that cannot be started is 'could not judge' (exit 2), not a SHALL violation", async () => {
  const script = join(dir, "client.mjs");
  await writeFile(script, "console.log('a client');\n");
  await chmod(script, 0o644);
  const cases = [
    { name: "missing", command: [join(dir, "no-such-client")], code: "ENOENT" },
    { name: "not-executable", command: [script, "--flag"], code: "EACCES" },
  ] as const;
  // ~3 s idle each: the judge starts, the command fails at once, nothing is judged.
  const limit = budgetMs(5_000);
  test.setTimeout(cases.length * limit + 30_000);
  for (const c of cases) {
    const { status, output, reports } = await clientCheck(c.name, c.command, limit);
    expect(output).toContain(`The client command could not be started: ${c.command.join(" ")}`);
    expect(output).toContain(`${c.code}: `);
    expect(output).toContain("Could not judge the client: nothing was judged");
    expect(output).not.toContain("FAILED [SHALL]");
    expect(status, output).toBe(2);
    expect(existsSync(join(reports, "summary.json"))).toBe(false);
  }
});
