/**
 * The launch driver a test works with (the `launch` fixture): it knows the target's authorization
 * endpoint, the config's redirect URI, scope and login steps, the worker's browser and the test's recorded
 * HTTP client. It builds authorization requests, drives them in the browser, exchanges codes and refreshes
 * with the client's signed assertion, and verifies id_tokens against the advertised keys.
 *
 * Each authorization runs in a fresh browser context (no login session shared between authorizations or
 * tests) unless the test passes a {@link LaunchSession} it opened to reuse one.
 */
import type { TestInfo } from "@playwright/test";
import { skipTest } from "../test-api.ts";
import type { Browser, BrowserContext } from "playwright-core";
import type { LaunchConfig, TargetConfig } from "../config.ts";
import { HarnessError, type HarnessErrorCode } from "../errors.ts";
import {
  jsonBody,
  type ConnectionFailure,
  type Exchange,
  type FormParams,
  type HttpClient,
} from "../http.ts";
import {
  authorizeRequest,
  authorizeUrl,
  type AuthorizeOutcome,
  type AuthorizeRequest,
  type ParamChanges,
} from "./authorize-request.ts";
import { codeExchangeParams, refreshParams } from "./code-exchange.ts";
import { verifyIdToken, type IdTokenVerification } from "./id-token.ts";
import { LoginStuck, runAuthorization, type AuthorizationRun } from "./login.ts";
import type { PkceMethod, PkcePair } from "./pkce.ts";

/** The client a launch authenticates as: the config's main client (conformance.ts's Client fits). */
export interface LaunchClient {
  readonly clientId: string;
  /** A fresh valid signed assertion (a new jti each call). */
  assertion(): string;
  readonly rules?: { readonly clientIdParameter: boolean };
}

/** What the driver needs of the test's conformance context (conformance.ts provides it). */
export interface LaunchHost {
  readonly config: TargetConfig;
  readonly http: HttpClient;
  readonly testInfo: TestInfo;
  /** The worker's browser, started on first call. */
  browser(): Promise<Browser>;
  client(): Promise<LaunchClient>;
  postToken(params: FormParams, options: { label: string }): Promise<Exchange>;
  /** Detection runs: no screenshots except of a stuck login. */
  readonly lean: boolean;
  /** The target-down watch, told of a page the browser could not reach (as HttpClient tells it of requests). */
  readonly onConnectionFailure?: (failure: ConnectionFailure) => Promise<void>;
}

/** How a launch's authorization request is made: its PKCE, scope, parameter changes and browser session. */
export interface AuthorizationChoices {
  readonly pkce?: PkceMethod | PkcePair;
  readonly scope?: string;
  readonly changes?: ParamChanges;
  readonly session?: LaunchSession;
}

/** Where a launch goes: what the server advertises for it. */
export interface LaunchEndpoints {
  readonly authorizationEndpoint: string;
  /** The issuer the id_token's iss must equal, when advertised. */
  readonly issuer: string | undefined;
  /** The JWK Set of the server's own keys (id_token), when advertised. */
  readonly jwksUri: string | undefined;
  /** The document the endpoints were read from, and its URL. */
  readonly document: Readonly<Record<string, unknown>>;
  readonly source: string;
}

/**
 * Reads the launch endpoints from a discovery document (SMART configuration, or RFC 8414 / OpenID
 * metadata with `smart` false); the reason the launch family cannot run when something is missing.
 */
