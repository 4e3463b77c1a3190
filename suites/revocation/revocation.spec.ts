import { randomBytes } from "node:crypto";
import {
  activeProfile,
  breakTest,
  describeResponse,
  header,
  HarnessError,
  JWT_BEARER,
  NOT_OBSERVED,
  oauthErrorChecks,
  responseObject,
  searchableType,
  served,
  handedOutBy,
  spec,
  stringList,
  test,
  verify,
  withAudience,
  type Check,
  type Client,
  type ConformanceContext,
  type Exchange,
  type FormParams,
  type ProtectedRequest,
} from "../../harness/index.ts";

/** The advertised revocation endpoint and the document that advertises it. */
interface Endpoint {
  readonly url: string;
  /** Where it is advertised (the SMART discovery URL or the RFC 8414 / OpenID metadata URL). */
  readonly source: string;
}

/**
 * The revocation endpoint the server advertises: SMART discovery's `revocation_endpoint` (RECOMMENDED), or
 * under a profile that reads RFC 8414 / OpenID metadata (oauth-jwt) that metadata's. None: the test is
 * skipped as not observed. A stated `revocation_endpoint_auth_methods_supported` without private_key_jwt,
 * the only client authentication the suite has, skips it as not applying.
 */
async function revocationEndpoint(t: ConformanceContext): Promise<Endpoint> {
  const readsMetadata = activeProfile().profile.authServerMetadata === true;
  const smart = readsMetadata
    ? await t.target.discovery().catch((err: unknown) => {
        if (err instanceof HarnessError && err.code === "ERR_TARGET_PREREQUISITE") return undefined;
        throw err;
      })
    : await t.target.discovery();
  const metadata = readsMetadata ? await t.target.authServerMetadata() : undefined;
  const found = [
    ...(smart ? [{ document: smart, source: t.target.wellKnownUrl ?? "SMART discovery" }] : []),
    ...(metadata ? [{ document: metadata.document, source: metadata.url }] : []),
  ].find(({ document }) => document.revocation_endpoint !== undefined);
  if (!found) {
    test.skip(true, `${NOT_OBSERVED}: no revocation_endpoint advertised`);
    throw new Error("unreachable: skip did not throw");
  }
  const url = found.document.revocation_endpoint;
  if (typeof url !== "string" || !URL.canParse(url))
    breakTest(
      "ERR_TARGET_PREREQUISITE",
      `${found.source} advertises revocation_endpoint ${JSON.stringify(url)}, which is not an absolute URL`,
    );
  const methods = stringList(found.document, "revocation_endpoint_auth_methods_supported");
  test.skip(
    methods !== undefined && !methods.includes("private_key_jwt"),
    `does not apply: ${found.source} lists revocation_endpoint_auth_methods_supported ${JSON.stringify(methods)}, without private_key_jwt, the only client authentication the suite has`,
  );
  return { url, source: found.source };
}

/** The revocation request's parameters: the token, an optional hint and the client's assertion. */
function revocationParams(client: Client, token: string, assertion: string, hint?: string): FormParams {
  return [
    ["token", token],
    ...(hint === undefined ? [] : [["token_type_hint", hint] as const]),
    ...(client.rules?.clientIdParameter ? [["client_id", client.clientId] as const] : []),
    ["client_assertion_type", JWT_BEARER],
    ["client_assertion", assertion],
  ];
}

const refusesClient = (ex: Exchange): boolean =>
  (ex.response.status === 400 || ex.response.status === 401) &&
  responseObject(ex)?.error === "invalid_client";

/**
 * Asks the revocation endpoint, authenticated as `client`, to revoke `token` (RFC 7009 §2.1: the client
 * authenticates as at the token endpoint). The assertion's aud is first the one the token endpoint
 * requires (config assertion.aud); refused with invalid_client, the revocation URL (RFC 7523 §3 item 3
 * leaves the server to say which audiences identify it; harness/latitude.ts "revocation-aud"). Refused
 * both ways, the client cannot authenticate there: the test is broken, not judged.
 */
