import { SIGNATURE_VARIATIONS, test, variationChecks, variationSpec, verify } from "../../harness/index.ts";

// Per key family: under SMART titled by its one algorithm (RS384, ES384); under oauth-jwt by the family, each
// variation signed with every algorithm the client's keys of that family use. The variations
// (harness/assertion-variations.ts) are the ones the app-launch suite sends at the code exchange.
test.describe("Assertion signature", () => {
  for (const v of SIGNATURE_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }
});
