import {
  clientAuthFailureChecks,
  spec,
  emptySigner,
  keySigner,
  responseObject,
  signedBy,
  test,
  verify,
  withHeader,
} from "../../harness/index.ts";

test.describe("Assertion signing algorithm", () => {
  for (const none of ["none", "None", "NONE"]) {
    test(
      `rejects an unsigned client assertion (alg "${none}", empty signature)`,
      spec(["BS-ALG-02", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.requestToken(
          client,
          client.assertion(undefined, withHeader("alg", none), signedBy(emptySigner)),
        );
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }

  test(
    "rejects an assertion whose alg ES384 names an RSA key (signed by that key with RS384)",
    spec(["BS-ALG-04", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const rsa = client.key("RS384");
      client.key("ES384"); // the server must know ES384 for the mismatch to be the only fault
      const ex = await t.requestToken(
        client,
        client.assertion("RS384", withHeader("alg", "ES384"), signedBy(keySigner("RS384", rsa.privateKey))),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  test(
    "rejects an assertion whose alg RS384 names an EC key (signed by that key with ES384)",
    spec(["BS-ALG-04", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const ec = client.key("ES384");
      client.key("RS384");
      const ex = await t.requestToken(
        client,
        client.assertion("ES384", withHeader("alg", "RS384"), signedBy(keySigner("ES384", ec.privateKey))),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  test(
    "rejects an RS256-signed assertion when RS256 is not advertised",
    spec(["BS-ALG-08", "BS-ERR-03"], { level: "SHOULD" }),
    async ({ t }) => {
      const advertised = responseObject(
        await t.http.get(t.target.wellKnownUrl, { accept: "application/json" }, "discovery"),
      )?.token_endpoint_auth_signing_alg_values_supported;
      test.skip(Array.isArray(advertised) && advertised.includes("RS256"), "the server advertises RS256");
      const client = await t.client();
      const rsa = client.key("RS384");
      const ex = await t.requestToken(
        client,
        client.assertion("RS384", withHeader("alg", "RS256"), signedBy(keySigner("RS256", rsa.privateKey))),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );
});
