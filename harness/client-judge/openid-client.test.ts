/**
 * A real client nobody here wrote, under the judge: openid-client (OpenID Certified) doing client_credentials
 * with private_key_jwt, run through the command line exactly as a client developer would
 * (`npm run client-check -- --client-id … --jwks … -- <command>`), once with its default assertion and once
 * configured for SMART. Verdicts are compared with fixtures/clients/openid-client.expected.json, and each
 * run must leave summary.json, junit.xml and the HTML report, with no private key or signed JWT in them.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { generateClientKey, publicJwks } from "../keys.ts";
import { bin, runProcess } from "../runner/run-suite.ts";
import type { Summary } from "../runner/summary-reporter.ts";
import { scanForSecrets } from "../secret-scan.ts";

interface Expected {
  readonly modes: Record<
    string,
    {
      readonly exitCode: number;
      readonly failed: Record<string, string>;
      readonly skipped: readonly string[];
    }
  >;
}

const expected = JSON.parse(readFileSync("fixtures/clients/openid-client.expected.json", "utf8")) as Expected;

let dir: string;
let privateMembers: string[];

test.describe.configure({ timeout: 120_000 });

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-openid-client-"));
  const generated = await generateClientKey("ES384");
  privateMembers = [String((generated.privateJwk as Record<string, unknown>).d)];
  await writeFile(join(dir, "private.jwks.json"), JSON.stringify({ keys: [generated.privateJwk] }));
  await writeFile(join(dir, "public.jwks.json"), JSON.stringify(publicJwks([generated.key])));
});

test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const mode of Object.keys(expected.modes)) {
  test(`openid-client (${mode} configuration) gets the expected verdicts`, async () => {
    const want = expected.modes[mode] as Expected["modes"][string];
    const reports = join(dir, `reports-${mode}`);
    const args = [
      "harness/cli/client-check.ts",
      "--client-id",
      "openid-client-test",
      "--jwks",
      join(dir, "public.jwks.json"),
      "--scope",
      "system/Patient.rs",
      "--token-ttl",
      "2",
      "--timeout",
      "60",
      "--",
      bin("tsx"),
      "fixtures/clients/openid-client.ts",
    ];
    const { status: code, output } = await runProcess(bin("tsx"), args, {
      SMART_REPORTS_DIR: reports,
      SMART_QUIET: "1",
      OPENID_CLIENT_JWKS: join(dir, "private.jwks.json"),
      OPENID_CLIENT_MODE: mode,
    });
    const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
    const titles = (status: string) =>
      summary.tests
        .filter((t) => t.status === status)
        .map((t) => t.title)
        .sort();
    expect(
      { exitCode: code, failed: titles("failed"), skipped: titles("skipped"), broken: titles("broken") },
      output,
    ).toEqual({
      exitCode: want.exitCode,
      failed: Object.keys(want.failed).sort(),
      skipped: [...want.skipped].sort(),
      broken: [],
    });
    // Each failure names the requirement the expected file gives for it.
    for (const [title, why] of Object.entries(want.failed)) {
      const t = summary.tests.find((x) => x.title === title);
      expect(t?.requirements, title).toContain(why.split(":")[0]);
    }
    expect(existsSync(join(reports, "allure-report", "index.html"))).toBe(true);
    expect(existsSync(join(reports, "junit.xml"))).toBe(true);
    expect(scanForSecrets(reports, privateMembers)).toEqual([]);
  });
}
