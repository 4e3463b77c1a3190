/**
 * Writes {reportsDir}/summary.json after every conformance run: one entry per test with its stable id,
 * requirement ids, level and status (passed / failed / skipped / broken / notRun). "broken" means the
 * harness, the config or the network failed, never the target's conformance; "notRun" means the target
 * went down during another test (summary `targetDown`) before this one could judge it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type {
  FullConfig,
  FullResult,
  Reporter,
  Suite,
  TestCase,
  TestError,
  TestResult,
} from "@playwright/test/reporter";
import { FINDING_ANNOTATION, VERDICT_ANNOTATION } from "../checks.ts";
import { isBrokenMessage, isNotRunMessage } from "../errors.ts";
import { activeProfile } from "../profiles.ts";
import { fromFile, rerunCommand } from "../rerun.ts";
import { suiteArea } from "../areas.ts";
import { TARGET_DOWN_ANNOTATION, TARGET_DOWN_REQUIREMENT, type TargetDownRecord } from "../target-down.ts";
import { groupCauses, type Cause } from "./causes.ts";
import { readRunInfo } from "./run-state.ts";
import { reportsDir } from "./paths.ts";

export type TestStatus = "passed" | "failed" | "skipped" | "broken" | "notRun";

export interface SummaryTest {
  readonly id: string;
  readonly title: string;
  /** The Playwright project, in runs that have several (the detection matrix: one per seeded fault). */
  readonly project?: string;
  readonly area: string;
  readonly requirements: readonly string[];
  readonly level: string;
  readonly tags: readonly string[];
  readonly status: TestStatus;
  readonly durationMs: number;
  readonly message?: string;
  /** For a failed or broken test: the command that re-runs just this test against the same target. */
  readonly rerun?: string;
  /**
   * g10-dry-run: the response the test judged (else its last): status, JSON body, the headers Inferno reads
   * and the request URL (tokens and codes shortened). Summaries of older runs carry status and body only.
   */
  readonly observed?: {
    readonly status: number;
    readonly body: unknown;
    readonly headers?: Readonly<Record<string, string>>;
    readonly url?: string;
  };
}

