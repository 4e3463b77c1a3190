/**
 * RFC 8414 authorization server metadata (and OpenID Connect Discovery's openid-configuration, which RFC
 * 8414 §5 lets a server serve instead): optional for a server, but what it states must hold. The issuer is
 * the config's `issuer`, else the token endpoint's origin; a server serving neither document has these tests
 * skipped as not observed.
 */
import {
  describeResponse,
  mediaType,
  metadataUrls,
  responseObject,
  spec,
  stringList,
  test,
  tokenIssuedChecks,
  verify,
  type Check,
  type ConformanceContext,
  type Exchange,
} from "../../harness/index.ts";

const RULE = "RFC 8414 §2";

interface Served {
  readonly issuer: string;
  readonly url: string;
  readonly ex: Exchange;
  /** The document, when the answer is a JSON object. */
  readonly document: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The metadata the issuer serves: the first well-known URL that answers 200 (a non-JSON 200 included, so
 * the test on its form can fail); skips the test as not observed when there is none.
 */
async function servedMetadata(t: ConformanceContext): Promise<Served> {
  const issuer = t.target.issuer;
  test.skip(
    issuer === undefined,
    "not observed: no issuer to find RFC 8414 metadata from (set issuer or tokenEndpoint in the config)",
  );
  const urls = metadataUrls(issuer as string);
  for (const url of urls) {
    const ex = await t.http.get(url, { accept: "application/json" }, "authorization server metadata");
    if (ex.response.status === 200)
      return { issuer: issuer as string, url, ex, document: responseObject(ex) };
  }
  test.skip(
    true,
    `not observed: the server serves no RFC 8414 or OpenID metadata (tried ${urls.join(", ")})`,
  );
  throw new Error("unreachable");
}

/** The checks that make the rest of a document's checks meaningful: it is a JSON object. */
function isDocument(served: Served): Check[] {
  return [
    {
      rule: "RFC 8414 §3.2",
      expectation: "Content-Type application/json",
      evaluate: () => {
        const type = mediaType(served.ex.response.headers);
        return type === "application/json" ? undefined : `got ${type ?? "no Content-Type"} at ${served.url}`;
      },
    },
    {
      rule: "RFC 8414 §3.2",
      expectation: "a JSON object",
      evaluate: () => (served.document ? undefined : `got ${describeResponse(served.ex)} at ${served.url}`),
    },
  ];
}

function member(served: Served, name: string): unknown {
  return served.document?.[name];
}

test.describe("Authorization server metadata (RFC 8414)", () => {
  test("serves its authorization server metadata as a JSON object", spec(["BS-META-01"]), async ({ t }) => {
    const served = await servedMetadata(t);
    await verify(isDocument(served));
  });

  // RFC 8414 §3.1 asks nothing of the request's Accept header: whatever a client (or a browser) sends, the
  // answer is the JSON document (§3.2), not a 406 or an HTML page.
  const acceptHeaders: readonly { accept: string | undefined; name: string }[] = [
    { accept: undefined, name: "no Accept header" },
    { accept: "*/*", name: "an Accept of any media type" },
    { accept: "text/html", name: "Accept text/html" },
  ];
  for (const { accept, name } of acceptHeaders) {
    test(
      `serves its authorization server metadata as JSON to a request with ${name}`,
      spec(["BS-META-01"]),
      async ({ t }) => {
        const { url, issuer } = await servedMetadata(t);
        const ex = await t.http.get(url, accept === undefined ? {} : { accept }, `metadata (${name})`);
        const document = ex.response.status === 200 ? responseObject(ex) : undefined;
        await verify([
          {
            rule: "RFC 8414 §3.2",
            expectation: "HTTP 200",
            evaluate: () => (ex.response.status === 200 ? undefined : `got ${describeResponse(ex)}`),
          },
          ...isDocument({ issuer, url, ex, document }),
        ]);
      },
    );
  }

  test(
    "names in its metadata the issuer the metadata URL was built from",
    spec(["BS-META-02"]),
    async ({ t }) => {
      const served = await servedMetadata(t);
      await verify([
        ...isDocument(served),
        {
          rule: "RFC 8414 §3.3",
          expectation: `issuer identical to ${served.issuer}, the issuer the metadata URL was built from`,
          evaluate: () => {
            const issuer = member(served, "issuer");
            // A trailing slash the config added is not part of the issuer the URL was built from.
            return issuer === served.issuer || issuer === served.issuer.replace(/\/+$/, "")
              ? undefined
              : `got issuer ${JSON.stringify(issuer)} at ${served.url}`;
          },
        },
      ]);
    },
  );

  test(
    "states issuer, response_types_supported and an absolute https token_endpoint",
    spec(["BS-META-03"]),
    async ({ t }) => {
      const served = await servedMetadata(t);
      // A target configured over plain http (a test setup) has https judged by the transport tests' skip,
      // not here: the scheme is then not checked.
      const plain = served.url.startsWith("http:");
      const scheme = plain ? "an (https; not judged for this plain-http target)" : "an https";
      await verify([
        ...isDocument(served),
        {
          rule: RULE,
          expectation: `issuer, ${scheme} URL without query or fragment`,
          evaluate: () => {
            const issuer = member(served, "issuer");
            if (typeof issuer !== "string" || !URL.canParse(issuer)) return `got ${JSON.stringify(issuer)}`;
            const url = new URL(issuer);
            return (plain || url.protocol === "https:") && url.search === "" && url.hash === ""
              ? undefined
              : `got ${issuer}`;
          },
        },
        {
          rule: RULE,
          expectation: "response_types_supported, a JSON array of strings (REQUIRED)",
          evaluate: () =>
            stringList(served.document ?? {}, "response_types_supported")
              ? undefined
              : `got ${JSON.stringify(member(served, "response_types_supported")) ?? "no such member"}`,
        },
        {
          rule: RULE,
          expectation: `token_endpoint, ${scheme} absolute URL (REQUIRED unless only the implicit grant is supported)`,
          evaluate: () => {
            const endpoint = member(served, "token_endpoint");
            return typeof endpoint === "string" &&
              URL.canParse(endpoint) &&
              (plain || new URL(endpoint).protocol === "https:")
              ? undefined
              : `got ${JSON.stringify(endpoint) ?? "no such member"}`;
          },
        },
      ]);
    },
  );

  test(
    "issues tokens at the token_endpoint its metadata names",
    spec(["BS-META-04", "BS-TREQ-01"]),
    async ({ t }) => {
      const served = await servedMetadata(t);
      const advertised = member(served, "token_endpoint");
      test.skip(
        typeof advertised !== "string" || !URL.canParse(advertised),
        "the metadata names no absolute token_endpoint (see its own test)",
      );
      const ex = await t.requestTokenAt(
        advertised as string,
        "token request at the token_endpoint of the metadata",
      );
      await verify(tokenIssuedChecks(ex));
    },
  );

  test(
    "never lists none among its token endpoint signing algorithms",
    spec(["BS-META-05"]),
    async ({ t }) => {
      const served = await servedMetadata(t);
      const name = "token_endpoint_auth_signing_alg_values_supported";
      await verify([
        ...isDocument(served),
        {
          rule: RULE,
          expectation: `${name}, when present, an array of strings without "none"`,
          evaluate: () => {
            const value = member(served, name);
            if (value === undefined) return undefined;
            const list = stringList(served.document ?? {}, name);
            if (!list) return `got ${JSON.stringify(value)}`;
            return list.some((alg) => alg.toLowerCase() === "none")
              ? `got ${JSON.stringify(list)}`
              : undefined;
          },
        },
      ]);
    },
  );

  test(
    "lists private_key_jwt in its token_endpoint_auth_methods_supported",
    spec(["BS-META-06"]),
    async ({ t }) => {
      const served = await servedMetadata(t);
      const name = "token_endpoint_auth_methods_supported";
      await verify([
        ...isDocument(served),
        {
          rule: RULE,
          // Omitted, the member defaults to client_secret_basic: the metadata would deny private_key_jwt.
          expectation: `${name} listing private_key_jwt (omitted, it means client_secret_basic only)`,
          evaluate: () =>
            stringList(served.document ?? {}, name)?.includes("private_key_jwt")
              ? undefined
              : `got ${JSON.stringify(member(served, name)) ?? "no such member"}`,
        },
      ]);
    },
  );

  test("lists client_credentials in its grant_types_supported", spec(["BS-META-07"]), async ({ t }) => {
    const served = await servedMetadata(t);
    const name = "grant_types_supported";
    await verify([
      ...isDocument(served),
      {
        rule: RULE,
        // Omitted, the member defaults to ["authorization_code", "implicit"].
        expectation: `${name} listing client_credentials (omitted, it means authorization_code and implicit)`,
        evaluate: () =>
          stringList(served.document ?? {}, name)?.includes("client_credentials")
            ? undefined
            : `got ${JSON.stringify(member(served, name)) ?? "no such member"}`,
      },
    ]);
  });
});
