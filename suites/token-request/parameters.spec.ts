import {
  JWT_BEARER,
  LATITUDE,
  oauthErrorChecks,
  responseObject,
  spec,
  test,
  tokenIssuedChecks,
  verify,
  withoutParam,
  withParam,
  type Check,
  type Client,
  type ConformanceContext,
  type Exchange,
  type FormParams,
  type OAuthErrorCode,
  type RequirementId,
} from "../../harness/index.ts";

interface Variation {
  readonly title: string;
  readonly requirements: readonly [RequirementId, ...RequirementId[]];
  /** Sends the varied request; `params` is a valid request for a fresh baseline assertion. */
  readonly send: (t: ConformanceContext, params: FormParams, client: Client) => Promise<Exchange>;
  readonly codes: readonly OAuthErrorCode[];
  /** Where the specs let the server choose the code (harness/latitude.ts): another code is a SHOULD finding. */
  readonly codeLevel?: "SHOULD";
  /** Sent by a client registered for client_credentials alone (not the launch's client). */
  readonly backendOnly?: boolean;
}

const AUTH: readonly OAuthErrorCode[] = ["invalid_client", "invalid_request"];

/**
 * A client registered for client_credentials alone. With a config `launch` block the main client is also
 * the launch's client, which may use authorization_code (a request of that grant without a code is then
 * rightly invalid_request): the JWKS-URL client is asked instead, and without one the test skips.
 */
async function backendOnlyClient(t: ConformanceContext): Promise<Client> {
  if (!t.config.launch) return t.client();
  test.skip(
    !t.config.jwksUrlClient,
    "the main client is registered for the launch (config launch), so authorization_code is a grant it may use; name a jwksUrlClient to judge this",
  );
  return t.urlClient();
}
const post = (t: ConformanceContext, params: FormParams, label: string) => t.postToken(params, { label });

