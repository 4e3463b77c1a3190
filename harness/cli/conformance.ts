/**
 * `npm run conformance [-- --target <config.json>] [--grep <pattern>] [--workers <n>]`
 *
 * Runs the conformance suite against SMART_TARGET / --target, or the embedded reference target when none
 * is given, writes reports/summary.json and the HTML report, and exits:
 *   0  no SHALL requirement failed (SHOULD findings are reported, not gated)
 *   1  at least one SHALL test failed
 *   2  the run could not judge the target: bad config, unreachable target, harness error, tests not run
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadTargetConfig } from "../config.ts";
import { HarnessError } from "../errors.ts";
import { compareWithBaseline, describeComparison, exitStatus, FAIL_ON, isFailOn, junitXml } from "../gate.ts";
import { DEFAULT_PROFILE, isProfileName, PROFILE_ENV, PROFILES } from "../profiles.ts";
import { g10Markdown, g10Rows } from "../g10-report.ts";
import { generateHtmlReport } from "../report.ts";
import { requirementRows, requirementsCsv, requirementsMarkdown } from "../requirement-table.ts";
import { reportsDir } from "../runner/paths.ts";
import { CLIENT_SUITES, RUN_TIMEOUT_SECONDS, SUITES_DIR, TEST_TIMEOUT_MS } from "../runner/run-settings.ts";
import { resultLine } from "../runner/result-line.ts";
import { secondsSince, step } from "../runner/steps.ts";
import { benchMark } from "../runner/bench-marks.ts";
import { causesBlock, causesMarkdown, groupCauses } from "../runner/causes.ts";
import type { Summary } from "../runner/summary-reporter.ts";

const HELP = `Usage: npm run conformance -- [options]

Runs the SMART Backend Services conformance suite and writes the report.

Options:
  --target <file>   target config (JSON, see harness/schemas/target-config.schema.json);
                    default: SMART_TARGET, else the embedded reference target
  --grep <pattern>  run only tests whose title matches (the title path: family/file.spec.ts, titles, tags)
  --grep-invert <pattern>
                    skip the tests whose title matches (e.g. app-launch/ for the backend families only)
  --workers <n>     tests run at once (default: SMART_WORKERS, else 6; with --engine playwright: 3
                    worker processes)
  --engine <name>   inline (default): the tests run in this process, several at once, as async
                    functions; playwright: Playwright's runner and worker processes, with the same
                    fixtures, verdicts and reports at several times the CPU (README "Speed")
  --run-timeout <s> whole-run timeout in seconds (default: the config's runTimeoutSeconds, else 1800)
  --profile <name>  how ambiguities are judged (see harness/profiles.ts), one of:
                    ${Object.keys(PROFILES)
                      .map((name) => (name === DEFAULT_PROFILE ? `${name} (default)` : name))
                      .join(", ")}
  --fail-on <level> shall (default): exit 1 when a SHALL test failed; should: also when a SHOULD or MAY
                    test failed; never: findings never fail the run (exit 2 still means "could not judge")
  --baseline <file> an earlier summary.json: prints and records (reports/baseline-comparison.json) the
                    regressions and fixes since that run
  --no-html         no HTML report (summary, JUnit, CSV and allure-results are still written); a CI job
                    that wants it later runs: node bin/smart-conformance.js report generate
  -h, --help        this text

Outputs: reports/summary.json, reports/junit.xml, reports/requirements.csv, reports/allure-report/.
Exit status: 0 nothing at the --fail-on level failed; 1 something did; 2 the target could not be
judged (bad config, unreachable, a test broken, the run timed out) and nothing at the level failed.`;

/** The report's environment panel: what was tested, with what, and how far the target's clock is off. */
function writeEnvironment(resultsDir: string, summary: Summary): void {
  if (!existsSync(resultsDir)) return;
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version?: string;
  };
  const entries: [string, string][] = [
    ["Target", summary.target],
    ["FHIR base URL", summary.fhirBaseUrl ?? "unknown"],
    ["Suite version", pkg.version ?? "unknown"],
    ["Profile", summary.profile ?? DEFAULT_PROFILE],
    ["Node.js", process.version],
    [
      "Clock skew",
      summary.clockSkewSeconds === undefined
        ? "unknown (no Date header)"
        : `${summary.clockSkewSeconds} s (target minus harness, from the Date header)`,
    ],
    ["Run status", summary.runStatus],
  ];
  const escape = (text: string) =>
    text
      .replace(/\\/g, "\\\\")
      .replace(/([=:])/g, "\\$1")
      .replace(/\n/g, " ");
  writeFileSync(
    join(resultsDir, "environment.properties"),
    `${entries.map(([k, v]) => `${escape(k).replace(/ /g, "\\ ")}=${escape(v)}`).join("\n")}\n`,
  );
}

