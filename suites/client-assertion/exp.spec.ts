import {
  activeProfile,
  clientAuthFailureChecks,
  EXP_VARIATIONS,
  spec,
  tokenIssuedChecks,
  test,
  variationChecks,
  variationSpec,
  verify,
  withClaim,
} from "../../harness/index.ts";

// The variations (harness/assertion-variations.ts) are the ones the app-launch suite sends at the code exchange.
test.describe("Client assertion exp", () => {
  for (const v of EXP_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }
});

/**
 * The longest lifetime the server accepts: SMART's five minutes, or the server's own limit (config
 * assertion.maxLifetimeSeconds; under oauth-jwt these tests run only when it is stated, RFC 7523 §3 item 4
 * leaving the limit to the server).
 */
test.describe("Client assertion lifetime", () => {
  test(
    "rejects an assertion that expires an hour from now",
    spec(["BS-EXP-03", "BS-JTI-05", "BS-ERR-03"], { level: "SHOULD" }),
    async ({ t }) => {
      const rules = t.config.assertion;
      test.skip(
        rules.lifetimeSeconds >= 3600,
        `the config states the server's clients send assertions living ${rules.lifetimeSeconds} s (assertion.lifetimeSeconds)`,
      );
      // A minute of margin for the server's clock tolerance.
      test.skip(
        rules.maxLifetimeSeconds + 60 >= 3600,
        `does not apply: the config states the server accepts assertions living up to ${rules.maxLifetimeSeconds} s (assertion.maxLifetimeSeconds)`,
      );
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, (d) => withClaim("exp", d.now + 3600)(d)),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  // SMART lets clients send up to five minutes; a server outside SMART, up to the limit it states.
  const generic = activeProfile().profile.genericOnly === true;
  test(
    generic
      ? "accepts an assertion that expires 10 seconds within the lifetime limit the server states"
      : "accepts an assertion that expires 290 seconds from now",
    spec(["BS-EXP-03", "BS-TREQ-01"], { level: "SHOULD" }),
    async ({ t }) => {
      const rules = t.config.assertion;
      const ahead = generic ? rules.maxLifetimeSeconds - 10 : 290;
      test.skip(
        ahead < 1 || (rules.stated.includes("maxLifetimeSeconds") && rules.maxLifetimeSeconds < ahead),
        `does not apply: the config states the server accepts assertions living at most ${rules.maxLifetimeSeconds} s (assertion.maxLifetimeSeconds)`,
      );
      test.skip(
        !rules.stated.includes("maxLifetimeSeconds") &&
          rules.stated.includes("lifetimeSeconds") &&
          rules.lifetimeSeconds < 290,
        `the config states the server's clients send assertions living ${rules.lifetimeSeconds} s (assertion.lifetimeSeconds): a positive test sends no longer ones`,
      );
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(undefined, (d) => withClaim("exp", d.now + ahead)(d)),
      );
      await verify(tokenIssuedChecks(ex));
    },
  );
});
