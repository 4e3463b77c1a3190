import {
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
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, (d) => withClaim("exp", d.now + 290)(d)),
      );
      await verify(tokenIssuedChecks(ex));
    },
  );
});
