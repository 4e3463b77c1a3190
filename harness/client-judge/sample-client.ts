/**
 * A reference SMART Backend Services client for the client judge: discovery, a client_credentials token
 * request authenticated with a signed JWT assertion (RFC 7523), FHIR reads with the bearer token (RFC 6750),
 * two Bulk Data exports (a system-level and a Group kick-off, polled side by side as Retry-After says, every
 * file downloaded — with the token only when the manifest requires it — and the status URLs deleted), and
 * re-authentication with a new assertion whenever its token expires, mid-export included. Each {@link Mutant} makes exactly one deliberate
 * deviation from that session, so every check of the judge can be shown to fail.
 *
 * Like a real client it stops at the first refusal: the error names the step and what the server answered.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request, type Dispatcher } from "undici";
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
  "reused-jti": "renews its token with a newly signed assertion that reuses the first jti",
  "reused-assertion": "renews its token by re-sending the very same assertion",
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
  // transport (a --tls judge)
  "accepts-any-certificate":
    "verifies no server certificate (its dispatcher connects with rejectUnauthorized: false), so it reads the search result on the origin whose certificate it cannot trust",
  // bulk data export
  "kickoff-without-accept": "kicks off its exports without an Accept header",
  "kickoff-without-prefer": "kicks off its exports without Prefer: respond-async",
  "ignores-retry-after": "polls an export's status every 100 ms, whatever Retry-After says",
  "status-fhir-accept": "polls an export's status with Accept: application/fhir+json, not application/json",
  "status-without-token": "polls an export's status without its token",
  "files-without-token": "downloads an export's files without its token, even when the manifest requires it",
  "token-to-storage":
    "sends its token with every file download, even to a file server the manifest says needs none",
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

/**
 * The client renews its token this long before it expires (counted from when it asked for it); a token
 * that expires on the way all the same is refused as invalid_token, and the client renews and retries.
 */
const RENEW_MARGIN_MS = 250;
/** How long after its server-side expiry the keeps-expired-token mutant waits before presenting its token. */
const EXPIRED_MARGIN_MS = 200;
/** A token that lives less than this is replaced before the exports: they would outlast it anyway. */
const WHOLE_TOKEN_SECONDS = 60;
/** How long the ignores-retry-after mutant waits between polls. */
const TIGHT_POLL_MS = 100;
/** How long an export may take before the client gives up on it. */
const EXPORT_DEADLINE_MS = 60_000;
/** The Group the client exports (the judge's: harness/client-judge/bulk-export.ts). */
export const SAMPLE_GROUP_ID = "g1";

/** Mutants that only deviate when re-authenticating once the token expired. */
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
  /** What every request goes through: the caller's, or the accepts-any-certificate mutant's own. */
  readonly dispatcher?: Dispatcher;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

interface Token {
  readonly accessToken: string;
  readonly expiresIn: number;
  /** Date.now() when the token request was sent: the lifetime counts from there, never later than the server's. */
  readonly requestedAt: number;
  /** Date.now() when the token response arrived: by then the server's count has begun. */
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
    ...(mutants.has("accepts-any-certificate")
      ? { dispatcher: insecureDispatcher() }
      : options.dispatcher
        ? { dispatcher: options.dispatcher }
        : {}),
  };
  for (const mutant of mutants) ctx.log(`mutant ${mutant}: ${MUTANTS[mutant]}`);

  const tokenEndpoint = await discover(ctx);
  const auth = await authenticate(ctx, tokenEndpoint);

  // The token it was just given, used at once (renewal is for the exports that follow).
  const bundle = await fhirGet(ctx, "Patient?_count=5", auth.held(), "search");
  await handleForeignEntries(ctx, bundle, auth.held());

  await runExports(ctx, auth);

  await fhirGet(ctx, "Patient?_count=1", auth, "second read");
  const idle = [...mutants].filter((m) => REAUTHENTICATION_MUTANTS.has(m));
  if (auth.renewals() === 0 && idle.length > 0)
    ctx.log(`expiry: the token never expired (mutant ${idle.join(", ")} had nothing to do)`);
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
  const requestedAt = Date.now();
  const answer = await send(ctx, step, "POST", tokenEndpoint, headers, body);
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
  return { accessToken, expiresIn, requestedAt, receivedAt: Date.now() };
}

