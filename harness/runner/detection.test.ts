/**
 * Proof that every test can fail: one detection run (SMART_DETECTION=1) runs every test against the
 * conformant embedded target (project "conformant") and, for each seeded fault, the tests its matrix row
 * names against a twin of the target with that fault (one project per fault). The conformant target must
 * pass everything; each fault must make every test of its row fail; every test must be named by some row.
 * The run happens once per harness run, cached in the file the harness global setup names, so a failed
 * check (which restarts the Playwright worker) does not repeat it. `npx tsx scripts/detect.ts` runs the
 * whole suite per fault instead, to review that a fault fails nothing beyond its row.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { DETECTION_MATRIX, SLOW_TITLES } from "../../fixtures/reference-server/detection-matrix.ts";
import { LATITUDE } from "../latitude.ts";
import { FAULTS, type Fault } from "../../fixtures/reference-server/options.ts";
import { SLOW_TAG } from "../conformance.ts";
import {
  measuredMarkdown,
  README_BEGIN,
  README_END,
  readmeBlock,
  readmeTable,
  tableCells,
  type MeasuredRow,
} from "./detection-table.ts";
import { reportsDir } from "./paths.ts";
import { runSuite, SUITE_RUN_LIMIT_MS } from "./run-suite.ts";
import type { Summary, SummaryTest } from "./summary-reporter.ts";

/** Short-lived tokens, so the expiry tests wait seconds, not minutes. */
const TOKEN_LIFETIME_SECONDS = 3;
const DETECTION_CACHE_ENV = "SMART_DETECTION_CACHE";

// One worker runs this file in order: the run is made once and read from the cache afterwards. The first
// test waits for the whole run (about 4 minutes idle, much longer on a loaded machine), which its child
// process bounds itself; the test's own limit only has to outlast that.
test.describe.configure({ mode: "default", timeout: SUITE_RUN_LIMIT_MS + 60_000 });

let summary: Summary | undefined;

async function detectionRun(): Promise<Summary> {
  if (summary) return summary;
  const cache = process.env[DETECTION_CACHE_ENV];
  if (cache && existsSync(cache)) {
    summary = JSON.parse(readFileSync(cache, "utf8")) as Summary;
    return summary;
  }
  summary = await runSuite({ detection: true, workers: 2, tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS });
  if (cache) writeFileSync(cache, JSON.stringify(summary));
  writeMeasuredMatrix(summary);
  return summary;
}

/** reports/detection-matrix.json and .md: every row with the status each of its tests had. */
function writeMeasuredMatrix(run: Summary): void {
  const rows: MeasuredRow[] = (Object.keys(FAULTS) as Fault[]).map((fault) => {
    const ran = new Map(testsOf(run, fault).map((t) => [t.title, t.status]));
    const tests = [...DETECTION_MATRIX[fault]]
      .sort()
      .map((title) => ({ title, status: ran.get(title) ?? "not run" }));
    return {
      fault,
      description: FAULTS[fault],
      tests,
      caught: tests.length > 0 && tests.every((t) => t.status === "failed"),
    };
  });
  const conformant = testsOf(run, "conformant");
  const dir = reportsDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "detection-matrix.json"),
    `${JSON.stringify({ durationMs: run.durationMs, rows }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, "detection-matrix.md"),
    measuredMarkdown(rows, {
      passed: conformant.filter((t) => t.status === "passed").length,
      total: conformant.length,
    }),
  );
}

test("the README's detection table matches the matrix", () => {
  const block = readmeBlock(readFileSync("README.md", "utf8"));
  expect(block, `README.md has the markers ${README_BEGIN} … ${README_END}`).toBeDefined();
  expect(
    tableCells(block ?? ""),
    "README detection table (regenerate: npx tsx scripts/write-matrix.ts --readme)",
  ).toEqual(tableCells(readmeTable()));
});

function testsOf(run: Summary, project: string): SummaryTest[] {
  return run.tests.filter((t) => t.project === project);
}

test("the conformant reference target passes every test, and every test is named by some fault", async () => {
  const tests = testsOf(await detectionRun(), "conformant");
  const notPassed = tests
    .filter((t) => t.status !== "passed")
    .map((t) => `${t.status}: ${t.id}: ${t.message ?? ""}`);
  expect(notPassed, "tests that did not pass against the conformant target").toEqual([]);
  const titles = tests.map((t) => t.title);
  expect(new Set(titles).size, "test titles are unique (the matrix names tests by title)").toBe(
    titles.length,
  );
  const slow = tests.filter((t) => t.tags.includes(SLOW_TAG)).map((t) => t.title);
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
  expect(
    Object.values(LATITUDE)
      .flatMap((point) => point.tests as readonly string[])
      .filter((title) => !titles.includes(title)),
    "latitude points (harness/latitude.ts) naming no test",
  ).toEqual([]);
});

for (const fault of Object.keys(FAULTS) as Fault[]) {
  test(`fault "${fault}" (${FAULTS[fault]}) fails the tests that guard it`, async () => {
    const expected = DETECTION_MATRIX[fault];
    expect(expected.length, `the matrix row of "${fault}" names at least one test`).toBeGreaterThan(0);
    const ran = new Map(testsOf(await detectionRun(), fault).map((t) => [t.title, t]));
    const missed = expected
      .map((title) => {
        const t = ran.get(title);
        if (!t) return `${title}: did not run`;
        return t.status === "failed"
          ? undefined
          : `${title}: ${t.status}${t.message ? ` (${t.message})` : ""}`;
      })
      .filter(Boolean);
    expect(missed, `tests of the "${fault}" row that did not fail against it`).toEqual([]);
  });
}
