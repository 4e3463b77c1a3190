/**
 * The CI gate: --fail-on levels, JUnit XML and the baseline comparison, as functions and through the
 * conformance command against the reference target with seeded faults.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { compareWithBaseline, exitStatus, junitXml } from "./gate.ts";
import { budgetMs } from "./runner/budget.ts";
import { runConformanceCli } from "./runner/run-suite.ts";
import { summaryOf } from "./runner/summary-fixture.ts";

test("--fail-on: shall fails on SHALL only, should on SHOULD too, never on nothing; broken is 2", () => {
  const should = summaryOf([{}, { status: "failed", level: "SHOULD" }]);
  expect([exitStatus(should, "shall"), exitStatus(should, "should"), exitStatus(should, "never")]).toEqual([
    0, 1, 0,
  ]);
  const shall = summaryOf([{ status: "failed" }, { status: "broken" }]);
  expect([exitStatus(shall, "shall"), exitStatus(shall, "should"), exitStatus(shall, "never")]).toEqual([
    1, 1, 2,
  ]);
  expect(exitStatus(summaryOf([{}]), "shall")).toBe(0);
  expect(exitStatus(summaryOf([]), "never")).toBe(2);
});

test("JUnit XML: failures typed by level, broken as errors, markup escaped", () => {
  const text = junitXml(
    summaryOf([
      { title: 'a <b> & "c"', status: "failed", level: "SHOULD", message: "RFC 6749 §5.2: expected <x>" },
      { status: "broken", message: "[ERR_TARGET_TIMEOUT] no answer" },
      { status: "skipped", message: "no ES384 key" },
      {},
    ]),
  );
  expect(text).toContain(
    '<testsuites name="SMART Backend Services conformance: t" tests="4" failures="1" errors="1" skipped="1"',
  );
  expect(text).toContain('name="a &#60;b&#62; &#38; &#34;c&#34;"');
  expect(text).toContain('<failure type="SHOULD violation" message="RFC 6749 §5.2: expected &#60;x&#62;">');
  expect(text).toContain('<error type="could not judge" message="[ERR_TARGET_TIMEOUT] no answer">');
  expect(text).toContain('<skipped message="no ES384 key"/>');
});

test("the baseline comparison lists regressions, fixes and tests that no longer run", () => {
  const before = summaryOf([{}, { status: "failed" }, {}, {}]);
  const after = summaryOf([{ status: "broken" }, {}, { status: "failed" }]);
  const c = compareWithBaseline(before, after);
  expect(c.regressions.map((r) => `${r.id}: ${r.before} → ${r.after}`)).toEqual([
    "area/file › test 0: passed → broken",
    "area/file › test 2: passed → failed",
  ]);
  expect(c.fixes.map((r) => r.id)).toEqual(["area/file › test 1"]);
  expect(c.missing).toEqual(["area/file › test 3"]);
});

test("the conformance command gates on --fail-on and reports regressions against --baseline", async () => {
  // Three CLI runs of two tests each: about 40 s on an idle 2-core machine.
  test.setTimeout(budgetMs(40_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-gate-"));
  try {
    const grep = "issues no refresh token|rejects a client assertion whose aud is the FHIR base URL";
    const run = (name: string, faults: string, ...args: string[]) =>
      runConformanceCli(["--grep", grep, ...args], {
        SMART_REPORTS_DIR: join(dir, name),
        SMART_REFERENCE_FAULTS: faults,
        SMART_QUIET: "1",
      });
    // refresh-token-issued breaks a SHOULD only; skip-aud-check breaks a SHALL.
    const [clean, shouldShall, shouldShould, shouldNever] = await Promise.all([
      run("clean", ""),
      run("should-shall", "refresh-token-issued"),
      run("should-should", "refresh-token-issued", "--fail-on", "should"),
      run("should-never", "refresh-token-issued", "--fail-on", "never"),
    ]);
    expect(clean.status, clean.output).toBe(0);
    expect(shouldShall.status, shouldShall.output).toBe(0);
    expect(shouldShould.status, shouldShould.output).toBe(1);
    expect(shouldNever.status, shouldNever.output).toBe(0);
    const junit = await readFile(join(dir, "should-shall", "junit.xml"), "utf8");
    expect(junit).toContain('<failure type="SHOULD violation"');

    const baseline = join(dir, "baseline.json");
    await writeFile(baseline, await readFile(join(dir, "clean", "summary.json")));
    const regressed = await run("regressed", "skip-aud-check", "--baseline", baseline);
    expect(regressed.status, regressed.output).toBe(1);
    expect(regressed.output).toMatch(/1 regressions, 0 fixes/);
    expect(regressed.output).toContain(
      "rejects a client assertion whose aud is the FHIR base URL [SHALL]: passed → failed",
    );
    const recorded = JSON.parse(
      await readFile(join(dir, "regressed", "baseline-comparison.json"), "utf8"),
    ) as {
      regressions: unknown[];
    };
    expect(recorded.regressions).toHaveLength(1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
