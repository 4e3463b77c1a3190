import {
  activeProfile,
  AUD_NEAR_MISS_VARIATIONS,
  AUD_VARIATIONS,
  clientAuthFailureChecks,
  issuerOf,
  spec,
  tokenIssuedChecks,
  test,
  variationChecks,
  variationSpec,
  verify,
  withAudience,
} from "../../harness/index.ts";

/**
 * The token URL and the issuer both identify the server (RFC 7523 §3 item 3); the config's assertion.aud
 * says which one it requires (default: the token URL, SMART's rule), and the other is refused. A server
 * judged by the RFCs alone (oauth-jwt) may accept either, so there the refusal is judged only when the
 * config states the aud it requires.
 */
const OTHER_IDENTIFIER =
  "rejects a client assertion whose aud is the issuer or token URL, whichever it does not require";

// The variations (harness/assertion-variations.ts) are the ones the app-launch suite sends at the code exchange.
test.describe("Client assertion aud", () => {
  for (const v of AUD_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }
});

test.describe("Client assertion aud, the server's own rule", () => {
  test(OTHER_IDENTIFIER, spec(["BS-AUD-01", "BS-ERR-03"]), async ({ t }) => {
    const rules = t.config.assertion;
    test.skip(
      activeProfile().profile.genericOnly === true && !rules.stated.includes("aud"),
      "RFC 7523 §3 item 3 lets the server accept any value that identifies it, its issuer as well as its token URL: set assertion.aud in the config to the aud the server requires to judge this",
    );
    const client = await t.client();
    const tokenUrl = await t.tokenUrl();
    const issuer = await issuerOf(t, tokenUrl);
    const other = rules.aud === "issuer" || client.aud === issuer ? tokenUrl : issuer;
    test.skip(
      other === client.aud,
      `the server's issuer and its token URL are the same string here (${tokenUrl}): no other identifier to send`,
    );
    const ex = await t.requestToken(client, client.assertion(undefined, withAudience(other)));
    await verify(clientAuthFailureChecks(ex));
  });
});

test.describe("Client assertion aud, near misses", () => {
  test(
    "accepts aud as an array holding only the token URL",
    spec(["BS-AUD-02", "BS-TREQ-01"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const tokenUrl = await t.tokenUrl();
      test.skip(
        client.aud !== tokenUrl,
        `the server requires aud "${client.aud}" (config assertion.aud), not its token URL`,
      );
      const ex = await t.requestToken(client, client.assertion(undefined, withAudience([tokenUrl])));
      await verify(tokenIssuedChecks(ex));
    },
  );

  for (const v of AUD_NEAR_MISS_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }
});
