/**
 * The inline engine judges as Playwright does: the same suite against the same reference target, once per
 * engine, gives the same summary.json (status, level, message, re-run command of every test) and the same
 * Allure results (names, labels, links, status and message, the step tree with its attachments), up to
 * what differs between any two runs (ports, tokens, key ids, signatures, dates, durations).
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { runConformanceCli, SUITE_RUN_LIMIT_MS } from "../run-suite.ts";
import type { Summary } from "../summary-reporter.ts";

/** What differs between two runs of the same test against the same target, replaced by placeholders. */
export function normalised(text: string): string {
  return text
    .replace(/(127\.0\.0\.1|localhost):\d+/g, "$1:PORT")
    .replace(/%3A\d{4,5}/g, "%3APORT")
    .replace(/eyJ[\w-]*(\.[\w-]*)*/g, "JWT")
    .replace(/sha256 [0-9a-f]+/g, "sha256 HASH")
    .replace(/date: [^\n]*/g, "date: DATE")
    .replace(/kid '[^']*'/g, "kid 'KID'")
    .replace(/"[\w-]{4}…/g, '"TOKEN…')
    .replace(/Bearer [\w-]{4}…/g, "Bearer TOKEN…")
    .replace(/[\w-]{20,}/g, "RANDOM")
    .replace(/\b\d+(\.\d+)? ?(ms|s)\b/g, "N $2")
    .replace(/\b\d{9,}\b/g, "NUMBER");
}

interface AllureStep {
  name?: string;
  status?: string;
  statusDetails?: { message?: string };
  attachments: { name: string; type: string }[];
  steps: AllureStep[];
}

interface AllureResult extends AllureStep {
  fullName: string;
  labels: { name: string; value: string }[];
  links: unknown[];
  parameters: unknown[];
  description?: string;
  historyId?: string;
  testCaseId?: string;
  titlePath?: string[];
}

function stepTree(steps: readonly AllureStep[]): unknown[] {
  return steps.map((s) => ({
    name: normalised(s.name ?? ""),
    status: s.status,
    message: normalised(s.statusDetails?.message ?? ""),
    attachments: s.attachments.map((a) => [normalised(a.name), a.type]),
    steps: stepTree(s.steps),
  }));
}

/** The Allure results of a run, by full name, with what a reader sees and nothing run-specific. */
async function allureResults(reports: string): Promise<Map<string, unknown>> {
  const dir = join(reports, "allure-results");
  const results = new Map<string, unknown>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith("-result.json"))) {
    const r = JSON.parse(await readFile(join(dir, file), "utf8")) as AllureResult;
    results.set(r.fullName, {
      status: r.status,
      message: normalised(r.statusDetails?.message ?? ""),
      labels: r.labels.filter((l) => l.name !== "host" && l.name !== "thread"),
      links: r.links,
      parameters: r.parameters,
      description: normalised(r.description ?? ""),
      historyId: r.historyId,
      testCaseId: r.testCaseId,
      titlePath: r.titlePath,
      attachments: r.attachments.map((a) => [normalised(a.name), a.type]),
      steps: stepTree(r.steps),
    });
  }
  return results;
}

/** summary.json's verdicts by test id, without durations and run-specific text. */
function verdicts(summary: Summary): Map<string, unknown> {
  return new Map(
    summary.tests.map((t) => [
      t.id,
      {
        title: t.title,
        area: t.area,
        requirements: t.requirements,
        level: t.level,
        tags: t.tags,
        status: t.status,
        message: normalised(t.message ?? ""),
        rerun: normalised(t.rerun ?? ""),
      },
    ]),
  );
}

async function bothEngines(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<{ playwright: string; inline: string; outputs: string }> {
  const playwright = await mkdtemp(join(tmpdir(), "engine-playwright-"));
  const inline = await mkdtemp(join(tmpdir(), "engine-inline-"));
  // One after the other: the two runs must not compete for the target's expiry waits.
  const a = await runConformanceCli(
    [...args, "--engine", "playwright"],
    { ...env, SMART_REPORTS_DIR: playwright },
    SUITE_RUN_LIMIT_MS,
  );
  const b = await runConformanceCli(
    [...args, "--engine", "inline"],
    { ...env, SMART_REPORTS_DIR: inline },
    SUITE_RUN_LIMIT_MS,
  );
  expect(b.status, b.output).toBe(a.status);
  return { playwright, inline, outputs: `${a.output}\n---\n${b.output}` };
}

async function expectSameJudgement(playwright: string, inline: string, outputs: string): Promise<Summary> {
  const read = async (dir: string) =>
    JSON.parse(await readFile(join(dir, "summary.json"), "utf8")) as Summary;
  const [a, b] = [await read(playwright), await read(inline)];
  expect(b.totals, outputs).toEqual(a.totals);
  expect(b.failedByLevel).toEqual(a.failedByLevel);
  expect(b.runStatus).toBe(a.runStatus);
  const va = verdicts(a);
  const vb = verdicts(b);
  expect([...vb.keys()].sort()).toEqual([...va.keys()].sort());
  for (const [id, verdict] of va) expect(vb.get(id), id).toEqual(verdict);
  const ra = await allureResults(playwright);
  const rb = await allureResults(inline);
  expect([...rb.keys()].sort()).toEqual([...ra.keys()].sort());
  for (const [name, result] of ra) expect(rb.get(name), name).toEqual(result);
  return a;
}

test.describe("the inline engine judges as Playwright does", () => {
  test.describe.configure({ mode: "default" });
  const dirs: string[] = [];
  test.afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test("every backend test against the conformant reference target", async () => {
    test.setTimeout(2 * SUITE_RUN_LIMIT_MS);
    const { playwright, inline, outputs } = await bothEngines(
      ["--grep-invert", "app-launch/", "--no-html"],
      {},
    );
    dirs.push(playwright, inline);
    const summary = await expectSameJudgement(playwright, inline, outputs);
    expect(summary.tests.length).toBeGreaterThan(200);
    expect(summary.totals.passed).toBe(summary.tests.length);
  });

  test("failed, skipped and broken tests against a faulty plain-http reference target", async () => {
    test.setTimeout(2 * SUITE_RUN_LIMIT_MS);
    // As console-counts.test.ts: aud ignored (failed), TLS checks over plain http (skipped), the JWKS URL
    // refused by the target's SSRF guard (broken).
    const { playwright, inline, outputs } = await bothEngines(
      ["--grep", "client-assertion/aud|transport/tls|key-resolution/jwks-url", "--no-html"],
      {
        SMART_REFERENCE_HTTP: "1",
        SMART_REFERENCE_FAULTS: "skip-aud-check",
        SMART_REFERENCE_SSRF_GUARD: "1",
      },
    );
    dirs.push(playwright, inline);
    const summary = await expectSameJudgement(playwright, inline, outputs);
    expect(summary.totals.failed).toBeGreaterThan(0);
    expect(summary.totals.skipped).toBeGreaterThan(0);
    expect(summary.totals.broken).toBeGreaterThan(0);
  });
});
