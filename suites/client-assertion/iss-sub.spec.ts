import {
  clientAuthFailureChecks,
  ISS_SUB_VARIATIONS,
  keySigner,
  signedBy,
  spec,
  test,
  variationChecks,
  variationSpec,
  verify,
  withHeader,
} from "../../harness/index.ts";

// The variations (harness/assertion-variations.ts) are the ones the app-launch suite sends at the code exchange.
test.describe("Client assertion iss and sub", () => {
  for (const v of ISS_SUB_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }

  test(
    "rejects an assertion for one client signed with another client's registered key",
    spec(["BS-ISS-02", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const urlClient = await t.urlClient();
      // A key of an algorithm both clients use, so the key's owner is the only fault.
      const alg = client.keys.find((k) => urlClient.keys.some((o) => o.alg === k.alg))?.alg;
      test.skip(alg === undefined, "does not apply: the two clients' keys share no algorithm");
      const other = urlClient.key(alg);
      const ex = await t.requestToken(
        client,
        client.assertion(
          other.alg,
          withHeader("kid", other.kid),
          signedBy(keySigner(other.alg, other.privateKey)),
        ),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );
});
