import { ALGORITHM_VARIATIONS, test, variationChecks, variationSpec, verify } from "../../harness/index.ts";

// Under SMART its one algorithm (RS384, ES384); under oauth-jwt the family, the keys choosing at run time.
// The variations (harness/assertion-variations.ts) are the ones the app-launch suite sends at the code exchange.
test.describe("Assertion signing algorithm", () => {
  for (const v of ALGORITHM_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }
});
