/**
 * runInline over suite files of its own: a promise no test awaited that rejects (a suite's or a target's
 * bug) must not end the process and lose the run; a costly worker fixture (the launch family's browser) is
 * set up by no more workers than allowed, and its tests run no more at once.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "@playwright/test";
import { bin, runProcess, SUITE_RUN_LIMIT_MS } from "../run-suite.ts";
import type { Summary } from "../summary-reporter.ts";

/** The harness's engine switch, as a suite file imports it. */
const API = JSON.stringify(pathToFileURL(resolve("harness/test-api.ts")).href);

const STRAY = `
import { baseTest } from ${API};
const test = baseTest();
test("leaves a rejected promise behind", async () => {
  void Promise.reject(new Error("nobody awaited this"));
  await new Promise((r) => setTimeout(r, 50));
});
test("runs after it", async () => {
  await new Promise((r) => setTimeout(r, 100));
});
`;

/** Runs runInline in a child process over `spec` (one suite file) with `options`; its output and summary. */
async function runOver(
  dir: string,
  spec: string,
  options: string,
  env: Readonly<Record<string, string>> = {},
): Promise<{ status: number | null; output: string; summary: Summary }> {
  const suites = join(dir, "suites", "area");
  await mkdir(suites, { recursive: true });
  await writeFile(join(suites, "inline.spec.ts"), spec);
  const run = pathToFileURL(resolve("harness/runner/inline/run.ts")).href;
  const script = join(dir, "run.mts");
  await writeFile(
    script,
    `import { runInline } from ${JSON.stringify(run)};
const options = { testDir: ${JSON.stringify(join(dir, "suites"))}, ignore: [], ${options} };
const status = await runInline({ ...options, timeoutMs: 10_000, globalTimeoutMs: 60_000 });
console.log("run status: " + status);
`,
  );
  const reports = join(dir, "reports");
  const { status, output } = await runProcess(bin("tsx"), [script], {
    ...env,
    SMART_REPORTS_DIR: reports,
    SMART_QUIET: "1",
  });
  const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
  return { status, output, summary };
}

test("a stray rejection is reported as the run's error; the run goes on and every test is judged", async () => {
  test.setTimeout(SUITE_RUN_LIMIT_MS);
  const dir = await mkdtemp(join(tmpdir(), "inline-stray-"));
  try {
    const { status, output, summary } = await runOver(dir, STRAY, "workers: 2");
    expect(status, output).toBe(0);
    expect(output).toContain("run status: failed");
    expect(output).toContain("nobody awaited this");
    expect(summary.errors.join("\n"), output).toContain("nobody awaited this");
    expect(summary.tests.map((t) => t.title).sort()).toEqual([
      "leaves a rejected promise behind",
      "runs after it",
    ]);
    expect(summary.tests.find((t) => t.title === "runs after it")?.status).toBe("passed");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const LIMITED = `
import { appendFileSync } from "node:fs";
import { baseTest } from ${API};
const log = (line: string) => appendFileSync(process.env.LIMITED_LOG ?? "", line + "\\n");
let running = 0;
const test = baseTest().extend<{}, { heavy: string }>({
  heavy: [async ({}, use) => { log("setup"); await use("h"); }, { scope: "worker" }],
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < 6; i++) {
  test("needs the heavy fixture " + i, async ({ heavy }) => {
    log("running " + ++running + " " + heavy);
    await sleep(150);
    running--;
  });
  test("does not need it " + i, async () => { await sleep(150); });
}
`;

test("a limited worker fixture is set up by at most its workers, and its tests run no more at once", async () => {
  test.setTimeout(SUITE_RUN_LIMIT_MS);
  const dir = await mkdtemp(join(tmpdir(), "inline-limited-"));
  try {
    const logPath = join(dir, "limited.log");
    const { status, output, summary } = await runOver(
      dir,
      LIMITED,
      `workers: 6, limited: { fixture: "heavy", workers: 2 }`,
      { LIMITED_LOG: logPath },
    );
    expect(status, output).toBe(0);
    expect(output).toContain("run status: passed");
    expect(summary.totals.passed).toBe(12);
    const lines = (await readFile(logPath, "utf8")).trim().split("\n");
    expect(lines.filter((l) => l === "setup")).toHaveLength(2);
    const concurrent = lines.filter((l) => l.startsWith("running ")).map((l) => Number(l.split(" ")[1]));
    expect(concurrent).toHaveLength(6);
    expect(Math.max(...concurrent)).toBe(2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
