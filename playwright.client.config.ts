/**
 * The client checks: suites/client/ judging a recorded client session (SMART_CLIENT_SESSION, written by
 * `npm run client-check`). With SMART_CLIENT_SESSIONS (a JSON object, name -> session file) every session
 * gets a project of its own: the judge's own tests judge many client mutants in one run this way.
 */
import { join } from "node:path";
import { defineConfig, type Project } from "@playwright/test";
import { reportsDir } from "./harness/runner/paths.ts";
import { judgingReporters } from "./harness/runner/reporters.ts";

const reports = reportsDir();

function sessionProjects(): Project[] | undefined {
  const text = process.env.SMART_CLIENT_SESSIONS;
  if (!text) return undefined;
  return Object.entries(JSON.parse(text) as Record<string, string>).map(([name, clientSession]) => ({
    name,
    use: { clientSession },
  }));
}

const projects = sessionProjects();

export default defineConfig({
  testDir: "suites/client",
  testMatch: "**/*.spec.ts",
  fullyParallel: true,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  workers: Number(process.env.SMART_WORKERS ?? 2),
  timeout: 30_000,
  ...(projects ? { projects } : {}),
  outputDir: join(reports, ".playwright-client"),
  reporter: judgingReporters(reports),
});
