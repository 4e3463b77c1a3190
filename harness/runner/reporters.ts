/**
 * The reporters of a judging run (servers: the inline engine, harness/runner/inline/run.ts, and
 * playwright.config.ts; clients: playwright.client.config.ts): the console, summary.json, and Allure
 * results with our broken/failed mapping.
 */
import { join } from "node:path";
import type { ReporterDescription } from "@playwright/test";
import { benchmarking } from "./bench-marks.ts";

export function judgingReporters(reports: string): ReporterDescription[] {
  const judging: ReporterDescription[] = [
    // SMART_QUIET (the harness's own tests): Playwright's dots, as ever; otherwise a line per test and the
    // counts summary.json gives, with a progress line on a terminal.
    [process.env.SMART_QUIET ? "dot" : "./harness/runner/console-reporter.ts"],
    ["./harness/runner/summary-reporter.ts"],
    [
      "./harness/runner/allure-reporter.ts",
      { resultsDir: join(reports, "allure-results"), detail: false, suiteTitle: false },
    ],
  ];
  // A benchmarked run (scripts/bench.ts): marks before and after the others' onEnd.
  if (!benchmarking()) return judging;
  const bench = "./harness/runner/bench-reporter.ts";
  return [[bench, { position: "first" }], ...judging, [bench, { position: "last" }]];
}