const refused: readonly Variation[] = [
  {
    title: "refuses a token request without grant_type",
    requirements: ["BS-TREQ-04", "BS-ERR-05"],
    send: (t, p) => post(t, withoutParam(p, "grant_type"), "token request without grant_type"),
    codes: ["invalid_request"],
  },
  {
    title: "refuses grant_type=not_a_grant_type with unsupported_grant_type",
    requirements: ["BS-TREQ-05", "BS-ERR-05"],
    send: (t, p) =>
      post(
        t,
        withParam(p, "grant_type", "not_a_grant_type"),
        "token request with grant_type=not_a_grant_type",
      ),
    codes: ["unsupported_grant_type"],
  },
  // A server that supports these grants for other clients rightly answers unauthorized_client (RFC 6749
  // §5.2); which code is the server's choice, the refusal is not.
  ...["password", "authorization_code"].map((grant): Variation => ({
    title: `refuses grant_type=${grant} from a client_credentials client`,
    requirements: ["BS-TREQ-05", "BS-ERR-05"],
    send: (t, p) => post(t, withParam(p, "grant_type", grant), `token request with grant_type=${grant}`),
    codes: LATITUDE["unsupported-grant"].codes,
    codeLevel: "SHOULD",
    backendOnly: grant === "authorization_code",
  })),
  // RFC 6749 §4.4.2: the value MUST be "client_credentials". A server that compares it case-sensitively
  // sees an unknown grant (unsupported_grant_type); one that reads it as a malformed value answers
  // invalid_request. Either refusal passes; a token does not.
  {
    title: "refuses grant_type=CLIENT_CREDENTIALS (parameter values are case-sensitive)",
    requirements: ["BS-TREQ-05"],
    send: (t, p) =>
      post(
        t,
        withParam(p, "grant_type", "CLIENT_CREDENTIALS"),
        "token request with grant_type=CLIENT_CREDENTIALS",
      ),
    codes: ["unsupported_grant_type", "invalid_request"],
  },
  {
    title: "refuses a token request without client_assertion_type",
    requirements: ["BS-TREQ-07"],
    send: (t, p) =>
      post(t, withoutParam(p, "client_assertion_type"), "token request without client_assertion_type"),
    codes: AUTH,
  },
  {
    title: "refuses a client_assertion_type other than jwt-bearer",
    requirements: ["BS-TREQ-08"],
    send: (t, p) =>
      post(
        t,
        withParam(p, "client_assertion_type", "urn:example:not-an-assertion-type"),
        "token request with a wrong client_assertion_type",
      ),
    codes: AUTH,
  },
  // RFC 7523 §2.2 fixes the value; only the URN's "urn:ietf:" prefix is case-insensitive (RFC 8141 §3.1),
  // so the type's own name in upper case is another value.
  {
    title:
      "refuses a client_assertion_type whose jwt-bearer is in upper case (parameter values are case-sensitive)",
    requirements: ["BS-TREQ-08"],
    send: (t, p) =>
      post(
        t,
        withParam(p, "client_assertion_type", JWT_BEARER.replace(/jwt-bearer$/, "JWT-BEARER")),
        "token request with client_assertion_type ending JWT-BEARER",
      ),
    codes: AUTH,
  },
  {
    title: "refuses a request that names the client but carries no client_assertion",
    requirements: ["BS-TREQ-07"],
    send: (t, p, c) =>
      post(
        t,
        withParam(withoutParam(p, "client_assertion"), "client_id", c.clientId),
        "token request without client_assertion",
      ),
    codes: AUTH,
  },
  {
    title: "refuses a request that names the client but carries no client authentication at all",
    requirements: ["BS-TREQ-07"],
    send: (t, p, c) =>
      post(
        t,
        withParam(
          withoutParam(withoutParam(p, "client_assertion"), "client_assertion_type"),
          "client_id",
          c.clientId,
        ),
        "token request without client authentication",
      ),
    codes: AUTH,
  },
  {
    title: "treats an empty client_assertion as missing",
    requirements: ["BS-TREQ-10", "BS-TREQ-07"],
    send: (t, p, c) =>
      post(
        t,
        withParam(withParam(p, "client_assertion", ""), "client_id", c.clientId),
        "token request with client_assertion=",
      ),
    codes: AUTH,
  },
  {
    title: "refuses a token request sent as JSON",
    requirements: ["BS-TREQ-03"],
    send: (t, p) =>
      t.tokenUrl().then((url) =>
        t.http.send({
          method: "POST",
          url,
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(Object.fromEntries(p)),
          label: "token request as JSON",
        }),
      ),
    codes: ["invalid_request"],
  },
  ...(["scope", "client_assertion", "grant_type", "client_assertion_type"] as const).map(
    (name): Variation => ({
      title: `refuses a token request with ${name} repeated`,
      requirements: ["BS-TREQ-09"],
      send: (t, p) => {
        const second = {
          scope: "system/Group.rs",
          client_assertion: "e30.e30.",
          grant_type: "password",
          client_assertion_type: "urn:example:not-an-assertion-type",
        }[name];
        return post(t, [...p, [name, second]], `token request with ${name} twice`);
      },
      codes: ["invalid_request"],
    }),
  ),
  {
    title: "refuses a request that also authenticates with HTTP Basic",
    requirements: ["BS-TREQ-11"],
    send: (t, p, c) =>
      t.postToken(p, {
        headers: { authorization: `Basic ${Buffer.from(`${c.clientId}:secret`).toString("base64")}` },
        label: "token request with an Authorization: Basic header",
      }),
    codes: AUTH,
  },
  {
    title: "refuses a client_id parameter that names a different client than the assertion",
    requirements: ["BS-TREQ-12"],
    send: (t, p) =>
      post(
        t,
        withParam(p, "client_id", t.config.jwksUrlClient?.clientId ?? "another-client"),
        "token request with another client's client_id",
      ),
    // No token is the SHALL; the code is unsettled (catalog AMB-16), so invalid_request is a SHOULD finding.
    codes: LATITUDE["client-id-mismatch"].codes,
    codeLevel: "SHOULD",
  },
];

/** RFC 6749 §3.2: a token request by another method than POST is refused and issues no token. */
function notPostRefused(ex: Exchange): Check {
  return {
    rule: "RFC 6749 §3.2",
    // 400 or 405 is the usual refusal; a 404 for a method a POST-only route lacks hands out no token either.
    expectation: "a 4xx refusal (usually 400 or 405) and no access token",
    evaluate: () =>
      ex.response.status >= 400 &&
      ex.response.status < 500 &&
      typeof responseObject(ex)?.access_token !== "string"
        ? undefined
        : `got HTTP ${ex.response.status}`,
  };
}

