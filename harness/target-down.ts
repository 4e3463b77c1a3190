/**
 * A target that stops answering in the middle of a run (a server process that crashed on some request) is
 * noticed, judged and the run stopped, instead of every later test ending broken one refused connection
 * at a time.
 *
 * The rule: when a request to one of the target's origins fails at the connection level (refused, reset,
 * closed before a complete response; not a timeout, a gateway status or an oversized body), the target is
 * probed again — a GET of its discovery URL (or of its token URL or the config's protectedResource, when
 * the request went to that origin) — three times over about 1.5 s. An answer of any status means a one-off failure: the
 * test ends broken as before. No answer at all means the target went down:
 * - the test that saw the failure first (across workers: the earliest failure recorded in the run's
 *   target-down folder, a request in flight preferred to one refused afterwards) fails at SHALL,
 *   requirement BS-ERR-07, with the request attached; its message names the other tests whose requests
 *   were in flight at that moment (any of them may have been the cause);
 * - every other test, in flight or not yet started, is skipped as "not run" with that reason
 *   ({@link isNotRunMessage}; summary.json status "notRun"), so the run ends within seconds.
 * The record lives in a folder per target (by FHIR base URL, else token URL) beside the run state, so in
 * a detection run a twin that goes down stops only the tests of its own worker.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { TestInfo } from "@playwright/test";
import { skipTest, testInfo } from "./test-api.ts";
import * as allure from "allure-js-commons";
import { Agent } from "undici";
import { ConformanceViolation, FINDING_ANNOTATION, VERDICTS_ENV } from "./checks.ts";
import { targetUrl, type TargetConfig } from "./config.ts";
import { HarnessError } from "./errors.ts";
import { HttpClient, targetDispatcher, type ConnectionFailure } from "./http.ts";
import { curlComment, curlLine, decodedAssertion, Redactor } from "./redact.ts";
import { requirements } from "./requirements.ts";
import { RUN_STATE_ENV } from "./runner/run-state.ts";

/** Annotation of the test the target went down during: JSON of {@link TargetDownRecord}. */
export const TARGET_DOWN_ANNOTATION = "target-down";
/** What a target that goes down on a request breaks: a client's mistake must never bring it down. */
export const TARGET_DOWN_REQUIREMENT = "BS-ERR-07";

/** Probes after a connection failure: delays before each attempt (ms). */
const PROBE_DELAYS_MS = [0, 500, 1_000];

export interface TargetDownRecord {
  /** The test the target went down during. */
  readonly title: string;
  /** Its stable id ("family/file › describe › title"). */
  readonly id: string;
  readonly testId: string;
  readonly pid: number;
  /** The request it died on. */
  readonly request: string;
  readonly failedAt: number;
  /** False when the connection was refused: the request was sent after the target had gone down. */
  readonly inFlight: boolean;
  /** The verdict message of that test. */
  readonly message?: string;
}

/** The skip reason of a test not run because the target went down during another test. */
export function notRunReason(down: Pick<TargetDownRecord, "title" | "id">): string {
  return new HarnessError(
    "ERR_TARGET_DOWN",
    `not run: the target went down during "${down.title}" (${down.id}) and stayed down`,
  ).message;
}

function stableIdOf(info: TestInfo): string {
  const [file = "", ...rest] = info.titlePath;
  return [file.replace(/\\/g, "/").replace(/\.spec\.ts$/, ""), ...rest].join(" › ");
}

function currentTest(): TestInfo | undefined {
  try {
    return testInfo();
  } catch {
    return undefined; // outside a test (a worker fixture): nothing to judge
  }
}

/** Whether the target answers at `url` at all (any status but a gateway's); what the last attempt saw. */
async function probe(config: TargetConfig, url: string): Promise<{ answered: boolean; seen: string[] }> {
  const seen: string[] = [];
  const dispatcher = targetDispatcher(config) ?? new Agent({ connect: { timeout: config.requestTimeoutMs } });
  // A fresh dispatcher: a pooled keep-alive socket the target closed must not count as "down". A down
  // target refuses at once; a probe that merely waits (a busy machine, a slow target) proves nothing, so a
  // timeout counts as an answer and the test ends broken as before.
  const http = new HttpClient({ timeoutMs: config.requestTimeoutMs, dispatcher });
  try {
    for (const delay of PROBE_DELAYS_MS) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        const ex = await http.get(url, { accept: "application/json" }, "target-down probe");
        seen.push(`HTTP ${ex.response.status}`);
        return { answered: true, seen };
      } catch (err) {
        if (!(err instanceof HarnessError)) throw err;
        // "GET <url>: target unreachable (ECONNREFUSED)" → "target unreachable (ECONNREFUSED)"
        seen.push(err.message.replace(/^\[[A-Z_]+\] /, "").replace(`GET ${url}: `, ""));
        if (err.code === "ERR_TARGET_TIMEOUT") return { answered: true, seen };
      }
    }
    return { answered: false, seen };
  } finally {
    await dispatcher.close();
  }
}

