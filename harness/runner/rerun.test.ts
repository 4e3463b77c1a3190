/**
 * Reproducing a failure: every failed test of a run comes with one command (printed by the conformance
 * command, in summary.json as `rerun`, attached in the report) that re-runs exactly that test against the
 * same target. Proved by running the printed commands themselves, for titles with quotes, parentheses,
 * an apostrophe, and siblings that differ only in case (regex specials such as `||`: the unit test).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { exactGrep, rerunCommand } from "../rerun.ts";
import { runConformanceCli, runProcess } from "./run-suite.ts";
import type { Summary } from "./summary-reporter.ts";
import { budgetMs } from "./budget.ts";

const FAULTS = "accept-alg-none,global-key-lookup";
/** Matched case-insensitively, so all four alg "none" spellings run (and fail) in the first run. */
const GREP = 'unsigned client assertion \\(alg "none"|another client\'s registered key';
const RERUN = [
  'rejects an unsigned client assertion (alg "none", empty signature)',
  "rejects an assertion for one client signed with another client's registered key",
];

test("the grep of a re-run command matches its title path exactly, case-sensitively, specials escaped", () => {
  const path = ["signature/algorithms.spec.ts", "alg", 'rejects (alg "none") R||S $1.*'];
  const grep = exactGrep(path);
  const match = /^\/(.*)\/$/.exec(grep);
  expect(match, "written /…/ so that Playwright takes it case-sensitively").not.toBeNull();
  const re = new RegExp(match?.[1] ?? "");
  expect(re.test(`  ${path.join(" ")} @BS-ALG-01`)).toBe(true);
  expect(re.test(`  ${path.join(" ")}`)).toBe(true);
  expect(re.test(`  ${path.join(" ").replace("none", "NONE")} @BS-ALG-01`)).toBe(false);
  expect(re.test(`  ${path.join(" ")} and more @BS-ALG-01`)).toBe(false);
  expect(re.test(`  x${path.join(" ")} @BS-ALG-01`)).toBe(false);
});

test("a re-run command names the run's target config and profile, or the embedded target's settings", () => {
  const path = ["a.spec.ts", "it's"];
  const cwd = process.cwd();
  expect(rerunCommand(path, { SMART_TARGET: join(cwd, "my target.json"), SMART_PROFILE: "strict" })).toBe(
    `npm run conformance -- --target 'my target.json' --profile strict --grep '/(?:^| )a\\.spec\\.ts it'\\''s(?: @|$)/'`,
  );
  expect(rerunCommand(path, { SMART_TARGET: "/elsewhere/t.json", SMART_PROFILE: "smart-v2" })).toMatch(
    /^npm run conformance -- --target \/elsewhere\/t\.json --grep /,
  );
  expect(
    rerunCommand(path, {
      SMART_REFERENCE_FAULTS: "skip-aud-check",
      SMART_REFERENCE_HTTP: "",
      SMART_SLOW_TESTS: "1",
    }),
  ).toMatch(/^SMART_REFERENCE_FAULTS=skip-aud-check SMART_SLOW_TESTS=1 npm run conformance -- --grep /);
});

test("each failed test's printed command re-runs exactly that test against the same target", async () => {
  test.setTimeout(budgetMs(80_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-rerun-"));
  try {
    const first = await runConformanceCli(["--grep", GREP], {
      SMART_REPORTS_DIR: join(dir, "first"),
      SMART_REFERENCE_FAULTS: FAULTS,
      SMART_QUIET: "1",
    });
    expect(first.status, first.output).toBe(1);
    const summary = JSON.parse(await readFile(join(dir, "first", "summary.json"), "utf8")) as Summary;
    const failed = summary.tests.filter((t) => t.status === "failed");
    expect(failed.length, first.output).toBeGreaterThanOrEqual(5); // four alg "none" spellings among them
    expect(first.output).toContain("Failed tests; each command under one re-runs just that test:");
    for (const t of failed) {
      expect(t.rerun, t.title).toMatch(/^SMART_REFERENCE_FAULTS=\S+ npm run conformance -- --grep '\//);
      expect(first.output, `the console gives the command for "${t.title}"`).toContain(`\n    ${t.rerun}\n`);
    }
    expect(summary.tests.filter((t) => t.status === "passed").every((t) => t.rerun === undefined)).toBe(true);

    for (const [i, title] of RERUN.entries()) {
      const command = failed.find((t) => t.title === title)?.rerun;
      expect(command, `"${title}" failed and has a command`).toBeDefined();
      const reports = join(dir, `rerun-${i}`);
      const again = await runProcess("sh", ["-c", command ?? ""], {
        SMART_REPORTS_DIR: reports,
        SMART_QUIET: "1",
      });
      const rerun = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
      expect(
        rerun.tests.map((t) => `${t.status}: ${t.title}`),
        `${command}\n${again.output}`,
      ).toEqual([`failed: ${title}`]);
      expect(rerun.target).toContain(FAULTS.split(",").join(", "));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
