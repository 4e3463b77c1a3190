/**
 * The suite's test API: `test(title, spec([ids]), async ({ t }) => …)`. spec() declares the requirement ids
 * a test checks (typed: a wrong id does not compile); the `t` fixture labels the test for Allure
 * (requirement links, level as severity, spec area as suite); every HTTP exchange is recorded and attached,
 * redacted, with a curl line.
 */
// The root test type, without Playwright's page, context and tracing fixtures: the suite drives its own
// Chromium (launch/browser.ts), and the "trace recording" fixture that @playwright/test's `test` sets up
// and tears down around every test (two steps, each with a captured, source-mapped stack) cost ~5 ms of CPU
// a test for traces the suite never records, and made every browser call of a launch test a step too
// (README "Speed").
import type { TestDetails, TestInfo } from "@playwright/test";
import { baseTest } from "./test-api.ts";
import * as allure from "allure-js-commons";
import { LabelName, type Label, type Link } from "allure-js-commons";
import { getGlobalTestRuntimeWithAutoconfig, MessageTestRuntime } from "allure-js-commons/sdk/runtime";
import { fetchAuthServerMetadata, stringList, type AuthServerMetadata } from "./auth-server-metadata.ts";
import { baselineAssertion, build, JWT_BEARER, type AssertionDraft, type Mutation } from "./assertion.ts";
import { failedChecksOf, judgedExchangeOf, logExchanges, responseObject, VERDICTS_ENV } from "./checks.ts";
import { evidenceMarkdown } from "./evidence.ts";
import { loadTargetConfig, type TargetConfig } from "./config.ts";
import { HarnessError, isBrokenMessage, type HarnessErrorCode } from "./errors.ts";
import type { Dispatcher } from "undici";
import { HttpClient, jsonBody, targetDispatcher, type Exchange, type FormParams } from "./http.ts";
import { JwksControl, neverFetchedReason } from "./jwks-control.ts";
import {
  parseCapabilityStatement,
  protectedRequestFor,
  resourceRequest,
  type Capabilities,
  type ProtectedRequest,
} from "./protected-requests.ts";
import type { Registration } from "./scopes.ts";
import {
  doesNotApply,
  keysPerAlg,
  loadPrivateJwks,
  type ClientKey,
  type KeyFamily,
  type SigningAlg,
} from "./keys.ts";
import { decodedAssertion, Redactor, renderExchange, shorten } from "./redact.ts";
import { rerunCommand } from "./rerun.ts";
import {
  isRequirementId,
  requirements,
  strongestLevel,
  type Level,
  type RequirementId,
} from "./requirements.ts";
import type { FaultyTwin } from "./runner/embedded-target.ts";
import {
  activeProfile,
  genericBases,
  profileConfigSkip,
  profileLevel,
  profileSkip,
  type ServerStatements,
} from "./profiles.ts";
import { basisUrl, citation } from "./requirement-bases.ts";
import { LATITUDE, type LatitudePoint } from "./latitude.ts";
import { suiteArea } from "./areas.ts";
import { readRunState, type RunState } from "./runner/run-state.ts";
import { benchMark, benchmarking } from "./runner/bench-marks.ts";
import { watchOf } from "./target-down.ts";
import { BrowserHolder } from "./launch/browser.ts";
import { launchEndpoints, LaunchDriver, NO_LAUNCH_BLOCK, type LaunchEndpoints } from "./launch/driver.ts";

/** The running engine's root test type (harness/test-api.ts): Playwright's, or the inline engine's. */
const base = baseTest();

/** What a worker knows about the target: its config, run state and (once fetched) discovery document. */
export class Target {
  private discoveryPromise: Promise<Record<string, unknown>> | undefined;
  private capabilitiesPromise: Promise<Capabilities | undefined> | undefined;
  private metadataPromise: Promise<AuthServerMetadata | undefined> | undefined;

  constructor(
    readonly config: TargetConfig,
    readonly state: RunState,
    private readonly http: HttpClient,
    /** The dispatcher that trusts the config's caFile, when there is one. */
    readonly dispatcher?: Dispatcher,
  ) {}

  /** The SMART discovery URL; undefined when the config names no FHIR base (oauth-jwt). */
  get wellKnownUrl(): string | undefined {
    const fhir = this.config.fhirBaseUrl;
    return fhir === undefined ? undefined : `${fhir}/.well-known/smart-configuration`;
  }

  /**
   * The discovery document, fetched once per worker. Failure to get it, or a config without fhirBaseUrl
   * (oauth-jwt: no SMART discovery to read), is a prerequisite error.
   */
  discovery(): Promise<Record<string, unknown>> {
    const url = this.wellKnownUrl;
    if (url === undefined)
      return Promise.reject(
        new HarnessError(
          "ERR_TARGET_PREREQUISITE",
          "the config names no fhirBaseUrl, so there is no SMART discovery document to read",
        ),
      );
    this.discoveryPromise ??= this.http.get(url, { accept: "application/json" }).then((ex) => {
      const doc = responseObject(ex);
      if (ex.response.status !== 200 || !doc) {
        throw new HarnessError(
          "ERR_TARGET_PREREQUISITE",
          `${url} gave HTTP ${ex.response.status} without a JSON object; tests that need the discovery document cannot run`,
        );
      }
      return doc;
    });
    return this.discoveryPromise;
  }

  /**
   * What `{fhirBaseUrl}/metadata` states, fetched once per worker; undefined when it serves no
   * CapabilityStatement or the config names no FHIR base.
   */
  capabilities(): Promise<Capabilities | undefined> {
    const fhir = this.config.fhirBaseUrl;
    if (fhir === undefined) return Promise.resolve(undefined);
    this.capabilitiesPromise ??= this.http
      .get(`${fhir}/metadata`, { accept: "application/fhir+json" }, "CapabilityStatement")
      .then((ex) => (ex.response.status === 200 ? parseCapabilityStatement(jsonBody(ex)) : undefined));
    return this.capabilitiesPromise;
  }

