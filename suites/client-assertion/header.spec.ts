import {
  clientAuthFailureChecks,
  spec,
  test,
  tokenIssuedChecks,
  verify,
  withHeader,
  withRawPayload,
} from "../../harness/index.ts";

test.describe("Client assertion header", () => {
  test(
    "rejects an assertion whose crit names an extension the server cannot understand",
    spec(["BS-JWTH-04", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(
          undefined,
          withHeader("crit", ["urn:example:conformance"]),
          withHeader("urn:example:conformance", true),
        ),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  test(
    "rejects an assertion typed as an access token (typ at+jwt)",
    spec(["BS-JWTH-02", "BS-ERR-03"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(client, client.assertion(undefined, withHeader("typ", "at+jwt")));
      await verify(clientAuthFailureChecks(ex));
    },
  );

  test(
    'accepts typ "jwt" in lower case (media types compare case-insensitively)',
    spec(["BS-JWTH-02", "BS-TREQ-01"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(client, client.assertion(undefined, withHeader("typ", "jwt")));
      await verify(tokenIssuedChecks(ex));
    },
  );

  test(
    "rejects an assertion that names aud twice, its own token URL first",
    spec(["BS-JWTH-05", "BS-AUD-01"]),
    async ({ t }) => {
      const client = await t.client();
      const duplicate = withRawPayload(
        (claims) => `${JSON.stringify(claims).slice(0, -1)},"aud":"https://attacker.example/token"}`,
      );
      const ex = await t.requestToken(client, client.assertion(undefined, duplicate));
      await verify(clientAuthFailureChecks(ex));
    },
  );
});
