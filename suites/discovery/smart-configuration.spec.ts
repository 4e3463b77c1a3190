import {
  spec,
  mediaType,
  responseObject,
  test,
  verify,
  type Check,
  type ConformanceContext,
  type Exchange,
} from "../../harness/index.ts";

async function fetchDiscovery(t: ConformanceContext, accept?: string): Promise<Exchange> {
  return t.http.get(
    t.target.wellKnownUrl,
    accept === undefined ? {} : { accept },
    `discovery (Accept: ${accept ?? "none"})`,
  );
}

function documentIs(ex: Exchange): Check[] {
  return [
    {
      rule: "SMART conformance §well-known",
      expectation: "HTTP 200 without a token",
      evaluate: () => (ex.response.status === 200 ? undefined : `got HTTP ${ex.response.status}`),
    },
    {
      rule: "SMART conformance §well-known",
      expectation: "a JSON object body",
      evaluate: () => (responseObject(ex) ? undefined : "the body is not a JSON object"),
    },
  ];
}

function member(doc: Record<string, unknown> | undefined, name: string): unknown {
  return doc?.[name];
}

function arrayIncludes(ex: Exchange, name: string, value: string, rule: string): Check {
  return {
    rule,
    expectation: `${name} to be an array of strings that includes "${value}"`,
    evaluate: () => {
      const v = member(responseObject(ex), name);
      if (!Array.isArray(v)) return `${name} is ${v === undefined ? "absent" : JSON.stringify(v)}`;
      if (!v.every((x) => typeof x === "string")) return `${name} has members that are not strings`;
      return v.includes(value) ? undefined : `${name} is ${JSON.stringify(v)}`;
    },
  };
}

test.describe("SMART configuration document", () => {
  test(
    "serves the SMART configuration at {base}/.well-known/smart-configuration without a token",
    spec(["BS-DISC-01"]),
    async ({ t }) => {
      await verify(documentIs(await fetchDiscovery(t, "application/json")));
    },
  );

  const acceptHeaders = [
    { accept: "application/json", name: "Accept application/json" },
    { accept: undefined, name: "no Accept header" },
    { accept: "application/fhir+json", name: "Accept application/fhir+json" },
    { accept: "text/html", name: "Accept text/html" },
  ];
  for (const { accept, name } of acceptHeaders) {
    test(
      `answers application/json to a discovery request with ${name}`,
      spec(["BS-DISC-02"]),
      async ({ t }) => {
        const ex = await fetchDiscovery(t, accept);
        await verify([
          ...documentIs(ex),
          {
            rule: "SMART conformance §well-known",
            expectation: "Content-Type application/json",
            evaluate: () => {
              const type = mediaType(ex.response.headers);
              return type === "application/json" ? undefined : `got ${type ?? "no Content-Type"}`;
            },
          },
        ]);
      },
    );
  }

  test("names an absolute token_endpoint", spec(["BS-DISC-04", "BS-DISC-03"]), async ({ t }) => {
    const ex = await fetchDiscovery(t, "application/json");
    await verify([
      ...documentIs(ex),
      {
        rule: "SMART conformance §metadata",
        expectation: "token_endpoint to be an absolute http(s) URL",
        evaluate: () => {
          const v = member(responseObject(ex), "token_endpoint");
          if (typeof v !== "string")
            return `token_endpoint is ${v === undefined ? "absent" : JSON.stringify(v)}`;
          return URL.canParse(v) && /^https?:$/.test(new URL(v).protocol)
            ? undefined
            : `token_endpoint is "${v}"`;
        },
      },
    ]);
  });

  test("lists client_credentials in grant_types_supported", spec(["BS-DISC-05"]), async ({ t }) => {
    const ex = await fetchDiscovery(t, "application/json");
    await verify([
      ...documentIs(ex),
      arrayIncludes(ex, "grant_types_supported", "client_credentials", "SMART conformance §metadata"),
    ]);
  });

  test("lists client-confidential-asymmetric in capabilities", spec(["BS-DISC-06"]), async ({ t }) => {
    const ex = await fetchDiscovery(t, "application/json");
    await verify([
      ...documentIs(ex),
      arrayIncludes(
        ex,
        "capabilities",
        "client-confidential-asymmetric",
        "SMART client-confidential-asymmetric §advertising",
      ),
    ]);
  });

  test(
    "lists private_key_jwt in token_endpoint_auth_methods_supported",
    spec(["BS-DISC-07"]),
    async ({ t }) => {
      const ex = await fetchDiscovery(t, "application/json");
      await verify([
        ...documentIs(ex),
        arrayIncludes(
          ex,
          "token_endpoint_auth_methods_supported",
          "private_key_jwt",
          "SMART client-confidential-asymmetric §advertising",
        ),
      ]);
    },
  );

  test(
    "advertises RS384 or ES384 as client assertion signing algorithms, and never none",
    spec(["BS-DISC-08"]),
    async ({ t }) => {
      const ex = await fetchDiscovery(t, "application/json");
      const name = "token_endpoint_auth_signing_alg_values_supported";
      await verify([
        ...documentIs(ex),
        {
          rule: "SMART client-confidential-asymmetric §advertising",
          expectation: `${name} to include RS384 or ES384`,
          evaluate: () => {
            const v = member(responseObject(ex), name);
            return Array.isArray(v) && (v.includes("RS384") || v.includes("ES384"))
              ? undefined
              : `${name} is ${JSON.stringify(v) ?? "absent"}`;
          },
        },
        {
          rule: "RFC 8414 §2",
          expectation: `${name} never to include "none"`,
          evaluate: () => {
            const v = member(responseObject(ex), name);
            return Array.isArray(v) && v.some((a) => typeof a === "string" && a.toLowerCase() === "none")
              ? `${name} is ${JSON.stringify(v)}`
              : undefined;
          },
        },
      ]);
    },
  );
});
