import {
  clientAuthFailureChecks,
  freshJti,
  spec,
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

  for (const [name, kid] of [
    ["path and SQL metacharacters", "../../etc/passwd' OR '1'='1"],
    ["4096 characters", "k".repeat(4096)],
  ] as const) {
    test(
      `answers a kid of ${name} with invalid_client, not a server error`,
      spec(["BS-ERR-07", "BS-KEY-03"]),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.requestToken(client, client.assertion(undefined, withHeader("kid", kid)));
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }
});
