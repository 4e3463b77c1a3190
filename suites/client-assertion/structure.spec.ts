import {
  b64url,
  oauthErrorChecks,
  replacedBy,
  spec,
  test,
  verify,
  withRawPayload,
  type Mutation,
} from "../../harness/index.ts";

/** Reworks a signed compact JWS: `parts` are its [header, payload, signature] segments. */
const reshaped = (render: (parts: string[]) => string): Mutation =>
  replacedBy((compact) => render(compact.split(".")));

const variations: readonly { title: string; mutation: Mutation }[] = [
  { title: "rejects a client_assertion that is not a JWS at all", mutation: replacedBy(() => "abc") },
  {
    title: "rejects a client_assertion of two segments (signature dropped)",
    mutation: reshaped(([h, p]) => `${h}.${p}`),
  },
  {
    title: "rejects a client_assertion of five segments (JWE-shaped)",
    mutation: reshaped(([h, p, s]) => `${h}.${p}.${s}.${b64url("iv")}.${b64url("tag")}`),
  },
  {
    title: "rejects a client_assertion in JWS JSON serialization",
    mutation: reshaped(([h, p, s]) =>
      JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] }),
    ),
  },
  {
    title: "rejects a client_assertion whose header is not base64url",
    mutation: reshaped(([, p, s]) => `@@not*base64@@.${p}.${s}`),
  },
  {
    title: "rejects a client_assertion whose header is not JSON",
    mutation: reshaped(([, p, s]) => `${b64url("alg=RS384")}.${p}.${s}`),
  },
  {
    title: "rejects a client_assertion whose header is a JSON array",
    mutation: reshaped(([, p, s]) => `${b64url('["RS384"]')}.${p}.${s}`),
  },
  {
    title: "rejects a signed client_assertion whose payload is JSON but not an object",
    mutation: withRawPayload(() => '"iss sub aud exp jti"'),
  },
];

test.describe("Client assertion JWS structure", () => {
  for (const v of variations) {
    test(v.title, spec(["BS-JWTH-03", "BS-ERR-07"]), async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(client, client.assertion(undefined, v.mutation));
      await verify(
        oauthErrorChecks(ex, {
          codes: ["invalid_client", "invalid_request"],
          rule: "RFC 7523 §3 / RFC 7519 §7.2",
        }),
      );
    });
  }
});
