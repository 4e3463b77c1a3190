import {
  clientAuthFailureChecks,
  spec,
  test,
  verify,
  withClaim,
  withoutClaim,
  type Mutation,
} from "../../harness/index.ts";

const variations: readonly { title: string; mutation: Mutation }[] = [
  { title: "rejects an assertion without jti", mutation: withoutClaim("jti") },
  { title: "rejects an assertion whose jti is empty", mutation: withClaim("jti", "") },
];

test.describe("Client assertion jti", () => {
  for (const v of variations) {
    test(v.title, spec(["BS-JTI-01", "BS-ERR-03"]), async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(client, client.assertion(undefined, v.mutation));
      await verify(clientAuthFailureChecks(ex));
    });
  }
});