/** The client's token, renewed as it expires. */
interface Auth {
  /**
   * The token to present now: first renewed, with a new assertion, when it expires within
   * RENEW_MARGIN_MS (one renewal at a time, however many requests wait for it).
   */
  current(): Promise<Token>;
  /** The token as last obtained, not renewed. */
  held(): Token;
  /** A new token in place of `stale` (unless another request renewed it already). */
  renewAfter(stale: Token): Promise<Token>;
  /**
   * A new token, whatever the held one's age (to start a long job with a whole one). The
   * keeps-expired-token mutant instead waits until the held one has expired, and keeps it.
   */
  fresh(): Promise<Token>;
  /** How many times the token was renewed. */
  renewals(): number;
}

async function authenticate(ctx: Context, tokenEndpoint: string): Promise<Auth> {
  const firstAssertion = signAssertion(ctx, tokenEndpoint);
  let token = await requestToken(ctx, tokenEndpoint, firstAssertion.compact, "token request");
  let renewing: Promise<Token> | undefined;
  let renewals = 0;
  let keptExpired = false;

  async function renew(why: string): Promise<Token> {
    const next = ctx.is("reused-assertion")
      ? firstAssertion
      : signAssertion(ctx, tokenEndpoint, ctx.is("reused-jti") ? firstAssertion.jti : undefined);
    const how = ctx.is("reused-assertion")
      ? "the same assertion again"
      : ctx.is("reused-jti")
        ? "a new assertion reusing the first jti"
        : "a new assertion";
    ctx.log(`renewal: ${why}; asking for a new token with ${how}`);
    renewals += 1;
    const step = renewals === 1 ? "second token request" : `token request #${renewals + 1}`;
    return requestToken(ctx, tokenEndpoint, next.compact, step);
  }

  /** One renewal at a time, however many requests wait for it. */
  async function renewOnce(why: string): Promise<Token> {
    renewing ??= renew(why).finally(() => {
      renewing = undefined;
    });
    token = await renewing;
    return token;
  }

  return {
    held: () => token,
    renewals: () => renewals,
    renewAfter: async (stale) =>
      renewing ? renewing : token === stale ? renewOnce("the server refused the token as invalid") : token,
    fresh: async () => {
      if (!ctx.is("keeps-expired-token")) return renewOnce("a long job starts with a whole token");
      const waitMs = token.receivedAt + token.expiresIn * 1000 + EXPIRED_MARGIN_MS - Date.now();
      ctx.log(`expiry: waiting ${Math.max(0, waitMs)} ms for the token to expire, then keeps presenting it`);
      if (waitMs > 0) await sleep(waitMs);
      keptExpired = true;
      return token;
    },
    current: async () => {
      if (renewing) return renewing;
      if (Date.now() < token.requestedAt + token.expiresIn * 1000 - RENEW_MARGIN_MS) return token;
      if (ctx.is("keeps-expired-token")) {
        if (!keptExpired) ctx.log("expiry: keeps presenting the expired token");
        keptExpired = true;
        return token;
      }
      return renewOnce(`the token expires in under ${RENEW_MARGIN_MS} ms`);
    },
  };
}

const bearer = (token: Token): string => `Bearer ${token.accessToken}`;

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Sends a request with the current token; when it is refused as an invalid token (401 invalid_token: it
 * expired on the way), renews the token and sends the request once more.
 */