export function launchEndpoints(
  document: Readonly<Record<string, unknown>>,
  source: string,
  smart: boolean,
): LaunchEndpoints | { reason: string } {
  const missing: string[] = [];
  const endpoint = document.authorization_endpoint;
  if (typeof endpoint !== "string" || !URL.canParse(endpoint))
    missing.push("no absolute authorization_endpoint");
  const methods = document.code_challenge_methods_supported;
  if (!Array.isArray(methods) || methods.length === 0) missing.push("no code_challenge_methods_supported");
  if (smart) {
    const capabilities = document.capabilities;
    if (!Array.isArray(capabilities) || !capabilities.includes("client-confidential-asymmetric"))
      missing.push('no "client-confidential-asymmetric" in capabilities');
  } else {
    const methodsAuth = document.token_endpoint_auth_methods_supported;
    if (!Array.isArray(methodsAuth) || !methodsAuth.includes("private_key_jwt"))
      missing.push('no "private_key_jwt" in token_endpoint_auth_methods_supported');
  }
  if (missing.length > 0)
    return {
      reason: `the server does not advertise an app launch with asymmetric client authentication: ${source} has ${missing.join(", ")}`,
    };
  const text = (name: string) => {
    const value = document[name];
    return typeof value === "string" ? value : undefined;
  };
  return {
    authorizationEndpoint: String(endpoint),
    issuer: text("issuer"),
    jwksUri: text("jwks_uri"),
    document,
    source,
  };
}

/** The skip reason of a target config without a launch block. */
export const NO_LAUNCH_BLOCK =
  'the target config has no "launch" block (the redirect URI registered for the client, the scope, and the login steps): see README "Testing the launch flow"';

/** A browser context kept for several authorizations (its login session is reused); closed with the test. */
export interface LaunchSession {
  readonly context: BrowserContext;
}

/** An authorization's outcome with the exchange that records it (the authorize URL and where it ended). */
export type AuthorizeResult = AuthorizeOutcome & { readonly exchange: Exchange };

/** A launch carried through to a token response. */
export interface LaunchTokens {
  readonly request: AuthorizeRequest;
  readonly code: string;
  /** The code exchange (HTTP 200). */
  readonly exchange: Exchange;
  /** Its JSON body. */
  readonly body: Readonly<Record<string, unknown>>;
}

function broken(code: HarnessErrorCode, message: string): never {
  const error = new HarnessError(code, message);
  skipTest(error.message);
  throw error; // not reached: skip() throws
}

export class LaunchDriver {
  private readonly contexts: BrowserContext[] = [];

  constructor(
    private readonly host: LaunchHost,
    readonly settings: LaunchConfig,
    readonly endpoints: LaunchEndpoints,
  ) {}

  /** Wait per page and action: the config's requestTimeoutMs. */
  get timeoutMs(): number {
    return this.host.config.requestTimeoutMs;
  }

  /** The aud a launch names: the FHIR base URL (absent when the config names none). */
  get aud(): string | undefined {
    return this.host.config.fhirBaseUrl;
  }

  /**
   * A valid authorization request (S256 PKCE, fresh state, the config's redirect URI and scope, aud the
   * FHIR base), with `changes` applied: a string replaces or adds a parameter, undefined leaves it out.
   *
   * @example launch.request({ changes: { code_challenge: undefined } })
   * @example launch.request({ pkce: "plain" })
   */
  request(
    options: { pkce?: PkceMethod | PkcePair; scope?: string; changes?: ParamChanges } = {},
  ): AuthorizeRequest {
    return authorizeRequest({
      clientId: this.host.config.client.clientId,
      redirectUri: this.settings.redirectUri,
      scope: options.scope ?? this.settings.scope,
      aud: this.aud,
      ...(options.pkce ? { pkce: options.pkce } : {}),
      ...(options.changes ? { changes: options.changes } : {}),
    });
  }

  /** The authorize URL of a request. */
  url(request: AuthorizeRequest): string {
    return authorizeUrl(this.endpoints.authorizationEndpoint, request.params);
  }

  /** A browser context to reuse across authorizations (the server's login session is then kept). */
  async session(): Promise<LaunchSession> {
    return { context: await this.newContext() };
  }

