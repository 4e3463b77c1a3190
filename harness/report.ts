/**
 * Turns a run's allure-results into the offline HTML report: Allure 3's single-file "awesome" report,
 * with its hard-coded analytics script removed (a conformance report must not phone home).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { HarnessError } from "./errors.ts";

const ANALYTICS = /<script[^>]*googletagmanager[^>]*><\/script>\s*<script>[\s\S]*?gtag\([\s\S]*?<\/script>/g;

/** Within a category, failures are grouped by the test result label "cause" (harness/runner/causes.ts). */
const BY_CAUSE = { groupBy: [{ label: "cause" }], groupByMessage: false } as const;

/**
 * The report's categories, first match wins: a vendor sees spec failures by level, and never mistakes a
 * network problem, a refused prerequisite or a bad config for one. Under each, the tests are grouped by
 * cause ("cause: <rule>: expected …; got …", with its count), so one fault shared by many tests reads once.
 */
export const REPORT_CATEGORIES = [
  {
    id: "shall-violation",
    name: "SHALL violation",
    matchers: { statuses: ["failed"], labels: { finding: "^SHALL$" } },
    ...BY_CAUSE,
  },
  {
    id: "should-finding",
    name: "SHOULD finding",
    matchers: { statuses: ["failed"], labels: { finding: "^(SHOULD|MAY)$" } },
    ...BY_CAUSE,
  },
  {
    id: "target-unreachable",
    name: "Target unreachable or timed out",
    matchers: {
      statuses: ["broken", "failed", "skipped"],
      message: "\\[ERR_TARGET_(UNREACHABLE|TIMEOUT)\\]",
    },
    ...BY_CAUSE,
  },
  {
    id: "target-prerequisite",
    name: "Target refused a step the test needs",
    matchers: { statuses: ["broken", "failed", "skipped"], message: "\\[ERR_TARGET_PREREQUISITE\\]" },
    ...BY_CAUSE,
  },
  {
    id: "harness-error",
    name: "Harness or config error",
    matchers: { statuses: ["broken", "failed", "skipped"], message: "\\[ERR_HARNESS_[A-Z_]+\\]" },
    ...BY_CAUSE,
  },
] as const;

export function stripAnalytics(html: string): string {
  return html.replace(ANALYTICS, "");
}

export function hasAnalytics(html: string): boolean {
  return /googletagmanager|gtag\(/.test(html);
}

/**
 * Generates {reportsDir}/allure-report/index.html from {reportsDir}/allure-results, with the given files
 * (absolute paths) as global attachments; returns the report's path.
 */
export function generateHtmlReport(reportsDir: string, globalAttachments: readonly string[] = []): string {
  const results = join(reportsDir, "allure-results");
  const output = join(reportsDir, "allure-report");
  rmSync(output, { recursive: true, force: true });
  const config = join(reportsDir, ".allurerc.json");
  writeFileSync(
    config,
    JSON.stringify({
      name: "SMART Backend Services conformance",
      globalAttachments,
      categories: REPORT_CATEGORIES,
      plugins: {
        awesome: {
          options: {
            reportName: "SMART Backend Services conformance",
            singleFile: true,
            groupBy: ["parentSuite", "suite"],
          },
        },
      },
    }),
  );
  const bin = resolve("node_modules", ".bin", "allure");
  const run = spawnSync(bin, ["generate", results, "--output", output, "--config", config], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (run.status !== 0) {
    throw new HarnessError(
      "ERR_HARNESS_INTERNAL",
      `allure generate failed (exit ${run.status}): ${run.stderr || run.stdout}`,
    );
  }
  const index = join(output, "index.html");
  for (const file of readdirSync(output).filter((f) => f.endsWith(".html"))) {
    const path = join(output, file);
    const html = stripAnalytics(readFileSync(path, "utf8"));
    if (hasAnalytics(html))
      throw new HarnessError("ERR_HARNESS_INTERNAL", `${path} still contains an analytics script`);
    writeFileSync(path, html);
  }
  return index;
}
