/**
 * The g10-dry-run table: for each ONC (g)(10) Inferno test mapped in harness/g10.ts (backend services, then
 * the SMART App Launch scenarios), what Inferno would conclude from the response our matching test observed
 * (by Inferno's own, weaker pass condition) beside our verdict — so a vendor sees both what certification
 * will say and what it will miss.
 */
import { INFERNO_G10, type InfernoG10Check } from "./g10.ts";
import type { Summary, SummaryTest, TestStatus } from "./runner/summary-reporter.ts";

export type G10Part = NonNullable<InfernoG10Check["part"]>;

export interface G10Row {
  readonly inferno: Pick<InfernoG10Check, "id" | "title" | "passesWhen">;
  readonly part: G10Part;
  /**
   * "pass" / "fail" by Inferno's condition on what our tests observed; "not run" when every test of ours
   * the entry names was skipped or is absent from the run (e.g. the app-launch family without a launch
   * block), so nothing was sent; "not observed" when the entry names none, or those that ran observed
   * nothing Inferno's condition reads.
   */
  readonly infernoWould: "pass" | "fail" | "not observed" | "not run";
  /** For "not run": why (the skip reasons of our tests, or that none is in this run). */
  readonly notRunBecause?: string;
  readonly ours: readonly { readonly title: string; readonly status: string; readonly level: string }[];
  /** Tests of ours whose observation was replayed without judging the same thing (InfernoG10Check.replayOn). */
  readonly replayedOn: readonly { readonly title: string; readonly status: string }[];
}

/** A test that sent its requests to a verdict; a skipped or not-run one observed nothing to replay. */
const JUDGED: ReadonlySet<TestStatus> = new Set<TestStatus>(["passed", "failed", "broken"]);

export function g10Rows(summary: Summary, checks: readonly InfernoG10Check[] = INFERNO_G10): G10Row[] {
  const byTitle = new Map(summary.tests.map((t) => [t.title, t]));
  const found = (titles: readonly string[]) =>
    titles.map((title) => byTitle.get(title)).filter((t): t is SummaryTest => t !== undefined);
  return checks.map((check) => {
    const ours = found(check.ourTests);
    const replayed = found(check.replayOn ?? []);
    const named = check.ourTests.length + (check.replayOn?.length ?? 0);
    const ran = [...ours, ...replayed].filter((t) => JUDGED.has(t.status));
    const verdicts = ran.flatMap((t) => (t.observed ? [check.infernoWouldPass(t.observed)] : []));
    const judged = verdicts.filter((v): v is boolean => v !== undefined);
    const skipped = [...ours, ...replayed].map((t) => t.message ?? `test ${t.status}`);
    const infernoWould =
      named > 0 && ran.length === 0
        ? "not run"
        : judged.length === 0
          ? "not observed"
          : judged.every(Boolean)
            ? "pass"
            : "fail";
    return {
      inferno: { id: check.id, title: check.title, passesWhen: check.passesWhen },
      part: check.part ?? "backend services",
      infernoWould,
      ...(infernoWould === "not run"
        ? { notRunBecause: [...new Set(skipped)].join("; ") || "none of these tests is in this run" }
        : {}),
      ours: ours.map((t) => ({ title: t.title, status: t.status, level: t.level })),
      replayedOn: replayed.map((t) => ({ title: t.title, status: t.status })),
    };
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function table(rows: readonly G10Row[]): string[] {
  return [
    "| Inferno test | Inferno passes when | Inferno would | our tests (status, level) |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) => {
      const would = r.infernoWould === "not run" ? `not run (${r.notRunBecause ?? ""})` : r.infernoWould;
      const ours = [
        ...r.ours.map((t) => cell(`${t.title} (${t.status}, ${t.level})`)),
        ...r.replayedOn.map((t) => cell(`replayed on: ${t.title} (${t.status})`)),
      ];
      return `| ${cell(`${r.inferno.id}: ${r.inferno.title}`)} | ${cell(r.inferno.passesWhen)} | ${cell(would)} | ${
        ours.length ? ours.join("<br>") : "no counterpart"
      } |`;
    }),
  ];
}

const HEADINGS: Readonly<Record<G10Part, string>> = {
  "backend services": "Multi-Patient API: backend services",
  "app launch": "SMART App Launch scenarios",
};

export function g10Markdown(rows: readonly G10Row[]): string {
  const weaker = rows.filter((r) => r.infernoWould === "pass" && r.ours.some((t) => t.status === "failed"));
  const notRun = rows.filter((r) => r.infernoWould === "not run").length;
  const parts = (Object.keys(HEADINGS) as G10Part[]).filter((p) => rows.some((r) => r.part === p));
  return [
    "# ONC (g)(10) dry run: Inferno's tests beside ours",
    "",
    `${rows.filter((r) => r.infernoWould === "pass").length} of ${rows.length} Inferno tests would pass on what this run observed;` +
      ` ${weaker.length} of those pass although a matching test of ours failed (what Inferno does not check)` +
      (notRun > 0 ? `; ${notRun} not run (our matching tests were skipped or are not in this run).` : "."),
    ...parts.flatMap((p) => ["", `## ${HEADINGS[p]}`, "", ...table(rows.filter((r) => r.part === p))]),
    "",
  ].join("\n");
}
