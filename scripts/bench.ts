/**
 * `npm run bench -- [options]`: what a conformance run costs, in wall time and CPU seconds of its whole
 * process tree, phase by phase, and against what its requests alone cost. Each run is the CLI as a vendor
 * runs it (`tsx harness/cli/conformance.ts`, console reporter, summary, Allure results, HTML report), with
 * SMART_BENCH_LOG set: every Node process of the run reports its CPU at exit (scripts/bench-probe.mjs,
 * through NODE_OPTIONS) and the harness marks each phase boundary (harness/runner/bench-marks.ts).
 *
 * Targets: by default a reference server this process serves (plain http, 300 s tokens, both clients and
 * the launch login: an external target whose CPU is not the run's); `--target embedded` for the run's own
 * embedded target (its CPU is the runner's); `--target <config.json>` for any configured server, which
 * makes the comparison with another tool against the same server one command. Prints server-reaching
 * tests per second and CPU per request; writes reports/bench.json (SMART_REPORTS_DIR).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { REQUEST_LOG_ENV, type RecordedRequest } from "../harness/http.ts";
import { generateClientKey } from "../harness/keys.ts";
import { BENCH_LOG_ENV, type BenchMark } from "../harness/runner/bench-marks.ts";
import {
  EMBEDDED_CLIENT_ID,
  EMBEDDED_CLIENT_SCOPE,
  EMBEDDED_LAUNCH_PASSWORD_ENV,
  EMBEDDED_URL_CLIENT_ID,
  EMBEDDED_URL_CLIENT_SCOPE,
  embeddedLaunchConfig,
  startEmbeddedServer,
} from "../harness/runner/embedded-target.ts";
import { makeLoopbackCertificate } from "../harness/runner/loopback-cert.ts";
import { reportsDir } from "../harness/runner/paths.ts";
import { unclaimedLoopbackPort } from "../harness/runner/unclaimed-port.ts";
import type { Summary } from "../harness/runner/summary-reporter.ts";
import { summariseProfiles, type ProfileSummary } from "./cpu-profile.ts";

const HELP = `Usage: npm run bench -- [options]

  --runs <n>             runs (default 3; medians are reported)
  --families <which>     backend (default: every family but app-launch), app-launch, or all
  --target <t>           reference (default: a reference server this process serves, plain http),
                         embedded (the run's embedded target), or a target config file (any server)
  --token-lifetime <s>   the reference server's token lifetime (default 300: no expiry waits)
  --tls                  the reference server serves https (a loopback certificate)
  --workers <n>          Playwright workers, or the inline engine's concurrent tests (default: the suite's)
  --engine <name>        playwright or inline (default: the conformance command's)
  --no-html              runs with --no-html (default: the HTML report is generated and timed apart)
  --cpu-prof <dir>       CPU profiles of every Node process of each run (--cpu-prof), summarised by
                         process and by what the time went to; the profiler itself adds CPU
  -h, --help             this text`;

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    families: { type: "string", default: "backend" },
    target: { type: "string", default: "reference" },
    "token-lifetime": { type: "string", default: "300" },
    tls: { type: "boolean" },
    workers: { type: "string" },
    engine: { type: "string" },
    "no-html": { type: "boolean" },
    "cpu-prof": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const FAMILIES: Readonly<Record<string, readonly string[]>> = {
  backend: ["--grep-invert", "app-launch/"],
  "app-launch": ["--grep", "app-launch/"],
  all: [],
};
const familyArgs = FAMILIES[values.families];
if (!familyArgs) {
  console.error(`--families: "${values.families}" is not one of ${Object.keys(FAMILIES).join(", ")}`);
  process.exit(2);
}
const runs = Number(values.runs);
const html = !values["no-html"];
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (ms: number) => Math.round(ms);

/** CPU (user + system) of the children this process has waited for, ms: the whole tree of a finished run. */
function childrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const dir = mkdtempSync(join(tmpdir(), "smart-bench-"));

