/**
 * `npm run client-check -- --client-id <id> (--jwks <file> | --jwks-url <url>) [options] [-- <command>]`:
 * judges a backend-services client. Starts the judge (the reference server in judging mode, on 127.0.0.1)
 * with the client registered as given, runs the command as the client (or listens until interrupted or
 * the timeout), then runs the client checks of suites/client/ over what the client sent and writes the
 * report: reports/summary.json, junit.xml, the Allure report. Exit 0: no SHALL check failed; 1: one did;
 * 2: nothing could be judged (bad arguments, the judge could not start, the client command could not be
 * started).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { JsonWebKeySet } from "../../fixtures/reference-server/options.ts";
import { startJudge, type Judge } from "../client-judge/judge.ts";
import { nodeExtraCaCerts } from "../client-judge/judge-tls.ts";
import { BULK_GROUP_ID, exportDurationMs } from "../client-judge/bulk-export.ts";
import {
  CLIENT_PROFILE_ENV,
  CLIENT_PROFILES,
  clientSigningAlgs,
  isClientProfile,
  type ClientProfile,
} from "../client-judge/client-profile.ts";
import { DEFAULT_PROFILE, PROFILE_ENV } from "../profiles.ts";
import { CLIENT_SESSION_ENV, type ClientSession } from "../client-judge/session.ts";
import { exitStatus, FAIL_ON, isFailOn, junitXml } from "../gate.ts";
import { generateHtmlReport } from "../report.ts";
import { RUN_INFO_ENV, type RunInfo } from "../runner/run-state.ts";
import { reportsDir } from "../runner/paths.ts";
import type { Summary } from "../runner/summary-reporter.ts";

const HELP = `Usage: npm run client-check -- --client-id <id> (--jwks <file> | --jwks-url <url>) [options] [-- <command> [args...]]

Judges a SMART Backend Services client. The judge (a strict reference authorization server and FHIR
endpoint) listens on 127.0.0.1 with the client registered as given. With a command after --, it runs the
command with SMART_FHIR_BASE_URL (discovery is at its .well-known/smart-configuration) and SMART_CLIENT_ID
in its environment, waits for it to exit (or the timeout), then judges; without one, it prints the FHIR
base URL and listens until interrupted (Ctrl-C) or the timeout. The FHIR base also serves a Bulk Data
export (kick-off at $export, Patient/$export and Group/g1/$export; it outlasts a token of 10 s or less).

Options:
  --client-id <id>     the client_id to register (required)
  --jwks <file>        the client's public JWK Set, registered inline
  --jwks-url <url>     the URL where the client publishes its JWK Set (registered by URL)
  --scope "<scopes>"   the scopes the client may be granted (default "system/*.rs")
  --token-ttl <s>      lifetime of the access tokens the judge issues (default 300; a short one, e.g. 2,
                       lets the judge see how the client renews an expired token)
  --port <n>           the judge's port (default: any free port)
  --tls                serve https with a certificate from a CA made for the run, handed to the command
                       as SMART_CA_FILE and NODE_EXTRA_CA_CERTS (a PEM file, removed at the end); search
                       results point at a second origin whose certificate comes from a CA the client is
                       not given: a client that validates certificates sends it nothing (BS-CLI-11)
  --profile <name>     smart-v2 (default): assertions must be signed RS384 or ES384; oauth-jwt: the judge
                       also accepts, and judges, RS256/512, PS256/384/512, ES256/512 and EdDSA
  --lenient            issue a token whenever the assertion's signature verifies with a registered key,
                       whatever else is wrong with it or the token request (default: strict, as a SMART
                       server: a refused client usually stops, so the checks of what it does with a token
                       see nothing); every finding is still reported, all of them in one run
  --timeout <s>        stop the client (or stop listening) after this many seconds
                       (default 120 with a command; none without)
  --fail-on <level>    shall (default): exit 1 when a SHALL check failed; should: also SHOULD; never
  -h, --help           this text

Results: reports/summary.json (one test per client check), reports/junit.xml and the HTML report
reports/allure-report/index.html. Exit 0: no SHALL check failed; 1: one did; 2: nothing could be judged.`;

class UsageError extends Error {}

interface Args {
  readonly clientId: string;
  readonly jwks?: JsonWebKeySet;
  readonly jwksUrl?: string;
  readonly scope: string;
  readonly tokenTtl: number;
  readonly port?: number;
  /** --tls: the judge serves https (JudgeOptions.tls). */
  readonly tls: boolean;
  readonly timeoutSeconds?: number;
  readonly failOn: (typeof FAIL_ON)[number];
  readonly profile: ClientProfile;
  /** --lenient: a token whenever the assertion's signature verifies (JudgeOptions.lenient). */
  readonly lenient: boolean;
  readonly command: readonly string[];
}

