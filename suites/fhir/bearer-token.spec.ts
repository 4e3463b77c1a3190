import {
  spec,
  header,
  mediaType,
  responseObject,
  searchableType,
  test,
  verify,
  type Check,
  type Exchange,
} from "../../harness/index.ts";

/** A resource type the configured client may search (Patient when it may search any). */
function typeFor(scope: string): string {
  return searchableType(scope) ?? "Patient";
}

function bearerChallenge(ex: Exchange, status: number, error?: string): Check[] {
  return [
    {
      rule: "RFC 6750 §3",
      expectation: `HTTP ${status}`,
      evaluate: () => (ex.response.status === status ? undefined : `got HTTP ${ex.response.status}`),
    },
    {
      rule: "RFC 6750 §3",
      expectation: "a WWW-Authenticate header with the Bearer scheme",
      evaluate: () => {
        const value = header(ex, "www-authenticate");
        return value !== undefined && /^\s*bearer\b/i.test(value)
          ? undefined
          : `got ${value === undefined ? "no WWW-Authenticate" : `"${value}"`}`;
      },
    },
    ...(error
      ? [
          {
            rule: "RFC 6750 §3.1",
            expectation: `error="${error}" in the challenge`,
            evaluate: () => {
              const value = header(ex, "www-authenticate") ?? "";
              return new RegExp(`error="?${error}"?`).test(value) ? undefined : `got "${value}"`;
            },
          },
        ]
      : []),
    {
      rule: "SMART backend services §access FHIR API",
      expectation: "no FHIR data returned",
      evaluate: () =>
        responseObject(ex)?.resourceType === "Bundle" ? "a search Bundle was returned" : undefined,
    },
  ];
}

