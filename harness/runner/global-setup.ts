/**
 * Playwright global setup. With SMART_TARGET set, it validates that config (a bad config stops the run
 * before any test, with the field named) and serves the JWKS-URL client's keys at its registered URL.
 * Without it, it starts the embedded reference target, registers freshly generated clients with it and
 * writes a config for it, so both paths run the same suite the same way.
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isFault, type Fault } from "../../fixtures/reference-server/options.ts";
import { loadTargetConfig, type RawTargetConfig, type TargetConfig } from "../config.ts";
import { HarnessError } from "../errors.ts";
import { HttpClient, targetDispatcher } from "../http.ts";
import { jwksRoute, startJwksHost, type JwksHost } from "../jwks-host.ts";
import { generateClientKey, loadPrivateJwks, publicJwks, type ClientKey } from "../keys.ts";
import {
  EMBEDDED_CLIENT_ID,
  EMBEDDED_CLIENT_SCOPE,
  EMBEDDED_TOKEN_LIFETIME_SECONDS,
  EMBEDDED_URL_CLIENT_ID,
  EMBEDDED_URL_CLIENT_SCOPE,
  startEmbeddedServer,
} from "./embedded-target.ts";
import { makeLoopbackCertificate } from "./loopback-cert.ts";
import { RUN_INFO_ENV, RUN_STATE_ENV, type RunInfo, type RunState } from "./run-state.ts";

const JWKS_PATH = "/jwks/url-client.json";

async function writePrivate(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

async function generateKeySet(dir: string, name: string): Promise<{ path: string; keys: ClientKey[] }> {
  const generated = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
  const path = join(dir, `${name}.private.jwks.json`);
  await writePrivate(path, { keys: generated.map((g) => g.privateJwk) });
  return { path, keys: generated.map((g) => g.key) };
}

function faultsFromEnv(): Fault[] {
  const names = (process.env.SMART_REFERENCE_FAULTS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!isFault(name))
      throw new HarnessError("ERR_HARNESS_CONFIG", `SMART_REFERENCE_FAULTS: unknown fault "${name}"`);
  }
  return names as Fault[];
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "smart-conformance-"));
  const cleanups: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const state = process.env.SMART_TARGET
      ? await external(process.env.SMART_TARGET, dir, cleanups)
      : await embedded(dir, cleanups);
    const statePath = join(dir, "run-state.json");
    await writeFile(statePath, JSON.stringify(state, null, 2));
    process.env[RUN_STATE_ENV] = statePath;
    const config = await loadTargetConfig(state.targetConfigPath);
    const probe = await probeTarget(config);
    const info: RunInfo = {
      name: config.name,
      fhirBaseUrl: config.fhirBaseUrl,
      embedded: state.embedded,
      faults: state.faults,
      ...(probe.clockSkewSeconds !== undefined ? { clockSkewSeconds: probe.clockSkewSeconds } : {}),
    };
    process.env[RUN_INFO_ENV] = JSON.stringify(info);
    return teardown;
  } catch (err) {
    await teardown();
    // A config or reachability problem is the user's to fix, not ours: the message alone, no stack trace.
    if (err instanceof HarnessError && err.code !== "ERR_HARNESS_INTERNAL") {
      const plain = new HarnessError(err.code, err.message.replace(/^\[[A-Z_]+\] /, ""));
      plain.stack = plain.message;
      throw plain;
    }
    throw err;
  }
}

/**
 * One request to the discovery URL before any test: a target that cannot be reached (refused, reset,
 * timed out, a gateway answering for it) stops the run here with one clear message, instead of every test
 * ending broken one timeout at a time. Its Date header gives the clock skew shown in the report.
 */
async function probeTarget(config: TargetConfig): Promise<{ clockSkewSeconds?: number }> {
  const dispatcher = targetDispatcher(config);
  const http = new HttpClient({ timeoutMs: config.requestTimeoutMs, ...(dispatcher ? { dispatcher } : {}) });
  const url = `${config.fhirBaseUrl}/.well-known/smart-configuration`;
  try {
    const sent = Date.now();
    const ex = await http.get(url, { accept: "application/json" }, "reachability probe");
    const date = Date.parse(ex.response.headers.date ?? "");
    if (Number.isNaN(date)) return {};
    // Date has one-second resolution: compare it with the middle of the exchange, rounded to seconds.
    return { clockSkewSeconds: Math.round((date - (sent + ex.durationMs / 2)) / 1000) };
  } catch (err) {
    if (err instanceof HarnessError && err.code.startsWith("ERR_TARGET_")) {
      throw new HarnessError(
        err.code,
        `${err.message.replace(/^\[[A-Z_]+\] /, "")}\nThe target could not be reached, so no test was run.`,
      );
    }
    throw err;
  } finally {
    await dispatcher?.close();
  }
}

