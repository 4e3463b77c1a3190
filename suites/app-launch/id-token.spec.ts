import {
  idTokenChecks,
  spec,
  test,
  verify,
  type IdTokenItem,
  type LaunchDriver,
  type RequirementId,
} from "../../harness/index.ts";

/** The space-separated scope strings of a scope parameter (RFC 6749 §3.3). */
const scopeWords = (scope: string): string[] => scope.split(" ").filter((s) => s !== "");

/**
 * The id_token of a launch that asked for openid (OpenID Connect Core §3.1.3.7 as the client validates
 * it; SMART's fhirUser claim): each item judged by a test of its own.
 */

/**
 * A launch's id_token, verified; skips when the config's launch scope asks for no openid, or when the
 * response has no id_token and its scope no openid. The response's scope is the access token's (RFC 6749
 * §5.1): a server that binds access tokens to the FHIR server (RFC 8707 resource indicators) may leave
 * openid out of it and still issue the id_token, which is then judged.
 */
async function verifiedIdToken(launch: LaunchDriver) {
  test.skip(
    !scopeWords(launch.settings.scope).includes("openid"),
    `does not apply: the config's launch.scope ("${launch.settings.scope}") asks for no openid`,
  );
  const { exchange, body } = await launch.tokens();
  const idToken = body.id_token;
  test.skip(
    typeof idToken !== "string" &&
      typeof body.scope === "string" &&
      !scopeWords(body.scope).includes("openid"),
    `not observed: the server granted "${String(body.scope)}", without openid, and sent no id_token`,
  );
  return {
    exchange,
    body,
    verification: typeof idToken === "string" ? await launch.verifyIdToken(idToken) : undefined,
  };
}

const items: readonly { title: string; item: IdTokenItem; requirement: RequirementId }[] = [
  {
    title: "signs the id_token with a key its jwks_uri publishes",
    item: "signature",
    requirement: "AL-IDT-01",
  },
  { title: "names its issuer as the id_token's iss", item: "iss", requirement: "AL-IDT-02" },
  { title: "names the client as the id_token's aud", item: "aud", requirement: "AL-IDT-03" },
  { title: "issues an id_token that has not expired", item: "exp", requirement: "AL-IDT-04" },
];

test.describe("App launch: the id_token", () => {
  for (const { title, item, requirement } of items) {
    test(title, spec([requirement]), async ({ launch }) => {
      const { exchange, verification } = await verifiedIdToken(launch);
      await verify(
        verification
          ? idTokenChecks(verification, exchange, [item])
          : [
              {
                rule: "OIDC Core §3.1.3.3 (an id_token when openid is granted)",
                expectation: "a string id_token in the token response",
                evaluate: () => "the token response carries no id_token",
                exchange,
              },
            ],
      );
    });
  }

  test(
    "states fhirUser in the id_token when fhirUser is granted",
    spec(["AL-IDT-05"]),
    async ({ launch }) => {
      test.skip(
        !scopeWords(launch.settings.scope).includes("fhirUser"),
        `does not apply: the config's launch.scope ("${launch.settings.scope}") asks for no fhirUser`,
      );
      const { exchange, body, verification } = await verifiedIdToken(launch);
      const fhirUser = verification?.claims?.fhirUser;
      // As for openid: a scope that is the access token's alone may leave fhirUser out of a grant of it.
      test.skip(
        fhirUser === undefined &&
          typeof body.scope === "string" &&
          !scopeWords(body.scope).includes("fhirUser"),
        `not observed: the server granted "${String(body.scope)}", without fhirUser, and the id_token has no fhirUser claim`,
      );
      await verify([
        {
          rule: "SMART scopes-and-launch-context §Scopes for requesting identity data (fhirUser)",
          expectation: "a fhirUser claim: the absolute or relative URL of a FHIR resource",
          evaluate: () =>
            typeof fhirUser === "string" &&
            /(^|\/)(Practitioner|Patient|RelatedPerson|Person)\/[^/]+$/.test(fhirUser)
              ? undefined
              : `fhirUser is ${fhirUser === undefined ? "absent" : JSON.stringify(fhirUser)}`,
          exchange,
        },
      ]);
    },
  );
});