/**
 * Writes a file other processes may read at any moment: whole or not at all (a temporary file renamed, or
 * linked when `exclusive`, so the first writer wins and later ones leave it as it is).
 */
function writeWhole(path: string, text: string, options: { exclusive?: boolean } = {}): void {
  const temporary = `${path}.${randomUUID()}.tmp`;
  writeFileSync(temporary, text);
  if (!options.exclusive) return renameSync(temporary, path);
  try {
    linkSync(temporary, path);
  } catch (err) {
    if ((err as { code?: string }).code !== "EEXIST") throw err;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** One per target per worker process: see the file comment. */
export class TargetWatch {
  private readonly dir: string | undefined;

  constructor(
    private readonly config: TargetConfig,
    /** The token URL as the tests use it (configured or discovered). */
    private readonly tokenUrl: () => Promise<string>,
  ) {
    const state = process.env[RUN_STATE_ENV];
    const key = createHash("sha256").update(targetUrl(config)).digest("hex").slice(0, 16);
    this.dir = state ? join(dirname(state), "target-down", key) : undefined;
  }

  private get markerPath(): string | undefined {
    return this.dir && join(this.dir, "down.json");
  }

  /** The record of the test the target went down during, once it has. */
  down(): TargetDownRecord | undefined {
    const marker = this.markerPath;
    if (!marker || !existsSync(marker)) return undefined;
    return JSON.parse(readFileSync(marker, "utf8")) as TargetDownRecord;
  }

  /** Skips the running test as not run when the target went down during an earlier one. */
  skipIfDown(): void {
    const down = this.down();
    if (down) skipTest(notRunReason(down));
  }

  /** The target URL to probe for a request to `url`, or undefined when it did not go to the target. */
  private async probeUrlFor(url: string): Promise<string | undefined> {
    const origin = new URL(url).origin;
    const fhir = this.config.fhirBaseUrl;
    const discovery = fhir === undefined ? undefined : `${fhir}/.well-known/smart-configuration`;
    if (discovery && origin === new URL(discovery).origin) return discovery;
    const token = this.config.tokenEndpoint ?? (await this.tokenUrl().catch(() => undefined));
    if (token && new URL(token).origin === origin) return token;
    // The config's protectedResource (oauth-jwt: perhaps the only resource server there is).
    const resource = this.config.protectedResource?.url;
    return resource && new URL(resource).origin === origin ? resource : undefined;
  }

  /** The HttpClient hook: returns for a one-off failure (the test ends broken), else throws. */
  readonly onConnectionFailure = async (failure: ConnectionFailure): Promise<void> => {
    const info = currentTest();
    const dir = this.dir;
    const marker = this.markerPath;
    if (!info || !dir || !marker) return;
    const already = this.down();
    if (already) return this.judge(info, already, failure);
    const probeUrl = await this.probeUrlFor(failure.request.url);
    if (!probeUrl) return;
    // Every test that sees a failure records it before probing, so the earliest one is known afterwards.
    mkdirSync(dir, { recursive: true });
    const mine: TargetDownRecord = {
      title: info.title,
      id: stableIdOf(info),
      testId: info.testId,
      pid: process.pid,
      request: `${failure.request.method} ${failure.request.url}`,
      failedAt: failure.failedAt,
      inFlight: !failure.error.message.includes("ECONNREFUSED"),
    };
    // Named so that sorting puts requests in flight when the target went down first, earliest first.
    const suspect = join(
      dir,
      `${mine.inFlight ? 0 : 1}-${String(failure.failedAt).padStart(15, "0")}-${randomUUID()}.suspect`,
    );
    writeWhole(suspect, JSON.stringify(mine));
    const { answered, seen } = await probe(this.config, probeUrl);
    if (answered) {
      rmSync(suspect, { force: true });
      return; // a one-off failure: the target still answers
    }
    if (!existsSync(marker)) {
      const first = readdirSync(dir)
        .filter((f) => f.endsWith(".suspect"))
        .sort()
        .map((f) => {
          try {
            return readFileSync(join(dir, f), "utf8");
          } catch {
            return undefined; // removed meanwhile: a one-off failure whose probe got an answer
          }
        })
        .find((text) => text !== undefined);
      writeWhole(marker, first ?? JSON.stringify(mine), { exclusive: true });
    }
    return this.judge(info, this.down() ?? mine, failure, { probeUrl, seen });
  };

  /** Titles of the other tests whose requests were in flight and failed within a second of the one judged. */
  private othersInFlight(down: TargetDownRecord): string[] {
    const dir = this.dir;
    if (!dir) return [];
    const titles = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".suspect"))) {
      try {
        const s = JSON.parse(readFileSync(join(dir, file), "utf8")) as TargetDownRecord;
        const other = s.testId !== down.testId || s.pid !== down.pid;
        if (other && s.inFlight && Math.abs(s.failedAt - down.failedAt) <= 1_000) titles.add(s.title);
      } catch {
        // removed meanwhile: a one-off failure
      }
    }
    return [...titles];
  }

  private async judge(
    info: TestInfo,
    down: TargetDownRecord,
    failure: ConnectionFailure,
    probed?: { probeUrl: string; seen: readonly string[] },
  ): Promise<never> {
    if (down.testId !== info.testId || down.pid !== process.pid) {
      skipTest(notRunReason(down));
    }
    const cause = failure.error.message.replace(/^\[[A-Z_]+\] /, "");
    const level = requirements[TARGET_DOWN_REQUIREMENT].level;
    const others = probed ? this.othersInFlight(down) : [];
    const message = [
      `${TARGET_DOWN_REQUIREMENT} (${level}): expected the target to keep answering; the target stopped answering after this request (${cause})`,
      probed
        ? `and ${probed.seen.length} probes of ${probed.probeUrl} over ${(PROBE_DELAYS_MS.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s got no answer (${probed.seen.at(-1) ?? ""});`
        : "and stayed down;",
      "the tests after it were not run.",
      ...(others.length
        ? [
            `Requests of ${others.length} other test(s) failed at the same time, so one of them may have brought it down instead: ${others.map((t) => `"${t}"`).join(", ")}.`,
          ]
        : []),
    ].join(" ");
    const declared = info.annotations.find((a) => a.type === "level")?.description;
    if (declared !== level) info.annotations.push({ type: FINDING_ANNOTATION, description: level });
    info.annotations.push({
      type: TARGET_DOWN_ANNOTATION,
      description: JSON.stringify({ ...down, message }),
    });
    if (process.env[VERDICTS_ENV] !== "record") {
      await allure.label(FINDING_ANNOTATION, level);
      await allure.label("requirement", TARGET_DOWN_REQUIREMENT);
      const r = requirements[TARGET_DOWN_REQUIREMENT];
      await allure.link(r.url, `${TARGET_DOWN_REQUIREMENT} (${r.level}): ${r.title}`, "requirement");
      await info.attach(`the request the target stopped answering after: ${failure.label}`, {
        body: renderFailure(failure, probed?.seen ?? []),
        contentType: "text/plain",
      });
      const decoded = decodedAssertion({
        label: failure.label,
        request: failure.request,
        response: { status: 0, headers: {}, body: "" },
        startedAt: new Date(failure.failedAt).toISOString(),
        durationMs: 0,
      });
      if (decoded)
        await info.attach("its assertion: decoded header and claims", {
          body: decoded,
          contentType: "application/json",
        });
    }
    throw new ConformanceViolation(message);
  }
}

