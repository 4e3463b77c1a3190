import {
  tokenIssuedChecks,
  covers,
  expectGrantable,
  describeResponse,
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
  const url = t.target.wellKnownUrl;
  test.skip(url === undefined, "the config names no fhirBaseUrl: no SMART discovery document to judge");
  return t.http.get(
    url as string,
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

  test(
    "issues tokens at the token_endpoint it advertises",
    spec(["BS-DISC-04", "BS-TREQ-01"]),
    async ({ t }) => {
      const advertised = member(await t.target.discovery(), "token_endpoint");
      test.skip(
        typeof advertised !== "string" || !URL.canParse(advertised),
        "the discovery document names no absolute token_endpoint (see its own test)",
      );
      const ex = await t.requestTokenAt(
        advertised as string,
        "token request at the advertised token_endpoint",
      );
      await verify(tokenIssuedChecks(ex));
    },
  );

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
    "advertises RS384 or ES384 as client assertion signing algorithms, never none, and HS* only with client_secret_jwt",
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
        {
          // The list serves private_key_jwt and client_secret_jwt alike: HMAC algorithms belong there only
          // when the server takes shared secrets.
          rule: "RFC 8414 §2 / RFC 7523 §2.2",
          expectation: `HS256/HS384/HS512 in ${name} only when token_endpoint_auth_methods_supported lists client_secret_jwt`,
          evaluate: () => {
            const doc = responseObject(ex);
            const algs = member(doc, name);
            const methods = member(doc, "token_endpoint_auth_methods_supported");
            const hmac = Array.isArray(algs)
              ? algs.filter((a) => typeof a === "string" && /^HS/i.test(a))
              : [];
            return hmac.length === 0 || (Array.isArray(methods) && methods.includes("client_secret_jwt"))
              ? undefined
              : `${name} lists ${hmac.join(", ")} but token_endpoint_auth_methods_supported is ${JSON.stringify(methods) ?? "absent"}`;
          },
        },
      ]);
    },
  );

  test("names only SMART-defined capabilities or full URIs", spec(["BS-DISC-10"]), async ({ t }) => {
    const ex = await fetchDiscovery(t, "application/json");
    const smart = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
    await verify([
      ...documentIs(ex),
      {
        rule: "SMART conformance §capabilities",
        expectation: "each capability a SMART capability name or an absolute URI",
        evaluate: () => {
          const caps = member(responseObject(ex), "capabilities");
          if (!Array.isArray(caps)) return "capabilities is not an array";
          const bad = caps.filter(
            (c) =>
              typeof c !== "string" ||
              !(smart.test(c) || (URL.canParse(c) && /^[a-z][a-z0-9+.-]*:/i.test(c))),
          );
          return bad.length === 0 ? undefined : `not a capability name or URI: ${JSON.stringify(bad)}`;
        },
      },
    ]);
  });

  test("advertises S256 and never plain when it lists PKCE methods", spec(["BS-DISC-11"]), async ({ t }) => {
    const ex = await fetchDiscovery(t, "application/json");
    const name = "code_challenge_methods_supported";
    await verify([
      ...documentIs(ex),
      {
        rule: "SMART conformance §metadata",
        expectation: `${name}, when present, to include S256 and not plain`,
        evaluate: () => {
          const v = member(responseObject(ex), name);
          if (v === undefined) return undefined;
          return Array.isArray(v) && v.includes("S256") && !v.includes("plain")
            ? undefined
            : `${name} is ${JSON.stringify(v)}`;
        },
      },
    ]);
  });

  test(
    "leaves issuer out unless it offers sso-openid-connect",
    spec(["BS-DISC-13"], { level: "SHOULD" }),
    async ({ t }) => {
      const ex = await fetchDiscovery(t, "application/json");
      await verify([
        ...documentIs(ex),
        {
          rule: "SMART conformance §metadata",
          expectation: "issuer and jwks_uri as the sso-openid-connect capability requires",
          evaluate: () => {
            const doc = responseObject(ex) ?? {};
            const oidc = Array.isArray(doc.capabilities) && doc.capabilities.includes("sso-openid-connect");
            if (oidc)
              return typeof doc.issuer === "string" && typeof doc.jwks_uri === "string"
                ? undefined
                : "sso-openid-connect without issuer and jwks_uri";
            return doc.issuer === undefined
              ? undefined
              : `issuer ${JSON.stringify(doc.issuer)} without sso-openid-connect`;
          },
        },
      ]);
    },
  );

  test("gives every endpoint as an absolute URL", spec(["BS-DISC-03"]), async ({ t }) => {
    const ex = await fetchDiscovery(t, "application/json");
    const names = [
      "token_endpoint",
      "authorization_endpoint",
      "registration_endpoint",
      "introspection_endpoint",
      "revocation_endpoint",
      "management_endpoint",
      "jwks_uri",
    ];
    await verify([
      ...documentIs(ex),
      {
        rule: "SMART conformance §using well-known (2.1+)",
        expectation: "every endpoint URL absolute",
        evaluate: () => {
          const doc = responseObject(ex) ?? {};
          const relative = names.filter(
            (n) => doc[n] !== undefined && !(typeof doc[n] === "string" && /^https?:\/\//.test(doc[n])),
          );
          return relative.length === 0
            ? undefined
            : `not absolute: ${relative.map((n) => `${n}=${JSON.stringify(doc[n])}`).join(", ")}`;
        },
      },
    ]);
  });

  test("lists the scopes it supports", spec(["BS-DISC-09"], { level: "SHOULD" }), async ({ t }) => {
    const ex = await fetchDiscovery(t, "application/json");
    await verify([
      ...documentIs(ex),
      {
        rule: "SMART conformance §metadata (RECOMMENDED)",
        expectation: "scopes_supported, an array of strings",
        evaluate: () => {
          const v = member(responseObject(ex), "scopes_supported");
          return Array.isArray(v) && v.every((s) => typeof s === "string")
            ? undefined
            : `scopes_supported is ${JSON.stringify(v) ?? "absent"}`;
        },
      },
    ]);
  });

  test(
    "advertises a token introspection endpoint",
    spec(["BS-DISC-14", "BS-INT-01"], { level: "SHOULD" }),
    async ({ t }) => {
      const ex = await fetchDiscovery(t, "application/json");
      await verify([
        ...documentIs(ex),
        {
          rule: "SMART conformance §metadata (RECOMMENDED)",
          expectation: "introspection_endpoint",
          evaluate: () =>
            typeof member(responseObject(ex), "introspection_endpoint") === "string"
              ? undefined
              : "introspection_endpoint is absent",
        },
      ]);
    },
  );

  test(
    "grants each advertised system scope the client is pre-authorised for",
    spec(["BS-DISC-09", "BS-SCOPE-03"]),
    async ({ t }) => {
      const advertised = member(await t.target.discovery(), "scopes_supported");
      const client = await t.client();
      const mine = (Array.isArray(advertised) ? advertised : []).filter(
        (s): s is string =>
          typeof s === "string" && s.startsWith("system/") && expectGrantable(client.registration, s),
      );
      test.skip(
        mine.length === 0,
        "no advertised system scope lies within the configured client's pre-authorisation",
      );
      const refused: string[] = [];
      for (const scope of mine) {
        const ex = await t.requestToken(client, client.assertion(), scope);
        const body = responseObject(ex);
        // No scope member: the grant is the request (RFC 6749 §5.1); BS-TRESP-06 judges the omission.
        const granted = typeof body?.scope === "string" ? body.scope : scope;
        if (ex.response.status !== 200 || typeof body?.access_token !== "string" || !covers(granted, scope))
          refused.push(`${scope} (${describeResponse(ex)})`);
      }
      await verify([
        {
          rule: "SMART conformance §metadata (scopes_supported)",
          expectation: "every advertised scope to be grantable",
          evaluate: () => (refused.length === 0 ? undefined : `refused: ${refused.join("; ")}`),
        },
      ]);
    },
  );

  test(
    "accepts every advertised signing algorithm the configured keys can produce",
    spec(["BS-ALG-01", "BS-DISC-08"]),
    async ({ t }) => {
      const advertised = await t.signingAlgorithms();
      const client = await t.client();
      // Keys load only for algorithms the profile allows (SMART: RS384 and ES384).
      const testable = (advertised ?? []).flatMap((a) => client.keys.find((k) => k.alg === a)?.alg ?? []);
      test.skip(testable.length === 0, "no advertised algorithm has a configured key");
      const refused: string[] = [];
      for (const alg of testable) {
        const ex = await t.requestToken(client, client.assertion(alg));
        if (ex.response.status !== 200) refused.push(`${alg} (${describeResponse(ex)})`);
      }
      await verify([
        {
          rule: "SMART client-confidential-asymmetric §registering a client",
          expectation: "every advertised algorithm to work",
          evaluate: () => (refused.length === 0 ? undefined : `refused: ${refused.join("; ")}`),
        },
      ]);
    },
  );
});

