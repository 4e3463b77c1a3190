import { randomUUID } from "node:crypto";
import {
  b64url,
  LATITUDE,
  header,
  oauthErrorChecks,
  replacedBy,
  responseObject,
  schemaCheck,
  spec,
  test,
  tokenRequestParams,
  verify,
  withClaim,
  withHeader,
  withoutParam,
  type ConformanceContext,
  type Mutation,
  type Exchange,
} from "../../harness/index.ts";

function nested(depth: number): unknown {
  let value: unknown = "deep";
  for (let i = 0; i < depth; i++) value = { x: value };
  return value;
}

/**
 * A representative refusal whose cause no other check can waive: a client_assertion that is not a JWS.
 * (An expired assertion would make these tests depend on the exp check too.)
 */
async function refusedRequest(t: ConformanceContext): Promise<Exchange> {
  const client = await t.client();
  return t.requestToken(client, "not-a-jws");
}

test.describe("Token endpoint errors", () => {
  test("describes a refusal with an RFC 6749 §5.2 error object", spec(["BS-ERR-01"]), async ({ t }) => {
    const ex = await refusedRequest(t);
    await verify([
      ...oauthErrorChecks(ex, { codes: ["invalid_client", "invalid_request"], rule: "RFC 7523 §3" }),
      schemaCheck(
        ex,
        "oauth-error",
        "RFC 6749 §5.2",
        "a registered error code; error_description and error_uri, if present, well-formed",
      ),
    ]);
  });

  test("explains errors with error_description or error_uri", spec(["BS-ERR-02"]), async ({ t }) => {
    const ex = await refusedRequest(t);
    await verify([
      {
        rule: "SMART backend services §issue access token",
        expectation: "error_description or error_uri in the error response",
        evaluate: () => {
          const body = responseObject(ex);
          return typeof body?.error_description === "string" || typeof body?.error_uri === "string"
            ? undefined
            : "neither is present";
        },
      },
    ]);
  });

  test(
    "uses only the permitted characters in error and error_description",
    spec(["BS-ERR-06"]),
    async ({ t }) => {
      const ex = await refusedRequest(t);
      const allowed = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;
      await verify([
        {
          rule: "RFC 6749 §5.2",
          expectation: 'printable ASCII without " or \\ in error and error_description',
          evaluate: () => {
            const body = responseObject(ex) ?? {};
            const bad = ["error", "error_description"].filter(
              (k) => typeof body[k] === "string" && !allowed.test(body[k]),
            );
            return bad.length === 0
              ? undefined
              : `${bad.join(" and ")} use characters outside the permitted set`;
          },
        },
      ]);
    },
  );

  test(
    "sends a WWW-Authenticate challenge whenever it answers 401",
    spec(["BS-ERR-04"], { level: "SHOULD" }),
    async ({ t }) => {
      // The refusals servers most often answer with 401; a server that answers all of them with 400 gives
      // this test nothing to judge (the status is its choice, harness/latitude.ts client-auth-status).
      const client = await t.client();
      const unknown = `unknown-client-${randomUUID()}`;
      const exchanges = [
        await refusedRequest(t),
        await t.requestToken(
          client,
          client.assertion(undefined, withClaim("iss", unknown), withClaim("sub", unknown)),
        ),
        await t.requestToken(
          client,
          client.assertion(undefined, withHeader("kid", `unknown-${randomUUID()}`)),
        ),
        await t.postToken(
          withoutParam(
            withoutParam(tokenRequestParams("", client.scope), "client_assertion"),
            "client_assertion_type",
          ),
          {
            headers: {
              authorization: `Basic ${Buffer.from(`${client.clientId}:not-the-secret`).toString("base64")}`,
            },
            label: "token request authenticated with HTTP Basic and a wrong secret",
          },
        ),
      ];
      await verify(
        exchanges.map((ex) => ({
          rule: "RFC 9110 §15.5.2 / RFC 6749 §5.2",
          expectation: `a 401 to carry WWW-Authenticate (${ex.label})`,
          applies: {
            observed: ex.response.status === 401,
            event: `no refusal was answered with 401 (tried: a client_assertion that is not a JWS, an unknown client, an unknown kid, HTTP Basic with a wrong secret: ${exchanges.map((e) => e.response.status).join(", ")})`,
          },
          evaluate: () =>
            header(ex, "www-authenticate") !== undefined ? undefined : "401 without WWW-Authenticate",
        })),
      );
    },
  );
});