/** The request with no response, redacted, then what the probes saw and a curl line. */
function renderFailure(failure: ConnectionFailure, seen: readonly string[]): string {
  const redactor = new Redactor();
  redactor.learn({
    label: failure.label,
    request: failure.request,
    response: { status: 0, headers: {}, body: "" },
    startedAt: "",
    durationMs: 0,
  });
  const req = redactor.request(failure.request);
  return [
    `${req.method} ${req.url}`,
    ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`),
    ...(req.body !== undefined ? ["", req.body] : []),
    "",
    `no response: ${failure.error.message.replace(/^\[[A-Z_]+\] /, "")}`,
    ...seen.map((s, i) => `probe ${i + 1}: ${s}`),
    "",
    curlComment(failure.request, req, redactor.reveals),
    curlLine(req),
  ].join("\n");
}

const watches = new Map<string, TargetWatch>();

/** The watch of a worker's target (one per target URL and process: FHIR base, else token endpoint or issuer). */
export function watchOf(target: { readonly config: TargetConfig; tokenUrl(): Promise<string> }): TargetWatch {
  const key = targetUrl(target.config);
  let watch = watches.get(key);
  if (!watch) {
    watch = new TargetWatch(target.config, () => target.tokenUrl());
    watches.set(key, watch);
  }
  return watch;
}
