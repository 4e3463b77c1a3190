import {
  clientAuthFailureChecks,
  freshJti,
  keySigner,
  signedBy,
  spec,
  test,
  verify,
  withClaim,
  withHeader,
  withoutClaim,
  type Mutation,
  type RequirementId,
} from "../../harness/index.ts";

const unregistered = `unregistered-${freshJti()}`;
const variations: readonly { title: string; requirement: RequirementId; mutation: Mutation }[] = [
  {
    title: "rejects an assertion from an unregistered client",
    requirement: "BS-ISS-01",
    mutation: (d) => withClaim("sub", unregistered)(withClaim("iss", unregistered)(d)),
  },
  { title: "rejects an assertion without iss", requirement: "BS-ISS-01", mutation: withoutClaim("iss") },
  {
    // What ONC (g)(10) test 8.1.04 sends: a registered sub, an iss that names no client.
    title: "rejects an assertion whose iss names no client although sub names this one",
    requirement: "BS-ISS-01",
    mutation: withClaim("iss", "not_a_valid_iss"),
  },
  { title: "rejects an assertion without sub", requirement: "BS-SUB-01", mutation: withoutClaim("sub") },
  {
    title: "rejects an assertion whose sub differs from iss",
    requirement: "BS-SUB-01",
    mutation: withClaim("sub", "someone-else"),
  },
];

test.describe("Client assertion iss and sub", () => {
  for (const v of variations) {
    test(v.title, spec([v.requirement, "BS-ERR-03"]), async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(client, client.assertion(undefined, v.mutation));
      await verify(clientAuthFailureChecks(ex));
    });
  }

  test(
    "rejects an assertion for one client signed with another client's registered key",
    spec(["BS-ISS-02", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const other = (await t.urlClient()).key("RS384");
      const ex = await t.requestToken(
        client,
        client.assertion(
          "RS384",
          withHeader("kid", other.kid),
          signedBy(keySigner("RS384", other.privateKey)),
        ),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );
});
