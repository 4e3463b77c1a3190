/**
 * Playwright global setup. With SMART_TARGET set, it validates that config (a bad config stops the run
 * before any test, with the field named) and serves the JWKS-URL client's keys at its registered URL.
 * Without it, it starts the embedded reference target, registers freshly generated clients with it and
 * writes a config for it, so both paths run the same suite the same way.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  isFault,
  isRegistrationMode,
  REGISTRATION_MODES,
  type Fault,
  type RegistrationMode,
} from "../../fixtures/reference-server/options.ts";
import { loadTargetConfig, targetUrl, type RawTargetConfig, type TargetConfig } from "../config.ts";
import { HarnessError } from "../errors.ts";
import { HttpClient, targetDispatcher, type Exchange } from "../http.ts";
import { jwksRoute, startJwksHost, type JwksHost } from "../jwks-host.ts";
import { alternateFromEnv } from "../latitude.ts";
import { generateClientKey, loadPrivateJwks, publicJwks, type ClientKey } from "../keys.ts";
import {
  EMBEDDED_CLIENT_ID,
  EMBEDDED_CLIENT_SCOPE,
  EMBEDDED_LAUNCH_PASSWORD_ENV,
  EMBEDDED_TOKEN_LIFETIME_SECONDS,
  EMBEDDED_URL_CLIENT_ID,
  EMBEDDED_URL_CLIENT_SCOPE,
  embeddedLaunchConfig,
  startEmbeddedServer,
} from "./embedded-target.ts";
import { makeLoopbackCertificate } from "./loopback-cert.ts";
import { RUN_INFO_ENV, RUN_STATE_ENV, type RunInfo, type RunState } from "./run-state.ts";
import { secondsSince, step } from "./steps.ts";
import { benchMark } from "./bench-marks.ts";

const JWKS_PATH = "/jwks/url-client.json";
/** Where the embedded target's main client's keys are served when it registers clients only by URL. */
const CLIENT_JWKS_PATH = "/jwks/client.json";
/**
 * The main client's key set never changes during a run (only jwksUrlClient's does), so the harness lets a
 * server cache it, as it would a real client's.
 */
const STABLE_KEYS_CACHE_CONTROL = "max-age=300";

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

/** SMART_REFERENCE_REGISTRATION: how the embedded target registers clients (default: as configured). */
function registrationFromEnv(): RegistrationMode | undefined {
  const value = process.env.SMART_REFERENCE_REGISTRATION?.trim();
  if (!value) return undefined;
  if (!isRegistrationMode(value))
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      `SMART_REFERENCE_REGISTRATION: unknown registration "${value}" (known: ${REGISTRATION_MODES.join(", ")})`,
    );
  return value;
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
  benchMark("setup:start");
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
    const probing = Date.now();
    step(`checking the target answers: ${config.fhirBaseUrl ?? targetUrl(config)}`);
    const probe = await probeTarget(config);
    step(`target answered (${secondsSince(probing)}); running the tests`);
    const info: RunInfo = {
      name: config.name,
      ...(config.fhirBaseUrl !== undefined ? { fhirBaseUrl: config.fhirBaseUrl } : {}),
      embedded: state.embedded,
      faults: state.faults,
      ...(probe.clockSkewSeconds !== undefined ? { clockSkewSeconds: probe.clockSkewSeconds } : {}),
    };
    process.env[RUN_INFO_ENV] = JSON.stringify(info);
    benchMark("setup:end");
    return async () => {
      benchMark("teardown:start");
      await teardown();
      benchMark("teardown:end");
    };
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
 * Whether the discovery answer says the base URL is wrong rather than that the target is non-conformant:
 * a body that is not JSON at all (an HTML page, plain text, nothing) where the JSON document belongs, and
 * - a 2xx status: the URL serves a page (a typo that lands on a website, an SSO login page), or
 * - any other status when the config has no tokenEndpoint: without discovery no test could reach the
 *   token endpoint.
 * A JSON body (any status or JSON media type: 401, application/fhir+json) is the discovery tests' to judge,
 * and a non-2xx page with tokenEndpoint or issuer configured (a 404 from a server without SMART discovery,
 * as under --profile oauth-jwt) lets the run go on. Returns the message to stop with, or undefined.
 */
export function wrongBaseUrl(config: TargetConfig, ex: Exchange): string | undefined {
  const { status, headers, body } = ex.response;
  try {
    JSON.parse(body);
    return undefined;
  } catch {
    // not JSON: judged below
  }
  const ok = status >= 200 && status < 300;
  if (!ok && (config.tokenEndpoint || config.issuer)) return undefined;
  const type = headers["content-type"] ?? "no content type";
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.replace(/\s+/g, " ").trim();
  const start = body.replace(/\s+/g, " ").trim().slice(0, 80);
  const seen = [
    ...(title ? [`title "${title.slice(0, 80)}"`] : []),
    start ? `beginning "${start}${body.length > 80 ? "…" : ""}"` : "an empty body",
  ].join(", ");
  return [
    `${ex.request.url} answered HTTP ${status} (${type}; ${seen}), not a JSON document.`,
    ok
      ? `fhirBaseUrl (${config.fhirBaseUrl}) looks wrong: a page is served where the SMART configuration belongs (a typo, or a login page in front of the server?).`
      : `Without a discovery document and with no tokenEndpoint in the config, no test could reach the token endpoint.`,
    `Check fhirBaseUrl${ok ? "" : " (or set tokenEndpoint)"}: curl -i '${ex.request.url}' should answer the SMART configuration as JSON.`,
    "No test was run.",
  ].join("\n");
}

