import { JTI_VARIATIONS, test, variationChecks, variationSpec, verify } from "../../harness/index.ts";

// The variations (harness/assertion-variations.ts) are the ones the app-launch suite sends at the code exchange.
test.describe("Client assertion jti", () => {
  for (const v of JTI_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }
});
