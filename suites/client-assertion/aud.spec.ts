import {
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

/** Each variation gets the target's token URL and FHIR base, so the wrong audiences are near misses. */
const variations: readonly {
  title: string;
  mutation: (tokenUrl: string, fhirBase: string, issuer: string) => Mutation;
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
    mutation: (_t, fhirBase) => withAudience(fhirBase),
  },
  {
    // RFC 7523 lets an AS accept its issuer identifier; SMART names the token URL alone.
    title: "rejects a client assertion whose aud is the authorization server's issuer",
    mutation: (_t, _f, issuer) => withAudience(issuer),
  },
  {
    title: "rejects a client assertion whose aud is an array without the token URL",
    mutation: () => withAudience(["https://attacker.example/token"]),
  },
];

/** The discovery document's issuer, else the token URL's origin (what servers commonly use as issuer). */
async function issuerOf(t: ConformanceContext, tokenUrl: string): Promise<string> {
  const issuer = await t.target.discovery().then(
    (doc) => doc.issuer,
    () => undefined,
  );
  return typeof issuer === "string" && issuer !== tokenUrl ? issuer : new URL(tokenUrl).origin;
}

test.describe("Client assertion aud", () => {
  for (const v of variations) {
    test(v.title, spec(["BS-AUD-01", "BS-ERR-03"]), async ({ t }) => {
      const client = await t.client();
      const tokenUrl = await t.tokenUrl();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, v.mutation(tokenUrl, t.config.fhirBaseUrl, await issuerOf(t, tokenUrl))),
      );
      await verify(clientAuthFailureChecks(ex));
    });
  }
});

test.describe("Client assertion aud, near misses", () => {
  test(
    "accepts aud as an array holding only the token URL",
    spec(["BS-AUD-02", "BS-TREQ-01"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, withAudience([await t.tokenUrl()])),
      );
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
