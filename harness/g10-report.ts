/**
 * The g10-dry-run table: for each ONC (g)(10) Inferno backend-services test, what Inferno would conclude
 * from the response our matching test observed (by Inferno's own, weaker pass condition) beside our
 * verdict — so a vendor sees both what certification will say and what it will miss.
 */
import { INFERNO_G10_BACKEND, type InfernoG10Check } from "./g10.ts";
import type { Summary, SummaryTest } from "./runner/summary-reporter.ts";

export interface G10Row {
  readonly inferno: Pick<InfernoG10Check, "id" | "title" | "passesWhen">;
  /** "pass" / "fail" by Inferno's condition on what our tests observed; "not observed" when none ran. */
  readonly infernoWould: "pass" | "fail" | "not observed";
  readonly ours: readonly { readonly title: string; readonly status: string; readonly level: string }[];
}

export function g10Rows(
  summary: Summary,
  checks: readonly InfernoG10Check[] = INFERNO_G10_BACKEND,
): G10Row[] {
  const byTitle = new Map(summary.tests.map((t) => [t.title, t]));
  return checks.map((check) => {
    const ours = check.ourTests
      .map((title) => byTitle.get(title))
      .filter((t): t is SummaryTest => t !== undefined);
    const observed = ours.flatMap((t) => (t.observed ? [t.observed] : []));
    const infernoWould =
      observed.length === 0
        ? "not observed"
        : observed.every((o) => check.infernoWouldPass(o))
          ? "pass"
          : "fail";
    return {
      inferno: { id: check.id, title: check.title, passesWhen: check.passesWhen },
      infernoWould,
      ours: ours.map((t) => ({ title: t.title, status: t.status, level: t.level })),
    };
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function g10Markdown(rows: readonly G10Row[]): string {
  const weaker = rows.filter((r) => r.infernoWould === "pass" && r.ours.some((t) => t.status === "failed"));
  return [
    "# ONC (g)(10) dry run: Inferno's backend-services tests beside ours",
    "",
    `${rows.filter((r) => r.infernoWould === "pass").length} of ${rows.length} Inferno tests would pass on what this run observed;` +
      ` ${weaker.length} of those pass although a matching test of ours failed (what Inferno does not check).`,
    "",
    "| Inferno test | Inferno passes when | Inferno would | our tests (status, level) |",
    "| --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${cell(`${r.inferno.id}: ${r.inferno.title}`)} | ${cell(r.inferno.passesWhen)} | ${r.infernoWould} | ${
          r.ours.length
            ? r.ours.map((t) => cell(`${t.title} (${t.status}, ${t.level})`)).join("<br>")
            : "no counterpart"
        } |`,
    ),
    "",
  ].join("\n");
}
