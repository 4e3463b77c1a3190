import {
  activeProfile,
  clientAuthFailureChecks,
  spec,
  tokenIssuedChecks,
  test,
  verify,
  withAudience,
  withoutClaim,
  type ConformanceContext,
  type Mutation,
} from "../../harness/index.ts";

/**
 * Each variation gets the target's token URL and FHIR base (oauth-jwt without one: the protectedResource
 * URL, else undefined), so the wrong audiences are near misses.
 */
const variations: readonly {
  title: string;
  mutation: (tokenUrl: string, fhirBase: string | undefined, issuer: string) => Mutation | undefined;
}[] = [
  {
    title: "rejects a client assertion whose aud is another server's token URL",
    mutation: () => withAudience("https://attacker.example/token"),
  },
  {
    title: "rejects a client assertion whose aud is not a URL",
    mutation: () => withAudience("test-bad-aud-value"),
  },
  { title: "rejects a client assertion without aud", mutation: () => withoutClaim("aud") },
  {
    title: "rejects a client assertion whose aud is the FHIR base URL",
    mutation: (_t, fhirBase) => (fhirBase === undefined ? undefined : withAudience(fhirBase)),
  },
  {
    title: "rejects a client assertion whose aud is an array without the token URL",
    mutation: () => withAudience(["https://attacker.example/token"]),
  },
];

/**
 * The issuer the config or the metadata names (config issuer, RFC 8414 / OpenID metadata, SMART
 * discovery), else the token URL's origin (what servers commonly use as issuer).
 */
async function issuerOf(t: ConformanceContext, tokenUrl: string): Promise<string> {
  const issuer = await t.target.issuerIdentifier();
  return issuer !== undefined && issuer !== tokenUrl ? issuer : new URL(tokenUrl).origin;
}

/**
 * The token URL and the issuer both identify the server (RFC 7523 §3 item 3); the config's assertion.aud
 * says which one it requires (default: the token URL, SMART's rule), and the other is refused. A server
 * judged by the RFCs alone (oauth-jwt) may accept either, so there the refusal is judged only when the
 * config states the aud it requires.
 */
const OTHER_IDENTIFIER =
  "rejects a client assertion whose aud is the issuer or token URL, whichever it does not require";

test.describe("Client assertion aud", () => {
  for (const v of variations) {
    test(v.title, spec(["BS-AUD-01", "BS-ERR-03"]), async ({ t }) => {
      const client = await t.client();
      const tokenUrl = await t.tokenUrl();
      const resourceServer = t.config.fhirBaseUrl ?? t.config.protectedResource?.url;
      const mutation = v.mutation(tokenUrl, resourceServer, await issuerOf(t, tokenUrl));
      test.skip(!mutation, "the config names no fhirBaseUrl or protectedResource to send as aud");
      const ex = await t.requestToken(client, client.assertion(undefined, mutation as Mutation));
      await verify(clientAuthFailureChecks(ex));
    });
  }
});

test.describe("Client assertion aud, the server's own rule", () => {
  test(OTHER_IDENTIFIER, spec(["BS-AUD-01", "BS-ERR-03"]), async ({ t }) => {
    const rules = t.config.assertion;
    test.skip(
      activeProfile().profile.genericOnly === true && !rules.stated.includes("aud"),
      "RFC 7523 §3 item 3 lets the server accept any value that identifies it, its issuer as well as its token URL: set assertion.aud in the config to the aud the server requires to judge this",
    );
    const client = await t.client();
    const tokenUrl = await t.tokenUrl();
    const issuer = await issuerOf(t, tokenUrl);
    const other = rules.aud === "issuer" || client.aud === issuer ? tokenUrl : issuer;
    test.skip(
      other === client.aud,
      `the server's issuer and its token URL are the same string here (${tokenUrl}): no other identifier to send`,
    );
    const ex = await t.requestToken(client, client.assertion(undefined, withAudience(other)));
    await verify(clientAuthFailureChecks(ex));
  });
});

test.describe("Client assertion aud, near misses", () => {
  test(
    "accepts aud as an array holding only the token URL",
    spec(["BS-AUD-02", "BS-TREQ-01"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const tokenUrl = await t.tokenUrl();
      test.skip(
        client.aud !== tokenUrl,
        `the server requires aud "${client.aud}" (config assertion.aud), not its token URL`,
      );
      const ex = await t.requestToken(client, client.assertion(undefined, withAudience([tokenUrl])));
      await verify(tokenIssuedChecks(ex));
    },
  );

  for (const [name, alter] of [
    ["with a trailing slash", (u: string) => `${u}/`],
    ["with a query string", (u: string) => `${u}?tenant=other`],
    ["extended by a path segment", (u: string) => `${u}/other`],
  ] as const) {
    test(
      `rejects an assertion whose aud is the token URL ${name}`,
      spec(["BS-AUD-02", "BS-ERR-03"], { level: "SHOULD" }),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.requestToken(
          client,
          client.assertion(undefined, withAudience(alter(await t.tokenUrl()))),
        );
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }
});
