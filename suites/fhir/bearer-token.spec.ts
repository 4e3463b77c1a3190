import {
  spec,
  handedOutBy,
  header,
  responseObject,
  served,
  searchableType,
  test,
  verify,
  type Check,
  type ConformanceContext,
  type Exchange,
  type ProtectedRequest,
} from "../../harness/index.ts";

/**
 * The protected request the client's own token may make: the config's protectedResource when it names one
 * (any URL and method, judged by RFC 6750 alone); else, for a type the configured scope lets it search
 * (Patient when it may search any), the config's protectedRequests, else what the CapabilityStatement
 * offers (a search, else a Bulk Data kick-off).
 */
async function ownRequest(t: ConformanceContext): Promise<ProtectedRequest> {
  return t.bearerRequest(searchableType(t.config.client.scope) ?? "Patient");
}

/** Whether the request is the config's protectedResource, judged by RFC 6750 alone (no FHIR semantics). */
const generic = (request: ProtectedRequest): boolean => request.kind === "resource";

/** Sends it; a 404 ends the test broken (the route is not there: set protectedRequests), never failed. */
async function send(
  t: ConformanceContext,
  request: ProtectedRequest,
  authorization: string | undefined,
  how: string,
): Promise<Exchange> {
  const ex = await t.sendProtected(request, authorization, `${request.what} ${how}`);
  t.requireRoute(ex, request);
  return ex;
}

function noData(ex: Exchange, request: ProtectedRequest): Check {
  return generic(request)
    ? {
        rule: "RFC 6750 §3",
        expectation: `${request.what} not served`,
        evaluate: () => handedOutBy(ex, request),
      }
    : {
        rule: "SMART backend services §access FHIR API",
        expectation: "no FHIR data returned",
        evaluate: () => handedOutBy(ex, request),
      };
}

function bearerChallenge(ex: Exchange, request: ProtectedRequest, status: number, error?: string): Check[] {
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
    noData(ex, request),
  ];
}

function servedCheck(ex: Exchange, request: ProtectedRequest, expectation: string): Check {
  return {
    rule: generic(request) ? "RFC 6750 §2.1" : "SMART backend services §access FHIR API",
    expectation,
    evaluate: () => served(ex, request),
  };
}

/** What a served request answers, by kind. */
function servedAs(request: ProtectedRequest): string {
  return {
    search: "HTTP 200 with a FHIR searchset Bundle",
    read: `HTTP 200 with the ${request.type}`,
    export: "HTTP 202 Accepted (the export kick-off)",
    resource: `a 2xx answer to ${request.what}`,
  }[request.kind];
}

test.describe("FHIR endpoint bearer token", () => {
  test("answers a search with a valid access token", spec(["BS-TRESP-09", "BS-RS-10"]), async ({ t }) => {
    const client = await t.client();
    const request = await ownRequest(t);
    const token = await t.obtainToken(client);
    const ex = await send(t, request, `Bearer ${token}`, "with the token");
    await verify([
      servedCheck(ex, request, servedAs(request)),
      // What a protectedResource answers is its own business; RFC 6750 asks only that the token opens it.
      ...(generic(request)
        ? []
        : [
            {
              rule: "FHIR R4 http §search",
              expectation: "application/fhir+json or application/json",
              evaluate: () => {
                const type = header(ex, "content-type")?.split(";")[0]?.trim().toLowerCase();
                // A kick-off may answer 202 with no body at all.
                if (type === undefined && request.kind === "export") return undefined;
                return type === "application/fhir+json" || type === "application/json"
                  ? undefined
                  : `got Content-Type ${type ?? "none"}`;
              },
            },
          ]),
    ]);
  });

  test(
    "refuses a search without a token with 401 and a Bearer challenge",
    spec(["BS-RS-01"]),
    async ({ t }) => {
      const request = await ownRequest(t);
      const ex = await send(t, request, undefined, "without a token");
      await verify(bearerChallenge(ex, request, 401));
    },
  );

  test("refuses an unknown access token with 401 invalid_token", spec(["BS-RS-03"]), async ({ t }) => {
    const request = await ownRequest(t);
    const ex = await send(t, request, "Bearer bm90LWEtcmVhbC10b2tlbi1hdC1hbGw", "with an unknown token");
    await verify(bearerChallenge(ex, request, 401, "invalid_token"));
  });

  test("refuses an access token with one character changed", spec(["BS-RS-03"]), async ({ t }) => {
    const client = await t.client();
    const request = await ownRequest(t);
    const token = await t.obtainToken(client);
    const last = token.at(-1) === "A" ? "B" : "A";
    const ex = await send(t, request, `Bearer ${token.slice(0, -1)}${last}`, "with a tampered token");
    await verify(bearerChallenge(ex, request, 401, "invalid_token"));
  });

  const malformed: readonly [string, string][] = [
    ["the Bearer scheme with no token", "Bearer"],
    ["two tokens after Bearer", "Bearer abc def"],
    ["the Basic scheme", `Basic ${Buffer.from("client:secret").toString("base64")}`],
  ];
  for (const [name, value] of malformed) {
    test(`refuses an Authorization header with ${name}`, spec(["BS-RS-03", "BS-RS-01"]), async ({ t }) => {
      const request = await ownRequest(t);
      const ex = await send(t, request, value, `with Authorization: ${name}`);
      await verify([
        {
          rule: "RFC 6750 §3.1",
          expectation: "HTTP 400 or 401",
          evaluate: () =>
            ex.response.status === 400 || ex.response.status === 401
              ? undefined
              : `got HTTP ${ex.response.status}`,
        },
        noData(ex, request),
      ]);
    });
  }

  test('accepts the scheme name in lower case ("bearer")', spec(["BS-RS-09"]), async ({ t }) => {
    const client = await t.client();
    const request = await ownRequest(t);
    const token = await t.obtainToken(client);
    const ex = await send(t, request, `bearer ${token}`, 'with "bearer"');
    await verify([
      servedCheck(
        ex,
        request,
        `${servedAs(request)} (auth-scheme names are case-insensitive, RFC 9110 §11.1)`,
      ),
    ]);
  });

  test(
    "refuses a token sent both in the header and in the query string",
    spec(["BS-RS-10"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const own = await ownRequest(t);
      const token = await t.obtainToken(client);
      const request = {
        ...own,
        path: `${own.path}${own.path.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(token)}`,
      };
      const ex = await send(t, request, `Bearer ${token}`, "with the token sent twice");
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
      const request = await ownRequest(t);
      const ex = await send(t, request, undefined, "without a token");
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
    const request = await ownRequest(t);
    const { exchange, token } = await t.issueToken(client);
    const lifetime = responseObject(exchange)?.expires_in;
    const slow = process.env.SMART_SLOW_TESTS === "1";
    test.skip(typeof lifetime !== "number", "the token response states no expires_in");
    test.skip(
      (lifetime as number) > 10 && !(slow && (lifetime as number) <= 600),
      `tokens live ${String(lifetime)} s; set SMART_SLOW_TESTS=1 to wait up to 600 s`,
    );
    test.setTimeout(((lifetime as number) + 30) * 1000);
    const before = await send(t, request, `Bearer ${token}`, "while the token is fresh");
    await new Promise((resolve) => setTimeout(resolve, ((lifetime as number) + 2) * 1000));
    const after = await send(t, request, `Bearer ${token}`, "after expires_in has passed");
    await verify([
      servedCheck(before, request, `the fresh token to work (${servedAs(request)})`),
      ...bearerChallenge(after, request, 401, "invalid_token"),
    ]);
  });
});