function positiveInteger(flag: string, text: string | undefined, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag}: "${text}" is not a whole number ≥ ${min}`);
  return n;
}

function readJwks(path: string): JsonWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(`--jwks: ${path} is not a readable JSON file (${(err as Error).message})`);
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === "object" && k !== null)) {
    throw new UsageError(`--jwks: ${path} is not a JWK Set (a JSON object with a non-empty "keys" array)`);
  }
  return { keys: keys as Record<string, unknown>[] };
}

export function parseClientCheckArgs(argv: readonly string[]): Args | "help" {
  const dash = argv.indexOf("--");
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const command = dash >= 0 ? argv.slice(dash + 1) : [];
  let values;
  try {
    ({ values } = parseArgs({
      args: [...own],
      options: {
        "client-id": { type: "string" },
        jwks: { type: "string" },
        "jwks-url": { type: "string" },
        scope: { type: "string", default: "system/*.rs" },
        "token-ttl": { type: "string" },
        port: { type: "string" },
        tls: { type: "boolean", default: false },
        timeout: { type: "string" },
        "fail-on": { type: "string", default: "shall" },
        profile: { type: "string", default: DEFAULT_PROFILE },
        lenient: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return "help";
  const clientId = values["client-id"];
  if (!clientId) throw new UsageError("--client-id: required (the client_id your client sends)");
  if ((values.jwks === undefined) === (values["jwks-url"] === undefined)) {
    throw new UsageError(
      "--jwks / --jwks-url: give exactly one (the client's public JWK Set, inline or by URL)",
    );
  }
  const jwksUrl = values["jwks-url"];
  if (jwksUrl !== undefined && !/^https?:\/\/[^/]+/i.test(jwksUrl)) {
    throw new UsageError(`--jwks-url: "${jwksUrl}" is not an http(s) URL`);
  }
  const scope = values.scope.trim();
  if (scope === "") throw new UsageError("--scope: empty (give the scopes the client may be granted)");
  if (dash >= 0 && command.length === 0) throw new UsageError("--: no command after it");
  const failOn = values["fail-on"];
  if (!isFailOn(failOn)) throw new UsageError(`--fail-on: "${failOn}" is not one of ${FAIL_ON.join(", ")}`);
  const profile = values.profile;
  if (!isClientProfile(profile))
    throw new UsageError(`--profile: "${profile}" is not one of ${CLIENT_PROFILES.join(", ")}`);
  const port = positiveInteger("--port", values.port, 0);
  if (port !== undefined && port > 65535) throw new UsageError(`--port: ${port} is not a port number`);
  const timeoutSeconds = positiveInteger("--timeout", values.timeout) ?? (command.length ? 120 : undefined);
  return {
    clientId,
    ...(values.jwks !== undefined ? { jwks: readJwks(values.jwks) } : {}),
    ...(jwksUrl !== undefined ? { jwksUrl } : {}),
    scope,
    tokenTtl: positiveInteger("--token-ttl", values["token-ttl"]) ?? 300,
    ...(port !== undefined ? { port } : {}),
    tls: values.tls,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    failOn,
    profile,
    lenient: values.lenient,
    command,
  };
}

/** Why a command could not be started, in words a user can act on. */
function startProblem(program: string, err: NodeJS.ErrnoException): string {
  const why =
    err.code === "ENOENT"
      ? `no such program or file (is "${program}" on PATH, or the path right?)`
      : err.code === "EACCES"
        ? `permission denied (is "${program}" an executable file? chmod +x it, or run it through its interpreter)`
        : err.code === "ENOEXEC"
          ? "not an executable format (give a script a #! line, or run it through its interpreter)"
          : err.message;
  return `${err.code ?? "error"}: ${why}`;
}

/** Runs the client command with the judge's coordinates; keeps the tail of its stderr for diagnostics. */
async function runClient(args: Args, judge: Judge): Promise<NonNullable<ClientSession["command"]>> {
  const [program, ...rest] = args.command as [string, ...string[]];
  const notStarted = (err: NodeJS.ErrnoException) => ({
    argv: args.command,
    exitCode: null,
    signal: null,
    timedOut: false,
    stderrTail: "",
    startError: startProblem(program, err),
  });
  let child;
  try {
    child = spawn(program, rest, {
      stdio: ["ignore", "inherit", "pipe"],
      env: {
        ...process.env,
        SMART_FHIR_BASE_URL: judge.fhirBaseUrl,
        SMART_CLIENT_ID: args.clientId,
        SMART_TOKEN_URL: judge.tokenUrl,
        // --tls: the judge's CA, for clients that take a CA file and for Node's own trust store.
        ...(judge.tls
          ? {
              SMART_CA_FILE: judge.tls.caFile,
              NODE_EXTRA_CA_CERTS: nodeExtraCaCerts(judge.tls.caFile, process.env.NODE_EXTRA_CA_CERTS),
            }
          : {}),
      },
    });
  } catch (err) {
    // Some start failures are thrown rather than emitted (e.g. ENOEXEC on some platforms).
    return notStarted(err as NodeJS.ErrnoException);
  }
  const started = child;
  let tail = "";
  child.stderr.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString("utf8")).slice(-2000);
  });
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 2_000).unref();
    },
    (args.timeoutSeconds ?? 120) * 1000,
  );
  const stop = () => child.kill("SIGTERM");
  process.once("SIGINT", stop);
  try {
    return await new Promise((done) => {
      // Emitted when the command could not be started (ENOENT, EACCES, …); a started one ends in "close".
      child.on("error", (err) => {
        if (started.pid === undefined) done(notStarted(err));
      });
      child.on("close", (exitCode, signal) => {
        done({ argv: args.command, exitCode, signal, timedOut, stderrTail: tail.trim() });
      });
    });
  } finally {
    clearTimeout(timer);
    process.removeListener("SIGINT", stop);
  }
}

/** How the client command ended, for the console and the report. */
function clientExit(command: NonNullable<ClientSession["command"]>): string {
  if (command.startError) return `could not be started (${command.startError})`;
  if (command.timedOut) return "was stopped after the timeout";
  return command.signal ? `was ended by ${command.signal}` : `exited with ${command.exitCode ?? "?"}`;
}

const LENIENT =
  "lenient (--lenient): a token whenever the assertion's signature verifies with a registered key, whatever else is wrong";

/** How the judge decided on token requests, for the console and the report. */
function judgeMode(session: ClientSession): string {
  return session.judge.lenient
    ? LENIENT
    : "strict: a conformant SMART server, which refuses a flawed assertion or token request";
}

/** What the judge served, for the report: https with whose certificates, or plain http. */
function transport(session: ClientSession): string {
  const { tls } = session;
  if (!tls) return "plain http (--tls judges certificate validation, BS-CLI-11)";
  return (
    `https: the judge's certificate from "${tls.trustedCa}" (given to the client), the foreign origin's from ` +
    `"${tls.untrustedCa}" (not given); ${tls.abortedHandshakes.length} TLS connection(s) the client gave up on`
  );
}

/** The command as a shell line (arguments quoted where a shell would split or expand them). */
function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

/** The client report's environment panel: who was judged, registered how, by which judge, running what. */
function environmentEntries(
  session: ClientSession,
  summary: Summary,
  profile: ClientProfile,
): [string, string][] {
  const { registration, judge, command } = session;
  const kids = (registration.jwks?.keys ?? []).map((k) => (typeof k.kid === "string" ? k.kid : "(no kid)"));
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version?: string;
  };
  const tokenRequests = session.requests.filter(
    (r) => r.origin === "judge" && r.url.split("?")[0] === new URL(judge.tokenUrl).pathname,
  ).length;
  return [
    ["Client id", registration.clientId],
    [
      "Registration",
      registration.jwksUrl
        ? `JWKS URL ${registration.jwksUrl}`
        : `inline JWK Set, ${kids.length} key(s): ${kids.join(", ")}`,
    ],
    ["Scopes", registration.scope],
    ["Judge FHIR base URL", judge.fhirBaseUrl],
    ["Judge token URL", judge.tokenUrl],
    ...(judge.storageOrigin
      ? ([["Judge file storage origin", `${judge.storageOrigin} (exports after the first)`]] as [
          string,
          string,
        ][])
      : []),
    ["TLS", transport(session)],
    ["Token lifetime", `${judge.tokenLifetimeSeconds} s`],
    ["Judge mode", judgeMode(session)],
    ...(profile === DEFAULT_PROFILE
      ? []
      : ([["Profile", `${profile}: assertions signed ${judge.algorithms.join(", ")}`]] as [
          string,
          string,
        ][])),
    ["Command", command ? shellLine(command.argv) : "none (the judge listened; the client was run by hand)"],
    ["Client exit status", command ? clientExit(command) : "not run by the judge"],
    ["Requests seen", `${session.requests.length} (${tokenRequests} token request(s))`],
    ["Suite version", pkg.version ?? "unknown"],
    ["Node.js", process.version],
    ["Run status", summary.runStatus],
  ];
}

/** Writes Allure's environment.properties (the report's environment panel). */
function writeEnvironment(resultsDir: string, entries: readonly (readonly [string, string])[]): void {
  if (!existsSync(resultsDir)) return;
  const escape = (text: string) =>
    text
      .replace(/\\/g, "\\\\")
      .replace(/([=:])/g, "\\$1")
      .replace(/\n/g, " ");
  writeFileSync(
    join(resultsDir, "environment.properties"),
    `${entries.map(([k, v]) => `${escape(k).replace(/ /g, "\\ ")}=${escape(v)}`).join("\n")}\n`,
  );
}

/** No command: listen until Ctrl-C / SIGTERM or the timeout. */
function listenUntilStopped(timeoutSeconds: number | undefined): Promise<void> {
  return new Promise((done) => {
    const finish = () => {
      process.removeListener("SIGINT", finish);
      process.removeListener("SIGTERM", finish);
      clearTimeout(timer);
      done();
    };
    const timer = timeoutSeconds !== undefined ? setTimeout(finish, timeoutSeconds * 1000) : undefined;
    process.once("SIGINT", finish);
    process.once("SIGTERM", finish);
  });
}

async function judgeSession(session: ClientSession, reports: string, args: Args): Promise<number | null> {
  const dir = mkdtempSync(join(tmpdir(), "smart-client-session-"));
  try {
    const path = join(dir, "session.json");
    writeFileSync(path, JSON.stringify(session), { mode: 0o600 });
    const info: RunInfo = {
      name: `client ${args.clientId} (judged by the ${args.lenient ? "lenient " : ""}reference server)`,
      fhirBaseUrl: session.judge.fhirBaseUrl,
      embedded: true,
      faults: [],
    };
    const child = spawn(
      resolve("node_modules", ".bin", "playwright"),
      ["test", "-c", "playwright.client.config.ts"],
      {
        stdio: "inherit",
        env: {
          ...process.env,
          // A server run's profile (SMART_PROFILE) says nothing about a client: --profile does (undefined: unset).
          [PROFILE_ENV]: undefined,
          [CLIENT_SESSION_ENV]: path,
          [RUN_INFO_ENV]: JSON.stringify(info),
          [CLIENT_PROFILE_ENV]: args.profile,
          SMART_REPORTS_DIR: reports,
        },
      },
    );
    return await new Promise((done) => {
      child.on("error", () => done(null));
      child.on("close", (code) => done(code));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let args: Args | "help";
  try {
    args = parseClientCheckArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\nRun with --help for the usage. Nothing was judged.`);
    return 2;
  }
  if (args === "help") {
    console.log(HELP);
    return 0;
  }
  let judge: Judge;
  try {
    judge = await startJudge({
      clientId: args.clientId,
      scope: args.scope,
      ...(args.jwks ? { jwks: args.jwks } : {}),
      ...(args.jwksUrl ? { jwksUrl: args.jwksUrl } : {}),
      tokenLifetimeSeconds: args.tokenTtl,
      algorithms: clientSigningAlgs(args.profile),
      ...(args.lenient ? { lenient: true } : {}),
      ...(args.port !== undefined ? { port: args.port } : {}),
      ...(args.tls ? { tls: true } : {}),
    });
  } catch (err) {
    console.error(`The judge could not start: ${(err as Error).message}. Nothing was judged.`);
    return 2;
  }
  console.error(`Judge: FHIR base ${judge.fhirBaseUrl}`);
  console.error(`       discovery ${judge.fhirBaseUrl}/.well-known/smart-configuration`);
  console.error(`       token URL ${judge.tokenUrl}  (tokens live ${args.tokenTtl} s)`);
  console.error(
    `       Bulk Data ${judge.fhirBaseUrl}/$export, Patient/$export, Group/${BULK_GROUP_ID}/$export (export ${(exportDurationMs(args.tokenTtl) / 1000).toFixed(1)} s)`,
  );
  console.error(`       client ${args.clientId}, scopes "${args.scope}"`);
  if (judge.tls) {
    console.error(
      `       https: the client is given the judge's CA in SMART_CA_FILE and NODE_EXTRA_CA_CERTS`,
    );
    console.error(
      `       (${judge.tls.caFile}); ${judge.foreignOrigin}'s certificate is from a CA it is not given`,
    );
  }
  if (args.profile !== DEFAULT_PROFILE)
    console.error(
      `       profile ${args.profile}: assertions signed ${clientSigningAlgs(args.profile).join(", ")}`,
    );
  if (args.lenient) console.error(`       mode ${LENIENT}`);
  let command: ClientSession["command"];
  if (args.command.length) {
    console.error(`Running the client: ${args.command.join(" ")}`);
    command = await runClient(args, judge);
    if (!command.startError) {
      const how = command.timedOut ? `was stopped after ${args.timeoutSeconds} s` : clientExit(command);
      console.error(`The client ${how}.`);
    }
  } else {
    console.log(`SMART_FHIR_BASE_URL=${judge.fhirBaseUrl}`);
    console.log(`SMART_CLIENT_ID=${args.clientId}`);
    if (judge.tls) {
      console.log(`SMART_CA_FILE=${judge.tls.caFile}`);
      console.log(
        `NODE_EXTRA_CA_CERTS=${nodeExtraCaCerts(judge.tls.caFile, process.env.NODE_EXTRA_CA_CERTS)}`,
      );
    }
    console.error(
      `Listening${args.timeoutSeconds ? ` for ${args.timeoutSeconds} s` : ""}: run your client now; Ctrl-C to judge.`,
    );
    await listenUntilStopped(args.timeoutSeconds);
  }
  await judge.settled();
  const session = judge.session(command);
  await judge.close();
  const reports = reportsDir();
  for (const dir of ["allure-results", "allure-report"])
    rmSync(join(reports, dir), { recursive: true, force: true });
  for (const file of ["summary.json", "junit.xml"]) rmSync(join(reports, file), { force: true });
  if (command?.startError) {
    // Not the client's fault on the wire: there was no client to judge (a wrong path, a script not executable).
    console.error(
      `\nThe client command could not be started: ${shellLine(command.argv)}\n  ${command.startError}\nCould not judge the client: nothing was judged, no report was written.`,
    );
    return 2;
  }
  const status = await judgeSession(session, reports, args);
  const summaryPath = join(reports, "summary.json");
  if (!existsSync(summaryPath)) {
    console.error(
      `\nThe checks did not run (playwright exit ${status}); see the error above. Nothing was judged.`,
    );
    return 2;
  }
  const summary = JSON.parse(readFileSync(summaryPath, "utf8")) as Summary;
  writeFileSync(join(reports, "junit.xml"), junitXml(summary));
  writeEnvironment(join(reports, "allure-results"), environmentEntries(session, summary, args.profile));
  const index = generateHtmlReport(reports);
  const tokenRequests = session.requests.filter(
    (r) => r.url.split("?")[0] === new URL(judge.tokenUrl).pathname,
  );
  const { passed, failed, skipped, broken } = summary.totals;
  const byLevel = Object.entries(summary.failedByLevel)
    .map(([level, n]) => `${n} ${level}`)
    .join(", ");
  console.log(
    `\nClient: ${args.clientId}: ${session.requests.length} request(s), ${tokenRequests.length} token request(s)`,
  );
  if (tokenRequests.length === 0) {
    console.log("The client made no token request at all: there is no assertion to judge.");
  }
  console.log(`Judge: ${judgeMode(session)}`);
  const issued = tokenRequests.some((r) => r.response.status === 200);
  if (!args.lenient && tokenRequests.length > 0 && !issued) {
    console.log(
      "The judge refused every token request, so nothing the client does with a token was seen: run with --lenient to judge the rest of its session too.",
    );
  }
  console.log(
    `Result: ${passed} passed, ${failed} failed${byLevel ? ` (${byLevel})` : ""}, ${skipped} skipped, ${broken} broken`,
  );
  for (const t of summary.tests.filter((t) => t.status === "failed")) {
    console.log(`  FAILED [${t.level}] ${t.title} (${t.requirements.join(", ")})`);
  }
  const refusedJudge = session.tls?.abortedHandshakes.filter((h) => h.origin === "judge").length ?? 0;
  if (refusedJudge > 0 && session.requests.every((r) => r.origin !== "judge")) {
    console.log(
      `The client gave up on ${refusedJudge} TLS connection(s) to the judge itself: does it trust the CA in SMART_CA_FILE (or NODE_EXTRA_CA_CERTS)?`,
    );
  }
  console.log(`Report: ${relative(process.cwd(), index)}`);
  console.log(`Summary: ${relative(process.cwd(), summaryPath)}`);
  return exitStatus(summary, args.failOn);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, "client-check.ts")) {
  process.exitCode = await main(process.argv.slice(2));
}