test.describe("Token request parameters", () => {
  for (const v of refused) {
    test(v.title, spec(v.requirements), async ({ t }) => {
      const client = v.backendOnly ? await backendOnlyClient(t) : await t.client();
      const ex = await v.send(t, client.tokenRequest(client.assertion()), client);
      await verify(
        oauthErrorChecks(ex, {
          codes: v.codes,
          rule: "RFC 6749 §5.2",
          ...(v.codeLevel ? { codeLevel: v.codeLevel } : {}),
        }),
      );
    });
  }

  test(
    "issues no token to a GET carrying the request in the query string",
    spec(["BS-TREQ-02"]),
    async ({ t }) => {
      const client = await t.client();
      const query = new URLSearchParams(
        client.tokenRequest(client.assertion()).map(([k, v]): [string, string] => [k, v]),
      );
      const ex = await t.http.get(
        `${await t.tokenUrl()}?${query.toString()}`,
        { accept: "application/json" },
        "token request as GET",
      );
      await verify([notPostRefused(ex)]);
    },
  );

  test(
    "issues no token to a PUT carrying the request as a form body",
    spec(["BS-TREQ-02"]),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.http.send({
        method: "PUT",
        url: await t.tokenUrl(),
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams(
          client.tokenRequest(client.assertion()).map(([k, v]): [string, string] => [k, v]),
        ).toString(),
        label: "token request as PUT",
      });
      await verify([notPostRefused(ex)]);
    },
  );

  const accepted: readonly {
    title: string;
    requirements: readonly [RequirementId, ...RequirementId[]];
    level?: "SHOULD";
    vary: (p: FormParams, c: Client) => FormParams;
    contentType?: string;
  }[] = [
    {
      title: "ignores an unknown extra parameter",
      requirements: ["BS-TREQ-10", "BS-TREQ-01"],
      vary: (p) => [...p, ["x_conformance_extra", "ignored"]],
    },
    {
      title: "accepts a client_id parameter that names the assertion's own client",
      requirements: ["BS-TREQ-12"],
      level: "SHOULD",
      vary: (p, c) => withParam(p, "client_id", c.clientId),
    },
    {
      title: "accepts a form body whose Content-Type carries a charset",
      requirements: ["BS-TREQ-03", "BS-TREQ-01"],
      level: "SHOULD",
      vary: (p) => p,
      contentType: "application/x-www-form-urlencoded; charset=UTF-8",
    },
  ];
  for (const v of accepted) {
    test(v.title, spec(v.requirements, v.level ? { level: v.level } : {}), async ({ t }) => {
      const client = await t.client();
      const params = v.vary(client.tokenRequest(client.assertion()), client);
      const ex = await t.postToken(params, {
        label: v.title,
        ...(v.contentType ? { headers: { "content-type": v.contentType } } : {}),
      });
      await verify(tokenIssuedChecks(ex));
    });
  }

  for (const [how, vary] of [
    ["without scope", (p: FormParams) => withoutParam(p, "scope")],
    ["with an empty scope", (p: FormParams) => withParam(p, "scope", "")],
  ] as const) {
    test(
      `answers a request ${how} with a default grant or invalid_scope`,
      spec(["BS-TREQ-13"]),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.postToken(vary(client.tokenRequest(client.assertion())), {
          label: `token request ${how}`,
        });
        const body = responseObject(ex);
        const checks: Check[] =
          ex.response.status === 200
            ? [
                ...tokenIssuedChecks(ex),
                {
                  rule: "RFC 6749 §3.3 / SMART token response",
                  expectation: "the default grant to be stated in scope",
                  evaluate: () => (typeof body?.scope === "string" ? undefined : "scope is absent"),
                },
              ]
            : oauthErrorChecks(ex, { codes: ["invalid_scope", "invalid_request"], rule: "RFC 6749 §3.3" });
        await verify(checks);
      },
    );
  }
});
