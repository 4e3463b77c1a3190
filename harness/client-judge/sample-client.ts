/**
 * A reference SMART Backend Services client for the client judge: discovery, a client_credentials token
 * request authenticated with a signed JWT assertion (RFC 7523), FHIR reads with the bearer token (RFC 6750),
 * and re-authentication once the token has expired. Each {@link Mutant} makes exactly one deliberate
 * deviation from that session, so every check of the judge can be shown to fail.
 *
 * Like a real client it stops at the first refusal: the error names the step and what the server answered.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { request, type Dispatcher } from "undici";
import {
  JWT_BEARER,
  baselineAssertion,
  build,
  freshJti,
  keySigner,
  signedBy,
  withAudience,
  withClaim,
  withHeader,
  withoutClaim,
  withoutHeader,
  type Mutation,
} from "../assertion.ts";
import type { ClientKey } from "../keys.ts";

/** The deliberately broken variants of the sample client: name -> the one deviation it makes. */
export const MUTANTS = {
  // assertion header
  "alg-rs256": "signs the assertion RS256 (with the first RSA key), an algorithm SMART does not allow",
  "no-kid": 'leaves "kid" out of the assertion header',
  "unknown-kid": 'names a "kid" in the assertion header that matches no registered key',
  "no-typ": 'leaves "typ" out of the assertion header',
  "foreign-jku": 'adds a "jku" header naming https://attacker.example/jwks.json',
  "der-ecdsa": "sends its ES384 signature (first EC key) ASN.1 DER-encoded instead of JOSE R||S",
  // assertion claims
  "wrong-aud": "aud is the FHIR base URL, not the token URL",
  "iss-not-client": 'iss is "someone-else", not the client_id',
  "no-sub": 'leaves the "sub" claim out',
  "exp-ten-minutes": "exp is ten minutes ahead, beyond SMART's five-minute limit",
  "exp-fractional": "exp is not an integer (now + 60.5)",
  "no-jti": 'leaves the "jti" claim out',
  "reused-jti": "re-authenticates after expiry with a newly signed assertion that reuses the first jti",
  "reused-assertion": "re-authenticates after expiry by re-sending the very same assertion",
  // token request format
  "json-body": "sends the token request as application/json instead of a form",
  "repeated-scope": "sends the scope parameter twice",
  "basic-auth": "adds an Authorization: Basic header to the token request",
  "no-assertion-type": "leaves client_assertion_type out of the token request",
  "wrong-grant-type": "sends grant_type=password",
  "non-system-scope": "requests patient/Patient.rs instead of its system scopes",
  // discovery
  "discovery-without-accept": "fetches the discovery document without an Accept header",
  "no-discovery": "skips discovery and posts to a token URL it was configured with ({origin}/auth/token)",
  "root-discovery":
    "looks for discovery at the origin's root ({origin}/.well-known/smart-configuration), not the FHIR base's",
  // token use
  "token-in-query": "sends the access token as an access_token query parameter instead of the header",
  "token-in-query-and-header": "sends the access token both in the query and in the Authorization header",
  "token-to-foreign": "follows search-result fullUrls on another origin, sending its token there",
  "keeps-expired-token": "keeps presenting the expired token and never asks for a new one",
  "strict-token-response":
    "refuses a token response with members beyond access_token/token_type/expires_in/scope",
} as const;

export type Mutant = keyof typeof MUTANTS;

/**
 * Whether `value` names a mutant.
 *
 * @example
 * if (!isMutant(name)) throw new Error(`unknown mutant ${name}`);
 */
export function isMutant(value: string): value is Mutant {
  return Object.hasOwn(MUTANTS, value);
}

export interface SampleClientOptions {
  /** The FHIR base URL; discovery is read from `{fhirBaseUrl}/.well-known/smart-configuration`. */
  readonly fhirBaseUrl: string;
  readonly clientId: string;
  /** Signs with keys[0], unless a mutant needs a key of a particular type (the first RSA or EC key). */
  readonly keys: readonly ClientKey[];
  /** Space-separated scopes to request, e.g. "system/Patient.rs". */
  readonly scope: string;
  /** One deliberate deviation, or several at once (a lenient judge reports them all in one run). */
  readonly mutant?: Mutant | readonly Mutant[];
  readonly dispatcher?: Dispatcher;
  /** One line per step; never given a token or an assertion. */
  readonly log?: (line: string) => void;
}

/** The jku the foreign-jku mutant names. */
export const FOREIGN_JKU = "https://attacker.example/jwks.json";

/** A token that lives this long or less is waited out, to show the client re-authenticates. */
export const SHORT_TOKEN_SECONDS = 5;
/** How long after expires_in the client waits before treating the token as expired. */
const EXPIRY_MARGIN_MS = 1_200;