  /** The issuer whose RFC 8414 / OpenID metadata is read: the config's, else the token endpoint's origin. */
  get issuer(): string | undefined {
    return this.config.issuer ?? (this.config.tokenEndpoint && new URL(this.config.tokenEndpoint).origin);
  }

  /** The issuer's RFC 8414 or OpenID metadata, fetched once per worker; undefined when it serves none. */
  authServerMetadata(): Promise<AuthServerMetadata | undefined> {
    const issuer = this.issuer;
    this.metadataPromise ??= issuer ? fetchAuthServerMetadata(this.http, issuer) : Promise.resolve(undefined);
    return this.metadataPromise;
  }

  /**
   * The JWS algorithms the server states it accepts for client assertions, and where it states them. SMART
   * profiles read the SMART discovery document (none: a prerequisite error). A profile with
   * authServerMetadata (oauth-jwt) takes the first list stated by SMART discovery, the RFC 8414 / OpenID
   * metadata or the config's acceptedAlgorithms; when none states one, the reason.
   */
  async signingAlgorithms(): Promise<
    { algorithms: readonly string[] | undefined; source: string } | { reason: string }
  > {
    const member = "token_endpoint_auth_signing_alg_values_supported";
    const wellKnown = this.wellKnownUrl;
    if (!activeProfile().profile.authServerMetadata) {
      const value = (await this.discovery())[member];
      const algorithms = Array.isArray(value) ? value.filter((v) => typeof v === "string") : undefined;
      return { algorithms, source: wellKnown ?? "SMART discovery" };
    }
    const smart = await this.discovery().catch((err: unknown) => {
      if (err instanceof HarnessError && err.code === "ERR_TARGET_PREREQUISITE") return undefined;
      throw err;
    });
    const fromSmart = smart && stringList(smart, member);
    if (fromSmart) return { algorithms: fromSmart, source: wellKnown ?? "SMART discovery" };
    const metadata = await this.authServerMetadata();
    const fromMetadata = metadata && stringList(metadata.document, member);
    if (fromMetadata && metadata) return { algorithms: fromMetadata, source: metadata.url };
    if (this.config.acceptedAlgorithms)
      return { algorithms: this.config.acceptedAlgorithms, source: "the config's acceptedAlgorithms" };
    const issuer = this.issuer;
    return {
      reason: [
        `nothing states the signing algorithms the server accepts: ${smart ? `${wellKnown} has no ${member}` : wellKnown ? `no SMART discovery at ${wellKnown}` : "no SMART discovery (no fhirBaseUrl in the config)"}`,
        metadata
          ? `${metadata.url} has no ${member}`
          : issuer
            ? `no RFC 8414 or OpenID metadata for the issuer ${issuer}`
            : "no issuer or tokenEndpoint in the config to find RFC 8414 or OpenID metadata",
        'no acceptedAlgorithms in the config (set it, e.g. ["PS256"], to run this test)',
      ].join("; "),
    };
  }

  /**
   * The authorization server's issuer identifier: the config's `issuer`, else the one its RFC 8414 /
   * OpenID metadata states, else SMART discovery's; undefined when nothing names one.
   */
  async issuerIdentifier(): Promise<string | undefined> {
    if (this.config.issuer) return this.config.issuer;
    const fromMetadata = (await this.authServerMetadata())?.document.issuer;
    if (typeof fromMetadata === "string" && fromMetadata) return fromMetadata;
    const smart = await this.discovery().catch(() => undefined);
    return typeof smart?.issuer === "string" && smart.issuer ? smart.issuer : undefined;
  }

  /** The aud the server requires (config `assertion.aud`) as a value; the issuer must be found. */
  async requiredAudience(tokenUrl: string): Promise<string> {
    const { aud } = this.config.assertion;
    if (aud === "token-endpoint") return tokenUrl;
    if (aud !== "issuer") return aud;
    const issuer = await this.issuerIdentifier();
    if (issuer === undefined)
      throw new HarnessError(
        "ERR_TARGET_PREREQUISITE",
        "the config's assertion.aud is \"issuer\", but neither the config's issuer nor any metadata names the issuer: set issuer in the config",
      );
    return issuer;
  }

  /** The configured token endpoint, else the discovered one (oauth-jwt: RFC 8414 / OpenID metadata first). */
  async tokenUrl(): Promise<string> {
    if (this.config.tokenEndpoint) return this.config.tokenEndpoint;
    if (activeProfile().profile.authServerMetadata) {
      const fromMetadata = (await this.authServerMetadata())?.document.token_endpoint;
      if (typeof fromMetadata === "string" && URL.canParse(fromMetadata)) return fromMetadata;
      if (this.config.fhirBaseUrl === undefined)
        throw new HarnessError(
          "ERR_TARGET_PREREQUISITE",
          `no token endpoint: the config names no tokenEndpoint, ${this.issuer ? `the metadata of the issuer ${this.issuer} names none` : "no issuer"}, and no fhirBaseUrl for SMART discovery; set tokenEndpoint in the config to run token tests`,
        );
    }
    const value = (await this.discovery()).token_endpoint;
    if (typeof value !== "string" || !URL.canParse(value)) {
      throw new HarnessError(
        "ERR_TARGET_PREREQUISITE",
        "the discovery document has no absolute token_endpoint; set tokenEndpoint in the config to run token tests",
      );
    }
    return value;
  }
}

/**
 * Ends the running test as broken: the target failed a step the test depends on but does not judge. It is
 * ended through a skip carrying the error code (mapped to "broken" by the reporters), because a thrown
 * error would also make Playwright restart its worker.
 */
export function breakTest(code: HarnessErrorCode, message: string): never {
  const error = new HarnessError(code, message);
  base.skip(true, error.message);
  throw error; // not reached: skip() throws
}