  private async newContext(): Promise<BrowserContext> {
    const { config, testInfo } = this.host;
    const first = this.contexts.length === 0;
    // The browser's start is the test's to wait for, bounded like every other wait here.
    if (first && testInfo.timeout > 0) testInfo.setTimeout(testInfo.timeout + 3 * this.timeoutMs);
    let browser: Browser;
    try {
      browser = await this.host.browser();
    } catch (err) {
      if (err instanceof HarnessError) broken(err.code, err.message.replace(/^\[[A-Z_]+\] /, ""));
      throw err;
    }
    const context = await browser.newContext({
      // The target's certificate is trusted by caFile for the harness's requests; Chromium is not told of
      // that CA, and the transport is judged by the TLS tests, not here.
      ...(config.ca ? { ignoreHTTPSErrors: true } : {}),
      ...(config.proxy ? { proxy: { server: config.proxy } } : {}),
      serviceWorkers: "block",
    });
    context.setDefaultTimeout(this.timeoutMs);
    this.contexts.push(context);
    return context;
  }

  /**
   * Opens the request's authorize URL in the browser and goes through the login and consent pages by the
   * config's steps, until the browser is sent to the redirect URI (a `code` or `error` outcome) or the
   * server answers a page without redirecting (`page`: an error status; with `refusalExpected`, also a page
   * on which no step applies). A login page the steps cannot get through ends the test broken, with its
   * screenshot and URL attached. The authorization is recorded as an exchange of the test (the authorize
   * URL; the redirect as a Location, or the page).
   */
  async authorize(
    request: AuthorizeRequest = this.request(),
    options: { refusalExpected?: boolean; session?: LaunchSession } = {},
  ): Promise<AuthorizeResult> {
    const { testInfo, lean } = this.host;
    const steps = this.settings.login;
    if (testInfo.timeout > 0) testInfo.setTimeout(testInfo.timeout + (steps.length * 2 + 3) * this.timeoutMs);
    const context = options.session?.context ?? (await this.newContext());
    const url = this.url(request);
    const startedAt = new Date().toISOString();
    let run: AuthorizationRun;
    try {
      run = await runAuthorization({
        context,
        authorizeUrl: url,
        redirectUri: this.settings.redirectUri,
        steps,
        timeoutMs: this.timeoutMs,
        ...(this.host.onConnectionFailure ? { onConnectionFailure: this.host.onConnectionFailure } : {}),
        ...(options.refusalExpected ? { refusalExpected: true } : {}),
        ...(lean
          ? {}
          : { onScreenshot: (name, png) => testInfo.attach(name, { body: png, contentType: "image/png" }) }),
      });
    } catch (err) {
      if (err instanceof LoginStuck) {
        if (err.screenshot)
          await testInfo.attach("launch page where the login stopped", {
            body: err.screenshot,
            contentType: "image/png",
          });
        await testInfo.attach("launch page where the login stopped: URL", {
          body: err.url,
          contentType: "text/plain",
        });
        broken("ERR_TARGET_PREREQUISITE", `the login could not be completed: ${err.message}`);
      }
      if (err instanceof HarnessError) broken(err.code, err.message.replace(/^\[[A-Z_]+\] /, ""));
      throw err;
    } finally {
      if (!options.session) await context.close().catch(() => undefined);
    }
    const exchange = this.record(url, run, startedAt);
    return { ...run.outcome, exchange };
  }

  /** The authorization as an exchange of the test, so checks can name it and the report shows it. */
  private record(url: string, run: AuthorizationRun, startedAt: string): Exchange {
    const { outcome, pages, redirectedBy } = run;
    const through = pages.map((p) => p.step ?? `HTTP ${p.status ?? "?"}`).join(", ");
    const via = pages.length > 0 ? `; pages: ${through}` : "";
    const exchange: Exchange =
      outcome.kind === "page"
        ? {
            label: `authorization in the browser: a page, no redirect${via}`,
            request: { method: "GET", url, headers: {} },
            response: {
              status: outcome.status,
              headers: run.pageContentType ? { "content-type": run.pageContentType } : {},
              body: run.pageBody ?? "",
            },
            startedAt,
            durationMs: run.durationMs,
          }
        : {
            label: `authorization in the browser: redirected${redirectedBy ? ` by ${redirectedBy.method} ${new URL(redirectedBy.url).pathname}` : " (not by an HTTP redirect)"}${via}`,
            request: { method: "GET", url, headers: {} },
            response: {
              status: redirectedBy?.status ?? 200,
              headers: { location: outcome.url },
              body: "",
            },
            startedAt,
            durationMs: run.durationMs,
          };
    this.host.http.exchanges.push(exchange);
    return exchange;
  }

