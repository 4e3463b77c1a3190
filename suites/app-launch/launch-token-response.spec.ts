import { header, spec, test, verify } from "../../harness/index.ts";

/** The space-separated scope strings of a scope parameter (RFC 6749 §3.3). */
const scopeWords = (scope: string): string[] => scope.split(" ").filter((s) => s !== "");

/**
 * The token response of a launch's code exchange (RFC 6749 §5.1, SMART app-launch §Response and the launch
 * context of scopes-and-launch-context): what it must and must not carry for the scopes granted.
 */
test.describe("App launch: the token response", () => {
  test("names the patient when launch/patient is granted", spec(["AL-TRESP-01"]), async ({ launch }) => {
    test.skip(
      !scopeWords(launch.settings.scope).includes("launch/patient"),
      `does not apply: the config's launch.scope ("${launch.settings.scope}") asks for no launch/patient`,
    );
    const { exchange, body } = await launch.tokens();
    const granted = typeof body.scope === "string" ? scopeWords(body.scope) : undefined;
    test.skip(
      granted !== undefined && !granted.includes("launch/patient"),
      `not observed: the server granted "${String(body.scope)}", without launch/patient`,
    );
    await verify([
      {
        rule: "SMART scopes-and-launch-context §Launch context arrives with your access_token",
        expectation: "a non-empty string patient member",
        evaluate: () =>
          typeof body.patient === "string" && body.patient !== ""
            ? undefined
            : `patient is ${body.patient === undefined ? "absent" : JSON.stringify(body.patient)}`,
        exchange,
      },
    ]);
  });

  test("forbids caching of the code exchange's token response", spec(["AL-TRESP-02"]), async ({ launch }) => {
    const { exchange } = await launch.tokens();
    await verify([
      {
        rule: "RFC 6749 §5.1",
        expectation: "Cache-Control: no-store",
        evaluate: () => {
          const value = header(exchange, "cache-control");
          return value !== undefined && /(^|,)\s*no-store\s*(,|$)/i.test(value)
            ? undefined
            : `Cache-Control is ${value === undefined ? "absent" : JSON.stringify(value)}`;
        },
        exchange,
      },
    ]);
  });

  test(
    "issues no refresh_token without offline_access or online_access",
    spec(["AL-TRESP-03"]),
    async ({ launch }) => {
      const scope = scopeWords(launch.settings.scope)
        .filter((s) => s !== "offline_access" && s !== "online_access")
        .join(" ");
      const { exchange, body } = await launch.tokens({ scope });
      await verify([
        {
          rule: "SMART scopes-and-launch-context §Scopes for requesting a refresh token",
          expectation: `no refresh_token for scope "${scope}"`,
          evaluate: () => (body.refresh_token === undefined ? undefined : "a refresh_token was issued"),
          exchange,
        },
      ]);
    },
  );
});