async function prerequisite<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof HarnessError && err.code === "ERR_TARGET_PREREQUISITE")
      breakTest(err.code, err.message.replace(/^\[[A-Z_]+\] /, ""));
    throw err;
  }
}

/** A registered client as the harness plays it: its id, scope, keys and assertion builder. */
export class Client {
  constructor(
    readonly clientId: string,
    readonly scope: string,
    readonly keys: readonly ClientKey[],
    readonly tokenUrl: string,
    /** What the server has registered for the client (config registeredScope, scopeRegistration, scopeMatching). */
    readonly registration: Registration = { kind: "per-client", scope, matching: "smart" },
    /** How its valid assertions and token requests follow the server's rules (config `assertion`). */
    readonly rules?: ClientRules,
  ) {}

  /** The aud the server requires, which the baseline assertion carries: the token URL unless configured. */
  get aud(): string {
    return this.rules?.aud ?? this.tokenUrl;
  }

  /**
   * Standard form parameters for this client's token request, with a `client_id` parameter when the
   * server's clients send one (config `assertion.clientIdParameter`).
   */
  tokenRequest(assertion: string, scope = this.scope): FormParams {
    return tokenRequestParams(assertion, scope, this.rules?.clientIdParameter ? this.clientId : undefined);
  }

  /** The key for `alg` (default: the first key); skips the test when the config has none. */
  key(alg?: SigningAlg): ClientKey {
    const key = alg ? this.keys.find((k) => k.alg === alg) : this.keys[0];
    if (!key) {
      base.skip(true, `no ${alg ?? ""} key is configured for client ${this.clientId}`);
      throw new HarnessError("ERR_HARNESS_INTERNAL", "unreachable: skip did not throw");
    }
    return key;
  }

  /**
   * The client's keys of `family`, one per algorithm; when it has none, skips the test as not applying to
   * its keys, for the reason `why` (e.g. "DER encoding only exists for ECDSA signatures").
   */
  keysOf(family: KeyFamily, why: string): [ClientKey, ...ClientKey[]] {
    const [first, ...more] = keysPerAlg(this.keys, family);
    if (!first) {
      base.skip(true, doesNotApply(this.keys, why));
      throw new HarnessError("ERR_HARNESS_INTERNAL", "unreachable: skip did not throw");
    }
    return [first, ...more];
  }

  draft(alg?: SigningAlg): AssertionDraft {
    return baselineAssertion({
      clientId: this.clientId,
      tokenUrl: this.tokenUrl,
      key: this.key(alg),
      ...(this.rules ? { aud: this.rules.aud, lifetimeSeconds: this.rules.lifetimeSeconds } : {}),
    });
  }

  /** A signed assertion: the baseline with the given mutations applied in order. */
  assertion(alg?: SigningAlg, ...mutations: Mutation[]): string {
    return build(this.draft(alg), ...mutations);
  }
}

/**
 * Standard client_credentials form parameters, in a form the variations can edit; `clientId` adds a
 * `client_id` parameter (prefer {@link Client.tokenRequest}, which follows the config).
 */
export function tokenRequestParams(assertion: string, scope: string, clientId?: string): FormParams {
  return [
    ["grant_type", "client_credentials"],
    ...(clientId === undefined ? [] : [["client_id", clientId] as [string, string]]),
    ["client_assertion_type", JWT_BEARER],
    ["client_assertion", assertion],
    ["scope", scope],
  ];
}

/** What a {@link Client} takes from the server's assertion rules, the aud resolved to a value. */
export interface ClientRules {
  readonly aud: string;
  readonly lifetimeSeconds: number;
  readonly clientIdParameter: boolean;
}

export const withoutParam = (params: FormParams, name: string): FormParams =>
  params.filter(([k]) => k !== name);
export const withParam = (params: FormParams, name: string, value: string): FormParams => [
  ...withoutParam(params, name),
  [name, value],
];

/** Everything a conformance test works with; built lazily so a test pays only for what it uses. */
export class ConformanceContext {
  private clientPromise: Promise<Client> | undefined;
  private clientReachPromise: Promise<string | undefined> | undefined;
  private urlClientPromise: Promise<Client | undefined> | undefined;
  private jwksReachPromise: Promise<string | undefined> | undefined;
  /** Set when {@link urlClient} gave the main client, registered by URL, for a missing jwksUrlClient. */
  private urlClientIsMain = false;

  constructor(
    readonly target: Target,
    readonly http: HttpClient,
    readonly testInfo: TestInfo,
  ) {}

  get config(): TargetConfig {
    return this.target.config;
  }

  tokenUrl(): Promise<string> {
    return prerequisite(this.target.tokenUrl());
  }

  /**
   * The algorithms the server states it accepts for client assertions ({@link Target.signingAlgorithms});
   * skips the test with the reason when nothing states them (oauth-jwt without metadata or config list).
   */
  async signingAlgorithms(): Promise<readonly string[] | undefined> {
    const stated = await this.target.signingAlgorithms();
    if ("reason" in stated) base.skip(true, stated.reason);
    return "algorithms" in stated ? stated.algorithms : undefined;
  }

  /**
   * The main client (config `client`), registered with an inline JWK Set or, with `client.jwksUrl`, by
   * the JWKS URL the harness serves its keys at; then, as for {@link urlClient}, a target that never
   * fetches that URL ends the test broken with the reason.
   */
  async client(): Promise<Client> {
    const client = await this.mainClient();
    if (this.config.client.byUrl) {
      this.clientReachPromise ??= this.jwksUnreached(client, "client");
      const unreached = await this.clientReachPromise;
      if (unreached) breakTest("ERR_TARGET_PREREQUISITE", unreached);
    }
    return client;
  }

