/**
 * The oauth-jwt profile judges servers that are not SMART servers (issue 15): two stand-ins built on
 * oidc-provider (fixtures/oauth-jwt-standins/: a public-health data hub and a national identity provider,
 * each with its own token path, scope strings, algorithms and assertion rules, no FHIR server) each get a
 * full `--profile oauth-jwt` run whose verdicts must match expected-verdicts.<system>.json, with no broken
 * test; and each seeded deviation must fail every test that guards it. Regenerate the expected verdicts
 * with `npx tsx fixtures/oauth-jwt-standins/check-verdicts.ts --write`.
 */
import { expect, test } from "@playwright/test";
import { runAgainstStandin } from "../../fixtures/oauth-jwt-standins/run.ts";
import { SYSTEM_NAMES, type Deviation } from "../../fixtures/oauth-jwt-standins/systems.ts";
import {
  compareVerdicts,
  guardOf,
  guardsNotPassing,
  judged,
  loadExpectedVerdicts,
  missedDetections,
  SEEDED,
} from "../../fixtures/oauth-jwt-standins/verdicts.ts";
import { budgetMs } from "./budget.ts";
import type { Summary } from "./summary-reporter.ts";

/** A full oauth-jwt run takes ~15 s alone; allow for a busy 2-core machine running other tests beside it. */
const FULL_RUN_BUDGET_MS = budgetMs(60_000);
/** A grep run of a few tests: mostly Playwright's start-up. */
const GREP_RUN_BUDGET_MS = budgetMs(20_000);
/** Deviant stand-ins checked at once within one test (the other worker runs the other stand-in). */
const CONCURRENT_DEVIATION_RUNS = 2;

/** Maps `items` through `run`, at most `limit` at a time, keeping the order. */
async function pooled<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

for (const name of SYSTEM_NAMES) {
  test(`the oauth-jwt verdicts on the ${name} stand-in are the expected ones, none broken`, async () => {
    test.setTimeout(FULL_RUN_BUDGET_MS);
    const summary = await runAgainstStandin(name);
    const counted = judged(summary.tests);
    test.info().annotations.push({
      type: "judged",
      description: `${counted.length} of ${summary.tests.length} tests judged under oauth-jwt against ${name}`,
    });
    expect(summary.tests.length, "the run ran the suite").toBeGreaterThan(100);
    expect(
      summary.tests.filter((t) => t.status === "broken").map((t) => `${t.title}: ${t.message ?? ""}`),
      "broken tests",
    ).toEqual([]);
    expect(
      [...compareVerdicts(summary, loadExpectedVerdicts(name)), ...guardsNotPassing(name, summary)],
      `verdicts that differ from fixtures/oauth-jwt-standins/expected-verdicts.${name}.json`,
    ).toEqual([]);
  });

  test(`every seeded deviation of the ${name} stand-in fails the tests that guard it`, async () => {
    const deviations = SEEDED[name];
    test.setTimeout(Math.ceil(deviations.length / CONCURRENT_DEVIATION_RUNS) * GREP_RUN_BUDGET_MS);
    const runs = await pooled(
      deviations,
      CONCURRENT_DEVIATION_RUNS,
      async (deviation: Deviation): Promise<[Deviation, Summary]> => [
        deviation,
        await runAgainstStandin(name, { deviations: [deviation], grep: guardOf(deviation).grep, workers: 1 }),
      ],
    );
    expect(runs.flatMap(([deviation, summary]) => missedDetections(deviation, summary))).toEqual([]);
  });
}