/** Mutants that only deviate when re-authenticating after the token expired. */
const REAUTHENTICATION_MUTANTS: ReadonlySet<Mutant> = new Set<Mutant>([
  "reused-jti",
  "reused-assertion",
  "keeps-expired-token",
]);

const TOKEN_RESPONSE_MEMBERS: ReadonlySet<string> = new Set([
  "access_token",
  "token_type",
  "expires_in",
  "scope",
]);

interface Context {
  readonly options: SampleClientOptions;
  readonly mutants: ReadonlySet<Mutant>;
  /** Whether the client makes this deviation. */
  readonly is: (mutant: Mutant) => boolean;
  readonly fhirBase: string;
  readonly log: (line: string) => void;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

interface Token {
  readonly accessToken: string;
  readonly expiresIn: number;
  /** Date.now() when the token response arrived. */
  readonly receivedAt: number;
}

interface SignedAssertion {
  readonly compact: string;
  readonly jti: string;
}

/**
 * Runs one client session against a SMART Backend Services server and resolves when every step succeeded.
 * Rejects with an Error naming the step when the server refuses something or answers something unusable.
 *
 * @example
 * await runSampleClient({
 *   fhirBaseUrl: "https://judge.example/fhir",
 *   clientId: "c1",
 *   keys: [(await generateClientKey("RS384")).key],
 *   scope: "system/Patient.rs",
 *   mutant: "wrong-aud",
 *   log: (line) => console.error(line),
 * });
 */
export async function runSampleClient(options: SampleClientOptions): Promise<void> {
  const mutants: ReadonlySet<Mutant> = new Set(
    options.mutant === undefined
      ? []
      : typeof options.mutant === "string"
        ? [options.mutant]
        : options.mutant,
  );
  const ctx: Context = {
    options,
    mutants,
    is: (mutant) => mutants.has(mutant),
    fhirBase: options.fhirBaseUrl.replace(/\/+$/, ""),
    log: options.log ?? (() => undefined),
  };
  for (const mutant of mutants) ctx.log(`mutant ${mutant}: ${MUTANTS[mutant]}`);

  const tokenEndpoint = await discover(ctx);

  const firstAssertion = signAssertion(ctx, tokenEndpoint);
  let token = await requestToken(ctx, tokenEndpoint, firstAssertion.compact, "token request");

  const bundle = await fhirGet(ctx, "Patient?_count=5", token, "search");
  await handleForeignEntries(ctx, bundle, token);

  if (token.expiresIn <= SHORT_TOKEN_SECONDS) {
    const waitMs = token.receivedAt + token.expiresIn * 1000 + EXPIRY_MARGIN_MS - Date.now();
    ctx.log(
      `expiry: waiting ${Math.max(0, waitMs)} ms for the token (expires_in ${token.expiresIn}) to expire`,
    );
    if (waitMs > 0) await sleep(waitMs);
    if (ctx.is("keeps-expired-token")) {
      ctx.log("expiry: keeps presenting the expired token");
    } else {
      const second = ctx.is("reused-assertion")
        ? firstAssertion
        : signAssertion(ctx, tokenEndpoint, ctx.is("reused-jti") ? firstAssertion.jti : undefined);
      const how = ctx.is("reused-assertion")
        ? "the same assertion again"
        : ctx.is("reused-jti")
          ? "a new assertion reusing the first jti"
          : "a new assertion";
      ctx.log(`expiry: the token has expired; asking for a new one with ${how}`);
      token = await requestToken(ctx, tokenEndpoint, second.compact, "second token request");
    }
  } else {
    const idle = [...mutants].filter((m) => REAUTHENTICATION_MUTANTS.has(m));
    ctx.log(
      `expiry: expires_in ${token.expiresIn} > ${SHORT_TOKEN_SECONDS}; keeping the token` +
        (idle.length > 0
          ? ` (mutant ${idle.join(", ")} has nothing to do: it deviates only after expiry)`
          : ""),
    );
  }
  await fhirGet(ctx, "Patient?_count=1", token, "second read");
  ctx.log("done");
}

// --- discovery -----------------------------------------------------------------------------------

async function discover(ctx: Context): Promise<string> {
  if (ctx.is("no-discovery")) {
    const configured = `${new URL(ctx.fhirBase).origin}/auth/token`;
    ctx.log(`discovery: skipped, using the configured token URL ${configured}`);
    return configured;
  }
  // A root-relative reference resolves against the origin: the judge has no document there (404).
  const url = ctx.is("root-discovery")
    ? new URL("/.well-known/smart-configuration", ctx.fhirBase).href
    : `${ctx.fhirBase}/.well-known/smart-configuration`;
  const headers: Record<string, string> = ctx.is("discovery-without-accept")
    ? {}
    : { accept: "application/json" };
  const answer = await send(ctx, "discovery", "GET", url, headers);
  if (answer.status !== 200) {
    throw new Error(`discovery: GET ${url} answered HTTP ${answer.status}`);
  }
  const document = parseJsonObject(answer.text, `discovery: ${url}`);
  const tokenEndpoint = document.token_endpoint;
  if (typeof tokenEndpoint !== "string" || !URL.canParse(tokenEndpoint)) {
    throw new Error(
      `discovery: ${url} has no absolute token_endpoint (got ${JSON.stringify(tokenEndpoint) ?? "nothing"})`,
    );
  }
  ctx.log(`discovery: GET ${url} -> ${answer.status}, token_endpoint ${tokenEndpoint}`);
  return tokenEndpoint;
}

// --- client assertion ----------------------------------------------------------------------------

/** Mutations the assertion-level mutants apply on top of the baseline. */
const ASSERTION_MUTATIONS: Partial<
  Record<Mutant, (c: { key: ClientKey; fhirBase: string }) => readonly Mutation[]>
> = {
  "alg-rs256": ({ key }) => [withHeader("alg", "RS256"), signedBy(keySigner("RS256", key.privateKey))],
  "no-kid": () => [withoutHeader("kid")],
  "unknown-kid": () => [withHeader("kid", `unregistered-${freshJti()}`)],
  "no-typ": () => [withoutHeader("typ")],
  "foreign-jku": () => [withHeader("jku", FOREIGN_JKU)],
  "der-ecdsa": ({ key }) => [signedBy(keySigner(key.alg, key.privateKey, "der"))],
  "wrong-aud": ({ fhirBase }) => [withAudience(fhirBase)],
  "iss-not-client": () => [withClaim("iss", "someone-else")],
  "no-sub": () => [withoutClaim("sub")],
  "exp-ten-minutes": () => [(d) => withClaim("exp", d.now + 600)(d)],
  "exp-fractional": () => [(d) => withClaim("exp", d.now + 60.5)(d)],
  "no-jti": () => [withoutClaim("jti")],
};

/** keys[0], or for the mutants that need one, the first RSA (alg-rs256) or EC (der-ecdsa) key. */
function signingKey(ctx: Context): ClientKey {
  const { keys } = ctx.options;
  const type = ctx.is("alg-rs256") ? "rsa" : ctx.is("der-ecdsa") ? "ec" : undefined;
  const key = type ? keys.find((k) => k.privateKey.asymmetricKeyType === type) : keys[0];
  if (!key) {
    throw new Error(
      type
        ? `mutant ${type === "rsa" ? "alg-rs256" : "der-ecdsa"}: the client has no ${type.toUpperCase()} key to sign with`
        : "the client has no key to sign with",
    );
  }
  return key;
}

function signAssertion(ctx: Context, tokenEndpoint: string, jti?: string): SignedAssertion {
  const key = signingKey(ctx);
  const draft = baselineAssertion({ clientId: ctx.options.clientId, tokenUrl: tokenEndpoint, key });
  const mutations = [
    ...[...ctx.mutants].flatMap((m) => ASSERTION_MUTATIONS[m]?.({ key, fhirBase: ctx.fhirBase }) ?? []),
    ...(jti === undefined ? [] : [withClaim("jti", jti)]),
  ];
  const finalJti = jti ?? draft.claims.jti;
  return { compact: build(draft, ...mutations), jti: typeof finalJti === "string" ? finalJti : "" };
}

// --- token request -------------------------------------------------------------------------------

function tokenRequestBody(
  ctx: Context,
  assertion: string,
): { headers: Record<string, string>; body: string } {
  const { is, options } = ctx;
  const params: [string, string][] = [
    ["grant_type", is("wrong-grant-type") ? "password" : "client_credentials"],
    ...(is("no-assertion-type") ? [] : [["client_assertion_type", JWT_BEARER] as [string, string]]),
    ["client_assertion", assertion],
    ["scope", is("non-system-scope") ? "patient/Patient.rs" : options.scope],
    ...(is("repeated-scope") ? [["scope", options.scope] as [string, string]] : []),
  ];
  const headers: Record<string, string> = { accept: "application/json" };
  if (is("basic-auth")) {
    const credentials = `${encodeURIComponent(options.clientId)}:unused-secret`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
  }
  if (is("json-body")) {
    return {
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(Object.fromEntries(params)),
    };
  }
  return {
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  };
}

async function requestToken(
  ctx: Context,
  tokenEndpoint: string,
  assertion: string,
  step: string,
): Promise<Token> {
  const { headers, body } = tokenRequestBody(ctx, assertion);
  const answer = await send(ctx, step, "POST", tokenEndpoint, headers, body);
  const receivedAt = Date.now();
  if (answer.status !== 200) {
    throw new Error(`${step}: ${tokenEndpoint} refused it: HTTP ${answer.status}${oauthError(answer.text)}`);
  }
  const response = parseJsonObject(answer.text, `${step}: the token response`);
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = response;
  if (typeof accessToken !== "string" || accessToken === "") {
    throw new Error(`${step}: the token response has no access_token`);
  }
  if (typeof tokenType !== "string" || tokenType.toLowerCase() !== "bearer") {
    throw new Error(`${step}: token_type is ${JSON.stringify(tokenType) ?? "missing"}, not bearer`);
  }
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new Error(
      `${step}: expires_in is ${JSON.stringify(expiresIn) ?? "missing"}, not a positive number`,
    );
  }
  const unknown = Object.keys(response).filter((name) => !TOKEN_RESPONSE_MEMBERS.has(name));
  if (ctx.is("strict-token-response") && unknown.length > 0) {
    throw new Error(`${step}: unexpected member(s) ${unknown.join(", ")} in the token response`);
  }
  ctx.log(
    `${step}: POST ${tokenEndpoint} -> ${answer.status}, expires_in ${expiresIn}` +
      (unknown.length > 0 ? ` (ignored ${unknown.join(", ")})` : ""),
  );
  return { accessToken, expiresIn, receivedAt };
}