async function withToken(
  ctx: Context,
  auth: Auth,
  step: string,
  attempt: (token: Token) => Promise<Answer>,
): Promise<Answer> {
  const token = await auth.current();
  const answer = await attempt(token);
  const refused = answer.status === 401 && /invalid_token/.test(header(answer, "www-authenticate") ?? "");
  if (!refused || ctx.is("keeps-expired-token")) return answer;
  ctx.log(`${step}: the token was refused as invalid; renewing it and trying again`);
  return attempt(await auth.renewAfter(token));
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

/**
 * GET on the FHIR base with the token: the one given, or the client's current one (then renewed and sent
 * again if refused as expired on the way).
 */
async function fhirGet(ctx: Context, relative: string, token: Token | Auth, step: string): Promise<unknown> {
  const shown = `${ctx.fhirBase}/${relative}`; // without the token: never log a token
  const attempt = (t: Token) => {
    const url = new URL(shown);
    const headers: Record<string, string> = { accept: "application/fhir+json" };
    if (ctx.is("token-in-query") || ctx.is("token-in-query-and-header")) {
      url.searchParams.append("access_token", t.accessToken);
    }
    if (!ctx.is("token-in-query")) headers.authorization = bearer(t);
    return send(ctx, step, "GET", url.toString(), headers);
  };
  const answer = "current" in token ? await withToken(ctx, token, step, attempt) : await attempt(token);
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

/**
 * Reads the search results on another origin without the token (the token stays with the server that
 * issued it; reading them anonymously is allowed); the token-to-foreign mutant sends it there. An origin it
 * cannot reach, or whose certificate it does not trust, is left aside: the session goes on.
 */
async function handleForeignEntries(ctx: Context, bundle: unknown, token: Token): Promise<void> {
  const sendsToken = ctx.is("token-to-foreign");
  for (const url of foreignFullUrls(ctx, bundle)) {
    try {
      const answer = await send(ctx, "foreign", "GET", url, {
        accept: "application/fhir+json",
        ...(sendsToken ? { authorization: `Bearer ${token.accessToken}` } : {}),
      });
      ctx.log(`foreign: GET ${url} ${sendsToken ? "with" : "without"} the token -> ${answer.status}`);
    } catch (err) {
      ctx.log(`${(err as Error).message} (left aside)`);
    }
  }
}

// --- Bulk Data export ----------------------------------------------------------------------------

interface Manifest {
  readonly requiresAccessToken: boolean;
  readonly files: readonly { readonly type: string; readonly url: string }[];
}

/**
 * Two exports side by side: a system-level kick-off, then a Group one (in that order: the judge's first
 * export requires the token for its files, its later ones do not), each polled, downloaded and deleted. Both
 * run to their end even when one fails; the first failure is then the session's.
 */
async function runExports(ctx: Context, auth: Auth): Promise<void> {
  // Each export outlasts a short-lived token (the judge's do, by design): start them with a whole one.
  if (auth.held().expiresIn < WHOLE_TOKEN_SECONDS) await auth.fresh();
  const statusUrls: string[] = [];
  for (const path of ["$export", `Group/${SAMPLE_GROUP_ID}/$export`])
    statusUrls.push(await kickOff(ctx, auth, path));
  const results = await Promise.allSettled(
    statusUrls.map((url, i) => finishExport(ctx, auth, url, `export ${i + 1}`)),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

async function kickOff(ctx: Context, auth: Auth, path: string): Promise<string> {
  const step = `kick-off ${path}`;
  const url = `${ctx.fhirBase}/${path}`;
  const headers: Record<string, string> = {
    ...(ctx.is("kickoff-without-accept") ? {} : { accept: "application/fhir+json" }),
    ...(ctx.is("kickoff-without-prefer") ? {} : { prefer: "respond-async" }),
  };
  const answer = await withToken(ctx, auth, step, (t) =>
    send(ctx, step, "GET", url, { ...headers, authorization: bearer(t) }),
  );
  const location = header(answer, "content-location");
  if (answer.status !== 202 || location === undefined) {
    const challenge = header(answer, "www-authenticate");
    throw new Error(
      `${step}: GET ${url} answered HTTP ${answer.status}` +
        (answer.status === 202 ? " without Content-Location" : "") +
        (challenge === undefined ? "" : ` (WWW-Authenticate: ${challenge})`) +
        (ctx.is("keeps-expired-token") ? "; giving up" : ""),
    );
  }
  const statusUrl = new URL(location, url).href;
  ctx.log(`${step}: GET ${url} -> 202, status at ${statusUrl}`);
  return statusUrl;
}

async function finishExport(ctx: Context, auth: Auth, statusUrl: string, name: string): Promise<void> {
  const manifest = await poll(ctx, auth, statusUrl, name);
  for (const file of manifest.files) await download(ctx, auth, manifest, file, name);
  const step = `${name}: delete`;
  const answer = await withToken(ctx, auth, step, (t) =>
    send(ctx, step, "DELETE", statusUrl, { authorization: bearer(t) }),
  );
  if (answer.status !== 202) throw new Error(`${step}: DELETE ${statusUrl} answered HTTP ${answer.status}`);
  ctx.log(`${step}: DELETE ${statusUrl} -> 202`);
}

/** The wait an answer's Retry-After asks for (delay-seconds or an HTTP-date), if it has one. */
function retryAfterMs(answer: Answer): number | undefined {
  const value = header(answer, "retry-after")?.trim();
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Polls the status URL until the manifest comes, waiting between polls as long as Retry-After says. */
async function poll(ctx: Context, auth: Auth, statusUrl: string, name: string): Promise<Manifest> {
  const deadline = Date.now() + EXPORT_DEADLINE_MS;
  for (let n = 1; ; n += 1) {
    const step = `${name}: poll ${n}`;
    const accept = ctx.is("status-fhir-accept") ? "application/fhir+json" : "application/json";
    const answer = ctx.is("status-without-token")
      ? await send(ctx, step, "GET", statusUrl, { accept })
      : await withToken(ctx, auth, step, (t) =>
          send(ctx, step, "GET", statusUrl, { accept, authorization: bearer(t) }),
        );
    if (answer.status === 200) {
      const manifest = parseManifest(answer.text, step);
      ctx.log(
        `${step}: GET ${statusUrl} -> 200, ${manifest.files.length} file(s), requiresAccessToken ${manifest.requiresAccessToken}`,
      );
      return manifest;
    }
    if (answer.status !== 202 && answer.status !== 429) {
      const challenge = header(answer, "www-authenticate");
      throw new Error(
        `${step}: GET ${statusUrl} answered HTTP ${answer.status}` +
          (challenge === undefined ? "" : ` (WWW-Authenticate: ${challenge})`) +
          (ctx.is("keeps-expired-token") ? "; giving up" : ""),
      );
    }
    const waitMs = ctx.is("ignores-retry-after") ? TIGHT_POLL_MS : (retryAfterMs(answer) ?? 1000);
    if (Date.now() + waitMs > deadline)
      throw new Error(`${step}: the export did not complete within ${EXPORT_DEADLINE_MS / 1000} s`);
    ctx.log(
      `${step}: ${answer.status} (${header(answer, "x-progress") ?? "in progress"}), next in ${waitMs} ms`,
    );
    await sleep(waitMs);
  }
}

function parseManifest(text: string, step: string): Manifest {
  const body = parseJsonObject(text, `${step}: the manifest`);
  if (typeof body.requiresAccessToken !== "boolean" || !Array.isArray(body.output))
    throw new Error(`${step}: the manifest has no requiresAccessToken or no output`);
  const files = (body.output as unknown[]).map((item) => {
    const { type, url } = (item ?? {}) as { type?: unknown; url?: unknown };
    if (typeof type !== "string" || typeof url !== "string" || !URL.canParse(url))
      throw new Error(`${step}: an output item has no type or no absolute url`);
    return { type, url };
  });
  return { requiresAccessToken: body.requiresAccessToken, files };
}

/** Downloads one file, with the token only when the manifest requires it. */
async function download(
  ctx: Context,
  auth: Auth,
  manifest: Manifest,
  file: Manifest["files"][number],
  name: string,
): Promise<void> {
  const step = `${name}: file ${file.type}`;
  const presented =
    ctx.is("token-to-storage") || (manifest.requiresAccessToken && !ctx.is("files-without-token"));
  const accept = "application/fhir+ndjson";
  const answer = presented
    ? await withToken(ctx, auth, step, (t) =>
        send(ctx, step, "GET", file.url, { accept, authorization: bearer(t) }),
      )
    : await send(ctx, step, "GET", file.url, { accept });
  if (answer.status !== 200) throw new Error(`${step}: GET ${file.url} answered HTTP ${answer.status}`);
  const lines = answer.text.split("\n").filter((line) => line.trim() !== "").length;
  ctx.log(`${step}: GET ${file.url} ${presented ? "with" : "without"} the token -> 200, ${lines} line(s)`);
}

// --- HTTP ----------------------------------------------------------------------------------------

/**
 * The accepts-any-certificate mutant's dispatcher: no certificate verification at all. Without keep-alive
 * (pipelining 0), so it holds no idle connection that would keep a process or a judge open.
 */
let insecure: Agent | undefined;
function insecureDispatcher(): Agent {
  return (insecure ??= new Agent({ connect: { rejectUnauthorized: false }, pipelining: 0 }));
}

async function send(
  ctx: Context,
  step: string,
  method: "GET" | "POST" | "DELETE",
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  try {
    const response = await request(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(ctx.dispatcher ? { dispatcher: ctx.dispatcher } : {}),
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
