import {
  breakTest,
  codeVerifier,
  oauthErrorChecks,
  responseObject,
  spec,
  test,
  verify,
  withParam,
  type Exchange,
  type LaunchDriver,
  type OAuthErrorCode,
  type ParamChanges,
} from "../../harness/index.ts";

/**
 * The authorization code exchange (RFC 6749 §4.1.3, RFC 7636 §4.5): the code is single-use, bound to the
 * client, its redirect_uri and its code_challenge, and short-lived; the client authenticates by its assertion.
 */

/** A fresh code exchanged with `changes` to the valid exchange's parameters. */
async function exchangeChanged(launch: LaunchDriver, changes: ParamChanges): Promise<Exchange> {
  const { request, code } = await launch.code();
  return launch.exchange(await launch.exchangeParams(code, request, { changes }));
}

const refused = (ex: Exchange, codes: readonly OAuthErrorCode[], rule: string, codeLevel?: "SHOULD") =>
  verify(oauthErrorChecks(ex, { codes, rule, ...(codeLevel ? { codeLevel } : {}) }));

/** The first exchange of a code must succeed: the prerequisite of the tests that present it again. */
function firstUse(ex: Exchange): string {
  const token = responseObject(ex)?.access_token;
  if (ex.response.status !== 200 || typeof token !== "string")
    breakTest(
      "ERR_TARGET_PREREQUISITE",
      `the first exchange of a fresh code was refused with HTTP ${ex.response.status}; this test presents a code twice`,
    );
  return token;
}

test.describe("App launch: the code exchange", () => {
  test("refuses a code presented a second time", spec(["AL-CODE-01"]), async ({ launch }) => {
    const { request, code } = await launch.code();
    firstUse(await launch.exchange(await launch.exchangeParams(code, request)));
    const second = await launch.exchange(await launch.exchangeParams(code, request), "the same code again");
    await refused(second, ["invalid_grant"], "RFC 6749 §4.1.2, §5.2");
  });

  test(
    "revokes the tokens issued from a code presented a second time",
    spec(["AL-CODE-02"]),
    async ({ t, launch }) => {
      const { request, code } = await launch.code();
      const first = await launch.exchange(await launch.exchangeParams(code, request));
      const token = firstUse(first);
      // Where the token reads: its patient's record, else (a launch without patient context, e.g. a
      // practitioner's user/ scopes) a one-entry Patient search; a token that reads neither is not observed.
      const patient = responseObject(first)?.patient;
      const path = typeof patient === "string" && patient !== "" ? `Patient/${patient}` : "Patient?_count=1";
      const before = await t.fhirGet(path, token, "the launch's token at the FHIR endpoint");
      test.skip(
        before.response.status !== 200,
        `not observed: the token from the code read ${path} with HTTP ${before.response.status} even before the code was presented again`,
      );
      await launch.exchange(await launch.exchangeParams(code, request), "the same code again");
      const after = await t.fhirGet(path, token, "the first token after the code was presented again");
      await verify([
        {
          rule: "RFC 6749 §4.1.2 (SHOULD revoke all tokens previously issued based on that code)",
          expectation: "the token issued from the code to stop working once the code is presented again",
          evaluate: () =>
            after.response.status === 401 || after.response.status === 403
              ? undefined
              : `${path} still answered HTTP ${after.response.status}`,
          exchange: after,
        },
      ]);
    },
  );

  test("refuses a code exchanged by another client", spec(["AL-CODE-03"]), async ({ t, launch }) => {
    const other = await t.urlClient();
    const main = await t.client();
    test.skip(other.clientId === main.clientId, "does not apply: the config registers only one client");
    const { request, code } = await launch.code();
    let params = await launch.exchangeParams(code, request, { assertion: other.assertion() });
    if (params.some(([k]) => k === "client_id")) params = withParam(params, "client_id", other.clientId);
    const ex = await launch.exchange(params, `authorization code exchange by ${other.clientId}`);
    // The SHALL is that the other client gets no token. invalid_grant (a code issued to another client)
    // and unauthorized_client (a client not registered for the grant) are the codes RFC 6749 §5.2 gives
    // these refusals; another code is a SHOULD finding, as for a backend client's authorization_code grant.
    await refused(ex, ["invalid_grant", "unauthorized_client"], "RFC 6749 §4.1.3, §5.2", "SHOULD");
  });

  test(
    "refuses a code exchanged with another redirect_uri than its request's",
    spec(["AL-CODE-04"]),
    async ({ launch }) => {
      const uri = launch.settings.redirectUri;
      const ex = await exchangeChanged(launch, {
        redirect_uri: `${uri}${uri.includes("?") ? "&" : "?"}other=1`,
      });
      await refused(ex, ["invalid_grant"], "RFC 6749 §4.1.3, §5.2");
    },
  );

  test(
    "refuses a code exchanged without its request's redirect_uri",
    spec(["AL-CODE-04"]),
    async ({ launch }) => {
      const ex = await exchangeChanged(launch, { redirect_uri: undefined });
      await refused(ex, ["invalid_request", "invalid_grant"], "RFC 6749 §4.1.3, §5.2");
    },
  );

  test("refuses a code exchanged with a wrong code_verifier", spec(["AL-PKCE-03"]), async ({ launch }) => {
    const ex = await exchangeChanged(launch, { code_verifier: codeVerifier() });
    await refused(ex, ["invalid_grant"], "RFC 7636 §4.6");
  });

  test("refuses a code exchanged without code_verifier", spec(["AL-PKCE-03"]), async ({ launch }) => {
    const ex = await exchangeChanged(launch, { code_verifier: undefined });
    await refused(ex, ["invalid_request", "invalid_grant"], "RFC 7636 §4.5, §4.6");
  });

  test(
    "refuses a code exchanged with its code_challenge as the code_verifier",
    spec(["AL-PKCE-03"]),
    async ({ launch }) => {
      const { request, code } = await launch.code();
      const ex = await launch.exchange(
        await launch.exchangeParams(code, request, { changes: { code_verifier: request.pkce.challenge } }),
      );
      await refused(ex, ["invalid_grant"], "RFC 7636 §4.6");
    },
  );

  test(
    "refuses a code presented after its lifetime",
    spec(["AL-CODE-05"], { slow: true }),
    async ({ launch }) => {
      const lifetime = launch.settings.codeLifetimeSeconds;
      test.skip(
        lifetime === undefined,
        "the config states no launch.codeLifetimeSeconds: how long the server's codes live is not advertised",
      );
      const seconds = lifetime as number;
      // The wait is the test's own, on top of the time its requests may take.
      test.setTimeout(test.info().timeout + (seconds + 2) * 1000);
      const { request, code } = await launch.code();
      await new Promise((resolve) => setTimeout(resolve, (seconds + 2) * 1000));
      const ex = await launch.exchange(
        await launch.exchangeParams(code, request),
        "the code after its lifetime",
      );
      await refused(ex, ["invalid_grant"], "RFC 6749 §4.1.2, §5.2");
    },
  );

  test(
    "refuses a code exchange without client authentication",
    spec(["AL-CODE-06"]),
    async ({ t, launch }) => {
      const client = await t.client();
      const ex = await exchangeChanged(launch, {
        client_assertion: undefined,
        client_assertion_type: undefined,
        client_id: client.clientId,
      });
      await refused(ex, ["invalid_client", "invalid_request"], "RFC 6749 §4.1.3, §5.2");
    },
  );
});