/** The reference server this process serves (its CPU is this process's, not the run's). */
async function serveReference(): Promise<{ config: string; close: () => Promise<void> }> {
  const inline = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
  const byUrl = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
  writeFileSync(
    join(dir, "client.private.jwks.json"),
    JSON.stringify({ keys: inline.map((g) => g.privateJwk) }),
  );
  writeFileSync(
    join(dir, "url-client.private.jwks.json"),
    JSON.stringify({ keys: byUrl.map((g) => g.privateJwk) }),
  );
  // The JWKS URL the run serves (its global setup starts the host on this port).
  const jwksUrl = `http://127.0.0.1:${await unclaimedLoopbackPort()}/jwks/url-client.json`;
  const tls = values.tls ? makeLoopbackCertificate(dir) : undefined;
  process.env[EMBEDDED_LAUNCH_PASSWORD_ENV] ??= `bench-${Math.random().toString(36).slice(2)}`;
  const server = await startEmbeddedServer({
    faults: [],
    inlineKeys: inline.map((g) => g.key),
    urlClientJwksUrl: jwksUrl,
    tokenLifetimeSeconds: Number(values["token-lifetime"]),
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
  });
  const config = join(dir, "target.json");
  writeFileSync(
    config,
    JSON.stringify({
      name: "bench: reference server",
      fhirBaseUrl: server.fhirBaseUrl,
      tokenEndpoint: server.tokenUrl,
      client: {
        clientId: EMBEDDED_CLIENT_ID,
        privateJwksPath: "client.private.jwks.json",
        scope: EMBEDDED_CLIENT_SCOPE,
      },
      jwksUrlClient: {
        clientId: EMBEDDED_URL_CLIENT_ID,
        jwksUrl,
        privateJwksPath: "url-client.private.jwks.json",
        scope: EMBEDDED_URL_CLIENT_SCOPE,
      },
      launch: embeddedLaunchConfig(),
      ...(tls ? { caFile: tls.certPath } : {}),
    }),
  );
  return { config, close: () => server.close() };
}

interface ExitLine {
  readonly kind: "exit";
  readonly pid: number;
  readonly ppid: number;
  readonly argv: string;
  readonly start: number;
  readonly end: number;
  readonly userMs: number;
  readonly sysMs: number;
  readonly childUserMs: number;
  readonly childSysMs: number;
}

type Role = "tsx" | "cli" | "runner" | "worker" | "allure" | "other";

function roleOf(exit: ExitLine): Role {
  const argv = exit.argv;
  if (argv.includes("workerProcessEntry")) return "worker";
  if (/\.bin\/playwright|playwright\/cli/.test(argv)) return "runner";
  if (/\.bin\/allure|allure\/cli/.test(argv)) return "allure";
  if (/(^|\/)tsx(\/dist\/cli\.mjs)?( |$)|\.bin\/tsx/.test(argv)) return "tsx";
  if (argv.includes("cli/conformance.ts")) return "cli";
  return "other";
}

/** One phase: wall time and CPU of the whole tree spent in it (ms). */
interface Phase {
  readonly wallMs: number;
  readonly cpuMs: number;
}

interface RunResult {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly wallWithoutHtmlMs: number;
  readonly cpuWithoutHtmlMs: number;
  readonly phases: Readonly<Record<string, Phase>>;
  readonly cpuByProcess: Readonly<Record<string, number>>;
  readonly workers: number;
  readonly tests: number;
  readonly testsReachingServer: number;
  readonly requests: number;
  readonly targetCpuMs?: number;
  readonly summary: Summary;
  readonly requestLog: readonly RecordedRequest[];
}

