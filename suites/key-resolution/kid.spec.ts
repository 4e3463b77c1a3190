import { KID_VARIATIONS, test, variationChecks, variationSpec, verify } from "../../harness/index.ts";

// The variations (harness/assertion-variations.ts) are the ones the app-launch suite sends at the code exchange.
test.describe("Key selection by kid", () => {
  for (const v of KID_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }
});
