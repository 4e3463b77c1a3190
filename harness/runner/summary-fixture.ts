/**
 * Test support: a run summary built from a few test entries (defaults filled in, totals and failures by
 * level counted), for the unit tests of what reads summaries (the CI gate, the g10 table).
 */
import type { Summary, SummaryTest } from "./summary-reporter.ts";

export function summaryOf(tests: readonly Partial<SummaryTest>[]): Summary {
  const full: SummaryTest[] = tests.map((t, i) => ({
    id: `area/file › test ${i}`,
    title: `test ${i}`,
    area: "Token request",
    requirements: ["BS-TREQ-01"],
    level: "SHALL",
    tags: [],
    status: "passed",
    durationMs: 5,
    ...t,
  }));
  const totals = { passed: 0, failed: 0, skipped: 0, broken: 0, notRun: 0 };
  const failedByLevel: Record<string, number> = {};
  for (const t of full) {
    totals[t.status]++;
    if (t.status === "failed") failedByLevel[t.level] = (failedByLevel[t.level] ?? 0) + 1;
  }
  return {
    target: "t",
    embedded: false,
    faults: [],
    runStatus: "passed",
    errors: [],
    startedAt: "2026-01-01T00:00:00Z",
    durationMs: 10,
    totals,
    failedByLevel,
    tests: full,
  };
}