/** Splits a finished run's log into phases; see README "Speed" for what each phase holds. */
function phasesOf(lines: readonly (BenchMark | ExitLine)[], t0: number, t1: number, totalCpuMs: number) {
  const marks = lines.filter((l): l is BenchMark => l.kind === "mark");
  const exits = lines.filter((l): l is ExitLine => l.kind === "exit");
  const role = new Map(exits.map((e) => [e.pid, roleOf(e)]));
  const own = (e: ExitLine) => e.userMs + e.sysMs;
  const children = (e: ExitLine) => e.childUserMs + e.childSysMs;
  const whole = (e: ExitLine) => own(e) + children(e);
  /** What a process's waited-for children used beyond the Node processes we know (Chromium, esbuild, openssl). */
  const residual = (e: ExitLine) =>
    children(e) - exits.filter((c) => c.ppid === e.pid).reduce((sum, c) => sum + whole(c), 0);
  const only = (r: Role) => exits.filter((e) => role.get(e.pid) === r);
  const one = (r: Role) => only(r)[0];
  const mark = (name: string, r?: Role) =>
    marks.find((m) => m.name === name && (r === undefined || role.get(m.pid) === r));
  const cli = one("cli");
  const runner = one("runner");
  const workers = only("worker");
  const allure = only("allure");
  const tsx = only("tsx");
  const at = (name: string, fallback: number) => mark(name)?.at ?? fallback;
  const cpuAt = (name: string) => mark(name)?.cpuMs ?? 0;

  const checked = at("cli:config-checked", t0);
  const setupStart = at("setup:start", checked);
  const setupEnd = at("setup:end", setupStart);
  const firstBegin = at("tests:first-begin", setupEnd);
  const lastEndMark = mark("tests:last-end");
  const lastEnd = (lastEndMark?.atMs as number | undefined) ?? firstBegin;
  const endStart = at("reporters:end-start", lastEnd);
  const endDone = at("reporters:end-done", endStart);
  const pwExited = at("cli:playwright-exited", runner?.end ?? endDone);
  const htmlStart = at("cli:html-start", pwExited);
  const htmlEnd = at("cli:html-end", htmlStart);

  const readyMarks = marks.filter((m) => m.name === "worker:ready");
  const workerStartCpu = readyMarks.reduce((sum, m) => sum + m.cpuMs, 0);
  const workerStartWall = readyMarks.map((m) => {
    const exit = exits.find((e) => e.pid === m.pid);
    return exit ? m.at - exit.start : 0;
  });
  const workersCpu = workers.reduce((sum, w) => sum + own(w), 0);
  const browserCpu = workers.reduce((sum, w) => sum + residual(w), 0);
  const runnerOwn = runner ? own(runner) : 0;
  const runnerAtLastEnd = (lastEndMark?.runnerCpuMs as number | undefined) ?? cpuAt("reporters:end-start");
  const htmlCpu = allure.reduce((sum, a) => sum + whole(a), 0);
  const cliOwn = cli ? own(cli) : 0;

  // Alike for both engines (each mark is made by one process: the runner's, or the inline CLI's).
  const reportersEnd: Phase = {
    wallMs: endDone - endStart,
    cpuMs: cpuAt("reporters:end-done") - cpuAt("reporters:end-start"),
  };
  /** The CLI after the run and the HTML report; `since`: the CLI's mark its earlier phases end at. */
  const afterTheRun = (since: string): Record<string, Phase> => ({
    "CLI after the run (requirements, causes, JUnit)": {
      wallMs: htmlStart - pwExited + (t1 - htmlEnd),
      cpuMs: cliOwn - cpuAt(since) - (cpuAt("cli:html-end") - cpuAt("cli:html-start")),
    },
    "HTML report (allure generate)": {
      wallMs: htmlEnd - htmlStart,
      cpuMs: htmlCpu + (cpuAt("cli:html-end") - cpuAt("cli:html-start")),
    },
  });
  const inline = !runner;
  const phases: Record<string, Phase> = inline
    ? inlinePhases()
    : {
        "cli start and config check": {
          wallMs: checked - t0,
          cpuMs:
            tsx.reduce((sum, t) => sum + own(t), 0) + cpuAt("cli:config-checked") + (cli ? residual(cli) : 0),
        },
        "playwright start-up (config, listing and transforming the test files)": {
          wallMs: setupStart - checked,
          cpuMs: cpuAt("setup:start"),
        },
        "target start-up (global setup: keys, target, probe)": {
          wallMs: setupEnd - setupStart,
          cpuMs: cpuAt("setup:end") - cpuAt("setup:start") + (runner ? residual(runner) : 0),
        },
        "worker start-up (to the first fixture, test file transformed)": {
          wallMs: median(workerStartWall),
          cpuMs: workerStartCpu,
        },
        "tests: workers": { wallMs: lastEnd - firstBegin, cpuMs: workersCpu - workerStartCpu },
        "tests: browser (Chromium)": { wallMs: 0, cpuMs: browserCpu },
        "tests: runner (dispatch, reporters' onTestEnd, an embedded target)": {
          wallMs: 0,
          cpuMs: runnerAtLastEnd - cpuAt("setup:end"),
        },
        "reporters' onEnd (summary.json, Allure)": reportersEnd,
        "teardown and exit (workers, target, runner)": {
          wallMs: pwExited - endDone,
          cpuMs: runnerOwn - cpuAt("reporters:end-done") + (cpuAt("reporters:end-start") - runnerAtLastEnd),
        },
        ...afterTheRun("cli:config-checked"),
      };
  /** The inline engine (--engine inline): the suite runs in the CLI's own process, marked at each step. */
  function inlinePhases(): Record<string, Phase> {
    const cpu = (name: string, fallback = 0) => mark(name, "cli")?.cpuMs ?? fallback;
    const lastEndCpu = (lastEndMark?.runnerCpuMs as number | undefined) ?? cpu("reporters:end-start");
    return {
      "cli start and config check": {
        wallMs: checked - t0,
        cpuMs: tsx.reduce((sum, t) => sum + own(t), 0) + cpu("cli:config-checked"),
      },
      "inline engine start-up (suite files loaded, reporters)": {
        wallMs: setupStart - checked,
        cpuMs: cpu("setup:start") - cpu("cli:config-checked"),
      },
      "target start-up (global setup: keys, target, probe)": {
        wallMs: setupEnd - setupStart,
        cpuMs: cpu("setup:end") - cpu("setup:start"),
      },
      "tests (inline: fixtures, checks, reporters' onTestEnd)": {
        wallMs: lastEnd - firstBegin,
        cpuMs: lastEndCpu - cpu("setup:end"),
      },
      // The CLI's children: Chromium (the launch family's browsers) and esbuild (tsx's transformer).
      "tests: browser (Chromium) and esbuild": { wallMs: 0, cpuMs: cli ? residual(cli) : 0 },
      "reporters' onEnd (summary.json, Allure)": reportersEnd,
      "teardown (target)": {
        wallMs: pwExited - endDone,
        cpuMs:
          cpu("cli:playwright-exited") -
          cpu("reporters:end-done") +
          (cpu("reporters:end-start") - lastEndCpu),
      },
      ...afterTheRun("cli:playwright-exited"),
    };
  }
  const accounted = Object.values(phases).reduce((sum, p) => sum + p.cpuMs, 0);
  phases["unaccounted (processes not reporting, rounding)"] = { wallMs: 0, cpuMs: totalCpuMs - accounted };
  const cpuByProcess: Record<string, number> = {
    "tsx launcher": tsx.reduce((sum, t) => sum + own(t), 0),
    "CLI (Node)": cliOwn,
    "CLI's other children (esbuild; with --engine inline, Chromium too)": cli ? residual(cli) : 0,
    "Playwright runner (Node)": runnerOwn,
    "runner's other children (openssl)": runner ? residual(runner) : 0,
    "workers (Node)": workersCpu,
    "Chromium (workers' children)": browserCpu,
    "allure generate": htmlCpu,
    other: only("other").reduce((sum, o) => sum + own(o), 0),
  };
  return {
    phases: Object.fromEntries(
      Object.entries(phases).map(([k, p]) => [k, { wallMs: round(p.wallMs), cpuMs: round(p.cpuMs) }]),
    ),
    cpuByProcess: Object.fromEntries(Object.entries(cpuByProcess).map(([k, v]) => [k, round(v)])),
    workers: inline ? Number(mark("inline:tests-start")?.workers ?? 1) : workers.length,
    testsReachingServer: marks.filter((m) => m.name === "test:requests" && (m.requests as number) > 0).length,
    html: { wallMs: htmlEnd - htmlStart, cpuMs: phases["HTML report (allure generate)"]?.cpuMs ?? 0 },
  };
}