export interface Summary {
  readonly target: string;
  readonly fhirBaseUrl?: string;
  readonly embedded: boolean;
  readonly faults: readonly string[];
  /** The profile the run was judged under (see harness/profiles.ts). */
  readonly profile?: string;
  /** The target's clock minus ours, in seconds, from its Date header (absent when it sends none). */
  readonly clockSkewSeconds?: number;
  /** How the run ended: "timedout" when the whole-run timeout expired (tests that did not run are absent). */
  readonly runStatus: FullResult["status"];
  /** Errors outside any test (e.g. an unreachable target or a bad config stopping the run before it began). */
  readonly errors: readonly string[];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly totals: Readonly<Record<TestStatus, number>>;
  /**
   * Set when the target stopped answering during the run: the test it went down during (failed, BS-ERR-07)
   * and how many tests were therefore not run (status "notRun").
   */
  readonly targetDown?: {
    /** "target went down during <test title>" */
    readonly message: string;
    readonly id: string;
    readonly title: string;
    readonly project?: string;
    /** The request it stopped answering after ("POST https://…/token"). */
    readonly request: string;
    readonly notRun: number;
  };
  /** Failed tests by the level of what they check: a SHALL failure fails a CI gate by default. */
  readonly failedByLevel: Readonly<Record<string, number>>;
  /**
   * The failed and broken tests grouped by cause (their first failed check, normalised: see
   * harness/runner/causes.ts), most tests first. Absent from summaries of older runs.
   */
  readonly causes?: readonly Cause[];
  readonly tests: readonly SummaryTest[];
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes
const ANSI = /\u001b\[[0-9;]*m/g;

/** "family/file › describe › title": stable while the file and titles stay (Allure history keys on titles too). */
export function stableId(test: TestCase): string {
  const path = test.titlePath();
  const fileAt = path.findIndex((p) => p.endsWith(".spec.ts"));
  const file = (path[fileAt] ?? "").replace(/\\/g, "/").replace(/\.spec\.ts$/, "");
  return [file, ...path.slice(fileAt + 1)].join(" › ");
}

/** A violation recorded instead of thrown (SMART_VERDICTS=record). */
function recordedViolation(result: TestResult): string | undefined {
  return result.annotations.find((a) => a.type === VERDICT_ANNOTATION)?.description;
}

function skipReason(result: TestResult): string | undefined {
  return result.annotations.find((a) => a.type === "skip")?.description;
}

/** Why a test did not pass: the recorded or thrown violation, or the reason it was skipped or broken. */
export function messageOf(result: TestResult): string {
  return (
    recordedViolation(result) ??
    result.error?.message ??
    skipReason(result) ??
    `test ${result.status}`
  ).replace(ANSI, "");
}

/**
 * A test's status as the summary (and so the console reporter, the gate and JUnit) counts it: recorded
 * violations are failures, skips that carry a harness error code are broken, not run when the target went
 * down. Every count shown anywhere comes from here, so the console and summary.json agree.
 */
export function statusOf(result: TestResult): TestStatus {
  if (result.status === "passed") return recordedViolation(result) === undefined ? "passed" : "failed";
  if (result.status === "skipped") {
    const reason = skipReason(result);
    return isNotRunMessage(reason) ? "notRun" : isBrokenMessage(reason) ? "broken" : "skipped";
  }
  if (result.status === "timedOut" || result.status === "interrupted") return "broken";
  return isBrokenMessage(result.error?.message) ? "broken" : "failed";
}

function annotationOf(result: TestResult, type: string): string | undefined {
  return result.annotations.find((a) => a.type === type)?.description;
}

function annotation(test: TestCase, type: string): string[] {
  return test.annotations.filter((a) => a.type === type).map((a) => a.description ?? "");
}

export default class SummaryReporter implements Reporter {
  private started = Date.now();
  private readonly results = new Map<string, { test: TestCase; result: TestResult }>();

  onBegin(_config: FullConfig, _suite: Suite): void {
    this.started = Date.now();
  }

  private readonly errors: string[] = [];

  onError(error: TestError): void {
    this.errors.push((error.message ?? error.value ?? "unknown error").replace(ANSI, ""));
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    this.results.set(test.id, { test, result });
  }

  onEnd(result: FullResult): void {
    const tests: SummaryTest[] = [...this.results.values()].map(({ test, result }) => {
      const status = statusOf(result);
      const message = status === "passed" ? undefined : messageOf(result);
      const project = test.parent.project()?.name;
      const observed = annotationOf(result, "observed");
      const down = status === "failed" && annotationOf(result, TARGET_DOWN_ANNOTATION) !== undefined;
      const requirements = annotation(test, "requirement");
      return {
        id: stableId(test),
        title: test.title,
        ...(project ? { project } : {}),
        area: suiteArea(test.location.file) ?? annotation(test, "area")[0] ?? "Other",
        requirements:
          down && !requirements.includes(TARGET_DOWN_REQUIREMENT)
            ? [...requirements, TARGET_DOWN_REQUIREMENT]
            : requirements,
        // A failure a profile judged weaker than the test's level counts at that weaker level.
        level:
          (status === "failed" ? annotationOf(result, FINDING_ANNOTATION) : undefined) ??
          annotation(test, "level")[0] ??
          "SHALL",
        tags: test.tags,
        status,
        durationMs: result.duration,
        ...(message ? { message } : {}),
        // Not for runs with projects (the detection matrix): a project is no option of the command.
        ...((status === "failed" || status === "broken") && !project
          ? { rerun: rerunCommand(fromFile(test.titlePath())) }
          : {}),
        ...(observed ? { observed: JSON.parse(observed) as SummaryTest["observed"] } : {}),
      };
    });
    tests.sort((a, b) => (a.project ?? "").localeCompare(b.project ?? "") || a.id.localeCompare(b.id));
    const totals: Record<TestStatus, number> = { passed: 0, failed: 0, skipped: 0, broken: 0, notRun: 0 };
    const failedByLevel: Record<string, number> = {};
    for (const t of tests) {
      totals[t.status]++;
      if (t.status === "failed") failedByLevel[t.level] = (failedByLevel[t.level] ?? 0) + 1;
    }
    const targetDown = this.targetDown(tests, totals.notRun);
    const info = readRunInfo();
    const summary: Summary = {
      target: info?.name ?? process.env.SMART_TARGET ?? "unknown (the run did not start)",
      ...(info?.fhirBaseUrl !== undefined ? { fhirBaseUrl: info.fhirBaseUrl } : {}),
      embedded: info?.embedded ?? false,
      faults: info?.faults ?? [],
      profile: activeProfile().name,
      ...(info?.clockSkewSeconds !== undefined ? { clockSkewSeconds: info.clockSkewSeconds } : {}),
      runStatus: result.status,
      errors: this.errors,
      startedAt: new Date(this.started).toISOString(),
      durationMs: Date.now() - this.started,
      totals,
      ...(targetDown ? { targetDown } : {}),
      failedByLevel,
      causes: groupCauses(tests),
      tests,
    };
    const dir = reportsDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  }

  /** The test the target went down during (the first, should twins of a detection run go down too). */
  private targetDown(tests: readonly SummaryTest[], notRun: number): Summary["targetDown"] {
    const down = [...this.results.values()]
      .filter(({ result }) => result.status !== "skipped")
      .map(({ test, result }) => ({ test, description: annotationOf(result, TARGET_DOWN_ANNOTATION) }))
      .find((d) => d.description !== undefined);
    if (!down?.description) return undefined;
    const record = JSON.parse(down.description) as TargetDownRecord;
    const project = down.test.parent.project()?.name;
    const id = stableId(down.test);
    return {
      message: `target went down during "${down.test.title}"`,
      id,
      title: down.test.title,
      ...(project ? { project } : {}),
      notRun: project ? tests.filter((t) => t.project === project && t.status === "notRun").length : notRun,
      request: record.request,
    };
  }

  printsToStdio(): boolean {
    return false;
  }
}
