/**
 * The suite stays correct and calm when the target or the network misbehaves: with a fault-injecting proxy
 * between the suite and the reference target, every affected test ends broken with a message that names
 * the problem — never passed (a 502 page or a cut-off body must not count as a refusal), never failed (it
 * is not the target's conformance), never a crashed or hung run. A target nobody listens at stops the run
 * before any test.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import {
  PROXY_FAULTS,
  startFaultProxy,
  type FaultProxy,
  type ProxyFault,
} from "../../fixtures/fault-proxy/proxy.ts";
import { startReferenceServer } from "../../fixtures/reference-server/server.ts";
import { generateClientKey, publicJwks, type ClientKey } from "../keys.ts";
import { budgetMs } from "./budget.ts";
import { runConformanceCli, runSuite } from "./run-suite.ts";

const REQUEST_TIMEOUT_MS = 800;
/** The faults the request timeout is what reports: the others answer at once, the timeout must not win. */
const TIMEOUT_FAULTS: ReadonlySet<ProxyFault> = new Set(["stall", "slow-drip"]);
/** The request timeout of a run whose faults answer at once: reading 1 MB of a 5 MB body takes ~50 ms idle. */
const PROMPT_ANSWER_TIMEOUT_MS = budgetMs(1_000);
/** The token-request family: every one of its tests posts to the token endpoint. */
const AFFECTED = "token-request/";

/** What each fault must be reported as, in the message of every affected test. */
const EXPECTED: Record<ProxyFault, RegExp> = {
  "reset-mid-response": /\[ERR_TARGET_UNREACHABLE\].*target unreachable/,
  stall: /\[ERR_TARGET_TIMEOUT\].*no complete response within 800 ms/,
  "html-502": /\[ERR_TARGET_UNREACHABLE\].*HTTP 502 \(text\/html\): a gateway/,
  "truncated-json": /\[ERR_TARGET_UNREACHABLE\].*target unreachable/,
  "huge-body": /\[ERR_TARGET_PREREQUISITE\].*response body exceeds 1048576 bytes/,
  "slow-drip": /\[ERR_TARGET_TIMEOUT\].*no complete response within 800 ms/,
};

let dir: string;
let keys: ClientKey[];
let keysPath: string;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-target-faults-"));
  const generated = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
  keys = generated.map((g) => g.key);
  keysPath = join(dir, "client.private.jwks.json");
  await writeFile(keysPath, JSON.stringify({ keys: generated.map((g) => g.privateJwk) }), { mode: 0o600 });
});

test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A reference target behind a fault proxy; the target knows the proxy's origin as its public one. */
async function behindProxy(
  fault: ProxyFault,
  affects: (method: string, path: string) => boolean,
): Promise<{ proxy: FaultProxy; close: () => Promise<void> }> {
  let upstream = "";
  const proxy = await startFaultProxy({ upstream: () => upstream, fault, affects });
  const server = await startReferenceServer({
    publicOrigin: proxy.origin,
    clients: [{ clientId: "proxied-client", scope: "system/Patient.rs", jwks: publicJwks(keys) }],
  });
  upstream = `http://127.0.0.1:${server.port}`;
  return {
    proxy,
    close: async () => {
      await proxy.close();
      await server.close();
    },
  };
}

async function configFor(
  origin: string,
  name: string,
  requestTimeoutMs = REQUEST_TIMEOUT_MS,
): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(
    path,
    JSON.stringify({
      name,
      fhirBaseUrl: `${origin}/fhir`,
      tokenEndpoint: `${origin}/auth/token`,
      client: { clientId: "proxied-client", privateJwksPath: keysPath, scope: "system/Patient.rs" },
      requestTimeoutMs,
    }),
  );
  return path;
}

test("the token-request family passes through a proxy that forwards everything", async () => {
  const { proxy, close } = await behindProxy("stall", () => false);
  try {
    const summary = await runSuite({
      target: await configFor(proxy.origin, "clean-proxy", PROMPT_ANSWER_TIMEOUT_MS),
      grep: AFFECTED,
    });
    expect(summary.tests.length).toBeGreaterThan(10);
    expect(summary.tests.filter((t) => t.status !== "passed").map((t) => `${t.title}: ${t.message}`)).toEqual(
      [],
    );
  } finally {
    await close();
  }
});