const reference = values.target === "reference" ? await serveReference() : undefined;
const targetConfig = values.target === "embedded" ? undefined : (reference?.config ?? resolve(values.target));
const probe = fileURLToPath(new URL("./bench-probe.mjs", import.meta.url));
const profileRoot = values["cpu-prof"] ? resolve(values["cpu-prof"]) : undefined;
const results: RunResult[] = [];
const loadBefore = loadavg();

for (let i = 1; i <= runs; i++) {
  const reports = join(dir, `reports-${i}`);
  const requestLog = join(dir, `requests-${i}.jsonl`);
  const benchLog = join(dir, `bench-${i}.jsonl`);
  const profileDir = profileRoot && join(profileRoot, `run-${i}`);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const nodeOptions = [
    process.env.NODE_OPTIONS ?? "",
    `--import=${probe}`,
    ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
  ].join(" ");
  const args = [
    "harness/cli/conformance.ts",
    ...familyArgs,
    ...(values.workers ? ["--workers", values.workers] : []),
    ...(values.engine ? ["--engine", values.engine] : []),
    ...(html ? [] : ["--no-html"]),
    ...(targetConfig ? ["--target", targetConfig] : []),
  ];
  const cpuBefore = childrenCpuMs();
  const ownBefore = process.cpuUsage();
  const t0 = performance.timeOrigin + performance.now();
  // Asynchronously: this process may be serving the target while the suite runs.
  const exitCode = await new Promise<number | null>((done, fail) => {
    const child = spawn(resolve("node_modules", ".bin", "tsx"), args, {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        NODE_OPTIONS: nodeOptions.trim(),
        SMART_REPORTS_DIR: reports,
        [BENCH_LOG_ENV]: benchLog,
        [REQUEST_LOG_ENV]: requestLog,
      },
    });
    child.on("error", fail);
    child.on("close", (code) => done(code));
  });
  const t1 = performance.timeOrigin + performance.now();
  const cpuMs = childrenCpuMs() - cpuBefore;
  const ownCpu = process.cpuUsage(ownBefore);
  const summary = JSON.parse(readFileSync(join(reports, "summary.json"), "utf8")) as Summary;
  const lines = readFileSync(benchLog, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as BenchMark | ExitLine);
  const requestLines = readFileSync(requestLog, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordedRequest);
  const split = phasesOf(lines, t0, t1, cpuMs);
  const result: RunResult = {
    wallMs: round(t1 - t0),
    cpuMs: round(cpuMs),
    wallWithoutHtmlMs: round(t1 - t0 - split.html.wallMs),
    cpuWithoutHtmlMs: round(cpuMs - split.html.cpuMs),
    phases: split.phases,
    cpuByProcess: split.cpuByProcess,
    workers: split.workers,
    tests: summary.tests.length,
    testsReachingServer: split.testsReachingServer,
    requests: requestLines.length,
    ...(reference ? { targetCpuMs: round((ownCpu.user + ownCpu.system) / 1000) } : {}),
    summary,
    requestLog: requestLines,
  };
  results.push(result);
  console.error(
    `run ${i}: exit ${exitCode}, ${result.tests} tests (${summary.totals.passed} passed, ${result.testsReachingServer} reaching the server), ${result.requests} requests: ${(result.wallMs / 1000).toFixed(1)} s wall, ${(result.cpuMs / 1000).toFixed(1)} CPU-s (without the HTML report ${(result.wallWithoutHtmlMs / 1000).toFixed(1)} s, ${(result.cpuWithoutHtmlMs / 1000).toFixed(1)} CPU-s)`,
  );
}

