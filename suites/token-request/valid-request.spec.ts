import { spec, test, tokenIssuedChecks, verify, type SigningAlg } from "../../harness/index.ts";

test.describe("Valid token request", () => {
  const algorithms: readonly SigningAlg[] = ["RS384", "ES384"];
  for (const alg of algorithms) {
    test(
      `issues an access token for a valid client_credentials request signed ${alg}`,
      spec(["BS-TREQ-01", "BS-ALG-01"]),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.requestToken(client, client.assertion(alg));
        await verify(tokenIssuedChecks(ex));
      },
    );
  }
});