/**
 * Concurrent tests of the inline engine: a test mostly waits on the target, and a concurrent test costs
 * no process, so more run at once than Playwright's three workers.
 */
const INLINE_WORKERS = 6;

/** Of those, the ones that may drive the launch family's logins in a browser (each starts a Chromium). */
const BROWSER_WORKERS = 3;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      target: { type: "string" },
      grep: { type: "string" },
      "grep-invert": { type: "string" },
      "no-html": { type: "boolean" },
      workers: { type: "string" },
      engine: { type: "string", default: "inline" },
      "run-timeout": { type: "string" },
      "fail-on": { type: "string", default: "shall" },
      profile: { type: "string", default: DEFAULT_PROFILE },
      baseline: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const failOn = values["fail-on"];
  if (!isFailOn(failOn)) {
    console.error(`--fail-on: "${failOn}" is not one of ${FAIL_ON.join(", ")}`);
    return 2;
  }
  let baseline: Summary | undefined;
  if (values.baseline) {
    try {
      baseline = JSON.parse(readFileSync(values.baseline, "utf8")) as Summary;
      if (!Array.isArray(baseline.tests)) throw new Error("it has no tests array");
    } catch (err) {
      console.error(`--baseline: ${values.baseline} is not a summary.json (${(err as Error).message})`);
      return 2;
    }
  }
  const engine = values.engine;
  if (engine !== "playwright" && engine !== "inline") {
    console.error(`--engine: "${engine}" is not one of playwright, inline`);
    return 2;
  }
  const profile = values.profile;
  if (!isProfileName(profile)) {
    console.error(`--profile: "${profile}" is not one of ${Object.keys(PROFILES).join(", ")}`);
    return 2;
  }
  process.env[PROFILE_ENV] = profile; // the config check below loads keys as the profile allows
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (values.target) env.SMART_TARGET = resolve(values.target);
  if (values.workers) env.SMART_WORKERS = values.workers;
  // A bad config stops here, before Playwright starts, with one line per problem naming the field.
  let runTimeout = values["run-timeout"] ? Number(values["run-timeout"]) : undefined;
  if (runTimeout !== undefined && !(Number.isInteger(runTimeout) && runTimeout > 0)) {
    console.error(`--run-timeout: "${values["run-timeout"]}" is not a positive whole number of seconds`);
    return 2;
  }
  if (env.SMART_TARGET) {
    try {
      const config = await loadTargetConfig(env.SMART_TARGET);
      runTimeout ??= config.runTimeoutSeconds;
      if (profile === "oauth-jwt" && !config.tokenEndpoint && !config.issuer) {
        console.error(
          `${config.source}: tokenEndpoint: is required with --profile oauth-jwt (there is no SMART discovery), unless issuer names an authorization server whose RFC 8414 or OpenID metadata states it\nNo test was run.`,
        );
        return 2;
      }
    } catch (err) {
      if (!(err instanceof HarnessError)) throw err;
      console.error(`${err.message}\nNo test was run.`);
      return 2;
    }
  }
  if (runTimeout !== undefined) env.SMART_RUN_TIMEOUT_SECONDS = String(runTimeout);
  const reports = reportsDir();
  for (const dir of ["allure-results", "allure-report"])
    rmSync(join(reports, dir), { recursive: true, force: true });
  for (const file of [
    "summary.json",
    "junit.xml",
    "baseline-comparison.json",
    "g10-dry-run.md",
    "g10-dry-run.json",
    "causes.md",
  ])
    rmSync(join(reports, file), { force: true });

  const args = [
    "test",
    ...(values.grep ? ["--grep", values.grep] : []),
    ...(values["grep-invert"] ? ["--grep-invert", values["grep-invert"]] : []),
  ];
  benchMark("cli:config-checked");
  let exit: string;
  if (engine === "inline") {
    Object.assign(process.env, env);
    const { runInline } = await import("../runner/inline/run.ts");
    exit = await runInline({
      testDir: SUITES_DIR,
      ignore: CLIENT_SUITES,
      ...(values.grep ? { grep: values.grep } : {}),
      ...(values["grep-invert"] ? { grepInvert: values["grep-invert"] } : {}),
      workers: Number(values.workers ?? process.env.SMART_WORKERS ?? INLINE_WORKERS),
      timeoutMs: TEST_TIMEOUT_MS,
      globalTimeoutMs: Number(env.SMART_RUN_TIMEOUT_SECONDS ?? RUN_TIMEOUT_SECONDS) * 1000,
      // A Chromium per worker that drives logins: no more of them than Playwright's three workers started.
      limited: { fixture: "launchBrowser", workers: BROWSER_WORKERS },
    });
  } else {
    const run = spawnSync(resolve("node_modules", ".bin", "playwright"), args, { stdio: "inherit", env });
    exit = `playwright exit ${run.status}`;
  }
  benchMark("cli:playwright-exited");
  const summaryPath = join(reports, "summary.json");
  if (!existsSync(summaryPath)) {
    console.error(`\nThe run did not start (${exit}); see the error above. No test was judged.`);
    return 2;
  }
  const summary = JSON.parse(readFileSync(summaryPath, "utf8")) as Summary;
  if (summary.tests.length === 0) {
    console.error("\nNo test ran; see the error above.");
    return 2;
  }
  const rows = requirementRows(summary);
  writeFileSync(join(reports, "requirements.csv"), requirementsCsv(rows));
  const table = join(reports, "requirements.md");
  writeFileSync(table, requirementsMarkdown(rows, summary));
  writeEnvironment(join(reports, "allure-results"), summary);
  const attachments = [table];
  const causes = summary.causes ?? groupCauses(summary.tests);
  if (causes.length > 0) {
    // First among the report's global attachments: the causes, each once, with its count and tests.
    const causesFile = join(reports, "causes.md");
    writeFileSync(causesFile, causesMarkdown(causes));
    attachments.unshift(causesFile);
  }
  if (profile === "g10-dry-run") {
    const rows = g10Rows(summary);
    const g10 = join(reports, "g10-dry-run.md");
    writeFileSync(g10, g10Markdown(rows));
    writeFileSync(join(reports, "g10-dry-run.json"), `${JSON.stringify(rows, null, 2)}\n`);
    attachments.push(g10);
    const would = rows.filter((r) => r.infernoWould === "pass").length;
    console.log(
      `\n(g)(10) dry run: Inferno would pass ${would} of its ${rows.length} mapped backend-services and launch tests (${relative(process.cwd(), g10)})`,
    );
  }
  let index: string | undefined;
  if (!values["no-html"]) {
    const generating = Date.now();
    step("generating the HTML report");
    benchMark("cli:html-start");
    index = generateHtmlReport(reports, attachments);
    benchMark("cli:html-end");
    step(`report written (${secondsSince(generating)})`);
  }
  // Failures that share a cause (e.g. one wrong error code behind 50 tests) read once, before the tests.
  for (const line of causesBlock(causes)) console.log(line);
  const rerun = summary.tests.filter((t) => t.status === "failed" && t.rerun);
  if (rerun.length) console.log("\nFailed tests; each command under one re-runs just that test:");
  for (const t of rerun) console.log(`  ✘ ${t.id}\n    ${t.rerun}`);
  console.log(`\nTarget: ${summary.target}${summary.fhirBaseUrl ? ` (${summary.fhirBaseUrl})` : ""}`);
  console.log(`Profile: ${profile}`);
  console.log(resultLine(summary));
  if (summary.targetDown) {
    console.error(
      `\nThe ${summary.targetDown.message} (${summary.targetDown.id}): it stopped answering after ${summary.targetDown.request} and stayed down, so the run stopped there; ${summary.targetDown.notRun} tests were not run.`,
    );
  }
  console.log(
    index
      ? `Report: ${relative(process.cwd(), index)}`
      : `Report: not generated (--no-html); "node bin/smart-conformance.js report generate" renders ${relative(process.cwd(), join(reports, "allure-results"))}`,
  );
  console.log(
    `Summary: ${relative(process.cwd(), summaryPath)}  (per requirement: ${relative(process.cwd(), join(reports, "requirements.csv"))})`,
  );
  writeFileSync(join(reports, "junit.xml"), junitXml(summary));
  if (baseline) {
    const comparison = compareWithBaseline(baseline, summary);
    writeFileSync(join(reports, "baseline-comparison.json"), `${JSON.stringify(comparison, null, 2)}\n`);
    console.log(`\n${describeComparison(comparison)}`);
  }
  if (summary.runStatus === "timedout") {
    console.error(
      `\nThe run timed out (${env.SMART_RUN_TIMEOUT_SECONDS ?? RUN_TIMEOUT_SECONDS} s): tests that did not finish are broken or absent.`,
    );
  }
  if (summary.clockSkewSeconds !== undefined && Math.abs(summary.clockSkewSeconds) > 5) {
    console.log(
      `Clock skew: the target's clock is ${summary.clockSkewSeconds} s off ours (from its Date header)`,
    );
  }
  return exitStatus(summary, failOn);
}

process.exitCode = await main();
