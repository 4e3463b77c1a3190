/**
 * The console of a conformance run says what summary.json says: per-test marks and closing counts from
 * the same statuses (recorded violations failed, skips with a harness error broken), a line per silent
 * step, no progress line when stdout is not a terminal, and the plain-http result line.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { FullConfig, Suite, TestCase, TestResult } from "@playwright/test/reporter";
import ConsoleReporter, { describeCounts } from "./console-reporter.ts";
import { runConformanceCli, SUITE_RUN_LIMIT_MS } from "./run-suite.ts";
import type { Summary, TestStatus } from "./summary-reporter.ts";

const MARKS: Readonly<Record<string, TestStatus>> = {
  "✓": "passed",
  "✘": "failed",
  "-": "skipped",
  "!": "broken",
};

test("console counts equal summary.json's on a run with failed, skipped and broken tests over plain http", async () => {
  // A run of ~30 tests against a plain-http reference target that ignores aud (failed), cannot run TLS
  // checks (skipped) and refuses to fetch the JWKS URL (broken: Playwright itself counts those skipped).
  test.setTimeout(SUITE_RUN_LIMIT_MS);
  const reports = await mkdtemp(join(tmpdir(), "console-counts-"));
  try {
    const { status, output } = await runConformanceCli(
      ["--grep", "client-assertion/aud|transport/tls|key-resolution/jwks-url"],
      {
        SMART_REPORTS_DIR: reports,
        SMART_REFERENCE_HTTP: "1",
        SMART_REFERENCE_FAULTS: "skip-aud-check",
        SMART_REFERENCE_SSRF_GUARD: "1",
      },
      SUITE_RUN_LIMIT_MS,
    );
    const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
    expect(status, output).toBe(1);
    const { totals } = summary;
    expect(totals.failed, output).toBeGreaterThan(0);
    expect(totals.skipped, output).toBeGreaterThan(0);
    expect(totals.broken, output).toBeGreaterThan(0);

    // One line per test, marked with its summary status.
    const marked: Record<TestStatus, number> = { passed: 0, failed: 0, skipped: 0, broken: 0, notRun: 0 };
    for (const line of output.split("\n")) {
      const mark = /^ {2}(\S) +\d+ suites\//.exec(line)?.[1];
      const status = mark === undefined ? undefined : MARKS[mark];
      if (status) marked[status]++;
    }
    expect(marked).toEqual(totals);
    // The reporter's closing counts and the CLI's Result line, both the summary's.
    const counts = describeCounts(totals);
    expect(output).toContain(`\n  ${counts} (`);
    const result = output.split("\n").find((l) => l.startsWith("Result: ")) ?? "";
    expect(result.replace(/ \(\d+ SHALL(, \d+ \w+)*\)/, "")).toContain(counts);
    expect(output).not.toMatch(/\n {2}\d+ (passed|skipped|failed) \(/); // no Playwright count of its own

    // Plain http: how many SHALL checks the transport tests could not judge, and why.
    const http = summary.tests.filter((t) => t.status === "skipped" && /is plain http/.test(t.message ?? ""));
    expect(http.length).toBeGreaterThan(0);
    expect(result).toContain(
      `; ${http.length} SHALL checks could not be judged over plain http (TLS checks need an https target)`,
    );

    // The silent stretches get a line each; stdout was a pipe, so no progress line.
    for (const step of [
      "» generating this run's client keys",
      "» embedded reference target listening at http://127.0.0.1:",
      "» checking the target answers",
      "» generating the HTML report",
    ])
      expect(output).toContain(step);
    expect(output).not.toContain("\r");
  } finally {
    await rm(reports, { recursive: true, force: true });
  }
});

test("SMART_QUIET prints no step lines", async () => {
  test.setTimeout(SUITE_RUN_LIMIT_MS);
  const reports = await mkdtemp(join(tmpdir(), "console-quiet-"));
  try {
    const { status, output } = await runConformanceCli(
      ["--grep", "rejects a client assertion without aud"],
      { SMART_REPORTS_DIR: reports, SMART_QUIET: "1" },
      SUITE_RUN_LIMIT_MS,
    );
    expect(status, output).toBe(0);
    expect(output).not.toContain("»");
  } finally {
    await rm(reports, { recursive: true, force: true });
  }
});

/** A stand-in for a test as the reporter sees it. */
function fakeTest(id: string, title: string): TestCase {
  return {
    id,
    title,
    location: { file: join(process.cwd(), "suites/x/y.spec.ts"), line: 1, column: 1 },
    titlePath: () => ["", "", "x/y.spec.ts", "Area", title],
    parent: { project: () => ({ name: "" }) },
  } as unknown as TestCase;
}

function fakeResult(status: TestResult["status"], annotations: TestResult["annotations"] = []): TestResult {
  return { status, duration: 5, annotations } as unknown as TestResult;
}

function reporterWriting(isTTY: boolean): { reporter: ConsoleReporter; written: () => string } {
  let text = "";
  const out = { isTTY, columns: 200, write: (chunk: string) => (text += chunk) };
  return { reporter: new ConsoleReporter({ out, err: out }), written: () => text };
}

for (const isTTY of [true, false]) {
  test(`a progress line while tests run ${isTTY ? "on a terminal" : "never when stdout is not a terminal"}`, () => {
    const { reporter, written } = reporterWriting(isTTY);
    const tests = [fakeTest("a", "first"), fakeTest("b", "second"), fakeTest("c", "third")];
    reporter.onBegin({ workers: 2 } as FullConfig, { allTests: () => tests } as unknown as Suite);
    reporter.onTestBegin(tests[0] as TestCase);
    reporter.onTestEnd(tests[0] as TestCase, fakeResult("passed"));
    // A skip carrying a harness error code is broken, as summary.json counts it.
    reporter.onTestEnd(
      tests[1] as TestCase,
      fakeResult("skipped", [{ type: "skip", description: "[ERR_TARGET_TIMEOUT] no answer" }]),
    );
    const during = written();
    reporter.onTestEnd(
      tests[2] as TestCase,
      fakeResult("skipped", [{ type: "skip", description: "no key" }]),
    );
    reporter.onEnd({ status: "passed" } as Parameters<ConsoleReporter["onEnd"]>[0]);
    const clearLine = "\r\u001b[2K";
    if (isTTY) expect(during).toContain(`${clearLine}  [2/3] 1 passed, 0 failed, 0 skipped, 1 broken · `);
    else {
      expect(written()).not.toContain("\r");
      expect(written()).not.toContain("\u001b");
      expect(written()).not.toMatch(/\[\d+\/3\]/);
    }
    expect(written()).toContain("\n  1 passed, 0 failed, 1 skipped, 1 broken (");
    expect(reporter.counts()).toEqual({ passed: 1, failed: 0, skipped: 1, broken: 1, notRun: 0 });
  });
}
