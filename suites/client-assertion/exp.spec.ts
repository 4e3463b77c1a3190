import {
  activeProfile,
  clientAuthFailureChecks,
  spec,
  tokenIssuedChecks,
  expiredBy,
  test,
  verify,
  withClaim,
  withoutClaim,
  type Mutation,
  type RequirementId,
} from "../../harness/index.ts";

const variations: readonly { title: string; requirement: RequirementId; mutation: Mutation }[] = [
  {
    title: "rejects a client assertion whose exp is 10 minutes in the past",
    requirement: "BS-EXP-02",
    mutation: expiredBy(600),
  },
  {
    title: "rejects a client assertion whose exp is a day in the past",
    requirement: "BS-EXP-02",
    mutation: expiredBy(86_400),
  },
  {
    title: "rejects a client assertion without exp",
    requirement: "BS-EXP-01",
    mutation: withoutClaim("exp"),
  },
  {
    title: "rejects a client assertion whose exp is not a number",
    requirement: "BS-EXP-01",
    mutation: withClaim("exp", "tomorrow"),
  },
];

test.describe("Client assertion exp", () => {
  for (const v of variations) {
    test(v.title, spec([v.requirement, "BS-ERR-03"]), async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(client, client.assertion(undefined, v.mutation));
      await verify(clientAuthFailureChecks(ex));
    });
  }
});

test.describe("Client assertion lifetime", () => {
  test(
    "rejects an assertion that expires an hour from now",
    spec(["BS-EXP-03", "BS-JTI-05", "BS-ERR-03"], { level: "SHOULD" }),
    async ({ t }) => {
      const rules = t.config.assertion;
      test.skip(
        rules.lifetimeSeconds >= 3600,
        `the config states the server's clients send assertions living ${rules.lifetimeSeconds} s (assertion.lifetimeSeconds)`,
      );
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, (d) => withClaim("exp", d.now + 3600)(d)),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  test(
    "accepts an assertion that expires 290 seconds from now",
    spec(["BS-EXP-03", "BS-TREQ-01"], { level: "SHOULD" }),
    async ({ t }) => {
      // SMART lets clients send up to five minutes; a server judged by the RFCs alone may refuse an exp
      // that far ahead (RFC 7523 §3 item 4), so there only the lifetime the config states is known good.
      const rules = t.config.assertion;
      const stated = rules.stated.includes("lifetimeSeconds");
      test.skip(
        rules.lifetimeSeconds < 290 && (stated || activeProfile().profile.genericOnly === true),
        stated
          ? `the config states the server's clients send assertions living ${rules.lifetimeSeconds} s (assertion.lifetimeSeconds): a positive test sends no longer ones`
          : "RFC 7523 §3 item 4 lets the server refuse an exp far in the future: set assertion.lifetimeSeconds to 290 or more if the server accepts such assertions",
      );
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, (d) => withClaim("exp", d.now + 290)(d)),
      );
      await verify(tokenIssuedChecks(ex));
    },
  );
});