  /**
   * The main client when it is registered with an inline JWK Set; when the config registers it by JWKS URL
   * (`client.jwksUrl`), skips the test with that reason.
   */
  async inlineClient(): Promise<Client> {
    if (this.config.client.byUrl)
      base.skip(
        true,
        "does not apply: the client is registered by JWKS URL (client.jwksUrl in the config), and this test needs a client registered with an inline JWK Set",
      );
    return this.client();
  }

  /** The main client as configured, without the check that the target fetches its JWKS URL. */
  private mainClient(): Promise<Client> {
    this.clientPromise ??= this.tokenUrl().then(
      async (url) =>
        new Client(
          this.config.client.clientId,
          this.config.client.scope,
          this.config.client.keys,
          url,
          this.config.client.registration,
          await this.clientRules(url),
        ),
    );
    return this.clientPromise;
  }

  /** The server's assertion rules (config `assertion`) as the clients follow them, the aud resolved. */
  private async clientRules(tokenUrl: string): Promise<ClientRules> {
    const { lifetimeSeconds, clientIdParameter } = this.config.assertion;
    const aud = await prerequisite(this.target.requiredAudience(tokenUrl));
    return { aud, lifetimeSeconds, clientIdParameter };
  }

  /**
   * The client registered by JWKS URL (config `jwksUrlClient`); skips the test when there is none. A test
   * that never changes the key set served at the client's URL (`keysUnchanged`) gets the main client
   * instead when it alone is registered by URL (config `client.jwksUrl`, no jwksUrlClient); {@link jwks}
   * then names the main client's URL.
   */
  async urlClient(options: { keysUnchanged?: boolean } = {}): Promise<Client> {
    if (!this.config.jwksUrlClient && this.config.client.byUrl && options.keysUnchanged) {
      this.urlClientIsMain = true;
      return this.client();
    }
    this.urlClientPromise ??= (async () => {
      const cfg = this.config.jwksUrlClient;
      const state = this.target.state.jwksUrlClient;
      if (!cfg || !state) return undefined;
      const keys = await loadPrivateJwks(state.privateJwksPath, "jwksUrlClient.privateJwksPath");
      const url = await this.tokenUrl();
      return new Client(cfg.clientId, cfg.scope, keys, url, cfg.registration, await this.clientRules(url));
    })();
    const client = await this.urlClientPromise;
    if (!client) base.skip(true, this.noUrlClientReason());
    await this.holdKeySet("shared");
    this.jwksReachPromise ??= this.jwksUnreached(client as Client, "jwksUrlClient");
    const unreached = await this.jwksReachPromise;
    if (unreached) breakTest("ERR_TARGET_PREREQUISITE", unreached);
    return client as Client;
  }

  /** Why a test of the URL client is skipped when the config has none. */
  private noUrlClientReason(): string {
    return this.config.client.byUrl
      ? "no jwksUrlClient in the target config: this test changes the key set served at a client's JWKS URL or needs a second client, and the main client's keys (client.jwksUrl) stay as registered"
      : "no jwksUrlClient in the target config";
  }

  /**
   * The prerequisite of every test of a client registered by URL: the target fetches its JWKS URL. While
   * the host has logged no fetch of it, one valid token request of that client should make the target
   * fetch it. The main client refused without a fetch: the target cannot or will not fetch the URL (the
   * reason, with its likely causes). The URL client refused without a fetch while the main client's valid
   * request is granted: the same; a target that refuses both has another problem, which the tests
   * themselves judge (undefined).
   */
  private async jwksUnreached(
    client: Client,
    owner: "client" | "jwksUrlClient",
  ): Promise<string | undefined> {
    const host = this.hostOf(owner);
    if (!host) return undefined;
    const { control, path, url } = host;
    if ((await control.fetchesOf(path)).length > 0) return undefined;
    const probe = await this.postToken(client.tokenRequest(client.assertion()), {
      label: "valid token request (prerequisite: the target fetches the JWKS URL)",
    });
    if (probe.response.status === 200 || (await control.fetchesOf(path)).length > 0) return undefined;
    if (owner === "client")
      return neverFetchedReason(
        url,
        `it refused a valid token request of that client with HTTP ${probe.response.status} without fetching it`,
        "client",
      );
    // A main client registered by URL that is never fetched either ends the test here, with its reason.
    const inline = await this.client();
    const alg = client.key().alg;
    const inlineProbe = await this.postToken(
      inline.tokenRequest(inline.assertion(inline.keys.some((k) => k.alg === alg) ? alg : undefined)),
      { label: "valid token request of the inline client (prerequisite)" },
    );
    return inlineProbe.response.status === 200
      ? neverFetchedReason(
          url,
          `it refused a valid token request of that client with HTTP ${probe.response.status} without fetching it, and granted the ${this.config.client.byUrl ? "main" : "inline"} client's`,
        )
      : undefined;
  }

  /**
   * The harness's JWKS host and the path it serves the URL client's keys at (the main client's, when
   * {@link urlClient} gave it); skips without a URL client.
   */
  jwks(): { control: JwksControl; path: string; url: string } {
    const host = this.hostOf(this.urlClientIsMain ? "client" : "jwksUrlClient");
    if (!host) base.skip(true, this.noUrlClientReason());
    return host as NonNullable<typeof host>;
  }

  /**
   * Holds the lease on the URL client's key set for the rest of the test: shared to sign with its standing
   * keys ({@link urlClient} takes it), exclusive before changing what its JWKS URL serves. A shared lease
   * is given up before an exclusive one is asked for, so two tests upgrading never wait on each other.
   */
  async holdKeySet(mode: "shared" | "exclusive"): Promise<void> {
    if (this.keySetLease && (this.keySetLease.mode === mode || this.keySetLease.mode === "exclusive")) return;
    const host = this.hostOf("jwksUrlClient");
    if (!host) return;
    await this.releaseKeySet();
    this.keySetLease = { mode, id: await host.control.lock(mode), control: host.control };
  }

