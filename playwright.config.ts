/**
 * The conformance run: suites/ against the target named by SMART_TARGET, or the embedded reference target.
 * No retries: a conformance check is sent once. Reports go to SMART_REPORTS_DIR (default reports/).
 */
import { join } from "node:path";
import { defineConfig } from "@playwright/test";
import { reportsDir } from "./harness/runner/paths.ts";

const reports = reportsDir();

export default defineConfig({
  testDir: "suites",
  testMatch: "**/*.spec.ts",
  fullyParallel: true,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  workers: Number(process.env.SMART_WORKERS ?? 2),
  timeout: 30_000,
  globalSetup: "./harness/runner/global-setup.ts",
  outputDir: join(reports, ".playwright"),
  reporter: [
    [process.env.SMART_QUIET ? "dot" : "list"],
    ["./harness/runner/summary-reporter.ts"],
    [
      "./harness/runner/allure-reporter.ts",
      { resultsDir: join(reports, "allure-results"), detail: false, suiteTitle: false },
    ],
  ],
});
