/**
 * `npm run bench [-- --runs 3] [--workers 3]`: what a full conformance run costs, against what its requests alone cost.
 * Starts the reference server (https, 2 s tokens so the expiry tests wait little), runs the whole suite
 * against it `--runs` times as a vendor would (Playwright, 3 workers as by default, summary and Allure results, no HTML),
 * times the HTML report generation separately, and measures the floor in the same process: every request
 * the last run made, replayed with undici alone, as many at a time as there were workers (no runner, no
 * signing, no report). Overhead = median run time / floor; the tests that wait on purpose (token expiry,
 * a stalled JWKS URL) are also reported as a second floor with their waiting added. Writes reports/bench.json.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { startReferenceServer } from "../fixtures/reference-server/server.ts";
import { REQUEST_LOG_ENV, type RecordedRequest } from "../harness/http.ts";
import { generateClientKey, publicJwks } from "../harness/keys.ts";
import { makeLoopbackCertificate } from "../harness/runner/loopback-cert.ts";
import { unclaimedLoopbackPort } from "../harness/runner/unclaimed-port.ts";
import type { Summary } from "../harness/runner/summary-reporter.ts";
import { generateHtmlReport } from "../harness/report.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "3" }, workers: { type: "string", default: "3" } },
});
const runs = Number(values.runs);
const WORKERS = Number(values.workers);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const dir = mkdtempSync(join(tmpdir(), "smart-bench-"));
const generated = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
writeFileSync(
  join(dir, "client.private.jwks.json"),
  JSON.stringify({ keys: generated.map((g) => g.privateJwk) }),
);
const urlKeys = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
writeFileSync(
  join(dir, "url-client.private.jwks.json"),
  JSON.stringify({ keys: urlKeys.map((g) => g.privateJwk) }),
);
// The JWKS URL the harness serves during each run (global setup starts its host on this port).
const jwksPort = await unclaimedLoopbackPort();
const jwksUrl = `http://127.0.0.1:${jwksPort}/jwks/url-client.json`;
const tls = makeLoopbackCertificate(dir);
const scope = "system/Patient.rs system/Observation.rs";
const server = await startReferenceServer({
  ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
  tokenLifetimeSeconds: 2,
  clients: [
    { clientId: "bench-client", scope, jwks: publicJwks(generated.map((g) => g.key)) },
    { clientId: "bench-url-client", scope: "system/*.rs", jwksUrl },
  ],
});
const config = join(dir, "target.json");
writeFileSync(
  config,
  JSON.stringify({
    name: "bench: reference server",
    fhirBaseUrl: server.fhirBaseUrl,
    tokenEndpoint: server.tokenUrl,
    client: { clientId: "bench-client", privateJwksPath: "client.private.jwks.json", scope },
    jwksUrlClient: {
      clientId: "bench-url-client",
      jwksUrl,
      privateJwksPath: "url-client.private.jwks.json",
      scope: "system/*.rs",
    },
    ...(tls ? { caFile: tls.certPath } : {}),
  }),
);

const runTimes: number[] = [];
const reportTimes: number[] = [];
let summary: Summary | undefined;
let requests: RecordedRequest[] = [];
for (let i = 1; i <= runs; i++) {
  const reports = join(dir, `reports-${i}`);
  const log = join(dir, `requests-${i}.jsonl`);
  const started = performance.now();
  // Asynchronously: this process serves the target while the suite runs.
  await new Promise<void>((done, fail) => {
    const child = spawn(resolve("node_modules", ".bin", "playwright"), ["test"], {
      stdio: "ignore",
      env: {
        ...process.env,
        SMART_TARGET: config,
        SMART_REPORTS_DIR: reports,
        SMART_WORKERS: String(WORKERS),
        SMART_QUIET: "1",
        [REQUEST_LOG_ENV]: log,
      },
    });
    child.on("error", fail);
    child.on("close", () => done());
  });
  runTimes.push(performance.now() - started);
  summary = JSON.parse(readFileSync(join(reports, "summary.json"), "utf8")) as Summary;
  const reportStarted = performance.now();
  generateHtmlReport(reports);
  reportTimes.push(performance.now() - reportStarted);
  requests = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordedRequest);
  console.error(
    `run ${i}: ${(runTimes.at(-1) ?? 0).toFixed(0)} ms, ${summary.tests.length} tests (${summary.totals.passed} passed), ${requests.length} requests; report ${(reportTimes.at(-1) ?? 0).toFixed(0)} ms`,
  );
}

// The floor: the last run's requests, replayed as they were recorded, WORKERS at a time.
const agent = new Agent({ connect: tls ? { ca: readFileSync(tls.certPath, "utf8") } : {} });
const queue = [...requests];
const floorStarted = performance.now();
await Promise.all(
  Array.from({ length: WORKERS }, async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      const res = await request(r.url, {
        method: r.method as "GET",
        headers: r.headers,
        ...(r.body !== undefined ? { body: r.body } : {}),
        dispatcher: agent,
      });
      await res.body.dump();
    }
  }),
);
const floorMs = performance.now() - floorStarted;
await agent.close();
await server.close();

const runMs = median(runTimes);
// Tests tagged @slow wait on purpose (a token must expire, a JWKS URL stalls): the spec, not the harness,
// sets that time. The second floor adds their waiting, spread over the workers as in the run.
const waitingMs = (summary?.tests ?? [])
  .filter((t) => t.tags.includes("@slow"))
  .reduce((sum, t) => sum + t.durationMs, 0);
const longestWaitMs = Math.max(
  0,
  ...(summary?.tests ?? []).filter((t) => t.tags.includes("@slow")).map((t) => t.durationMs),
);
// Spread over the workers, but one wait cannot be split: the floor is at least the longest of them.
const floorWithWaitsMs = Math.max(floorMs + waitingMs / WORKERS, longestWaitMs);
const tests = summary?.tests.length ?? 0;
// The expiry tests wait for a 2 s token to expire; that wait is the spec's, not overhead.
const result = {
  machine: {
    cpus: cpus().length,
    parallelism: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  runs,
  workers: WORKERS,
  tests,
  requests: requests.length,
  runMs: { median: Math.round(runMs), all: runTimes.map(Math.round) },
  testsPerSecond: Number((tests / (runMs / 1000)).toFixed(1)),
  floorMs: Math.round(floorMs),
  overhead: Number((runMs / floorMs).toFixed(2)),
  waitingMs: Math.round(waitingMs),
  floorWithWaitsMs: Math.round(floorWithWaitsMs),
  overheadWithWaits: Number((runMs / floorWithWaitsMs).toFixed(2)),
  reportMs: { median: Math.round(median(reportTimes)) },
};
mkdirSync("reports", { recursive: true });
writeFileSync(join("reports", "bench.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
rmSync(dir, { recursive: true, force: true });