async function revoke(
  t: ConformanceContext,
  endpoint: Endpoint,
  client: Client,
  token: string,
  label: string,
  hint?: string,
): Promise<{ exchange: Exchange; aud: string }> {
  const send = (aud: string, what: string) =>
    t.http.postForm(
      endpoint.url,
      revocationParams(client, token, client.assertion(undefined, withAudience(aud)), hint),
      { label: what },
    );
  const first = await send(client.aud, label);
  if (!refusesClient(first) || client.aud === endpoint.url) return { exchange: first, aud: client.aud };
  const second = await send(endpoint.url, `${label} (aud: the revocation URL)`);
  if (refusesClient(second))
    breakTest(
      "ERR_TARGET_PREREQUISITE",
      `the revocation endpoint ${endpoint.url} refused ${client.clientId}'s client assertion with aud ${client.aud} (${describeResponse(first)}) and with aud ${endpoint.url} (${describeResponse(second)}); the tests cannot revoke a token without authenticating as the server requires`,
    );
  return { exchange: second, aud: endpoint.url };
}

/**
 * The request a token is presented with: the config's protectedResource, else (SMART profiles) a FHIR
 * request for a type the client may search; undefined where the profile presents tokens only to a
 * configured protectedResource (oauth-jwt) and the config names none.
 */
async function resourceFor(t: ConformanceContext, client: Client): Promise<ProtectedRequest | undefined> {
  if (!t.config.protectedResource && activeProfile().profile.genericOnly) return undefined;
  return t.bearerRequest(searchableType(client.scope) ?? "Patient");
}

/** Presents the token; a 404 ends the test broken (the route is not there), never failed. */
async function present(
  t: ConformanceContext,
  request: ProtectedRequest,
  token: string,
  how: string,
): Promise<Exchange> {
  const ex = await t.sendProtected(request, `Bearer ${token}`, `${request.what} ${how}`);
  t.requireRoute(ex, request);
  return ex;
}

/** The token opens the resource before the test acts on it; otherwise the test cannot judge revocation. */
async function requireWorking(
  t: ConformanceContext,
  request: ProtectedRequest,
  token: string,
  whose: string,
): Promise<void> {
  const ex = await present(t, request, token, `with ${whose} fresh token`);
  const problem = served(ex, request);
  if (problem !== undefined)
    breakTest("ERR_TARGET_PREREQUISITE", `${whose} fresh token does not open ${request.what}: ${problem}`);
}

function stillWorks(ex: Exchange, request: ProtectedRequest, rule: string): Check {
  return { rule, expectation: `the token still opens ${request.what}`, evaluate: () => served(ex, request) };
}

/** RFC 7009 §2.2.1: a server that does not revoke access tokens says unsupported_token_type. */
const unsupportedType = (ex: Exchange): boolean =>
  ex.response.status === 400 && responseObject(ex)?.error === "unsupported_token_type";

/** The checks of a revocation response to the revocation of the client's own access token. */
function revokedChecks(ex: Exchange): Check[] {
  return [
    {
      rule: "RFC 7009 §2",
      expectation: "access tokens revocable (the server SHOULD support it), not unsupported_token_type",
      level: "SHOULD",
      evaluate: () => (unsupportedType(ex) ? "got HTTP 400 with error=unsupported_token_type" : undefined),
    },
    {
      rule: "RFC 7009 §2.2",
      expectation: "HTTP 200 (the token is revoked)",
      evaluate: () =>
        ex.response.status === 200 || unsupportedType(ex) ? undefined : `got ${describeResponse(ex)}`,
    },
  ];
}

/** RFC 7009 §2.2.1: 503 means "try again later"; the token must be assumed to still exist. */
function requireAnswer(ex: Exchange): void {
  if (ex.response.status === 503)
    breakTest(
      "ERR_TARGET_PREREQUISITE",
      `the revocation endpoint answered 503 (RFC 7009 §2.2.1: the token still exists; retry later)${header(ex, "retry-after") ? `, Retry-After ${header(ex, "retry-after")}` : ""}`,
    );
}

/** An access token and the earliest instant it may expire. */
interface Issued {
  readonly token: string;
  readonly expiresIn: number | undefined;
  /** Its request's start + expires_in, less a second for an exp in whole seconds; Infinity without expires_in. */
  readonly expiresAt: number;
}

async function issue(t: ConformanceContext, client: Client): Promise<Issued> {
  const { exchange, token } = await t.issueToken(client);
  const lifetime = responseObject(exchange)?.expires_in;
  const expiresIn = typeof lifetime === "number" ? lifetime : undefined;
  const expiresAt =
    expiresIn === undefined ? Infinity : Date.parse(exchange.startedAt) + (expiresIn - 1) * 1000;
  return { token, expiresIn, expiresAt };
}

