import {
  clientAuthFailureChecks,
  freshJti,
  keySigner,
  LATITUDE,
  oauthErrorChecks,
  signedBy,
  spec,
  test,
  verify,
  withClaim,
  withHeader,
  withoutClaim,
  withParam,
  type Mutation,
  type RequirementId,
} from "../../harness/index.ts";

const unregistered = `unregistered-${freshJti()}`;
/**
 * `clientId`: the client_id form parameter sent with the assertion when the server's clients send one
 * (config assertion.clientIdParameter): the assertion's sub, as RFC 7523 §3 item 2 makes the sub the
 * client_id, so that a mismatch between the two is never what the server refuses. `subMismatch`: the
 * assertion's sub cannot equal a client_id string (absent, an array), so a server that compares the two
 * first may refuse the request for that mismatch, with either code the specs allow there (latitude
 * client-id-mismatch, catalog AMB-16).
 */
const variations: readonly {
  title: string;
  requirement: RequirementId;
  mutation: Mutation;
  clientId?: string;
  subMismatch?: true;
}[] = [
  {
    title: "rejects an assertion from an unregistered client",
    requirement: "BS-ISS-01",
    mutation: (d) => withClaim("sub", unregistered)(withClaim("iss", unregistered)(d)),
    clientId: unregistered,
  },
  { title: "rejects an assertion without iss", requirement: "BS-ISS-01", mutation: withoutClaim("iss") },
  {
    // What ONC (g)(10) test 8.1.04 sends: a registered sub, an iss that names no client.
    title: "rejects an assertion whose iss names no client although sub names this one",
    requirement: "BS-ISS-01",
    mutation: withClaim("iss", "not_a_valid_iss"),
  },
  {
    // RFC 7519 §4.1.1: iss is a StringOrURI, not an array; a server that coerces it reads ["x"] as "x".
    title: "rejects an assertion whose iss is a one-element array holding the client_id",
    requirement: "BS-ISS-01",
    mutation: (d) => withClaim("iss", [d.claims.iss])(d),
  },
  {
    title: "rejects an assertion without sub",
    requirement: "BS-SUB-01",
    mutation: withoutClaim("sub"),
    subMismatch: true,
  },
  {
    // RFC 7519 §4.1.2: sub is a StringOrURI as well.
    title: "rejects an assertion whose sub is a one-element array holding the client_id",
    requirement: "BS-SUB-01",
    mutation: (d) => withClaim("sub", [d.claims.sub])(d),
    subMismatch: true,
  },
  {
    title: "rejects an assertion whose sub differs from iss",
    requirement: "BS-SUB-01",
    mutation: withClaim("sub", "someone-else"),
    clientId: "someone-else",
  },
];

test.describe("Client assertion iss and sub", () => {
  for (const v of variations) {
    test(v.title, spec([v.requirement, "BS-ERR-03"]), async ({ t }) => {
      const client = await t.client();
      const params = client.tokenRequest(client.assertion(undefined, v.mutation));
      const clientIdSent = params.some(([k]) => k === "client_id");
      const ex = await t.postToken(
        clientIdSent && v.clientId ? withParam(params, "client_id", v.clientId) : params,
        { label: "token request" },
      );
      await verify(
        clientIdSent && v.subMismatch
          ? oauthErrorChecks(ex, {
              codes: LATITUDE["client-id-mismatch"].codes,
              rule: "RFC 7523 §3.2 (RFC 7521 §4.2 when client_id and sub disagree)",
            })
          : clientAuthFailureChecks(ex),
      );
    });
  }

  test(
    "rejects an assertion for one client signed with another client's registered key",
    spec(["BS-ISS-02", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const urlClient = await t.urlClient();
      // A key of an algorithm both clients use, so the key's owner is the only fault.
      const alg = client.keys.find((k) => urlClient.keys.some((o) => o.alg === k.alg))?.alg;
      test.skip(alg === undefined, "does not apply: the two clients' keys share no algorithm");
      const other = urlClient.key(alg);
      const ex = await t.requestToken(
        client,
        client.assertion(
          other.alg,
          withHeader("kid", other.kid),
          signedBy(keySigner(other.alg, other.privateKey)),
        ),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );
});
