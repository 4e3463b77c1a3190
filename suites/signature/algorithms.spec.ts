import { createPublicKey, type KeyObject } from "node:crypto";
import {
  clientAuthFailureChecks,
  spec,
  emptySigner,
  hmacSigner,
  keySigner,
  signedBy,
  test,
  verify,
  withHeader,
} from "../../harness/index.ts";

test.describe("Assertion signing algorithm", () => {
  for (const none of ["none", "None", "NONE", "nOnE"]) {
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

  for (const alg of ["RS256", "PS384"] as const) {
    test(
      `rejects an ${alg}-signed assertion when ${alg} is not advertised`,
      spec(["BS-ALG-08", "BS-ALG-05", "BS-ERR-03"], { level: "SHOULD" }),
      async ({ t }) => {
        const advertised = await t.signingAlgorithms();
        test.skip(advertised?.includes(alg) === true, `the server advertises ${alg}`);
        const client = await t.client();
        const rsa = client.key("RS384");
        const ex = await t.requestToken(
          client,
          client.assertion("RS384", withHeader("alg", alg), signedBy(keySigner(alg, rsa.privateKey))),
        );
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }

  test(
    'rejects alg "rs384" (algorithm names are case-sensitive)',
    spec(["BS-ALG-09", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const ex = await t.requestToken(client, client.assertion("RS384", withHeader("alg", "rs384")));
      await verify(clientAuthFailureChecks(ex));
    },
  );

  test(
    "rejects an ES384 signature in ASN.1 DER instead of R||S",
    spec(["BS-ALG-06", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const ec = client.key("ES384");
      const ex = await t.requestToken(
        client,
        client.assertion("ES384", signedBy(keySigner("ES384", ec.privateKey, "der"))),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  const confusions = [
    {
      alg: "HS256",
      kty: "RS384",
      encoding: "its PEM SubjectPublicKeyInfo",
      secret: (k: KeyObject) => k.export({ type: "spki", format: "pem" }),
    },
    {
      alg: "HS384",
      kty: "RS384",
      encoding: "its PEM PKCS#1 form",
      secret: (k: KeyObject) => k.export({ type: "pkcs1", format: "pem" }),
    },
    {
      alg: "HS256",
      kty: "RS384",
      encoding: "its JWK as JSON text",
      secret: (_k: KeyObject, jwk: object) => JSON.stringify(jwk),
    },
    {
      alg: "HS256",
      kty: "ES384",
      encoding: "its PEM SubjectPublicKeyInfo",
      secret: (k: KeyObject) => k.export({ type: "spki", format: "pem" }),
    },
  ] as const;
  for (const c of confusions) {
    test(
      `rejects ${c.alg} keyed with the client's ${c.kty === "RS384" ? "RSA" : "EC"} public key (${c.encoding})`,
      spec(["BS-ALG-03", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        const key = client.key(c.kty);
        const publicKey = createPublicKey(key.privateKey);
        const secret = c.secret(publicKey, key.publicJwk);
        const ex = await t.requestToken(
          client,
          client.assertion(
            c.kty,
            withHeader("alg", c.alg),
            signedBy(hmacSigner(c.alg === "HS256" ? "sha256" : "sha384", secret)),
          ),
        );
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }
});