test.describe("FHIR endpoint bearer token", () => {
  test("answers a search with a valid access token", spec(["BS-TRESP-09", "BS-RS-10"]), async ({ t }) => {
    const client = await t.client();
    const type = typeFor(client.scope);
    const token = await t.obtainToken(client);
    const ex = await t.fhirGet(`${type}?_count=1`, token, `search ${type} with the token`);
    await verify([
      {
        rule: "SMART backend services §access FHIR API",
        expectation: "HTTP 200",
        evaluate: () => (ex.response.status === 200 ? undefined : `got HTTP ${ex.response.status}`),
      },
      {
        rule: "FHIR R4 http §search",
        expectation: "a FHIR searchset Bundle (application/fhir+json or application/json)",
        evaluate: () => {
          const body = responseObject(ex);
          const type = mediaType(ex.response.headers);
          if (type !== "application/fhir+json" && type !== "application/json")
            return `got Content-Type ${type ?? "none"}`;
          return body?.resourceType === "Bundle"
            ? undefined
            : `got resourceType ${JSON.stringify(body?.resourceType)}`;
        },
      },
    ]);
  });

  test(
    "refuses a search without a token with 401 and a Bearer challenge",
    spec(["BS-RS-01"]),
    async ({ t }) => {
      const type = typeFor(t.config.client.scope);
      const ex = await t.fhirGet(`${type}?_count=1`, undefined, `search ${type} without a token`);
      await verify(bearerChallenge(ex, 401));
    },
  );

  test("refuses an unknown access token with 401 invalid_token", spec(["BS-RS-03"]), async ({ t }) => {
    const type = typeFor(t.config.client.scope);
    const ex = await t.fhirGet(
      `${type}?_count=1`,
      "bm90LWEtcmVhbC10b2tlbi1hdC1hbGw",
      `search ${type} with an unknown token`,
    );
    await verify(bearerChallenge(ex, 401, "invalid_token"));
  });

  test("refuses an access token with one character changed", spec(["BS-RS-03"]), async ({ t }) => {
    const client = await t.client();
    const type = typeFor(client.scope);
    const token = await t.obtainToken(client);
    const last = token.at(-1) === "A" ? "B" : "A";
    const ex = await t.fhirGet(
      `${type}?_count=1`,
      `${token.slice(0, -1)}${last}`,
      `search ${type} with a tampered token`,
    );
    await verify(bearerChallenge(ex, 401, "invalid_token"));
  });

  const malformed: readonly [string, string][] = [
    ["the Bearer scheme with no token", "Bearer"],
    ["two tokens after Bearer", "Bearer abc def"],
    ["the Basic scheme", `Basic ${Buffer.from("client:secret").toString("base64")}`],
  ];
  for (const [name, value] of malformed) {
    test(`refuses an Authorization header with ${name}`, spec(["BS-RS-03", "BS-RS-01"]), async ({ t }) => {
      const type = typeFor(t.config.client.scope);
      const ex = await t.http.get(
        `${t.config.fhirBaseUrl}/${type}?_count=1`,
        { accept: "application/fhir+json", authorization: value },
        `search ${type} with Authorization: ${name}`,
      );
      await verify([
        {
          rule: "RFC 6750 §3.1",
          expectation: "HTTP 400 or 401",
          evaluate: () =>
            ex.response.status === 400 || ex.response.status === 401
              ? undefined
              : `got HTTP ${ex.response.status}`,
        },
        {
          rule: "SMART backend services §access FHIR API",
          expectation: "no FHIR data returned",
          evaluate: () =>
            responseObject(ex)?.resourceType === "Bundle" ? "a search Bundle was returned" : undefined,
        },
      ]);
    });
  }

  test('accepts the scheme name in lower case ("bearer")', spec(["BS-RS-09"]), async ({ t }) => {
    const client = await t.client();
    const type = typeFor(client.scope);
    const token = await t.obtainToken(client);
    const ex = await t.http.get(
      `${t.config.fhirBaseUrl}/${type}?_count=1`,
      { accept: "application/fhir+json", authorization: `bearer ${token}` },
      `search ${type} with "bearer"`,
    );
    await verify([
      {
        rule: "RFC 9110 §11.1",
        expectation: "HTTP 200 (auth-scheme names are case-insensitive)",
        evaluate: () => (ex.response.status === 200 ? undefined : `got HTTP ${ex.response.status}`),
      },
    ]);
  });

  test(
    "refuses a token sent both in the header and in the query string",
    spec(["BS-RS-10"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const type = typeFor(client.scope);
      const token = await t.obtainToken(client);
      const ex = await t.fhirGet(
        `${type}?_count=1&access_token=${encodeURIComponent(token)}`,
        token,
        `search ${type} with the token sent twice`,
      );
      await verify([
        {
          rule: "RFC 6750 §2 / §3.1",
          expectation: "HTTP 400 (invalid_request: more than one method)",
          evaluate: () => (ex.response.status === 400 ? undefined : `got HTTP ${ex.response.status}`),
        },
      ]);
    },
  );

  test(
    "sends no error attribute in the challenge when no credentials were sent",
    spec(["BS-RS-02"]),
    async ({ t }) => {
      const type = typeFor(t.config.client.scope);
      const ex = await t.fhirGet(`${type}?_count=1`, undefined, `search ${type} without a token`);
      await verify([
        {
          rule: "RFC 6750 §3",
          expectation: "a Bearer challenge without an error attribute",
          evaluate: () => {
            const value = header(ex, "www-authenticate");
            if (value === undefined) return "no WWW-Authenticate";
            return /\berror=/.test(value) ? `got "${value}"` : undefined;
          },
        },
      ]);
    },
  );

  test("refuses a token once it has expired", spec(["BS-RS-04"], { slow: true }), async ({ t }) => {
    const client = await t.client();
    const type = typeFor(client.scope);
    const { exchange, token } = await t.issueToken(client);
    const lifetime = responseObject(exchange)?.expires_in;
    const slow = process.env.SMART_SLOW_TESTS === "1";
    test.skip(typeof lifetime !== "number", "the token response states no expires_in");
    test.skip(
      (lifetime as number) > 10 && !(slow && (lifetime as number) <= 600),
      `tokens live ${String(lifetime)} s; set SMART_SLOW_TESTS=1 to wait up to 600 s`,
    );
    test.setTimeout(((lifetime as number) + 30) * 1000);
    const before = await t.fhirGet(`${type}?_count=1`, token, `search ${type} while the token is fresh`);
    await new Promise((resolve) => setTimeout(resolve, ((lifetime as number) + 2) * 1000));
    const after = await t.fhirGet(`${type}?_count=1`, token, `search ${type} after expires_in has passed`);
    await verify([
      {
        rule: "SMART backend services §access FHIR API",
        expectation: "the fresh token to work",
        evaluate: () => (before.response.status === 200 ? undefined : `got HTTP ${before.response.status}`),
      },
      ...bearerChallenge(after, 401, "invalid_token"),
    ]);
  });
});
