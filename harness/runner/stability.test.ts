/**
 * Two back-to-back runs against the embedded reference target give identical verdicts (`npm run
 * stability` does 20). Tests tagged @slow are left out here; the detection matrix runs them.
 */
import { expect, test } from "@playwright/test";
import { runSuite } from "./run-suite.ts";
import { verdictDifferences, verdicts } from "./stability.ts";
import { budgetMs } from "./budget.ts";

test("two back-to-back runs give identical verdicts", async () => {
  test.setTimeout(budgetMs(60_000));
  const first = verdicts(await runSuite({ workers: 2, includeSlow: false }));
  const second = verdicts(await runSuite({ workers: 2, includeSlow: false }));
  expect(first.size).toBeGreaterThan(150);
  expect(verdictDifferences(first, second)).toEqual([]);
});