/** " error: description" from an RFC 6749 §5.2 error body, or "" when the body is not one. */
function oauthError(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body !== "object" || body === null) return "";
    const { error, error_description: description } = body as Record<string, unknown>;
    if (typeof error !== "string") return "";
    return ` ${error}${typeof description === "string" ? `: ${description}` : ""}`;
  } catch {
    return "";
  }
}

// --- FHIR requests -------------------------------------------------------------------------------

async function fhirGet(ctx: Context, relative: string, token: Token, step: string): Promise<unknown> {
  const url = new URL(`${ctx.fhirBase}/${relative}`);
  const shown = url.toString(); // before the token is added: never log a token
  const headers: Record<string, string> = { accept: "application/fhir+json" };
  if (ctx.is("token-in-query") || ctx.is("token-in-query-and-header")) {
    url.searchParams.append("access_token", token.accessToken);
  }
  if (!ctx.is("token-in-query")) headers.authorization = `Bearer ${token.accessToken}`;
  const answer = await send(ctx, step, "GET", url.toString(), headers);
  if (answer.status !== 200) {
    const challenge = answer.headers["www-authenticate"];
    throw new Error(
      `${step}: GET ${shown} answered HTTP ${answer.status}` +
        (challenge === undefined ? "" : ` (WWW-Authenticate: ${String(challenge)})`) +
        (ctx.is("keeps-expired-token") ? "; giving up" : ""),
    );
  }
  ctx.log(`${step}: GET ${shown} -> ${answer.status}`);
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    throw new Error(`${step}: GET ${shown} answered a body that is not JSON`);
  }
}

