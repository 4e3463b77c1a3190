/**
 * `npm test`: typecheck, lint, format check, the conformance run against the embedded reference target
 * (every test must pass), and the harness's own tests (unit tests and the detection matrix). Ends with
 * the line CI reads: `N passed, N failed[, N skipped]`.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { LATITUDE_IDS } from "../harness/latitude.ts";
import type { Summary } from "../harness/runner/summary-reporter.ts";

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

const bin = (name: string) => resolve("node_modules", ".bin", name);
const total: Tally = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): number {
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function record(step: string, tally: Tally): void {
  total.passed += tally.passed;
  total.failed += tally.failed;
  total.skipped += tally.skipped;
  if (tally.failed > 0) failures.push(step);
  console.log(`\n== ${step}: ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped\n`);
}

function check(step: string, command: string, args: readonly string[]): void {
  console.log(`\n== ${step}: ${[command.split("/").pop(), ...args].join(" ")}`);
  const ok = run(command, args) === 0;
  record(step, { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 });
}

check("typecheck", bin("tsc"), ["--noEmit", "-p", "."]);
check("lint", bin("eslint"), ["--max-warnings=0", "."]);
check("format", bin("prettier"), ["--check", "."]);
check("requirement coverage", bin("tsx"), ["scripts/check-reqs.ts"]);
check("schema validators current", bin("tsx"), ["scripts/build-validators.ts", "--check"]);

// The conformance run against the embedded reference target, and against the alternate reference that
// makes the other allowed choice at every latitude point (harness/latitude.ts): a conformant target passes
// every test, whichever choices the specs let it make (tests may skip what they could not observe).
// The "all" run has no per-client registration, so a wildcard is never beyond it, and its 300 s tokens
// leave the expiry tests skipped: a second alternate run keeps the registration (and refuses such a
// wildcard) and the short tokens.
const perClient = LATITUDE_IDS.filter(
  (id) => id !== "scope-registration" && id !== "scope-matching" && id !== "token-lifetime",
);
for (const [step, extra] of [
  ["conformance", {}],
  [
    "conformance (alternate reference)",
    { SMART_REFERENCE_ALTERNATE: "all", SMART_REPORTS_DIR: join("reports", "alternate") },
  ],
  [
    "conformance (alternate reference, per-client registration)",
    {
      SMART_REFERENCE_ALTERNATE: perClient.join(","),
      SMART_REPORTS_DIR: join("reports", "alternate-per-client"),
    },
  ],
] as const) {
  console.log(`\n== ${step} run against the embedded reference target`);
  const env: NodeJS.ProcessEnv = { SMART_QUIET: "1", SMART_TARGET: "", SMART_REFERENCE_FAULTS: "", ...extra };
  const status = run(bin("tsx"), ["harness/cli/conformance.ts"], env);
  let summary: Summary | undefined;
  try {
    summary = JSON.parse(
      readFileSync(join(env.SMART_REPORTS_DIR ?? "reports", "summary.json"), "utf8"),
    ) as Summary;
  } catch {
    summary = undefined;
  }
  if (!summary) record(step, { passed: 0, failed: 1, skipped: 0 });
  else {
    const { passed, failed, skipped, broken } = summary.totals;
    record(step, {
      passed,
      failed: failed + broken + (status === 0 ? 0 : failed + broken === 0 ? 1 : 0),
      skipped,
    });
  }
}

// Harness unit tests and the detection matrix.
{
  console.log("\n== harness tests (unit tests and detection matrix)");
  const out = resolve("reports", ".harness-results.json");
  rmSync(out, { force: true });
  run(bin("playwright"), ["test", "-c", "playwright.harness.config.ts", "--reporter=dot,json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: out,
  });
  try {
    const { stats } = JSON.parse(readFileSync(out, "utf8")) as {
      stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    };
    record("harness tests", {
      passed: stats.expected,
      failed: stats.unexpected + stats.flaky,
      skipped: stats.skipped,
    });
  } catch {
    record("harness tests", { passed: 0, failed: 1, skipped: 0 });
  }
}

if (failures.length > 0) console.log(`Failed steps: ${failures.join(", ")}`);
console.log(
  `${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`,
);
process.exitCode = total.failed > 0 ? 1 : 0;