  /**
   * A code from a valid authorization (or one with `changes`): the prerequisite of the code-exchange tests.
   * Any other outcome ends the test broken with what happened.
   */
  async code(
    options: AuthorizationChoices = {},
  ): Promise<{ request: AuthorizeRequest; code: string; result: AuthorizeResult }> {
    const request = this.request(options);
    const result = await this.authorize(request, options.session ? { session: options.session } : {});
    if (result.kind !== "code")
      broken(
        "ERR_TARGET_PREREQUISITE",
        `a valid authorization request gave no code: ${result.kind === "error" ? `redirected with error=${result.error}${result.description ? ` ("${result.description}")` : ""}` : `the server answered a page (HTTP ${result.status}) at ${result.url}`}; this test needs a code`,
      );
    return { request, code: result.code, result };
  }

  /**
   * The code-exchange form parameters for a code of `request`: its redirect_uri and verifier, a fresh
   * assertion of the main client (or `assertion`), then `changes`.
   */
  async exchangeParams(
    code: string,
    request: AuthorizeRequest,
    options: { changes?: ParamChanges; assertion?: string } = {},
  ): Promise<FormParams> {
    const client = await this.host.client();
    return codeExchangeParams(
      {
        code,
        redirectUri: request.redirectUri,
        verifier: request.pkce.verifier,
        assertion: options.assertion ?? client.assertion(),
        ...(client.rules?.clientIdParameter ? { clientId: client.clientId } : {}),
      },
      options.changes,
    );
  }

  /** POSTs code-exchange (or refresh) parameters to the token endpoint, recorded. */
  exchange(params: FormParams, label = "authorization code exchange"): Promise<Exchange> {
    return this.host.postToken(params, { label });
  }

  /** A full launch to a token response that must succeed (HTTP 200 with an access_token), else broken. */
  async tokens(options: AuthorizationChoices = {}): Promise<LaunchTokens> {
    const { request, code } = await this.code(options);
    const exchange = await this.exchange(
      await this.exchangeParams(code, request),
      "authorization code exchange (prerequisite)",
    );
    const body = jsonBody(exchange);
    if (
      exchange.response.status !== 200 ||
      typeof body !== "object" ||
      body === null ||
      typeof (body as Record<string, unknown>).access_token !== "string"
    )
      broken(
        "ERR_TARGET_PREREQUISITE",
        `a valid authorization code exchange was refused with HTTP ${exchange.response.status}; this test needs the launch's tokens`,
      );
    return { request, code, exchange, body: body as Record<string, unknown> };
  }

  /** Refresh form parameters: the token, a fresh assertion of the main client (or `assertion`), `changes`. */
  async refreshParams(
    refreshToken: string,
    options: { scope?: string; changes?: ParamChanges; assertion?: string } = {},
  ): Promise<FormParams> {
    const client = await this.host.client();
    return refreshParams(
      {
        refreshToken,
        assertion: options.assertion ?? client.assertion(),
        ...(options.scope === undefined ? {} : { scope: options.scope }),
        ...(client.rules?.clientIdParameter ? { clientId: client.clientId } : {}),
      },
      options.changes,
    );
  }

  /** Verifies an id_token against the advertised jwks_uri and issuer, for the main client. */
  verifyIdToken(idToken: string, options: { nonce?: string } = {}): Promise<IdTokenVerification> {
    return verifyIdToken(this.host.http, idToken, {
      jwksUri: this.endpoints.jwksUri,
      issuer: this.endpoints.issuer,
      clientId: this.host.config.client.clientId,
      ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    });
  }

  /** Closes the browser contexts the test opened (the fixture calls it). */
  async close(): Promise<void> {
    await Promise.all(this.contexts.map((c) => c.close().catch(() => undefined)));
  }
}