/**
 * One request to the discovery URL before any test: a target that cannot be reached (refused, reset,
 * timed out, a gateway answering for it), or a base URL that answers a page instead of JSON
 * ({@link wrongBaseUrl}), stops the run here with one clear message, instead of every test ending broken
 * one at a time. Its Date header gives the clock skew shown in the report.
 */
async function probeTarget(config: TargetConfig): Promise<{ clockSkewSeconds?: number }> {
  const dispatcher = targetDispatcher(config);
  const http = new HttpClient({ timeoutMs: config.requestTimeoutMs, ...(dispatcher ? { dispatcher } : {}) });
  // oauth-jwt without a FHIR server: any answer of the token endpoint (or issuer) shows it is reachable.
  const fhir = config.fhirBaseUrl;
  const url = fhir === undefined ? targetUrl(config) : `${fhir}/.well-known/smart-configuration`;
  try {
    const sent = Date.now();
    const ex = await http.get(url, { accept: "application/json" }, "reachability probe");
    const wrong = fhir === undefined ? undefined : wrongBaseUrl(config, ex);
    if (wrong) throw new HarnessError("ERR_HARNESS_CONFIG", wrong);
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

/**
 * Serves a client's public keys at the path of its jwksUrl, listening at `listen` (by default the URL's own
 * loopback host and port; behind a tunnel or reverse proxy, whatever address it forwards to). The run's
 * hosts are kept by listen address: two clients at one host:port share one host, each at its own path.
 */
async function serveClientKeys(
  hosts: Map<string, JwksHost>,
  client: { jwksUrl: string; listen: { host: string; port: number } },
  keys: readonly ClientKey[],
  cleanups: (() => Promise<void>)[],
  cacheControl?: string,
): Promise<JwksHost> {
  const { host: at, port } = client.listen;
  const address = `${at === "localhost" ? "127.0.0.1" : at}:${port}`;
  let host = hosts.get(address);
  if (!host) {
    const started = await startJwksHost(port, at);
    cleanups.push(() => started.close());
    hosts.set(address, started);
    host = started;
  }
  host.setRoute(new URL(client.jwksUrl).pathname, jwksRoute(publicJwks(keys), cacheControl));
  return host;
}

async function external(
  configPath: string,
  dir: string,
  cleanups: (() => Promise<void>)[],
): Promise<RunState> {
  step(`loading the target config ${configPath}`);
  const config = await loadTargetConfig(configPath);
  const hosts = new Map<string, JwksHost>();
  let clientJwks: RunState["clientJwks"];
  if (config.client.byUrl) {
    const host = await serveClientKeys(
      hosts,
      config.client.byUrl,
      config.client.keys,
      cleanups,
      STABLE_KEYS_CACHE_CONTROL,
    );
    clientJwks = { controlUrl: host.controlUrl };
  }
  let jwksUrlClient: RunState["jwksUrlClient"];
  if (config.jwksUrlClient) {
    // Without listen, the schema has already required an http URL on loopback.
    const { privateJwksPath } = config.jwksUrlClient;
    if (!privateJwksPath) step("generating this run's keys for the JWKS URL client (RS384 and ES384)");
    const keySet = privateJwksPath
      ? {
          path: privateJwksPath,
          keys: await loadPrivateJwks(privateJwksPath, "jwksUrlClient.privateJwksPath"),
        }
      : await generateKeySet(dir, "url-client");
    step(`serving the JWKS URL client's keys at ${config.jwksUrlClient.jwksUrl}`);
    const host = await serveClientKeys(hosts, config.jwksUrlClient, keySet.keys, cleanups);
    jwksUrlClient = { privateJwksPath: keySet.path, controlUrl: host.controlUrl };
  }
  return {
    targetConfigPath: config.source,
    embedded: false,
    faults: [],
    startedAt: new Date().toISOString(),
    ...(jwksUrlClient ? { jwksUrlClient } : {}),
    ...(clientJwks ? { clientJwks } : {}),
  };
}

async function embedded(dir: string, cleanups: (() => Promise<void>)[]): Promise<RunState> {
  const faults = faultsFromEnv();
  // A deployment choice of real servers, not a fault: the JWKS-URL tests then cannot run (harness test).
  const ssrfGuard = process.env.SMART_REFERENCE_SSRF_GUARD === "1";
  // A deployment choice too: a server that registers clients only by JWKS URL (no inline JWK Set).
  const urlOnly = registrationFromEnv() === "jwks-url-only";
  const alternate = alternateFromEnv();
  const generating = Date.now();
  step("generating this run's client keys (RS384 and ES384, two clients)");
  const [inline, byUrl] = await Promise.all([
    generateKeySet(dir, "client"),
    generateKeySet(dir, "url-client"),
  ]);
  const host = await startJwksHost(0);
  cleanups.push(() => host.close());
  const jwksUrl = `${host.origin}${JWKS_PATH}`;
  host.setRoute(JWKS_PATH, jwksRoute(publicJwks(byUrl.keys)));
  const clientJwksUrl = urlOnly ? `${host.origin}${CLIENT_JWKS_PATH}` : undefined;
  if (urlOnly) host.setRoute(CLIENT_JWKS_PATH, jwksRoute(publicJwks(inline.keys), STABLE_KEYS_CACHE_CONTROL));

  benchMark("setup:keys-ready");
  step(`keys ready (${secondsSince(generating)}); starting the embedded reference target`);
  const starting = Date.now();
  const tls = process.env.SMART_REFERENCE_HTTP === "1" ? undefined : makeLoopbackCertificate(dir);
  if (!tls && process.env.SMART_REFERENCE_HTTP !== "1") {
    console.warn(
      "openssl is not available: the embedded target serves plain http and the TLS tests will be skipped",
    );
  }
  // The login password of this run: the config names the variable, never the value; workers (and their
  // detection twins) inherit it.
  process.env[EMBEDDED_LAUNCH_PASSWORD_ENV] ??= randomBytes(18).toString("base64url");
  // Short-lived tokens let the expiry tests run in every run (the suite waits them out).
  const tokenLifetimeSeconds = Number(
    process.env.SMART_REFERENCE_TOKEN_LIFETIME ?? EMBEDDED_TOKEN_LIFETIME_SECONDS,
  );
  const server = await startEmbeddedServer({
    faults,
    alternate,
    inlineKeys: inline.keys,
    ...(clientJwksUrl ? { clientJwksUrl } : {}),
    urlClientJwksUrl: jwksUrl,
    tokenLifetimeSeconds,
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
    ...(ssrfGuard ? { ssrfGuard } : {}),
  });
  cleanups.push(() => server.close());
  benchMark("setup:target-started");
  step(`embedded reference target listening at ${server.fhirBaseUrl} (${secondsSince(starting)})`);
  // SMART_REFERENCE_PROTECTED_RESOURCE=<FHIR path>, under oauth-jwt: the config names no FHIR base, only the
  // token endpoint and that path as its protectedResource (how a non-FHIR API is configured).
  const resourcePath = process.env.SMART_REFERENCE_PROTECTED_RESOURCE;

  const config: RawTargetConfig = {
    name: [
      alternate.length ? "alternate embedded reference target" : "embedded reference target",
      ...(faults.length ? [`(faults: ${faults.join(", ")})`] : []),
      ...(ssrfGuard ? ["(SSRF guard: fetches no loopback URL)"] : []),
      ...(urlOnly ? ["(registers clients only by JWKS URL)"] : []),
    ].join(" "),
    ...(resourcePath
      ? { protectedResource: { url: `${server.fhirBaseUrl}/${resourcePath}` } }
      : { fhirBaseUrl: server.fhirBaseUrl }),
    tokenEndpoint: server.tokenUrl,
    client: {
      clientId: EMBEDDED_CLIENT_ID,
      privateJwksPath: inline.path,
      scope: EMBEDDED_CLIENT_SCOPE,
      ...(clientJwksUrl ? { jwksUrl: clientJwksUrl } : {}),
    },
    jwksUrlClient: {
      clientId: EMBEDDED_URL_CLIENT_ID,
      jwksUrl,
      privateJwksPath: byUrl.path,
      scope: EMBEDDED_URL_CLIENT_SCOPE,
    },
    ...(tls ? { caFile: tls.certPath } : {}),
    // What the alternate reference registers (harness/latitude.ts): the protected requests are derived
    // from its CapabilityStatement, as for any server.
    ...(alternate.includes("scope-registration") ? { scopeRegistration: "none" as const } : {}),
    ...(alternate.includes("scope-matching") ? { scopeMatching: "exact" as const } : {}),
    // The launch block is the README's example of one: the reference's own login and consent pages.
    launch: embeddedLaunchConfig(),
  };
  const targetConfigPath = join(dir, "target.json");
  await writePrivate(targetConfigPath, config);
  return {
    targetConfigPath,
    embedded: true,
    faults,
    startedAt: new Date().toISOString(),
    jwksUrlClient: { privateJwksPath: byUrl.path, controlUrl: host.controlUrl },
    ...(urlOnly ? { clientJwks: { controlUrl: host.controlUrl } } : {}),
    embeddedTarget: {
      tokenLifetimeSeconds,
      ...(tls ? { tls: { keyPath: tls.keyPath, certPath: tls.certPath } } : {}),
    },
  };
}
