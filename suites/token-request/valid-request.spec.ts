import { keyFamilySlots, spec, test, tokenIssuedChecks, verify, type Check } from "../../harness/index.ts";

test.describe("Valid token request", () => {
  // Per key family: under SMART titled by its one algorithm (RS384, ES384); under oauth-jwt by the family,
  // requested with each algorithm the client's keys of that family use.
  for (const { family, name } of keyFamilySlots()) {
    test(
      `issues an access token for a valid client_credentials request signed ${name}`,
      spec(["BS-TREQ-01", "BS-ALG-01"]),
      async ({ t }) => {
        const client = await t.client();
        const keys = client.keysOf(family, `it needs an ${name} key`);
        const checks: Check[] = [];
        for (const key of keys) {
          const judged = tokenIssuedChecks(await t.requestToken(client, client.assertion(key.alg)));
          checks.push(
            ...(keys.length > 1
              ? judged.map((c) => ({ ...c, expectation: `${c.expectation} (${key.alg})` }))
              : judged),
          );
        }
        await verify(checks);
      },
    );
  }
});
