/**
 * Proof that every conformance test can fail: the suite runs against the reference target once
 * conformant and once per seeded fault; each fault must fail exactly the tests its matrix row names, and
 * every test must be named by some row. Tests tagged @slow (they wait for tokens to expire) run only for the
 * rows that name them, to keep the matrix fast; the conformant run includes them.
 */
import { expect, test } from "@playwright/test";
import { DETECTION_MATRIX, SLOW_TITLES } from "../../fixtures/reference-server/detection-matrix.ts";
import { FAULTS, type Fault } from "../../fixtures/reference-server/options.ts";
import { SLOW_TAG } from "../conformance.ts";
import { runSuite } from "./run-suite.ts";

/** Short-lived tokens, so the expiry tests wait seconds, not minutes. */
const TOKEN_LIFETIME_SECONDS = 3;

test.describe.configure({ mode: "parallel", timeout: 180_000 });

test("the conformant reference target passes every test, and every test is named by some fault", async () => {
  const summary = await runSuite({ tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS });
  const notPassed = summary.tests
    .filter((t) => t.status !== "passed")
    .map((t) => `${t.status}: ${t.id}: ${t.message ?? ""}`);
  expect(notPassed, "tests that did not pass against the conformant target").toEqual([]);
  const titles = summary.tests.map((t) => t.title);
  expect(new Set(titles).size, "test titles are unique (the matrix names tests by title)").toBe(
    titles.length,
  );
  const slow = summary.tests.filter((t) => t.tags.includes(SLOW_TAG)).map((t) => t.title);
  expect(slow.sort(), `tests tagged ${SLOW_TAG}`).toEqual([...SLOW_TITLES].sort());
  const named = new Set(Object.values(DETECTION_MATRIX).flat());
  expect(
    titles.filter((title) => !named.has(title)),
    "tests no seeded fault is expected to fail",
  ).toEqual([]);
  expect(
    [...named].filter((title) => !titles.includes(title)),
    "matrix entries naming no test",
  ).toEqual([]);
});

for (const fault of Object.keys(FAULTS) as Fault[]) {
  test(`fault "${fault}" (${FAULTS[fault]}) fails exactly the tests that guard it`, async () => {
    const expected = DETECTION_MATRIX[fault];
    const includeSlow = expected.some((title) => SLOW_TITLES.includes(title));
    const summary = await runSuite({
      faults: [fault],
      includeSlow,
      tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS,
    });
    expect(summary.faults).toEqual([fault]);
    const failed = summary.tests.filter((t) => t.status === "failed").map((t) => t.title);
    expect(failed.sort(), `tests failed by "${fault}"`).toEqual([...expected].sort());
  });
}
