/**
 * The conformance run: suites/ against the target named by SMART_TARGET, or the embedded reference target.
 * No retries: a conformance check is sent once. Reports go to SMART_REPORTS_DIR (default reports/).
 */
import { join } from "node:path";
import { defineConfig, type Project } from "@playwright/test";
import { DETECTION_MATRIX } from "./fixtures/reference-server/detection-matrix.ts";
import { reportsDir } from "./harness/runner/paths.ts";
import { judgingReporters } from "./harness/runner/reporters.ts";
import { benchMark } from "./harness/runner/bench-marks.ts";
import {
  CLIENT_SUITES,
  RUN_TIMEOUT_SECONDS,
  SUITES_DIR,
  TEST_TIMEOUT_MS,
} from "./harness/runner/run-settings.ts";

benchMark("config:loaded");

const reports = reportsDir();

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * SMART_DETECTION=1: the detection matrix in one run. Project "conformant" runs every test against the
 * run's embedded target; each seeded fault gets a project that runs the tests its matrix row names against
 * a twin of the target with that fault (started in the project's worker).
 */
function detectionProjects(): Project[] {
  return [
    { name: "conformant" },
    ...Object.entries(DETECTION_MATRIX).map(([fault, titles]) => ({
      name: fault,
      use: { referenceFault: fault },
      grep: new RegExp(titles.map((title) => `(?:^| )${escapeRegExp(title)}(?: @|$)`).join("|")),
    })),
  ];
}

export default defineConfig({
  testDir: SUITES_DIR,
  testMatch: "**/*.spec.ts",
  // suites/client/ judges clients, not servers: playwright.client.config.ts (npm run client-check) runs it.
  testIgnore: CLIENT_SUITES.map((dir) => `${dir}/**`),
  fullyParallel: true,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  // Three workers even on two cores: a run mostly waits on the target (and three tests wait on purpose, for
  // a token to expire or a JWKS URL to stall), so a third worker cut the bench run from 10.5 s to 8.3 s.
  workers: Number(process.env.SMART_WORKERS ?? 3),
  timeout: TEST_TIMEOUT_MS,
  // The whole-run timeout (config runTimeoutSeconds, or --run-timeout): a stalling target cannot hold a
  // CI job hostage; what did not finish is reported broken or absent, and the run exits 2.
  globalTimeout: Number(process.env.SMART_RUN_TIMEOUT_SECONDS ?? RUN_TIMEOUT_SECONDS) * 1000,
  ...(process.env.SMART_DETECTION === "1" ? { projects: detectionProjects() } : {}),
  globalSetup: "./harness/runner/global-setup.ts",
  outputDir: join(reports, ".playwright"),
  reporter: judgingReporters(reports),
});