async function serveUrlClientKeys(
  jwksUrl: string,
  keys: readonly ClientKey[],
  cleanups: (() => Promise<void>)[],
): Promise<JwksHost> {
  const url = new URL(jwksUrl);
  const host = await startJwksHost(Number(url.port || (url.protocol === "https:" ? 443 : 80)));
  cleanups.push(() => host.close());
  host.setRoute(url.pathname, jwksRoute(publicJwks(keys)));
  return host;
}

async function external(
  configPath: string,
  dir: string,
  cleanups: (() => Promise<void>)[],
): Promise<RunState> {
  const config = await loadTargetConfig(configPath);
  let jwksUrlClient: RunState["jwksUrlClient"];
  if (config.jwksUrlClient) {
    const { jwksUrl, privateJwksPath } = config.jwksUrlClient;
    if (new URL(jwksUrl).protocol !== "http:") {
      throw new HarnessError(
        "ERR_HARNESS_CONFIG",
        "jwksUrlClient.jwksUrl: the harness serves JWKS over http on loopback only, for now",
      );
    }
    const keySet = privateJwksPath
      ? {
          path: privateJwksPath,
          keys: await loadPrivateJwks(privateJwksPath, "jwksUrlClient.privateJwksPath"),
        }
      : await generateKeySet(dir, "url-client");
    const host = await serveUrlClientKeys(jwksUrl, keySet.keys, cleanups);
    jwksUrlClient = { privateJwksPath: keySet.path, controlUrl: host.controlUrl };
  }
  return {
    targetConfigPath: config.source,
    embedded: false,
    faults: [],
    startedAt: new Date().toISOString(),
    ...(jwksUrlClient ? { jwksUrlClient } : {}),
  };
}

async function embedded(dir: string, cleanups: (() => Promise<void>)[]): Promise<RunState> {
  const faults = faultsFromEnv();
  const [inline, byUrl] = await Promise.all([
    generateKeySet(dir, "client"),
    generateKeySet(dir, "url-client"),
  ]);
  const host = await startJwksHost(0);
  cleanups.push(() => host.close());
  const jwksUrl = `${host.origin}${JWKS_PATH}`;
  host.setRoute(JWKS_PATH, jwksRoute(publicJwks(byUrl.keys)));

  const tls = process.env.SMART_REFERENCE_HTTP === "1" ? undefined : makeLoopbackCertificate(dir);
  if (!tls && process.env.SMART_REFERENCE_HTTP !== "1") {
    console.warn(
      "openssl is not available: the embedded target serves plain http and the TLS tests will be skipped",
    );
  }
  // Short-lived tokens let the expiry tests run in every run (the suite waits them out).
  const tokenLifetimeSeconds = Number(
    process.env.SMART_REFERENCE_TOKEN_LIFETIME ?? EMBEDDED_TOKEN_LIFETIME_SECONDS,
  );
  const server = await startEmbeddedServer({
    faults,
    inlineKeys: inline.keys,
    urlClientJwksUrl: jwksUrl,
    tokenLifetimeSeconds,
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
  });
  cleanups.push(() => server.close());

  const config: RawTargetConfig = {
    name: faults.length
      ? `embedded reference target (faults: ${faults.join(", ")})`
      : "embedded reference target",
    fhirBaseUrl: server.fhirBaseUrl,
    tokenEndpoint: server.tokenUrl,
    client: {
      clientId: EMBEDDED_CLIENT_ID,
      privateJwksPath: inline.path,
      scope: EMBEDDED_CLIENT_SCOPE,
    },
    jwksUrlClient: {
      clientId: EMBEDDED_URL_CLIENT_ID,
      jwksUrl,
      privateJwksPath: byUrl.path,
      scope: EMBEDDED_URL_CLIENT_SCOPE,
    },
    ...(tls ? { caFile: tls.certPath } : {}),
  };
  const targetConfigPath = join(dir, "target.json");
  await writePrivate(targetConfigPath, config);
  return {
    targetConfigPath,
    embedded: true,
    faults,
    startedAt: new Date().toISOString(),
    jwksUrlClient: { privateJwksPath: byUrl.path, controlUrl: host.controlUrl },
    embeddedTarget: {
      tokenLifetimeSeconds,
      ...(tls ? { tls: { keyPath: tls.keyPath, certPath: tls.certPath } } : {}),
    },
  };
}
