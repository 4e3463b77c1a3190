/**
 * `npx tsx scripts/detect.ts [fault ...]`: runs the suite against the reference target once per seeded
 * fault (two at a time) and prints, as JSON, the titles each fault makes fail. Used to review the detection
 * matrix; the matrix itself is checked by harness/runner/detection.test.ts.
 */
import { FAULTS, type Fault } from "../fixtures/reference-server/options.ts";
import { runSuite } from "../harness/runner/run-suite.ts";

const args = process.argv.slice(2);
const onlySlow = args.includes("--only-slow");
const noSlow = args.includes("--no-slow");
const named = args.filter((a) => !a.startsWith("--"));
const wanted = (named.length ? named : Object.keys(FAULTS)) as Fault[];
const results: Record<string, { failed: string[]; broken: number }> = {};
const queue = [...wanted];
const started = Date.now();
await Promise.all(
  [0, 1].map(async () => {
    for (let fault = queue.shift(); fault; fault = queue.shift()) {
      const summary = await runSuite({
        faults: [fault],
        tokenLifetimeSeconds: 3,
        includeSlow: !noSlow,
        ...(onlySlow ? { grep: "@slow" } : {}),
      });
      const failed = summary.tests.filter((t) => t.status === "failed").map((t) => t.title);
      results[fault] = { failed: failed.sort(), broken: summary.totals.broken };
      process.stderr.write(`${fault}: ${failed.length} failed, ${summary.totals.broken} broken\n`);
    }
  }),
);
console.log(JSON.stringify(results, null, 2));
process.stderr.write(`${wanted.length} faults in ${Math.round((Date.now() - started) / 1000)} s\n`);
