import {
  ASSERTION_VARIATION_TABLES,
  breakTest,
  clientAuthFailureChecks,
  codeExchangeTitle,
  responseObject,
  spec,
  test,
  variationChecks,
  verify,
  withClaim,
  withParam,
  type Client,
  type LaunchDriver,
  type VariationSender,
} from "../../harness/index.ts";

/**
 * Client authentication at the authorization-code exchange: the client-assertion variations of the
 * backend-services families (harness/assertion-variations.ts, the same rows), each sent with a fresh code
 * of a completed launch; the server must refuse every one as it does at client_credentials
 * (SMART client-confidential-asymmetric applies to both grants).
 */

/** Sends a variation's assertion in the exchange of a fresh code (its client_id parameter, when one goes). */
const atCodeExchange =
  (launch: LaunchDriver) =>
  (_client: Client): VariationSender =>
  async (request) => {
    const { request: authorization, code } = await launch.code();
    let params = await launch.exchangeParams(code, authorization, { assertion: request.assertion });
    const clientIdSent = params.some(([k]) => k === "client_id");
    if (clientIdSent && request.clientId !== undefined)
      params = withParam(params, "client_id", request.clientId);
    return { exchange: await launch.exchange(params), clientIdSent };
  };

for (const { family, variations } of ASSERTION_VARIATION_TABLES) {
  test.describe(`App launch: client assertion ${family} at the code exchange`, () => {
    for (const v of variations) {
      test(
        codeExchangeTitle(v.title),
        spec([...v.requirements, "AL-CAUTH-01"], v.level === undefined ? {} : { level: v.level }),
        async ({ t, launch }) => {
          await verify(await variationChecks(v, t, () => t.client(), atCodeExchange(launch)));
        },
      );
    }
  });
}

test.describe("App launch: client assertion replay at the code exchange", () => {
  // The jti is what a replay cache keys on (SMART client-confidential-asymmetric): a newly signed assertion
  // with the jti of one already honoured at a code exchange is refused at the next.
  test(
    "refuses a code exchange whose newly signed assertion reuses a jti",
    spec(["BS-JTI-03", "AL-CAUTH-01"]),
    async ({ t, launch }) => {
      const client = await t.client();
      const draft = client.draft();
      const exp = Number(draft.claims.exp);
      const first = await launch.code();
      const honoured = await launch.exchange(
        await launch.exchangeParams(first.code, first.request, {
          assertion: client.assertion(undefined, withClaim("jti", draft.claims.jti), withClaim("exp", exp)),
        }),
      );
      if (honoured.response.status !== 200 || typeof responseObject(honoured)?.access_token !== "string")
        breakTest(
          "ERR_TARGET_PREREQUISITE",
          `a valid code exchange was refused with HTTP ${honoured.response.status}; this test reuses its assertion's jti`,
        );
      // One second less than the first's exp makes it another assertion (another signature) within its lifetime.
      const again = client.assertion(
        undefined,
        withClaim("jti", draft.claims.jti),
        withClaim("exp", exp - 1),
      );
      const second = await launch.code();
      const refused = await launch.exchange(
        await launch.exchangeParams(second.code, second.request, { assertion: again }),
        "another code exchange, its assertion reusing the jti",
      );
      await verify(clientAuthFailureChecks(refused));
    },
  );
});
