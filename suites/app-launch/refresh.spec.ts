import {
  clientAuthFailureChecks,
  expiredBy,
  oauthErrorChecks,
  responseObject,
  spec,
  test,
  verify,
  withParam,
  type Exchange,
  type LaunchDriver,
} from "../../harness/index.ts";

/** The space-separated scope strings of a scope parameter (RFC 6749 §3.3). */
const scopeWords = (scope: string): string[] => scope.split(" ").filter((s) => s !== "");

/**
 * The refresh grant of a launch (RFC 6749 §6): the confidential client authenticates with its signed
 * assertion again, exactly as at the code exchange.
 */

/** What the launch's code exchange gave: its refresh token, access token, granted scopes and patient. */
interface Launched {
  readonly refreshToken: string;
  readonly accessToken: string | undefined;
  /** The granted scopes (the response's scope, or the requested ones where it names none: RFC 6749 §5.1). */
  readonly granted: readonly string[];
  readonly patient: string | undefined;
}

/** A launch that asked for offline_access (or online_access) and got a refresh token; skips without one. */
async function launched(launch: LaunchDriver): Promise<Launched> {
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
  return {
    refreshToken: body.refresh_token as string,
    accessToken: typeof body.access_token === "string" ? body.access_token : undefined,
    granted: typeof body.scope === "string" ? scopeWords(body.scope) : scopes,
    patient: typeof body.patient === "string" && body.patient !== "" ? body.patient : undefined,
  };
}

const refreshToken = async (launch: LaunchDriver): Promise<string> => (await launched(launch)).refreshToken;

/** Scopes beyond the original grant in the ones a refresh response names (none named: the original ones). */
function beyondGrant(ex: Exchange, granted: readonly string[]): string[] {
  const scope = responseObject(ex)?.scope;
  return typeof scope === "string" ? scopeWords(scope).filter((s) => !granted.includes(s)) : [];
}

/** A scope the launch neither asked for nor was granted, for asking beyond the grant. */
function ungranted(launch: LaunchDriver, granted: readonly string[]): string {
  const known = new Set([...granted, ...scopeWords(launch.settings.scope)]);
  const candidate = ["user/*.rs", "user/*.read", "patient/*.cruds", "system/*.rs"].find((s) => !known.has(s));
  return candidate ?? "user/Patient.cruds";
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
    "issues a new, usable access token for a refresh authenticated by the client's assertion",
    spec(["AL-REF-02"]),
    async ({ t, launch }) => {
      const first = await launched(launch);
      // Where the launch's own token reads: its patient's record, else a one-entry Patient search.
      const path = first.patient ? `Patient/${first.patient}` : "Patient?_count=1";
      test.skip(first.accessToken === undefined, "not observed: the code exchange issued no access_token");
      const before = await t.fhirGet(path, first.accessToken, "the launch's own token at the FHIR endpoint");
      test.skip(
        before.response.status !== 200,
        `not observed: the launch's own token read ${path} with HTTP ${before.response.status}, so there is nothing to compare the refreshed token with`,
      );
      const ex = await launch.exchange(await launch.refreshParams(first.refreshToken), "refresh");
      const body = responseObject(ex);
      const token = body?.access_token;
      const after =
        ex.response.status === 200 && typeof token === "string" && token !== ""
          ? await t.fhirGet(path, token, "the refreshed access token at the FHIR endpoint")
          : undefined;
      await verify([
        {
          rule: "RFC 6749 §6 (a valid refresh token and client authentication: an access token as in §5.1)",
          expectation: "HTTP 200 with a non-empty access_token",
          evaluate: () =>
            ex.response.status === 200 && typeof token === "string" && token !== ""
              ? undefined
              : `got HTTP ${ex.response.status}${body?.error === undefined ? "" : ` (error ${JSON.stringify(body.error)})`}`,
          exchange: ex,
        },
        {
          rule: "RFC 6749 §5.1, §7.1; SMART app-launch §Refresh access token",
          expectation: 'token_type "Bearer" (case-insensitive)',
          evaluate: () =>
            typeof body?.token_type === "string" && body.token_type.toLowerCase() === "bearer"
              ? undefined
              : `token_type is ${JSON.stringify(body?.token_type)}`,
          exchange: ex,
        },
        {
          rule: "RFC 6749 §6 (no scope beyond the original grant)",
          expectation: `scope within the original grant "${first.granted.join(" ")}"`,
          evaluate: () => {
            const beyond = beyondGrant(ex, first.granted);
            return beyond.length === 0 ? undefined : `the refresh granted ${beyond.join(" ")} as well`;
          },
          exchange: ex,
        },
        {
          rule: "RFC 6749 §6, §7 (the new access token accesses the protected resources)",
          expectation: `the refreshed token reads ${path}, as the launch's own token did`,
          evaluate: () =>
            after === undefined || after.response.status === 200
              ? undefined
              : `${path} answered the refreshed token with HTTP ${after.response.status}`,
          exchange: after ?? ex,
        },
      ]);
    },
  );

  test(
    "grants no scope beyond the original grant to a refresh that asks for more",
    spec(["AL-REF-03"]),
    async ({ launch }) => {
      const first = await launched(launch);
      const extra = ungranted(launch, first.granted);
      const scope = [...first.granted, extra].join(" ");
      const ex = await launch.exchange(
        await launch.refreshParams(first.refreshToken, { scope }),
        `refresh asking for ${extra} besides the original grant`,
      );
      if (ex.response.status === 200 && typeof responseObject(ex)?.access_token === "string") {
        // A token narrowed to the original grant is the other outcome RFC 6749 §6 allows.
        await verify([
          {
            rule: "RFC 6749 §6 (the requested scope MUST NOT include any scope not originally granted)",
            expectation: `a refusal (invalid_scope), or a token whose scope leaves ${extra} out`,
            evaluate: () => {
              const named = responseObject(ex)?.scope;
              if (typeof named !== "string")
                return `the token response names no scope, so the token carries the requested "${scope}" (RFC 6749 §5.1)`;
              const beyond = beyondGrant(ex, first.granted);
              return beyond.length === 0 ? undefined : `the refresh granted ${beyond.join(" ")}`;
            },
            exchange: ex,
          },
        ]);
        return;
      }
      await verify(oauthErrorChecks(ex, { codes: ["invalid_scope"], rule: "RFC 6749 §6, §5.2" }));
    },
  );

  test("refuses a refresh token presented by another client", spec(["AL-REF-04"]), async ({ t, launch }) => {
    const other = await t.urlClient();
    const main = await t.client();
    test.skip(other.clientId === main.clientId, "does not apply: the config registers only one client");
    const first = await launched(launch);
    let params = await launch.refreshParams(first.refreshToken, { assertion: other.assertion() });
    if (params.some(([k]) => k === "client_id")) params = withParam(params, "client_id", other.clientId);
    const ex = await launch.exchange(params, `refresh by ${other.clientId}`);
    await verify(
      oauthErrorChecks(ex, {
        codes: ["invalid_grant", "unauthorized_client"],
        rule: "RFC 6749 §6, §5.2",
        // No token is the SHALL; which of the two codes names the refusal is the server's reading of §5.2.
        codeLevel: "SHOULD",
      }),
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
