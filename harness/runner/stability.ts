/** Verdict comparison between runs, for the stability script and test. */
import type { Summary } from "./summary-reporter.ts";

/** Test id → status (with the message for anything but passed, so a changed reason counts too). */
export function verdicts(summary: Summary): Map<string, string> {
  return new Map(
    summary.tests.map((t) => [
      t.id,
      t.status === "passed" ? "passed" : `${t.status}: ${(t.message ?? "").split("\n")[0] ?? ""}`,
    ]),
  );
}

/** One line per test whose verdict differs between two runs, or that ran in only one of them. */
export function verdictDifferences(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): string[] {
  const ids = new Set([...a.keys(), ...b.keys()]);
  return [...ids]
    .filter((id) => a.get(id) !== b.get(id))
    .sort()
    .map((id) => `${id}: ${a.get(id) ?? "(absent)"} → ${b.get(id) ?? "(absent)"}`);
}