/** How often a scenario is repeated when its token may have expired before it was presented again. */
const ATTEMPTS = 3;

/**
 * Runs a scenario that acts on a token and then presents it (or asks about it) again, until that last
 * exchange reached the server before the token could have expired: after its expiry, a refusal (or
 * "inactive") tells nothing about revocation, and a refusal of a token that should still work is no
 * fault. Short-lived tokens on a busy machine can take every attempt: the test is then not observed.
 */
async function withinLifetime<T extends { readonly issued: Issued; readonly last: Exchange }>(
  scenario: () => Promise<T>,
): Promise<T> {
  let outcome: T | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    outcome = await scenario();
    const { issued, last } = outcome;
    if (Date.parse(last.startedAt) + last.durationMs < issued.expiresAt) return outcome;
  }
  test.skip(
    true,
    `${NOT_OBSERVED}: in ${ATTEMPTS} attempts the token expired (expires_in ${String(outcome?.issued.expiresIn)} s) before the test could present it again, so its refusal could not be told from expiry`,
  );
  throw new Error("unreachable: skip did not throw");
}

/**
 * Issues the client a token, runs `prepare` with it, has the client revoke it, then sends `judge`'s
 * exchange (what tells whether it was revoked), within the token's lifetime ({@link withinLifetime}).
 */
async function revokeOwnToken<P>(
  t: ConformanceContext,
  endpoint: Endpoint,
  client: Client,
  prepare: (token: string) => Promise<P>,
  judge: (token: string, prepared: P) => Promise<Exchange>,
): Promise<{ exchange: Exchange; last: Exchange }> {
  return withinLifetime(async () => {
    const issued = await issue(t, client);
    const prepared = await prepare(issued.token);
    const { exchange } = await revoke(
      t,
      endpoint,
      client,
      issued.token,
      "revoke the access token",
      "access_token",
    );
    requireAnswer(exchange);
    return { issued, exchange, last: await judge(issued.token, prepared) };
  });
}

