import {
  clientAuthFailureChecks,
  expiredBy,
  oauthErrorChecks,
  spec,
  test,
  verify,
  type LaunchDriver,
} from "../../harness/index.ts";

/** The space-separated scope strings of a scope parameter (RFC 6749 §3.3). */
const scopeWords = (scope: string): string[] => scope.split(" ").filter((s) => s !== "");

/**
 * The refresh grant of a launch (RFC 6749 §6): the confidential client authenticates with its signed
 * assertion again, exactly as at the code exchange.
 */

/** A refresh token from a launch that asked for offline_access (or online_access); skips without one. */
async function refreshToken(launch: LaunchDriver): Promise<string> {
  const scopes = scopeWords(launch.settings.scope);
  test.skip(
    !scopes.includes("offline_access") && !scopes.includes("online_access"),
    `does not apply: the config's launch.scope ("${launch.settings.scope}") asks for neither offline_access nor online_access`,
  );
  const { body } = await launch.tokens();
  test.skip(
    typeof body.refresh_token !== "string",
    "not observed: the code exchange issued no refresh_token",
  );
  return body.refresh_token as string;
}

test.describe("App launch: the refresh grant", () => {
  test("refuses a refresh without client authentication", spec(["AL-REF-01"]), async ({ t, launch }) => {
    const token = await refreshToken(launch);
    const client = await t.client();
    const params = await launch.refreshParams(token, {
      changes: { client_assertion: undefined, client_assertion_type: undefined, client_id: client.clientId },
    });
    const ex = await launch.exchange(params, "refresh without client authentication");
    await verify(
      oauthErrorChecks(ex, { codes: ["invalid_client", "invalid_request"], rule: "RFC 6749 §6, §5.2" }),
    );
  });

  test(
    "refuses a refresh whose client assertion expired 10 minutes ago",
    spec(["AL-REF-01", "BS-EXP-02"]),
    async ({ t, launch }) => {
      const token = await refreshToken(launch);
      const client = await t.client();
      const params = await launch.refreshParams(token, {
        assertion: client.assertion(undefined, expiredBy(600)),
      });
      const ex = await launch.exchange(params, "refresh with an expired assertion");
      await verify(clientAuthFailureChecks(ex));
    },
  );
});