  /** Gives up the lease of {@link holdKeySet} (the test fixture does, after the test's own hooks). */
  async releaseKeySet(): Promise<void> {
    const lease = this.keySetLease;
    this.keySetLease = undefined;
    if (lease) await lease.control.unlock(lease.id);
  }

  private keySetLease: { mode: "shared" | "exclusive"; id: string; control: JwksControl } | undefined;

  /** The JWKS host serving a client's keys, when the config registers that client by URL. */
  private hostOf(
    owner: "client" | "jwksUrlClient",
  ): { control: JwksControl; path: string; url: string } | undefined {
    const url = owner === "client" ? this.config.client.byUrl?.jwksUrl : this.config.jwksUrlClient?.jwksUrl;
    const state = owner === "client" ? this.target.state.clientJwks : this.target.state.jwksUrlClient;
    if (url === undefined || state === undefined) return undefined;
    return {
      // Other paths (a jku) are offered at the advertised origin: the one the target can reach.
      control: new JwksControl(state.controlUrl, new URL(url).origin),
      path: new URL(url).pathname,
      url,
    };
  }

  /** POSTs form parameters to the token endpoint exactly as given. */
  async postToken(
    params: FormParams,
    options: { headers?: Record<string, string>; label?: string } = {},
  ): Promise<Exchange> {
    return this.http.postForm(await this.tokenUrl(), params, options);
  }

  /**
   * A valid token request sent to `url` instead of the configured token endpoint, its assertion addressed
   * to `url` (or to the aud the server requires, config assertion.aud): does an advertised endpoint work?
   */
  async requestTokenAt(url: string, label: string): Promise<Exchange> {
    const client = await this.client();
    const assertion = build(
      baselineAssertion({
        clientId: client.clientId,
        tokenUrl: url,
        key: client.key(),
        ...(this.config.assertion.aud === "token-endpoint" ? {} : { aud: client.aud }),
        lifetimeSeconds: this.config.assertion.lifetimeSeconds,
      }),
    );
    return this.http.postForm(url, client.tokenRequest(assertion), { label });
  }

  /** A standard token request with the given assertion and (default: the client's) scope. */
  async requestToken(client: Client, assertion: string, scope = client.scope): Promise<Exchange> {
    return this.postToken(client.tokenRequest(assertion, scope), { label: "token request" });
  }

  /**
   * A token request with a baseline assertion that must succeed, for tests that judge the response's
   * details or use the token. A refusal is a prerequisite failure: the test is reported broken, not failed.
   */
  async issueToken(
    client: Client,
    scope = client.scope,
    alg?: SigningAlg,
  ): Promise<{ exchange: Exchange; token: string }> {
    const exchange = await this.postToken(client.tokenRequest(client.assertion(alg), scope), {
      label: "valid token request (prerequisite)",
    });
    const token = (jsonBody(exchange) as { access_token?: unknown } | undefined)?.access_token;
    if (exchange.response.status !== 200 || typeof token !== "string") {
      breakTest(
        "ERR_TARGET_PREREQUISITE",
        `a valid token request for ${client.clientId} (scope "${scope}") was refused with HTTP ${exchange.response.status}; this test needs a token`,
      );
    }
    return { exchange, token };
  }

  /** The access token of {@link issueToken}. */
  async obtainToken(client: Client, scope = client.scope, alg?: SigningAlg): Promise<string> {
    return (await this.issueToken(client, scope, alg)).token;
  }

  /**
   * The protected request for data of `type` (config protectedRequests, else derived from the
   * CapabilityStatement: a search, else a Bulk Data kick-off); undefined when none can ask for that type.
   */
  async protectedRequest(type: string): Promise<ProtectedRequest | undefined> {
    if (this.config.fhirBaseUrl === undefined) return undefined;
    return protectedRequestFor(type, this.config.protectedRequests, await this.target.capabilities());
  }

  /** The protected request for `type` that the tests of a client's own data need; skips when there is none. */
  async ownProtectedRequest(type: string): Promise<ProtectedRequest> {
    const request = await this.protectedRequest(type);
    if (!request)
      base.skip(
        true,
        this.config.fhirBaseUrl === undefined
          ? `the config names no fhirBaseUrl: no FHIR request for ${type}`
          : `protectedRequests in the config names no request for ${type}`,
      );
    return request as ProtectedRequest;
  }

  /**
   * The request the RFC 6750 bearer-token tests present tokens with: the config's protectedResource when it
   * names one (any URL and method), else {@link ownProtectedRequest} of `type`.
   */
  async bearerRequest(type: string): Promise<ProtectedRequest> {
    const resource = this.config.protectedResource;
    return resource ? resourceRequest(resource) : this.ownProtectedRequest(type);
  }

  /** Sends a protected request with the given Authorization header value (none when undefined). */
  sendProtected(
    request: ProtectedRequest,
    authorization: string | undefined,
    label: string,
  ): Promise<Exchange> {
    return this.http.send({
      method: request.method ?? "GET",
      url: request.kind === "resource" ? request.path : `${this.fhirBase()}/${request.path}`,
      headers: { ...request.headers, ...(authorization === undefined ? {} : { authorization }) },
      ...(request.body !== undefined ? { body: request.body } : {}),
      label,
    });
  }

  /** The FHIR base URL; skips the test when the config names none (oauth-jwt without a FHIR server). */
  private fhirBase(): string {
    const url = this.config.fhirBaseUrl;
    if (url === undefined)
      base.skip(true, "the config names no fhirBaseUrl: this test needs the FHIR server");
    return url as string;
  }

