import {
  clientAuthFailureChecks,
  spec,
  test,
  tokenIssuedChecks,
  verify,
  withClaim,
} from "../../harness/index.ts";

test.describe("Client assertion nbf and iat", () => {
  test(
    "rejects an assertion that is not valid until 10 minutes from now",
    spec(["BS-NBF-01", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, (d) => withClaim("nbf", d.now + 600)(d)),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  // No spec obliges a server to refuse a future iat (catalog BS-IAT-01), but an assertion claiming to be
  // issued an hour from now is implausible: accepting it is a SHOULD finding.
  test(
    "rejects an assertion issued an hour in the future (iat)",
    spec(["BS-IAT-01", "BS-ERR-03"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, (d) => withClaim("iat", d.now + 3600)(d)),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  test(
    "accepts an assertion with nbf and iat set to now",
    spec(["BS-TREQ-01", "BS-NBF-01", "BS-IAT-01"]),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, (d) => withClaim("iat", d.now)(withClaim("nbf", d.now)(d))),
      );
      await verify(tokenIssuedChecks(ex));
    },
  );

  // RFC 7519 §4.1.5/§4.1.6: nbf and iat are JSON numbers; RFC 7523 §3 item 10 has the server reject a JWT
  // that breaks RFC 7519. Both times are plausible, so only a server that coerces the strings accepts them.
  for (const { claim, requirement, at } of [
    { claim: "nbf", requirement: "BS-NBF-01", at: -60 },
    { claim: "iat", requirement: "BS-IAT-02", at: 0 },
  ] as const) {
    test(
      `rejects an assertion whose ${claim} is a numeric string`,
      spec([requirement, "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.requestToken(
          client,
          client.assertion(undefined, (d) => withClaim(claim, String(d.now + at))(d)),
        );
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }

  test("accepts an assertion with iat set to now", spec(["BS-TREQ-01", "BS-IAT-01"]), async ({ t }) => {
    const client = await t.client();
    const ex = await t.requestToken(
      client,
      client.assertion(undefined, (d) => withClaim("iat", d.now)(d)),
    );
    await verify(tokenIssuedChecks(ex));
  });
});
