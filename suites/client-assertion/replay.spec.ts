import {
  clientAuthFailureChecks,
  describeResponse,
  responseObject,
  spec,
  test,
  tokenIssuedChecks,
  verify,
  withClaim,
} from "../../harness/index.ts";

test.describe("Client assertion replay", () => {
  test(
    "refuses the same assertion presented a second time",
    spec(["BS-JTI-02", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const assertion = client.assertion();
      const first = await t.requestToken(client, assertion);
      await verify(tokenIssuedChecks(first));
      const second = await t.requestToken(client, assertion);
      await verify(clientAuthFailureChecks(second));
    },
  );

  test(
    "refuses a newly signed assertion that reuses a jti",
    spec(["BS-JTI-03", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const draft = client.draft();
      const exp = Number(draft.claims.exp);
      const first = await t.requestToken(
        client,
        client.assertion(undefined, withClaim("jti", draft.claims.jti), withClaim("exp", exp)),
      );
      await verify(tokenIssuedChecks(first));
      // One second less than the first's exp makes it another assertion (another signature, whatever the
      // clock did meanwhile) that stays within the server's lifetime.
      const again = client.assertion(
        undefined,
        withClaim("jti", draft.claims.jti),
        withClaim("exp", exp - 1),
      );
      const second = await t.requestToken(client, again);
      await verify(clientAuthFailureChecks(second));
    },
  );

  test(
    "issues at most one token for ten concurrent copies of one assertion",
    spec(["BS-JTI-02"]),
    async ({ t }) => {
      const client = await t.client();
      const assertion = client.assertion();
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => t.requestToken(client, assertion)),
      );
      const issued = responses.filter((ex) => typeof responseObject(ex)?.access_token === "string");
      await verify([
        {
          rule: "SMART client-confidential-asymmetric §signature verification (jti)",
          expectation: "at most one of ten concurrent copies to be honoured",
          evaluate: () =>
            issued.length <= 1
              ? undefined
              : `${issued.length} tokens were issued (${responses.map(describeResponse).join("; ")})`,
        },
        {
          rule: "SMART client-confidential-asymmetric §response",
          expectation: "every refused copy to be answered invalid_client",
          evaluate: () => {
            const wrong = responses.filter(
              (ex) => ex.response.status !== 200 && responseObject(ex)?.error !== "invalid_client",
            );
            return wrong.length === 0 ? undefined : `got ${wrong.map(describeResponse).join("; ")}`;
          },
        },
      ]);
    },
  );
});
