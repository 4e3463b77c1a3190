import {
  spec,
  test,
  verify,
  type AuthorizeResult,
  type Check,
  type LaunchDriver,
  type ParamChanges,
} from "../../harness/index.ts";

/**
 * The authorization request of a standalone launch (RFC 6749 §4.1.1, RFC 7636 §4.3, SMART's aud), judged by
 * where the browser ends: a redirect to the redirect URI with a code or an error, or a page of the server's.
 */

/** A refusal: no code; `redirected`, an error redirect with one of `codes` (`page`: an error page will do). */
function refusalChecks(
  result: AuthorizeResult,
  expected: { rule: string; codes?: readonly string[]; page?: "allowed" },
): Check[] {
  const got = describe(result);
  const checks: Check[] = [
    {
      rule: expected.rule,
      expectation: "the authorization to be refused, with no code issued",
      evaluate: () => (result.kind === "code" ? `got ${got}` : undefined),
      exchange: result.exchange,
    },
  ];
  if (expected.page !== "allowed")
    checks.push({
      rule: "RFC 6749 §4.1.2.1",
      expectation: "the error sent to the registered redirect URI (the client and redirect_uri are valid)",
      evaluate: () => (result.kind === "page" ? `got ${got}` : undefined),
      exchange: result.exchange,
    });
  if (expected.codes)
    checks.push({
      rule: "RFC 6749 §4.1.2.1",
      expectation: `error=${expected.codes.join(" or ")}${expected.page === "allowed" ? " when redirected" : ""}`,
      evaluate: () =>
        result.kind !== "error" || expected.codes?.includes(result.error) === true ? undefined : `got ${got}`,
      exchange: result.exchange,
    });
  return checks;
}

function describe(result: AuthorizeResult): string {
  switch (result.kind) {
    case "code":
      return "a redirect with a code";
    case "error":
      return `a redirect with error=${result.error || "(none)"}${result.description ? ` ("${result.description}")` : ""}`;
    case "page":
      return `a page of the server (HTTP ${result.status}) at ${result.url}, no redirect`;
  }
}

/** Authorizes a valid request with `changes`, expecting a refusal. */
async function refusedRequest(launch: LaunchDriver, changes: ParamChanges): Promise<AuthorizeResult> {
  return launch.authorize(launch.request({ changes }), { refusalExpected: true });
}

/** The registered redirect URI with a query the registration does not have: another URI, same endpoint. */
const withQuery = (uri: string, query: string): string => `${uri}${uri.includes("?") ? "&" : "?"}${query}`;

test.describe("App launch: the authorization request", () => {
  test("returns state unchanged with the code", spec(["AL-AUTHZ-01"]), async ({ launch }) => {
    const request = launch.request();
    const result = await launch.authorize(request);
    await verify([
      {
        rule: "RFC 6749 §4.1.2",
        expectation: "a redirect with a code and the state sent, unchanged",
        evaluate: () =>
          result.kind !== "code"
            ? `got ${describe(result)}`
            : result.state === request.state
              ? undefined
              : `state came back as ${result.state === undefined ? "absent" : JSON.stringify(result.state)}, ${JSON.stringify(request.state)} was sent`,
        exchange: result.exchange,
      },
    ]);
  });

  test(
    "refuses an authorization request without code_challenge",
    spec(["AL-PKCE-01"]),
    async ({ launch }) => {
      const result = await refusedRequest(launch, {
        code_challenge: undefined,
        code_challenge_method: undefined,
      });
      await verify(
        refusalChecks(result, {
          rule: "SMART app-launch (PKCE required); RFC 7636 §4.4.1",
          codes: ["invalid_request"],
        }),
      );
    },
  );

  test(
    "refuses code_challenge_method plain when it advertises S256",
    spec(["AL-PKCE-02"]),
    async ({ launch }) => {
      const methods = launch.endpoints.document.code_challenge_methods_supported;
      test.skip(
        !Array.isArray(methods) || !methods.includes("S256"),
        `does not apply: code_challenge_methods_supported is ${JSON.stringify(methods)}, without S256`,
      );
      const result = await launch.authorize(launch.request({ pkce: "plain" }), { refusalExpected: true });
      await verify(
        refusalChecks(result, {
          rule: "SMART conformance (plain SHALL NOT be supported)",
          codes: ["invalid_request"],
        }),
      );
    },
  );

  test(
    "refuses a code_challenge without code_challenge_method (plain by default)",
    spec(["AL-PKCE-02"]),
    async ({ launch }) => {
      const result = await launch.authorize(
        launch.request({ pkce: "plain", changes: { code_challenge_method: undefined } }),
        { refusalExpected: true },
      );
      await verify(
        refusalChecks(result, {
          rule: "SMART conformance (plain SHALL NOT be supported); RFC 7636 §4.3 (absent means plain)",
          codes: ["invalid_request"],
        }),
      );
    },
  );

  test(
    "answers an unregistered redirect_uri with its own page, never a redirect to it",
    spec(["AL-AUTHZ-02"]),
    async ({ launch }) => {
      const unregistered = withQuery(launch.settings.redirectUri, "unregistered=1");
      const result = await refusedRequest(launch, { redirect_uri: unregistered });
      await verify([
        {
          rule: "RFC 6749 §4.1.2.1 (MUST NOT automatically redirect to an invalid redirection URI)",
          expectation: `no redirect to ${unregistered}`,
          evaluate: () => (result.kind === "page" ? undefined : `got ${describe(result)}`),
          exchange: result.exchange,
        },
      ]);
    },
  );

  test(
    "issues no code for a redirect_uri that only starts with the registered one",
    spec(["AL-AUTHZ-03"]),
    async ({ launch }) => {
      const extended = withQuery(launch.settings.redirectUri, "next=https%3A%2F%2Fattacker.example%2F");
      const result = await refusedRequest(launch, { redirect_uri: extended });
      await verify([
        {
          rule: "RFC 6749 §3.1.2.3 (simple string comparison); SMART app-launch (must match a registered URI)",
          expectation: "the authorization to be refused, with no code issued",
          evaluate: () => (result.kind === "code" ? `got ${describe(result)}` : undefined),
          exchange: result.exchange,
        },
      ]);
    },
  );

  test("refuses an aud that is not its FHIR base URL", spec(["AL-AUTHZ-04"]), async ({ launch }) => {
    const result = await refusedRequest(launch, { aud: "https://attacker.example/fhir" });
    await verify(
      refusalChecks(result, { rule: "SMART app-launch §Obtain authorization code (aud)", page: "allowed" }),
    );
  });

  test("refuses an authorization request without aud", spec(["AL-AUTHZ-04"]), async ({ launch }) => {
    const result = await refusedRequest(launch, { aud: undefined });
    await verify(
      refusalChecks(result, { rule: "SMART app-launch §Obtain authorization code (aud)", page: "allowed" }),
    );
  });

  test(
    "refuses an unknown response_type with unsupported_response_type",
    spec(["AL-AUTHZ-05"]),
    async ({ launch }) => {
      const result = await refusedRequest(launch, { response_type: "code_unknown" });
      await verify(
        refusalChecks(result, {
          rule: "RFC 6749 §4.1.2.1",
          codes: ["unsupported_response_type", "invalid_request"],
        }),
      );
    },
  );
});
