import { createPublicKey, type KeyObject } from "node:crypto";
import {
  clientAuthFailureChecks,
  spec,
  emptySigner,
  hmacSigner,
  familyName,
  keyFamilySlots,
  keySigner,
  signedBy,
  test,
  verify,
  withHeader,
  type Check,
} from "../../harness/index.ts";

// Under SMART its one algorithm (RS384, ES384); under oauth-jwt the family, the keys choosing at run time.
const RSA = familyName("RSA");
const EC = familyName("EC");

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

  // The header names the algorithm of the client's key of the other family, so the server knows that
  // algorithm and the mismatch is the only fault.
  const mismatches = [
    {
      keyFamily: "RSA",
      kty: "an RSA key",
      headerFamily: "EC",
      title: `alg ${EC} names an RSA key (signed by that key with ${RSA})`,
    },
    {
      keyFamily: "EC",
      kty: "an EC key",
      headerFamily: "RSA",
      title: `alg ${RSA} names an EC key (signed by that key with ${EC})`,
    },
  ] as const;
  for (const m of mismatches) {
    test(`rejects an assertion whose ${m.title}`, spec(["BS-ALG-04", "BS-ERR-03"]), async ({ t }) => {
      const client = await t.client();
      const why = "the mismatch needs an RSA key and an EC key";
      const [key] = client.keysOf(m.keyFamily, why);
      const [other] = client.keysOf(m.headerFamily, why);
      const ex = await t.requestToken(
        client,
        client.assertion(key.alg, withHeader("alg", other.alg), signedBy(keySigner(key.alg, key.privateKey))),
      );
      await verify(clientAuthFailureChecks(ex));
    });
  }

  for (const alg of ["RS256", "PS384"] as const) {
    test(
      `rejects an ${alg}-signed assertion when ${alg} is not advertised`,
      spec(["BS-ALG-08", "BS-ALG-05", "BS-ERR-03"], { level: "SHOULD" }),
      async ({ t }) => {
        const advertised = await t.signingAlgorithms();
        test.skip(advertised?.includes(alg) === true, `the server advertises ${alg}`);
        const client = await t.client();
        // Any RSA key makes RS256 and PS384; an EC or EdDSA key makes only its own algorithm.
        const [rsa] = client.keysOf("RSA", `${alg} is made only with an RSA key`);
        const ex = await t.requestToken(
          client,
          client.assertion(rsa.alg, withHeader("alg", alg), signedBy(keySigner(alg, rsa.privateKey))),
        );
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }

  // SMART: its RSA algorithm, "rs384"; oauth-jwt: the algorithm of the client's first key, e.g. "ps256".
  const smartRsa = keyFamilySlots().find((s) => s.family === "RSA")?.alg;
  test(
    smartRsa
      ? `rejects alg "${smartRsa.toLowerCase()}" (algorithm names are case-sensitive)`
      : "rejects the client's alg in lower case (algorithm names are case-sensitive)",
    spec(["BS-ALG-09", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const key = smartRsa
        ? client.keysOf("RSA", `the test sends "${smartRsa.toLowerCase()}"`)[0]
        : client.key();
      const ex = await t.requestToken(
        client,
        client.assertion(key.alg, withHeader("alg", key.alg.toLowerCase())),
      );
      await verify(clientAuthFailureChecks(ex));
    },
  );

  test(
    `rejects an ${EC} signature in ASN.1 DER instead of R||S`,
    spec(["BS-ALG-06", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.client();
      const keys = client.keysOf("EC", "DER encoding only exists for ECDSA signatures");
      const checks: Check[] = [];
      for (const ec of keys) {
        const ex = await t.requestToken(
          client,
          client.assertion(ec.alg, signedBy(keySigner(ec.alg, ec.privateKey, "der"))),
        );
        const judged = clientAuthFailureChecks(ex);
        // With several EC keys (ES256 and ES384), each check names the algorithm it judged.
        checks.push(
          ...(keys.length > 1
            ? judged.map((c) => ({ ...c, expectation: `${c.expectation} (${ec.alg})` }))
            : judged),
        );
      }
      await verify(checks);
    },
  );

  // The client's RSA or EC public key, in a form a confused server may take as the HMAC secret (its
  // first key of that family, whatever its algorithm).
  const confusions = [
    {
      alg: "HS256",
      family: "RSA",
      encoding: "its PEM SubjectPublicKeyInfo",
      secret: (k: KeyObject) => k.export({ type: "spki", format: "pem" }),
    },
    {
      alg: "HS384",
      family: "RSA",
      encoding: "its PEM PKCS#1 form",
      secret: (k: KeyObject) => k.export({ type: "pkcs1", format: "pem" }),
    },
    {
      alg: "HS256",
      family: "RSA",
      encoding: "its JWK as JSON text",
      secret: (_k: KeyObject, jwk: object) => JSON.stringify(jwk),
    },
    {
      alg: "HS256",
      family: "EC",
      encoding: "its PEM SubjectPublicKeyInfo",
      secret: (k: KeyObject) => k.export({ type: "spki", format: "pem" }),
    },
  ] as const;
  for (const c of confusions) {
    test(
      `rejects ${c.alg} keyed with the client's ${c.family} public key (${c.encoding})`,
      spec(["BS-ALG-03", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        const [key] = client.keysOf(c.family, `the HMAC secret is the client's ${c.family} public key`);
        const publicKey = createPublicKey(key.privateKey);
        const secret = c.secret(publicKey, key.publicJwk);
        const ex = await t.requestToken(
          client,
          client.assertion(
            key.alg,
            withHeader("alg", c.alg),
            signedBy(hmacSigner(c.alg === "HS256" ? "sha256" : "sha384", secret)),
          ),
        );
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }
});