  /**
   * A 404 to a protected request the client's token should reach means the route is not there (no search
   * endpoint, a type not held): a prerequisite problem, never a spec failure. Ends the test broken.
   */
  requireRoute(ex: Exchange, request: ProtectedRequest): void {
    if (ex.response.status !== 404) return;
    if (request.kind === "resource")
      breakTest(
        "ERR_TARGET_PREREQUISITE",
        `the protectedResource ${request.what} answered 404: set protectedResource in the config to a resource the configured client's token opens`,
      );
    const from = {
      config: "named in the config's protectedRequests",
      CapabilityStatement: "derived from the CapabilityStatement",
      default: "the default, as the CapabilityStatement states no search or export",
    }[request.source];
    breakTest(
      "ERR_TARGET_PREREQUISITE",
      `the protected request ${request.what} (${request.path}, ${from}) answered 404: set protectedRequests in the config to a request the configured client may make`,
    );
  }

  /**
   * What the server advertises for an app launch (authorization_endpoint, code_challenge_methods_supported,
   * client-confidential-asymmetric; issuer and jwks_uri): from SMART discovery, or under a profile that
   * reads RFC 8414 / OpenID metadata (oauth-jwt) from that when SMART discovery has none. Skips the test
   * with the reason when the server advertises no such launch.
   */
  async launchEndpoints(): Promise<LaunchEndpoints> {
    const smartProfile = !activeProfile().profile.authServerMetadata;
    const smart = smartProfile
      ? await prerequisite(this.target.discovery())
      : await this.target.discovery().catch(() => undefined);
    let found = smart
      ? launchEndpoints(smart, this.target.wellKnownUrl ?? "SMART discovery", true)
      : { reason: "no SMART discovery document" };
    if ("reason" in found && !smartProfile) {
      const metadata = await this.target.authServerMetadata();
      if (metadata) found = launchEndpoints(metadata.document, metadata.url, false);
    }
    if ("reason" in found) {
      base.skip(true, found.reason);
      throw new HarnessError("ERR_HARNESS_INTERNAL", "unreachable: skip did not throw");
    }
    return found.issuer === undefined && this.config.issuer
      ? { ...found, issuer: this.config.issuer }
      : found;
  }

  /** GETs a FHIR path relative to the base, with an optional bearer token. */
  fhirGet(path: string, token?: string, label?: string): Promise<Exchange> {
    const headers: Record<string, string> = { accept: "application/fhir+json" };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    return this.http.get(`${this.fhirBase()}/${path.replace(/^\//, "")}`, headers, label);
  }
}

/**
 * Annotation with the response a test judged (g10-dry-run: what Inferno would see): its status, JSON body,
 * the few headers Inferno's tests read, and the request URL (tokens and codes shortened).
 */
export const OBSERVED_ANNOTATION = "observed";

/** Response headers an Inferno test reads (the redirect that delivers a code; caching; content type). */
const OBSERVED_HEADERS = ["location", "content-type", "cache-control", "pragma"];
/** URL parameters that carry bearer material. */
const SECRET_URL_PARAMS = [
  "access_token",
  "token",
  "refresh_token",
  "code",
  "client_assertion",
  "code_verifier",
];

/** A URL with the values of its secret-bearing parameters shortened (as summary.json may be shared). */
function withSecretsShortened(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  for (const name of SECRET_URL_PARAMS) {
    const value = parsed.searchParams.get(name);
    if (value !== null) parsed.searchParams.set(name, shorten(value));
  }
  return parsed.toString();
}

function recordObserved(testInfo: TestInfo, judged: Exchange | undefined): void {
  if (!judged) return;
  const body = jsonBody(judged);
  const shown =
    typeof body === "object" && body !== null && !Array.isArray(body)
      ? Object.fromEntries(
          Object.entries(body).map(([k, v]) => [
            k,
            k.endsWith("_token") && typeof v === "string" ? shorten(v) : v,
          ]),
        )
      : body;
  const headers = Object.fromEntries(
    Object.entries(judged.response.headers).flatMap(([k, v]) => {
      const name = k.toLowerCase();
      if (!OBSERVED_HEADERS.includes(name)) return [];
      return [[name, name === "location" ? withSecretsShortened(v) : v]];
    }),
  );
  testInfo.annotations.push({
    type: OBSERVED_ANNOTATION,
    description: JSON.stringify({
      status: judged.response.status,
      body: shown ?? null,
      headers,
      url: withSecretsShortened(judged.request.url),
    }),
  });
}

/** Name of the attachment of a failed or broken test that gives the command re-running just that test. */
export const RERUN_ATTACHMENT = "re-run this test";

function failedOrBroken(testInfo: TestInfo): boolean {
  if (testInfo.status === "skipped")
    return isBrokenMessage(testInfo.annotations.find((a) => a.type === "skip")?.description);
  return testInfo.status !== "passed";
}

/** Detection runs (verdicts recorded, not thrown) need neither report labels nor attachments. */
function leanRun(): boolean {
  return process.env[VERDICTS_ENV] === "record";
}

