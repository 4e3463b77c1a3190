/**
 * Failures grouped by cause: when many tests fail for one reason (a server that answers every
 * client-authentication failure with invalid_grant instead of invalid_client), the console, summary.json
 * and the HTML report show that reason once, with its count and the tests under it.
 *
 * A test's cause is its first failed check (verify() runs a test's checks in order and reports every
 * failed one, one line each: "<rule>: expected <expectation>; <observation>"; later lines are often
 * consequences of the first), read from the test's message: the rule, the expectation and the observation
 * with what varies from test to test replaced by a placeholder — URLs (`<url>`), long base64url or hex
 * runs such as kids, thumbprints and tokens (`<id>`), numbers of four or more digits or with a fraction
 * and durations (`<n>`). Three-digit numbers (HTTP status codes) are kept, as are quoted values: they tell
 * failures apart. A broken test's cause is the first line of its reason, normalised alike. A profile's
 * "[a SHOULD finding …]" note and the "Judged by …" line do not count. The grouping is a pure function of
 * the messages: the same run gives the same causes in the same order (most tests first, then by text).
 */

/** What a failed check said, out of one line of a test's message. */
export interface CheckFailure {
  readonly rule: string;
  readonly expectation: string;
  readonly observed: string;
}

export interface Cause {
  /** The normalised cause: "<rule>: expected <expectation>; <observation>", or a broken test's reason. */
  readonly cause: string;
  readonly status: "failed" | "broken";
  /** The failed check, when the cause is one (a broken test's reason is none). */
  readonly rule?: string;
  readonly expectation?: string;
  /** The observation, normalised (see the module comment). */
  readonly observed?: string;
  readonly count: number;
  /** The stable ids of the tests under this cause, sorted. */
  readonly tests: readonly string[];
}

/** What {@link groupCauses} reads of a summary test. */
export interface CausedTest {
  readonly id: string;
  readonly status: string;
  readonly message?: string;
  readonly project?: string;
}

const ERROR_NAME = /^(?:ConformanceViolation|HarnessError|Error): /;
const NOTE = /\s*\[a SHOULD finding[^\]]*\]\s*$/;
// "<rule>: expected <expectation>; <observation>": the rule has no ": expected " of its own.
const CHECK_LINE = /^(.+?): expected (.+?); (.+)$/;

/** Replaces what varies from test to test (URLs, ids, long numbers) with placeholders. */
export function normalise(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`,;)\]}]+/gi, "<url>")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<id>")
    .replace(/(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{20,}/g, "<id>")
    .replace(/\b\d+(?:\.\d+)?(?=\s?(?:ms|s|seconds?|bytes|KiB|chars)\b)/g, "<n>")
    .replace(/\b\d+\.\d+\b|\b\d{4,}\b/g, "<n>")
    .replace(/\s+/g, " ")
    .trim();
}

/** The first failed check of a test's message, when its first line is one. */
export function firstCheckFailure(message: string): CheckFailure | undefined {
  const line = firstLine(message);
  const match = CHECK_LINE.exec(line);
  if (!match) return undefined;
  const [, rule = "", expectation = "", observed = ""] = match;
  return { rule, expectation, observed };
}

function firstLine(message: string): string {
  const line =
    message
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "" && !l.startsWith("Judged by ")) ?? "";
  return line.replace(ERROR_NAME, "").replace(NOTE, "");
}

/** The cause of a failed or broken test, from its message (see the module comment). */
export function causeOf(message: string): {
  cause: string;
  rule?: string;
  expectation?: string;
  observed?: string;
} {
  const check = firstCheckFailure(message);
  if (!check) return { cause: normalise(firstLine(message)) || "no message" };
  const observed = normalise(check.observed);
  return {
    cause: `${check.rule}: expected ${check.expectation}; ${observed}`,
    rule: check.rule,
    expectation: check.expectation,
    observed,
  };
}

/**
 * The causes of a run's failed and broken tests: one entry per distinct cause and status, most tests
 * first, then failed before broken, then by cause text.
 */
export function groupCauses(tests: readonly CausedTest[]): Cause[] {
  const groups = new Map<
    string,
    { base: ReturnType<typeof causeOf>; status: Cause["status"]; ids: string[] }
  >();
  for (const t of tests) {
    if (t.status !== "failed" && t.status !== "broken") continue;
    const base = causeOf(t.message ?? "");
    const key = `${t.status}\u0000${base.cause}`;
    const group = groups.get(key) ?? { base, status: t.status, ids: [] };
    group.ids.push(t.project ? `[${t.project}] ${t.id}` : t.id);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ base, status, ids }) => ({
      ...base,
      status,
      count: ids.length,
      tests: [...ids].sort((a, b) => a.localeCompare(b)),
    }))
    .sort(
      (a, b) =>
        b.count - a.count ||
        (a.status === b.status ? 0 : a.status === "failed" ? -1 : 1) ||
        a.cause.localeCompare(b.cause),
    );
}

/**
 * The console's "Causes" block: each cause two or more tests share, with its count and up to `shown` of
 * its tests; empty when no two failures share a cause.
 */
export function causesBlock(causes: readonly Cause[], shown = 3): string[] {
  const shared = causes.filter((c) => c.count >= 2);
  if (shared.length === 0) return [];
  const alone = causes.filter((c) => c.count < 2).length;
  const lines = ["", "Causes (tests that failed for the same reason; all of them in summary.json causes):"];
  for (const c of shared) {
    lines.push(`  ${c.count} ${c.status}: ${c.cause}`);
    for (const id of c.tests.slice(0, shown)) lines.push(`      ${id}`);
    if (c.count > shown) lines.push(`      … and ${c.count - shown} more`);
  }
  if (alone > 0)
    lines.push(
      `  ${alone} more failed or broken test${alone === 1 ? " has a cause of its" : "s each have a cause of their"} own`,
    );
  return lines;
}

/** reports/causes.md, the report's first global attachment: every cause, its count and its tests. */
export function causesMarkdown(causes: readonly Cause[]): string {
  const lines = [
    "# Failures by cause",
    "",
    "Each failed or broken test under the cause that decided it: its first failed check, with what varies",
    "from test to test (URLs, ids, long numbers) replaced by placeholders (harness/runner/causes.ts).",
  ];
  for (const c of causes) {
    lines.push("", `## ${c.count} ${c.status}: ${c.cause.replace(/([\\`*_[\]<>#|])/g, "\\$1")}`, "");
    for (const id of c.tests) lines.push(`- ${id.replace(/([\\`*_[\]<>#|])/g, "\\$1")}`);
  }
  return `${lines.join("\n")}\n`;
}
