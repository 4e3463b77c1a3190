/**
 * `npm run stability [-- --runs 20] [--slow]`: runs the whole suite back to back against the embedded
 * reference target and compares every run's verdicts (test id → status) with the first. Prints each
 * test whose verdict changed and exits 1 if any did. Tests tagged @slow are left out unless --slow.
 */
import { parseArgs } from "node:util";
import { runSuite } from "../harness/runner/run-suite.ts";
import { verdictDifferences, verdicts } from "../harness/runner/stability.ts";

const { values } = parseArgs({ options: { runs: { type: "string" }, slow: { type: "boolean" } } });
const runs = Number(values.runs ?? 20);
if (!Number.isInteger(runs) || runs < 2) {
  console.error("--runs: a whole number of at least 2");
  process.exit(2);
}
const started = Date.now();
const first = verdicts(await runSuite({ workers: 2, includeSlow: Boolean(values.slow) }));
let unstable = 0;
console.log(`run 1: ${first.size} tests`);
for (let i = 2; i <= runs; i++) {
  const differences = verdictDifferences(
    first,
    verdicts(await runSuite({ workers: 2, includeSlow: Boolean(values.slow) })),
  );
  unstable += differences.length;
  console.log(`run ${i}: ${differences.length ? differences.join("\n  ") : "identical verdicts"}`);
}
console.log(
  `${runs} runs of ${first.size} tests in ${Math.round((Date.now() - started) / 1000)} s: ${unstable ? `${unstable} verdict changes` : "identical verdicts"}`,
);
process.exitCode = unstable ? 1 : 0;