interface WorkerFixtures {
  /**
   * A seeded fault of the reference target (detection runs set it per project): the worker then tests a
   * twin of the embedded target with that fault instead of the run's target.
   */
  referenceFault: string | undefined;
  target: Target;
  /** The worker's Chromium for the launch flow, started by the first test that drives a login. */
  launchBrowser: BrowserHolder;
}
interface TestFixtures {
  http: HttpClient;
  /** The conformance context; setting it up labels the test for Allure from its spec() details. */
  t: ConformanceContext;
  /**
   * The app-launch driver (harness/launch/driver.ts). Asking for it skips the test, with the reason, when
   * the config has no launch block or the server advertises no launch with asymmetric client
   * authentication.
   */
  launch: LaunchDriver;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  referenceFault: [undefined, { scope: "worker", option: true }],
  target: [
    async ({ referenceFault }, use) => {
      // A benchmarked run: the worker has started and loaded its first test file.
      benchMark("worker:ready");
      let state = readRunState();
      let config = await loadTargetConfig(state.targetConfigPath);
      let twin: FaultyTwin | undefined;
      if (referenceFault) {
        // Loaded only here: a run against an external target never loads the reference server.
        const { startFaultyTwin } = await import("./runner/embedded-target.ts");
        twin = await startFaultyTwin(config, state, referenceFault);
        ({ config, state } = twin);
      }
      const dispatcher = targetDispatcher(config);
      const target: Target = new Target(
        config,
        state,
        new HttpClient({
          timeoutMs: config.requestTimeoutMs,
          ...(dispatcher ? { dispatcher } : {}),
          onConnectionFailure: (failure) => watchOf(target).onConnectionFailure(failure),
        }),
        dispatcher,
      );
      await use(target);
      await dispatcher?.close();
      await twin?.close();
    },
    { scope: "worker" },
  ],
  launchBrowser: [
    async ({ target }, use) => {
      // Chromium starts in 1–3 s on a busy two-core machine; a slow target's timeout is added on top.
      const holder = new BrowserHolder(30_000 + target.config.requestTimeoutMs);
      await use(holder);
      await holder.close();
    },
    { scope: "worker" },
  ],
  launch: async ({ t, http, launchBrowser }, use, testInfo) => {
    const settings = t.config.launch;
    if (!settings) base.skip(true, NO_LAUNCH_BLOCK);
    const endpoints = await t.launchEndpoints();
    const driver = new LaunchDriver(
      {
        config: t.config,
        http,
        testInfo,
        browser: () => launchBrowser.browser(),
        client: () => t.client(),
        postToken: (params, options) => t.postToken(params, options),
        lean: leanRun(),
        onConnectionFailure: watchOf(t.target).onConnectionFailure,
      },
      settings as NonNullable<typeof settings>,
      endpoints,
    );
    await use(driver);
    await driver.close();
  },
  http: async ({ target }, use, testInfo) => {
    const http = new HttpClient({
      timeoutMs: target.config.requestTimeoutMs,
      ...(target.dispatcher ? { dispatcher: target.dispatcher } : {}),
      // A target that stops answering: this test fails (BS-ERR-07) or is not run (harness/target-down.ts).
      onConnectionFailure: watchOf(target).onConnectionFailure,
    });
    logExchanges(testInfo, () => http.exchanges);
    await use(http);
    // A benchmarked run counts the tests that reached the server themselves (not only the worker's cache).
    if (benchmarking()) benchMark("test:requests", { requests: http.exchanges.length });
    if (activeProfile().name === "g10-dry-run")
      recordObserved(testInfo, judgedExchangeOf(testInfo) ?? http.exchanges.at(-1));
    if (leanRun()) return;
    const redactor = new Redactor();
    for (const ex of http.exchanges) redactor.learn(ex);
    for (const [i, ex] of http.exchanges.entries()) {
      const n = String(i + 1).padStart(2, "0");
      const decoded = decodedAssertion(ex);
      if (decoded) {
        await testInfo.attach(`${n} assertion: decoded header and claims`, {
          body: decoded,
          contentType: "application/json",
        });
      }
      await testInfo.attach(`${n} ${ex.label}: HTTP ${ex.response.status}`, {
        body: renderExchange(ex, redactor),
        contentType: "text/plain",
      });
    }
  },
  t: async ({ target, http }, use, testInfo) => {
    const skip = annotationsOf(testInfo, PROFILE_SKIP_ANNOTATION)[0];
    if (skip) base.skip(true, skip);
    const ids = annotationsOf(testInfo, "requirement").filter(isRequirementId);
    const configSkip = profileConfigSkip(ids, serverStatements(target.config));
    if (configSkip) base.skip(true, configSkip);
    watchOf(target).skipIfDown();
    if (!leanRun()) await labelForAllure(testInfo);
    const context = new ConformanceContext(target, http, testInfo);
    try {
      await use(context);
    } finally {
      await context.releaseKeySet();
    }
    if (!leanRun() && failedOrBroken(testInfo)) {
      const rerun = rerunCommand(testInfo.titlePath);
      // The evidence opens the test's description: the report shows it without expanding anything.
      const evidence = evidenceMarkdown({
        failed: failedChecksOf(testInfo),
        error:
          testInfo.error?.message ?? testInfo.annotations.find((a) => a.type === "skip")?.description ?? "",
        exchanges: http.exchanges,
        rerun,
      });
      const described = describedTest(testInfo);
      await allure.description(described ? `${evidence}\n\n---\n\n${described}` : evidence);
      await testInfo.attach(RERUN_ATTACHMENT, {
        body: `# re-runs just this test against the same target\n${rerun}\n`,
        contentType: "text/plain",
      });
    }
  },
});

const AREAS: readonly (readonly [RegExp, string])[] = [
  [/^BS-(DISC|CS|META)-/, "Discovery"],
  [/^BS-TREQ-/, "Token request"],
  [/^BS-(JWTH|ISS|SUB|AUD|EXP|NBF|IAT|JTI)-/, "Client assertion"],
  [/^BS-(SIG|ALG)-/, "Signature and algorithms"],
  [/^BS-(KEY|JKU|JWKS|ROT|REG)-/, "Key resolution"],
  [/^BS-SCOPE-/, "Scopes"],
  [/^BS-TRESP-/, "Token response"],
  [/^BS-ERR-/, "Token errors"],
  [/^BS-RS-/, "FHIR endpoint"],
  [/^BS-TLS-/, "Transport"],
  [/^BS-INT-/, "Introspection"],
  [/^BS-REV-/, "Revocation"],
  [/^(BS|BD)-CLI-/, "Client"],
  [/^AL-/, "App launch"],
];

export function specArea(id: RequirementId): string {
  return AREAS.find(([re]) => re.test(id))?.[1] ?? "Other";
}

