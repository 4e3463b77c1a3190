/**
 * The inline engine's stand-in for Playwright's "dot" reporter (SMART_QUIET, the harness's own tests): a
 * mark per test, the run's errors, and Playwright's closing counts when tests ran.
 */
import type { FullResult, Reporter, TestCase, TestError, TestResult } from "@playwright/test/reporter";

const MARKS: Readonly<Record<TestResult["status"], string>> = {
  passed: "·",
  failed: "F",
  timedOut: "T",
  skipped: "°",
  interrupted: "×",
};

export default class QuietReporter implements Reporter {
  private readonly counts = new Map<string, number>();

  onTestEnd(_test: TestCase, result: TestResult): void {
    process.stdout.write(MARKS[result.status]);
    const outcome = result.status === "passed" || result.status === "skipped" ? result.status : "failed";
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  onError(error: TestError): void {
    process.stderr.write(`\n${error.stack ?? error.message ?? error.value ?? "unknown error"}\n`);
  }

  onEnd(_result: FullResult): void {
    if (this.counts.size === 0) return;
    process.stdout.write("\n\n");
    for (const [outcome, n] of this.counts) process.stdout.write(`  ${n} ${outcome}\n`);
  }

  printsToStdio(): boolean {
    return true;
  }
}
