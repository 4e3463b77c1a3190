import { STRUCTURE_VARIATIONS, test, variationChecks, variationSpec, verify } from "../../harness/index.ts";

// The variations (harness/assertion-variations.ts) are the ones the app-launch suite sends at the code exchange.
test.describe("Client assertion JWS structure", () => {
  for (const v of STRUCTURE_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }
});