/** fullUrls of Bundle entries on an origin other than the FHIR base's. */
function foreignFullUrls(ctx: Context, bundle: unknown): string[] {
  const entries = (bundle as { entry?: unknown } | null)?.entry;
  if (!Array.isArray(entries)) return [];
  const ownOrigin = new URL(ctx.fhirBase).origin;
  return entries
    .map((entry) => (entry as { fullUrl?: unknown } | null)?.fullUrl)
    .filter((u): u is string => typeof u === "string" && URL.canParse(u) && new URL(u).origin !== ownOrigin);
}

async function handleForeignEntries(ctx: Context, bundle: unknown, token: Token): Promise<void> {
  const foreign = foreignFullUrls(ctx, bundle);
  if (!ctx.is("token-to-foreign")) {
    if (foreign.length > 0) ctx.log(`search: ${foreign.length} entries on another origin, not followed`);
    return;
  }
  for (const url of foreign) {
    // The deviation is sending the token at all; what the foreign origin answers does not matter.
    try {
      const answer = await send(ctx, "foreign", "GET", url, {
        accept: "application/fhir+json",
        authorization: `Bearer ${token.accessToken}`,
      });
      ctx.log(`foreign: GET ${url} with the token -> ${answer.status}`);
    } catch (err) {
      ctx.log(`${(err as Error).message} (ignored)`);
    }
  }
}

// --- HTTP ----------------------------------------------------------------------------------------

async function send(
  ctx: Context,
  step: string,
  method: "GET" | "POST",
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  try {
    const response = await request(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(ctx.options.dispatcher ? { dispatcher: ctx.options.dispatcher } : {}),
    });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  } catch (cause) {
    const where = url.split("?")[0] ?? url; // a mutant may have put the token in the query
    throw new Error(`${step}: ${method} ${where} failed: ${(cause as Error).message}`, { cause });
  }
}

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${what} is not JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${what} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