test.describe("Token revocation", () => {
  test(
    "refuses an access token at the FHIR endpoint once it is revoked",
    spec(["BS-REV-01", "BS-RS-11"]),
    async ({ t }) => {
      const endpoint = await revocationEndpoint(t);
      const client = await t.client();
      const request = await t.bearerRequest(searchableType(client.scope) ?? "Patient");
      const { exchange, last: after } = await revokeOwnToken(
        t,
        endpoint,
        client,
        (token) => requireWorking(t, request, token, "the client's"),
        (token) => present(t, request, token, "with the revoked token"),
      );
      await verify([
        ...revokedChecks(exchange),
        {
          rule: "RFC 7009 §2.1 (RFC 6750 §3.1)",
          expectation: "HTTP 401: the revoked token cannot be used again",
          applies: {
            observed: exchange.response.status === 200,
            event: "the server revoked no access token",
          },
          evaluate: () => (after.response.status === 401 ? undefined : `got HTTP ${after.response.status}`),
        },
        {
          rule: "RFC 7009 §2.1",
          expectation: `${request.what} not served to the revoked token`,
          applies: {
            observed: exchange.response.status === 200,
            event: "the server revoked no access token",
          },
          evaluate: () => handedOutBy(after, request),
        },
      ]);
    },
  );

  test(
    "introspects an access token as inactive once it is revoked",
    spec(["BS-REV-01", "BS-INT-04"], { level: "SHOULD" }),
    async ({ t }) => {
      const endpoint = await revocationEndpoint(t);
      const introspection = (await t.target.discovery()).introspection_endpoint;
      test.skip(typeof introspection !== "string", `${NOT_OBSERVED}: no introspection_endpoint advertised`);
      const client = await t.client();
      // The bearer is issued after the token: it expires no earlier, so the token's lifetime bounds both.
      const { exchange, last: ex } = await revokeOwnToken(
        t,
        endpoint,
        client,
        () => t.obtainToken(client),
        (token, bearer) =>
          t.http.postForm(introspection as string, [["token", token]], {
            headers: { authorization: `Bearer ${bearer}` },
            label: "introspect the revoked token",
          }),
      );
      // Refused, the introspection call itself failed (BS-INT-03 judges that): nothing to judge here.
      if (ex.response.status !== 200)
        breakTest(
          "ERR_TARGET_PREREQUISITE",
          `introspection with a fresh bearer token answered ${describeResponse(ex)}`,
        );
      await verify([
        ...revokedChecks(exchange),
        {
          rule: "RFC 7662 §2.2 (RFC 7009 §2.1)",
          expectation: "HTTP 200 with active false",
          applies: {
            observed: exchange.response.status === 200,
            event: "the server revoked no access token",
          },
          evaluate: () =>
            ex.response.status === 200 && responseObject(ex)?.active === false
              ? undefined
              : `got HTTP ${ex.response.status}, active ${JSON.stringify(responseObject(ex)?.active)}`,
        },
      ]);
    },
  );

  test("refuses a revocation request without client authentication", spec(["BS-REV-02"]), async ({ t }) => {
    const endpoint = await revocationEndpoint(t);
    const client = await t.client();
    const request = await resourceFor(t, client);
    const attempt = async () => {
      const issued = await issue(t, client);
      if (request) await requireWorking(t, request, issued.token, "the client's");
      // As a public client would ask (RFC 7009 §5: a client_id and no credentials) for a confidential one.
      const ex = await t.http.postForm(
        endpoint.url,
        [
          ["token", issued.token],
          ["token_type_hint", "access_token"],
          ["client_id", client.clientId],
        ],
        { label: "revoke the access token without client authentication" },
      );
      requireAnswer(ex);
      const after = request && (await present(t, request, issued.token, "after the refused revocation"));
      return { issued, ex, after, last: after ?? ex };
    };
    const { ex, after } = request ? await withinLifetime(attempt) : await attempt();
    await verify([
      ...oauthErrorChecks(ex, {
        codes: ["invalid_client"],
        rule: "RFC 6749 §5.2 (RFC 7009 §2.2.1): no client authentication included",
      }).map((c, i, all) => (i === all.length - 1 ? { ...c, ambiguity: "AMB-02" as const } : c)),
      ...(request && after ? [stillWorks(after, request, "RFC 7009 §2.1")] : []),
    ]);
  });

  test("answers HTTP 200 to the revocation of an unknown token", spec(["BS-REV-03"]), async ({ t }) => {
    const endpoint = await revocationEndpoint(t);
    const client = await t.client();
    // No token_type_hint: a server that revokes no access tokens could answer unsupported_token_type to one.
    const { exchange } = await revoke(
      t,
      endpoint,
      client,
      randomBytes(32).toString("base64url"),
      "revoke an unknown token",
    );
    requireAnswer(exchange);
    await verify([
      {
        rule: "RFC 7009 §2.2",
        expectation: "HTTP 200 (an invalid token causes no error response)",
        evaluate: () => (exchange.response.status === 200 ? undefined : `got ${describeResponse(exchange)}`),
      },
    ]);
  });

  test("leaves a token issued to another client unrevoked", spec(["BS-REV-04"]), async ({ t }) => {
    const endpoint = await revocationEndpoint(t);
    const owner = await t.client();
    const other = await t.urlClient();
    const request = await resourceFor(t, owner);
    test.skip(
      request === undefined,
      "no protectedResource in the config: whether the token still works needs a URL to present it to",
    );
    // The other client authenticates as the server requires: an unknown token of its own tells which aud.
    const { aud } = await revoke(
      t,
      endpoint,
      other,
      randomBytes(32).toString("base64url"),
      `${other.clientId} revokes an unknown token (authentication probe)`,
    );
    const { ex, last: after } = await withinLifetime(async () => {
      const issued = await issue(t, owner);
      await requireWorking(t, request as ProtectedRequest, issued.token, "the client's");
      const ex = await t.http.postForm(
        endpoint.url,
        revocationParams(other, issued.token, other.assertion(undefined, withAudience(aud)), "access_token"),
        { label: `${other.clientId} asks to revoke ${owner.clientId}'s access token` },
      );
      requireAnswer(ex);
      const last = await present(
        t,
        request as ProtectedRequest,
        issued.token,
        "after the other client's request",
      );
      return { issued, ex, last };
    });
    await verify([
      {
        rule: "RFC 7009 §2.1",
        expectation: "no server error (an OAuth error, or HTTP 200 as for a token invalid to this client)",
        evaluate: () => (ex.response.status < 500 ? undefined : `got ${describeResponse(ex)}`),
      },
      stillWorks(
        after,
        request as ProtectedRequest,
        "RFC 7009 §2.1: the token was not issued to the asking client",
      ),
    ]);
  });
});
