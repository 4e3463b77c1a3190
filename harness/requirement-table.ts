/**
 * The per-requirement view of a run: requirement → its tests → verdict, from summary.json. Written as
 * requirements.csv (machines) and requirements.md (attached to the HTML report).
 */
import { requirements, isRequirementId } from "./requirements.ts";
import type { Summary, TestStatus } from "./runner/summary-reporter.ts";

export interface RequirementRow {
  readonly id: string;
  readonly level: string;
  readonly title: string;
  readonly url: string;
  readonly tests: number;
  readonly counts: Readonly<Record<TestStatus, number>>;
  /** failed > broken > passed > notRun > skipped. */
  readonly verdict: TestStatus;
}

export function requirementRows(summary: Summary): RequirementRow[] {
  const byId = new Map<string, Record<TestStatus, number>>();
  for (const test of summary.tests) {
    for (const id of test.requirements) {
      const counts = byId.get(id) ?? { passed: 0, failed: 0, skipped: 0, broken: 0, notRun: 0 };
      counts[test.status]++;
      byId.set(id, counts);
    }
  }
  return [...byId.entries()]
    .filter(([id]) => isRequirementId(id))
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
    .map(([id, counts]) => {
      const r = requirements[id as keyof typeof requirements];
      const verdict: TestStatus = counts.failed
        ? "failed"
        : counts.broken
          ? "broken"
          : counts.passed
            ? "passed"
            : counts.notRun
              ? "notRun"
              : "skipped";
      const tests = counts.passed + counts.failed + counts.skipped + counts.broken + counts.notRun;
      return { id, level: r.level, title: r.title, url: r.url, tests, counts, verdict };
    });
}

const csvCell = (v: string | number): string =>
  /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v);

export function requirementsCsv(rows: readonly RequirementRow[]): string {
  const head = ["id", "level", "verdict", "tests", "passed", "failed", "broken", "skipped", "title", "url"];
  const body = rows.map((r) =>
    [
      r.id,
      r.level,
      r.verdict,
      r.tests,
      r.counts.passed,
      r.counts.failed,
      r.counts.broken,
      r.counts.skipped,
      r.title,
      r.url,
    ]
      .map(csvCell)
      .join(","),
  );
  return `${[head.join(","), ...body].join("\n")}\n`;
}

export function requirementsMarkdown(rows: readonly RequirementRow[], summary: Summary): string {
  const lines = rows.map(
    (r) =>
      `| [${r.id}](${r.url}) | ${r.level} | **${r.verdict}** | ${r.counts.passed}/${r.tests} | ${r.title.replace(/\|/g, "\\|")} |`,
  );
  return [
    `# Requirement verdicts — ${summary.target}`,
    "",
    `Run started ${summary.startedAt}; ${summary.tests.length} tests.`,
    "",
    "| requirement | level | verdict | passed | requirement text (paraphrase) |",
    "|---|---|---|---|---|",
    ...lines,
    "",
  ].join("\n");
}