test.describe("CapabilityStatement", () => {
  test(
    "serves the CapabilityStatement without a token",
    spec(["BS-CS-01"], { level: "SHOULD" }),
    async ({ t }) => {
      const ex = await t.http.get(
        `${t.config.fhirBaseUrl}/metadata`,
        { accept: "application/fhir+json" },
        "metadata without a token",
      );
      await verify([
        {
          rule: "FHIR R4 http §capabilities",
          expectation: "HTTP 200 with a CapabilityStatement",
          evaluate: () =>
            ex.response.status === 200 && responseObject(ex)?.resourceType === "CapabilityStatement"
              ? undefined
              : `got ${describeResponse(ex)}`,
        },
      ]);
    },
  );

  test(
    "names the same token endpoint in its oauth-uris extension as the discovery document",
    spec(["BS-CS-02"]),
    async ({ t }) => {
      const ex = await t.http.get(
        `${t.config.fhirBaseUrl}/metadata`,
        { accept: "application/fhir+json" },
        "metadata",
      );
      const discovered = member(await t.target.discovery(), "token_endpoint");
      type Ext = { url?: string; valueUri?: string; extension?: Ext[] };
      const rest = (responseObject(ex)?.rest as { security?: { extension?: Ext[] } }[] | undefined) ?? [];
      const oauth = rest
        .flatMap((r) => r.security?.extension ?? [])
        .find((e) => e.url === "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
      test.skip(
        oauth === undefined,
        "the CapabilityStatement has no oauth-uris extension (deprecated in SMART 2.x)",
      );
      const token = oauth?.extension?.find((e) => e.url === "token")?.valueUri;
      await verify([
        {
          rule: "SMART conformance (CapabilityStatement, deprecated)",
          expectation: `token = ${String(discovered)}`,
          evaluate: () => (token === discovered ? undefined : `token is ${JSON.stringify(token)}`),
        },
      ]);
    },
  );
});