test.describe("Token endpoint robustness", () => {
  // Valid assertions that are unusual but allowed: accepting them is the server's choice
  // (harness/latitude.ts large-assertion); a 5xx or a hang is not.
  const unusual: readonly { title: string; mutation: Mutation }[] = [
    {
      title: "copes with a validly signed 64 kB client assertion (a token or a 4xx OAuth error, never a 5xx)",
      mutation: withClaim("padding", "x".repeat(64 * 1024)),
    },
    {
      title: "copes with a deeply nested extra header member (a token or a 4xx OAuth error, never a 5xx)",
      mutation: withHeader("x-nested", nested(200)),
    },
  ];
  for (const u of unusual) {
    test(u.title, spec(["BS-ERR-07"]), async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(client, client.assertion(undefined, u.mutation));
      const issued = ex.response.status === 200 && typeof responseObject(ex)?.access_token === "string";
      const point = LATITUDE["large-assertion"];
      await verify(
        issued ? [] : oauthErrorChecks(ex, { codes: point.codes, rule: point.basis, codeLevel: "SHOULD" }),
      );
    });
  }

  test(
    "answers binary bytes in client_assertion with a 4xx OAuth error",
    spec(["BS-ERR-07", "BS-JWTH-03"]),
    async ({ t }) => {
      const client = await t.client();
      const binary = Buffer.from([0x00, 0xff, 0xfe, 0x2e, 0x80, 0x2e, 0x01]).toString("latin1");
      const ex = await t.postToken(client.tokenRequest(binary), {
        label: "token request with binary bytes as client_assertion",
      });
      await verify(
        oauthErrorChecks(ex, {
          codes: ["invalid_client", "invalid_request"],
          rule: "SMART backend services §issue access token",
        }),
      );
    },
  );

  // JavaScript servers that look actions up with `in` on a plain object find Object.prototype's members.
  for (const scope of ["system/Patient.constructor"]) {
    test(
      `answers the scope ${scope} (an object prototype member) without a 5xx or a grant`,
      spec(["BS-ERR-07", "BS-SCOPE-05"]),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.requestToken(client, client.assertion(), scope);
        const granted = responseObject(ex)?.scope;
        const issued = ex.response.status === 200 && typeof responseObject(ex)?.access_token === "string";
        await verify(
          issued
            ? [
                {
                  rule: "SMART scopes (undefined permissions grant nothing)",
                  expectation: `no scope granted for "${scope}"`,
                  evaluate: () =>
                    typeof granted === "string" && granted.split(" ").includes(scope)
                      ? `the token response grants "${granted}"`
                      : undefined,
                },
              ]
            : oauthErrorChecks(ex, {
                codes: ["invalid_scope", "invalid_request"],
                rule: "RFC 6749 §5.2",
              }),
        );
      },
    );
  }

  test(
    "answers a header that decodes to invalid UTF-8 with a 4xx OAuth error",
    spec(["BS-ERR-07", "BS-JWTH-03"]),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(
        client,
        client.assertion(
          undefined,
          replacedBy(
            (compact) =>
              `${b64url(Buffer.from([0xc3, 0x28, 0xa0, 0xa1]))}.${compact.split(".").slice(1).join(".")}`,
          ),
        ),
      );
      await verify(
        oauthErrorChecks(ex, {
          codes: ["invalid_client", "invalid_request"],
          rule: "SMART backend services §issue access token",
        }),
      );
    },
  );
});
