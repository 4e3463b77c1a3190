/**
 * The reporters of a judging run (servers: playwright.config.ts; clients: playwright.client.config.ts):
 * the console, summary.json, and Allure results with our broken/failed mapping.
 */
import { join } from "node:path";
import type { ReporterDescription } from "@playwright/test";

export function judgingReporters(reports: string): ReporterDescription[] {
  return [
    [process.env.SMART_QUIET ? "dot" : "list"],
    ["./harness/runner/summary-reporter.ts"],
    [
      "./harness/runner/allure-reporter.ts",
      { resultsDir: join(reports, "allure-results"), detail: false, suiteTitle: false },
    ],
  ];
}