// The floor: the last run's requests replayed with undici alone, as many at a time as there were workers
// (only against the reference server this process serves: another target is not sent them twice).
const last = results.at(-1);
let floor: { ms: number; withWaitsMs: number; waitingMs: number } | undefined;
if (reference && last) {
  const parallel = Math.max(1, last.workers);
  const agent = new Agent({ connect: values.tls ? { rejectUnauthorized: false } : {} });
  const queue = [...last.requestLog];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
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
  const ms = performance.now() - started;
  await agent.close();
  // Tests tagged @slow that ran wait on purpose (a token or code must expire, a JWKS URL stalls): the spec
  // sets that time, not the harness. Spread over the workers, but one wait is never split.
  const waits = last.summary.tests.filter((t) => t.tags.includes("@slow") && t.status !== "skipped");
  const waitingMs = waits.reduce((sum, t) => sum + t.durationMs, 0);
  const longest = Math.max(0, ...waits.map((t) => t.durationMs));
  floor = {
    ms: round(ms),
    waitingMs: round(waitingMs),
    withWaitsMs: round(Math.max(ms + waitingMs / parallel, longest)),
  };
}
await reference?.close();

let profile: ProfileSummary | undefined;
if (profileRoot) {
  const benchLog = readFileSync(join(dir, "bench-1.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as BenchMark | ExitLine);
  const roles = new Map(
    benchLog.filter((l): l is ExitLine => l.kind === "exit").map((e) => [e.pid, roleOf(e)] as const),
  );
  const run1 = join(profileRoot, "run-1");
  profile = summariseProfiles(
    readdirSync(run1)
      .filter((f) => f.endsWith(".cpuprofile"))
      .map((f) => join(run1, f)),
    (pid) => roles.get(pid) ?? "other",
  );
}

const med = (pick: (r: RunResult) => number) => round(median(results.map(pick)));
const phaseNames = Object.keys(results[0]?.phases ?? {});
const processNames = Object.keys(results[0]?.cpuByProcess ?? {});
const wallWithoutHtml = med((r) => r.wallWithoutHtmlMs);
const cpuWithoutHtml = med((r) => r.cpuWithoutHtmlMs);
const reaching = med((r) => r.testsReachingServer);
const requests = med((r) => r.requests);
const result = {
  machine: {
    cpus: cpus().length,
    parallelism: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageBefore: loadBefore.map((l) => Number(l.toFixed(2))),
    loadAverageAfter: loadavg().map((l) => Number(l.toFixed(2))),
  },
  target:
    values.target === "reference"
      ? `reference server served by the bench (${values.tls ? "https" : "http"}, ${values["token-lifetime"]} s tokens)`
      : values.target,
  families: values.families,
  runs,
  workers: results[0]?.workers ?? 0,
  tests: results[0]?.tests ?? 0,
  testsReachingServer: reaching,
  requests,
  html,
  wallMs: { median: med((r) => r.wallMs), all: results.map((r) => r.wallMs) },
  cpuMs: { median: med((r) => r.cpuMs), all: results.map((r) => r.cpuMs) },
  withoutHtml: {
    wallMs: wallWithoutHtml,
    cpuMs: cpuWithoutHtml,
    serverReachingTestsPerSecond: Number((reaching / (wallWithoutHtml / 1000)).toFixed(1)),
    testsPerSecond: Number(((results[0]?.tests ?? 0) / (wallWithoutHtml / 1000)).toFixed(1)),
    cpuMsPerRequest: Number((cpuWithoutHtml / Math.max(1, requests)).toFixed(1)),
    cpuMsPerTest: Number((cpuWithoutHtml / Math.max(1, results[0]?.tests ?? 1)).toFixed(1)),
  },
  phases: Object.fromEntries(
    phaseNames.map((name) => [
      name,
      { wallMs: med((r) => r.phases[name]?.wallMs ?? 0), cpuMs: med((r) => r.phases[name]?.cpuMs ?? 0) },
    ]),
  ),
  cpuByProcessMs: Object.fromEntries(
    processNames.map((name) => [name, med((r) => r.cpuByProcess[name] ?? 0)]),
  ),
  ...(reference ? { targetCpuMs: med((r) => r.targetCpuMs ?? 0) } : {}),
  ...(floor
    ? {
        floorMs: floor.ms,
        waitingMs: floor.waitingMs,
        floorWithWaitsMs: floor.withWaitsMs,
        overheadWithWaits: Number((wallWithoutHtml / floor.withWaitsMs).toFixed(2)),
      }
    : {}),
  ...(profile ? { profile } : {}),
};
const out = reportsDir();
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "bench.json"), `${JSON.stringify(result, null, 2)}\n`);
const { profile: _shown, ...printed } = result;
console.log(JSON.stringify(printed, null, 2));
console.log(
  `\n${result.tests} tests (${reaching} reaching the server), ${requests} requests: ${(wallWithoutHtml / 1000).toFixed(1)} s wall, ${(cpuWithoutHtml / 1000).toFixed(1)} CPU-s without the HTML report; ${result.withoutHtml.serverReachingTestsPerSecond} server-reaching tests/s, ${result.withoutHtml.cpuMsPerRequest} ms CPU per request (${join(out, "bench.json")})`,
);
rmSync(dir, { recursive: true, force: true });
