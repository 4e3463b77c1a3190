/**
 * What a CI pipeline acts on: the exit status for a `--fail-on` level, a JUnit XML rendering of a run's
 * summary, and the changes since a baseline summary (regressions and fixes, by stable test id).
 */
import type { Summary, SummaryTest } from "./runner/summary-reporter.ts";

export const FAIL_ON = ["shall", "should", "never"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export function isFailOn(value: string): value is FailOn {
  return (FAIL_ON as readonly string[]).includes(value);
}

/**
 * 1 when a failure at or above the `failOn` level exists (`never`: no finding fails the run); otherwise 2
 * when some test could not judge the target (broken, or not run because the target went down) or the run
 * timed out; otherwise 0.
 */
export function exitStatus(summary: Summary, failOn: FailOn): 0 | 1 | 2 {
  const shall = summary.failedByLevel.SHALL ?? 0;
  const weaker = summary.tests.filter((t) => t.status === "failed" && t.level !== "SHALL").length;
  if (failOn !== "never" && (shall > 0 || (failOn === "should" && weaker > 0))) return 1;
  const unjudged = summary.tests.some((t) => t.status === "broken" || t.status === "notRun");
  if (unjudged || summary.runStatus === "timedout" || summary.tests.length === 0) return 2;
  return 0;
}

// XML 1.0 forbids these control characters outright.
// eslint-disable-next-line no-control-regex -- matching them is the point
const FORBIDDEN_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const xml = (text: string) =>
  text.replace(FORBIDDEN_IN_XML, "").replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * JUnit XML: one testsuite per spec area; failed → failure (typed by level), broken → error, skipped and
 * not run (the target went down during another test; property status "notRun") → skipped.
 */
export function junitXml(summary: Summary): string {
  const areas = new Map<string, SummaryTest[]>();
  for (const t of summary.tests) areas.set(t.area, [...(areas.get(t.area) ?? []), t]);
  const count = (tests: readonly SummaryTest[], ...statuses: string[]) =>
    tests.filter((t) => statuses.includes(t.status)).length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const suites = [...areas].map(([area, tests]) => {
    const cases = tests.map((t) => {
      const head = `    <testcase classname="${xml(t.id.split(" › ")[0] ?? area)}" name="${xml(t.title)}" time="${seconds(t.durationMs)}">`;
      const notRun = t.status === "notRun" ? `<property name="status" value="notRun"/>` : "";
      const props = `      <properties><property name="level" value="${xml(t.level)}"/><property name="requirements" value="${xml(t.requirements.join(" "))}"/>${notRun}</properties>`;
      const message = xml(t.message ?? "");
      const body =
        t.status === "failed"
          ? `      <failure type="${xml(t.level)} violation" message="${xml((t.message ?? "").split("\n")[0] ?? "")}">${message}</failure>`
          : t.status === "broken"
            ? `      <error type="could not judge" message="${xml((t.message ?? "").split("\n")[0] ?? "")}">${message}</error>`
            : t.status === "skipped" || t.status === "notRun"
              ? `      <skipped message="${xml(t.message ?? "")}"/>`
              : undefined;
      return [head, props, ...(body ? [body] : []), "    </testcase>"].join("\n");
    });
    const time = seconds(tests.reduce((sum, t) => sum + t.durationMs, 0));
    return [
      `  <testsuite name="${xml(area)}" tests="${tests.length}" failures="${count(tests, "failed")}" errors="${count(tests, "broken")}" skipped="${count(tests, "skipped", "notRun")}" time="${time}">`,
      ...cases,
      "  </testsuite>",
    ].join("\n");
  });
  const { totals } = summary;
  const skipped = count(summary.tests, "skipped", "notRun");
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="SMART Backend Services conformance: ${xml(summary.target)}" tests="${summary.tests.length}" failures="${totals.failed}" errors="${totals.broken}" skipped="${skipped}" time="${seconds(summary.durationMs)}">`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}

export interface BaselineChange {
  readonly id: string;
  readonly level: string;
  readonly before: string;
  readonly after: string;
}

export interface BaselineComparison {
  readonly baseline: { readonly target: string; readonly startedAt: string };
  /** Passed (or absent) before, failed or broken now. */
  readonly regressions: readonly BaselineChange[];
  /** Failed or broken before, passed now. */
  readonly fixes: readonly BaselineChange[];
  /** Tests in the baseline that did not run now. */
  readonly missing: readonly string[];
}

export function compareWithBaseline(baseline: Summary, current: Summary): BaselineComparison {
  const before = new Map(baseline.tests.map((t) => [t.id, t]));
  const after = new Map(current.tests.map((t) => [t.id, t]));
  const bad = (s: string | undefined) => s === "failed" || s === "broken";
  const regressions: BaselineChange[] = [];
  const fixes: BaselineChange[] = [];
  for (const t of current.tests) {
    const was = before.get(t.id)?.status;
    if (bad(t.status) && !bad(was))
      regressions.push({ id: t.id, level: t.level, before: was ?? "absent", after: t.status });
    if (t.status === "passed" && bad(was))
      fixes.push({ id: t.id, level: t.level, before: was ?? "absent", after: t.status });
  }
  return {
    baseline: { target: baseline.target, startedAt: baseline.startedAt },
    regressions,
    fixes,
    missing: baseline.tests.filter((t) => !after.has(t.id)).map((t) => t.id),
  };
}

export function describeComparison(c: BaselineComparison): string {
  const line = (x: BaselineChange) => `  ${x.id} [${x.level}]: ${x.before} → ${x.after}`;
  return [
    `Since the baseline (${c.baseline.target}, ${c.baseline.startedAt}): ${c.regressions.length} regressions, ${c.fixes.length} fixes${c.missing.length ? `, ${c.missing.length} tests no longer run` : ""}`,
    ...(c.regressions.length ? ["Regressions:", ...c.regressions.map(line)] : []),
    ...(c.fixes.length ? ["Fixes:", ...c.fixes.map(line)] : []),
  ].join("\n");
}
