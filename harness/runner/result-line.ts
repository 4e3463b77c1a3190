/**
 * The console's closing "Result:" line, from summary.json alone: the same counts the summary states, the
 * failures by level, and, for a plain-http target, how many SHALL checks could not be judged over http
 * and why (the TLS tests need an https target).
 */
import type { Summary, TestStatus } from "./summary-reporter.ts";

export type Counts = Record<TestStatus, number>;

/**
 * "N passed, N failed, N skipped, N broken" (and ", N not run" when any): the summary's wording. Here, not
 * in the console reporter, so that the CLI, which prints it after the run, loads no reporter and so not
 * @playwright/test (0.6 s of CPU at every start; README "Speed").
 */
export function describeCounts(counts: Readonly<Counts>): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.broken} broken${counts.notRun ? `, ${counts.notRun} not run` : ""}`;
}

/** The skip reason of the transport tests on an http URL (suites/transport/tls.spec.ts). */
const PLAIN_HTTP_SKIP = /\bis plain http: (.+)$/;

/** SHALL tests skipped because the target is plain http, and the reason they give (first one's). */
export function plainHttpUnjudged(summary: Summary): { count: number; reason?: string } {
  const skipped = summary.tests.filter(
    (t) => t.status === "skipped" && t.level === "SHALL" && PLAIN_HTTP_SKIP.test(t.message ?? ""),
  );
  const reason = PLAIN_HTTP_SKIP.exec(skipped[0]?.message ?? "")?.[1];
  return { count: skipped.length, ...(reason ? { reason } : {}) };
}

export function resultLine(summary: Summary): string {
  // Absent from summaries of older runs; counted from the tests so both read alike.
  const notRun = summary.tests.filter((t) => t.status === "notRun").length;
  const byLevel = Object.entries(summary.failedByLevel)
    .map(([level, n]) => `${n} ${level}`)
    .join(", ");
  let counts = describeCounts({ ...summary.totals, notRun });
  if (byLevel) counts = counts.replace(/ failed/, ` failed (${byLevel})`);
  const http = plainHttpUnjudged(summary);
  const unjudged = http.count
    ? `; ${http.count} SHALL check${http.count === 1 ? "" : "s"} could not be judged over plain http (${http.reason ?? "TLS checks need an https target"})`
    : "";
  return `Result: ${counts}${unjudged}`;
}
