/**
 * Proof that every conformance test can fail: the suite runs against the reference target once
 * conformant and once per seeded fault; each fault must fail exactly the tests the matrix names, and every
 * test must be named by some fault.
 */
import { expect, test } from "@playwright/test";
import { DETECTION_MATRIX } from "../../fixtures/reference-server/detection-matrix.ts";
import { FAULTS, type Fault } from "../../fixtures/reference-server/options.ts";
import { runSuite } from "./run-suite.ts";

test.describe.configure({ mode: "parallel", timeout: 120_000 });

test("the conformant reference target passes every test, and every test is named by some fault", async () => {
  const summary = await runSuite();
  const notPassed = summary.tests
    .filter((t) => t.status !== "passed")
    .map((t) => `${t.status}: ${t.id}: ${t.message ?? ""}`);
  expect(notPassed, "tests that did not pass against the conformant target").toEqual([]);
  const named = new Set(Object.values(DETECTION_MATRIX).flat());
  const unkilled = summary.tests.map((t) => t.title).filter((title) => !named.has(title));
  expect(unkilled, "tests no seeded fault is expected to fail").toEqual([]);
  const stale = [...named].filter((title) => !summary.tests.some((t) => t.title === title));
  expect(stale, "matrix entries naming no test").toEqual([]);
});

for (const fault of Object.keys(FAULTS) as Fault[]) {
  test(`fault "${fault}" (${FAULTS[fault]}) fails exactly the tests that guard it`, async () => {
    const summary = await runSuite({ faults: [fault] });
    const failed = summary.tests
      .filter((t) => t.status === "failed")
      .map((t) => t.title)
      .sort();
    expect(failed, `tests failed by "${fault}"`).toEqual([...DETECTION_MATRIX[fault]].sort());
    expect(summary.faults).toEqual([fault]);
  });
}
