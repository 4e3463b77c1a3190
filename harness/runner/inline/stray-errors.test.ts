/**
 * A promise no test awaited that rejects (a suite's or a target's bug) must not end the inline engine's
 * process and lose the run: it is reported as an error of the run, and every test still gets its verdict.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "@playwright/test";
import { bin, runProcess, SUITE_RUN_LIMIT_MS } from "../run-suite.ts";
import type { Summary } from "../summary-reporter.ts";

const SPEC = (api: string) => `
import { baseTest } from ${JSON.stringify(api)};
const test = baseTest();
test("leaves a rejected promise behind", async () => {
  void Promise.reject(new Error("nobody awaited this"));
  await new Promise((r) => setTimeout(r, 50));
});
test("runs after it", async () => {
  await new Promise((r) => setTimeout(r, 100));
});
`;

test("a stray rejection is reported as the run's error; the run goes on and every test is judged", async () => {
  test.setTimeout(SUITE_RUN_LIMIT_MS);
  const dir = await mkdtemp(join(tmpdir(), "inline-stray-"));
  try {
    const suites = join(dir, "suites", "area");
    await mkdir(suites, { recursive: true });
    const api = pathToFileURL(resolve("harness/test-api.ts")).href;
    await writeFile(join(suites, "stray.spec.ts"), SPEC(api));
    const run = pathToFileURL(resolve("harness/runner/inline/run.ts")).href;
    const script = join(dir, "run.mts");
    await writeFile(
      script,
      `import { runInline } from ${JSON.stringify(run)};
const options = { testDir: ${JSON.stringify(join(dir, "suites"))}, ignore: [], workers: 2 };
const status = await runInline({ ...options, timeoutMs: 10_000, globalTimeoutMs: 60_000 });
console.log("run status: " + status);
`,
    );
    const reports = join(dir, "reports");
    const { status, output } = await runProcess(bin("tsx"), [script], {
      SMART_REPORTS_DIR: reports,
      SMART_QUIET: "1",
    });
    expect(status, output).toBe(0);
    expect(output).toContain("run status: failed");
    expect(output).toContain("nobody awaited this");
    const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
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