/**
 * Each faulty run's own timeout: a run held up by the target past it would end "timedout", which the tests
 * below refuse; the request timeout, not the target, must be what bounds it.
 */
const RUN_TIMEOUT_SECONDS = 120;

for (const fault of Object.keys(PROXY_FAULTS) as ProxyFault[]) {
  test(`a proxy that ${PROXY_FAULTS[fault]} leaves every affected test broken, none passed`, async () => {
    // What is awaited is one run, which its own timeout bounds (RUN_TIMEOUT_SECONDS); a minute more for
    // starting it and reading its summary on a busy machine.
    test.setTimeout((RUN_TIMEOUT_SECONDS + 60) * 1000);
    // Discovery stays clean so the run starts; every other request meets the fault.
    const { proxy, close } = await behindProxy(
      fault,
      (_method, path) => !path.endsWith("/.well-known/smart-configuration"),
    );
    try {
      const summary = await runSuite({
        target: await configFor(
          proxy.origin,
          fault,
          TIMEOUT_FAULTS.has(fault) ? REQUEST_TIMEOUT_MS : PROMPT_ANSWER_TIMEOUT_MS,
        ),
        grep: AFFECTED,
        workers: 2,
        env: { SMART_RUN_TIMEOUT_SECONDS: String(RUN_TIMEOUT_SECONDS) },
      });
      expect(summary.runStatus, "the run finished before its timeout").not.toBe("timedout");
      expect(summary.tests.length).toBeGreaterThan(10);
      expect(proxy.faulted()).toBeGreaterThanOrEqual(summary.tests.length);
      const wrong = summary.tests
        .filter((t) => t.status !== "broken" || !EXPECTED[fault].test(t.message ?? ""))
        .map((t) => `${t.status}: ${t.title}: ${t.message ?? ""}`);
      expect(wrong, `tests not reported broken for "${fault}"`).toEqual([]);
    } finally {
      await close();
    }
  });
}

test("a target nobody listens at stops the run before any test, with exit status 2", async () => {
  const proxy = await startFaultProxy({ upstream: "http://127.0.0.1:9", fault: "stall" });
  const origin = proxy.origin;
  await proxy.close(); // the port is now closed: connection refused
  const reports = join(dir, "refused-reports");
  const { status, output } = await runConformanceCli(["--target", await configFor(origin, "refused")], {
    SMART_REPORTS_DIR: reports,
    SMART_QUIET: "1",
  });
  expect(status, output).toBe(2);
  expect(output).toContain("ECONNREFUSED");
  expect(output).toContain("The target could not be reached, so no test was run.");
  expect(output).not.toMatch(/\d+ passed/);
});

const STALLED_REQUEST_TIMEOUT_MS = 90_000;

test("the whole-run timeout ends a run against a target that stalls every request", async () => {
  test.setTimeout(STALLED_REQUEST_TIMEOUT_MS + 60_000);
  const { proxy, close } = await behindProxy(
    "stall",
    (_method, path) => !path.endsWith("/.well-known/smart-configuration"),
  );
  const started = Date.now();
  try {
    const path = join(dir, "whole-run-timeout.json");
    await writeFile(
      path,
      JSON.stringify({
        fhirBaseUrl: `${proxy.origin}/fhir`,
        tokenEndpoint: `${proxy.origin}/auth/token`,
        client: { clientId: "proxied-client", privateJwksPath: keysPath, scope: "system/Patient.rs" },
        requestTimeoutMs: STALLED_REQUEST_TIMEOUT_MS, // longer than the run may last: only the run timeout can end it
      }),
    );
    const summary = await runSuite({
      target: path,
      grep: AFFECTED,
      workers: 2,
      env: { SMART_RUN_TIMEOUT_SECONDS: "6" },
    });
    expect(summary.runStatus).toBe("timedout");
    expect(summary.tests.filter((t) => t.status === "passed" || t.status === "failed")).toEqual([]);
    // Ended by the run timeout, before the first request could have timed out.
    expect(Date.now() - started).toBeLessThan(STALLED_REQUEST_TIMEOUT_MS);
  } finally {
    await close();
  }
});
