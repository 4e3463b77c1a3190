import {
  spec,
  header,
  mediaType,
  responseObject,
  test,
  verify,
  type Check,
  type Exchange,
} from "../../harness/index.ts";

/** A resource type the configured client may search: the first type its scope names (Patient for "*"). */
function searchableType(scope: string): string {
  const m = /system\/([A-Za-z]+|\*)\.(?:[cruds]*s[cruds]*|read|\*)/.exec(scope);
  return !m || m[1] === "*" ? "Patient" : (m[1] ?? "Patient");
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
    const type = searchableType(client.scope);
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
      const type = searchableType(t.config.client.scope);
      const ex = await t.fhirGet(`${type}?_count=1`, undefined, `search ${type} without a token`);
      await verify(bearerChallenge(ex, 401));
    },
  );

  test("refuses an unknown access token with 401 invalid_token", spec(["BS-RS-03"]), async ({ t }) => {
    const type = searchableType(t.config.client.scope);
    const ex = await t.fhirGet(
      `${type}?_count=1`,
      "bm90LWEtcmVhbC10b2tlbi1hdC1hbGw",
      `search ${type} with an unknown token`,
    );
    await verify(bearerChallenge(ex, 401, "invalid_token"));
  });

  test("refuses an access token with one character changed", spec(["BS-RS-03"]), async ({ t }) => {
    const client = await t.client();
    const type = searchableType(client.scope);
    const token = await t.obtainToken(client);
    const last = token.at(-1) === "A" ? "B" : "A";
    const ex = await t.fhirGet(
      `${type}?_count=1`,
      `${token.slice(0, -1)}${last}`,
      `search ${type} with a tampered token`,
    );
    await verify(bearerChallenge(ex, 401, "invalid_token"));
  });
});
