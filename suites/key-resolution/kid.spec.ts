import {
  clientAuthFailureChecks,
  spec,
  freshJti,
  test,
  verify,
  withHeader,
  withoutHeader,
} from "../../harness/index.ts";

test.describe("Key selection by kid", () => {
  test(
    "rejects a client assertion whose kid names no registered key",
    spec(["BS-KEY-03", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, withHeader("kid", `unknown-${freshJti()}`)),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  test("rejects a client assertion without kid", spec(["BS-JWTH-01", "BS-ERR-03"]), async ({ t }) => {
    const client = await t.client();
    const ex = await t.requestToken(client, client.assertion(undefined, withoutHeader("kid")));
    await verify(clientAuthFailureChecks(ex));
  });
});
