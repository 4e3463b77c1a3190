/**
 * Runs the conformance suite in a child process against the embedded reference target, optionally with
 * seeded faults, into its own reports folder, and returns its summary. Used by the detection tests.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HarnessError } from "../errors.ts";
import { budgetMs } from "./budget.ts";
import type { Summary } from "./summary-reporter.ts";

export interface SuiteRunOptions {
  readonly faults?: readonly string[];
  readonly grep?: string;
  readonly workers?: number;
  /** Include tests tagged @slow (they wait for tokens to expire); default true. */
  readonly includeSlow?: boolean;
  /** Token lifetime of the embedded target, in seconds (detection runs use a short one). */
  readonly tokenLifetimeSeconds?: number;
  /** A target config to run against instead of the embedded reference target. */
  readonly target?: string;
  /** Extra environment for the run (SMART_* variables of ours are not inherited). */
  readonly env?: Readonly<Record<string, string>>;
  /** Run the detection matrix: every test against the target, each fault's row against a faulty twin. */
  readonly detection?: boolean;
}

/** The environment of a child run: ours without the variables of the Playwright run we may be inside. */
export function childEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(PW_|PLAYWRIGHT_|TEST_|SMART_)/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

export interface ProcessOutcome {
  readonly status: number | null;
  /** stdout and stderr, interleaved as they arrived. */
  readonly output: string;
}

/**
 * Runs a command of ours (a path under node_modules/.bin, or any program) in a child process without
 * blocking this one — a test may be serving the target from it — with childEnv(env), and collects its
 * output. Killed after timeoutMs (default: 150 s on an idle machine, scaled by its load).
 */
export async function runProcess(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs = budgetMs(50_000),
): Promise<ProcessOutcome> {
  const child = spawn(command, args, { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const status = await new Promise<number | null>((done, reject) => {
      child.on("error", reject);
      child.on("close", (code) => done(code));
    });
    return { status, output };
  } finally {
    clearTimeout(timer);
  }
}

/** A binary of ours: node_modules/.bin/<name>. */
export const bin = (name: string): string => resolve("node_modules", ".bin", name);

/** How long a child suite run may take before it is killed (its own whole-run limit). */
export const SUITE_RUN_LIMIT_MS = 30 * 60_000;

export async function runSuite(options: SuiteRunOptions = {}): Promise<Summary> {
  const reports = await mkdtemp(join(tmpdir(), "smart-suite-run-"));
  try {
    const args = [
      "test",
      "--reporter=./harness/runner/summary-reporter.ts",
      ...(options.grep ? ["--grep", options.grep] : []),
      ...(options.includeSlow === false ? ["--grep-invert", "@slow"] : []),
    ];
    const env: Record<string, string> = {
      SMART_REPORTS_DIR: reports,
      SMART_WORKERS: String(options.workers ?? 1),
      SMART_REFERENCE_FAULTS: (options.faults ?? []).join(","),
      // Record verdicts instead of throwing them: a failed test would otherwise cost a worker restart.
      SMART_VERDICTS: "record",
      ...(options.detection ? { SMART_DETECTION: "1" } : {}),
      ...(options.target ? { SMART_TARGET: options.target } : {}),
      ...options.env,
      ...(options.tokenLifetimeSeconds
        ? { SMART_REFERENCE_TOKEN_LIFETIME: String(options.tokenLifetimeSeconds) }
        : {}),
    };
    const { output } = await runProcess(bin("playwright"), args, env, SUITE_RUN_LIMIT_MS);
    try {
      return JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
    } catch (cause) {
      throw new HarnessError(
        "ERR_HARNESS_INTERNAL",
        `the suite run (faults: ${options.faults?.join(",") || "none"}) wrote no summary:\n${output}`,
        { cause },
      );
    }
  } finally {
    await rm(reports, { recursive: true, force: true });
  }
}

/**
 * Runs the conformance command (`harness/cli/conformance.ts`) in a child process without blocking this
 * one (a test may be serving the target from it) and returns its exit status and combined output.
 */
export async function runConformanceCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs = budgetMs(50_000),
): Promise<ProcessOutcome> {
  return runProcess(bin("tsx"), ["harness/cli/conformance.ts", ...args], env, timeoutMs);
}