/** What the config states about the server, for the profile's config-dependent skips. */
function serverStatements(config: TargetConfig): ServerStatements {
  const { assertion } = config;
  return {
    // SMART requires replay protection; RFC 7523 §3 item 7 leaves it to the server, so oauth-jwt judges it
    // only where the config states the server promises it.
    replayProtection: activeProfile().profile.genericOnly
      ? assertion.stated.includes("replayProtection") && assertion.replayProtection
      : true,
    // SMART sets the five-minute limit; outside SMART the server's own limit, when the config states it.
    maxLifetime: activeProfile().profile.genericOnly ? assertion.stated.includes("maxLifetimeSeconds") : true,
    protectedResource: config.protectedResource !== undefined,
  };
}

/** A test the run's profile does not apply (its spec version lacks the requirement); the reason says why. */
const PROFILE_SKIP_ANNOTATION = "profile-skip";

/** Tag of tests that wait for time to pass (token expiry); detection runs include them only where they matter. */
export const SLOW_TAG = "@slow";

const SEVERITY: Record<Level, string> = {
  SHALL: "critical",
  SHOULD: "normal",
  MAY: "minor",
  INFO: "trivial",
};

/**
 * Test details declaring the requirement ids a test checks (typed: a wrong id does not compile) and what a
 * failure means (default: the strongest level among them). The first id decides the spec area.
 *
 * @example test("rejects an expired assertion", spec(["BS-EXP-02", "BS-ERR-03"]), async ({ t }) => { … });
 */
export function spec(
  ids: readonly [RequirementId, ...RequirementId[]],
  options: {
    level?: Level;
    slow?: boolean;
    /**
     * Why this test needs a SMART server although the rule it judges is an RFC's (e.g. it speaks SMART
     * scope syntax): the oauth-jwt profile skips it with this reason.
     */
    smartOnly?: string;
  } = {},
): TestDetails {
  const level = profileLevel(ids, options.level ?? strongestLevel(ids));
  const skip = profileSkip(ids, options.smartOnly);
  return {
    tag: [...ids.map((id) => `@${id}`), ...(options.slow ? [SLOW_TAG] : [])],
    annotation: [
      ...(skip ? [{ type: PROFILE_SKIP_ANNOTATION, description: skip }] : []),
      ...ids.map((id) => ({ type: "requirement", description: id })),
      { type: "level", description: level },
      { type: "area", description: specArea(ids[0]) },
    ],
  };
}

function annotationsOf(testInfo: TestInfo, type: string): string[] {
  return testInfo.annotations.filter((a) => a.type === type).map((a) => a.description ?? "");
}

export async function labelForAllure(testInfo: TestInfo): Promise<void> {
  const ids = annotationsOf(testInfo, "requirement").filter(isRequirementId);
  const level = annotationsOf(testInfo, "level")[0] as Level | undefined;
  // The suite folder's area, so a file's tests stand together (spec()'s, from the first id, is the fallback).
  const area = suiteArea(testInfo.file) ?? annotationsOf(testInfo, "area")[0];
  if (ids.length === 0 || !level || !area) {
    throw new HarnessError(
      "ERR_HARNESS_INTERNAL",
      `"${testInfo.title}" declares no requirements: give it spec([...]) details`,
    );
  }
  // One runtime message for the labels, the links and the description (allure.label() and its kin send one
  // each): every message is an attachment, and so a step of the test whose stack Playwright captures, with
  // source maps, at 2–3 ms of CPU a step (README "Speed"). The result file is the same.
  const labels: Label[] = [
    { name: LabelName.PARENT_SUITE, value: area },
    { name: LabelName.SUITE, value: testInfo.titlePath.slice(1, -1).join(" › ") || area },
    { name: LabelName.SEVERITY, value: SEVERITY[level] },
    { name: "level", value: level },
    ...ids.map((id) => ({ name: "requirement", value: id })),
  ];
  const links: Link[] = ids.map((id) => {
    const r = requirements[id];
    return { url: r.url, type: "requirement", name: `${id} (${r.level}): ${r.title}` };
  });
  // Judged by the RFCs (oauth-jwt): the report links the sections the verdict rests on.
  const rfcBases = activeProfile().profile.genericOnly && ids[0] ? genericBases(ids[0]) : [];
  for (const basis of rfcBases) {
    const url = basisUrl(basis);
    if (url) links.push({ url, type: "requirement", name: citation(basis) });
  }
  const description = describedTest(testInfo);
  const runtime = await getGlobalTestRuntimeWithAutoconfig();
  if (runtime instanceof MessageTestRuntime) {
    await runtime.sendMessage({ type: "metadata", data: { labels, links, description } });
    return;
  }
  await allure.labels(...labels);
  await allure.links(...links);
  await allure.description(description);
}

/** The test's description in the report: its level, requirements, judging basis and latitude points. */
function describedTest(testInfo: TestInfo): string {
  const ids = annotationsOf(testInfo, "requirement").filter(isRequirementId);
  const level = annotationsOf(testInfo, "level")[0] as Level | undefined;
  if (ids.length === 0 || !level) return "";
  const rfcBases = activeProfile().profile.genericOnly && ids[0] ? genericBases(ids[0]) : [];
  // Where the specs leave the server a choice, the report says which outcomes are required and allowed.
  const latitude = Object.values(LATITUDE).filter((p: LatitudePoint) => p.tests.includes(testInfo.title));
  return [
    `Level of this check: **${level}**`,
    "",
    ...ids.map((id) => `- **${id}** (${requirements[id].level}): ${requirements[id].title}`),
    ...(rfcBases.length > 0
      ? ["", `Judged under the ${activeProfile().name} profile by ${rfcBases.map(citation).join("; ")}.`]
      : []),
    ...latitude.flatMap((p: LatitudePoint) => [
      "",
      `**The specs leave the server a choice here** (${p.basis}): ${p.question} Required: ${p.required}. Allowed: ${p.allowed.join("; ")}.`,
    ]),
  ].join("\n");
}
