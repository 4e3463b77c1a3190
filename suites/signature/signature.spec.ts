import {
  clientAuthFailureChecks,
  spec,
  corruptedSignature,
  emptySigner,
  freshJti,
  generateClientKey,
  keyFamilySlots,
  keySigner,
  signedBy,
  tamperedClaim,
  test,
  verify,
  withHeader,
  type Check,
  type ClientKey,
  type Exchange,
} from "../../harness/index.ts";

/**
 * Sends one variation per key and judges every answer; with several keys (oauth-jwt: e.g. RS256 and PS256)
 * each check names the algorithm it judged.
 */
async function rejectedWithEach(
  keys: readonly ClientKey[],
  request: (key: ClientKey) => Promise<Exchange>,
): Promise<void> {
  const checks: Check[] = [];
  for (const key of keys) {
    const judged = clientAuthFailureChecks(await request(key));
    checks.push(
      ...(keys.length > 1
        ? judged.map((c) => ({ ...c, expectation: `${c.expectation} (${key.alg})` }))
        : judged),
    );
  }
  await verify(checks);
}

/** The article before a key family's name in a title: SMART's "a RS384" titles stay as Allure history knows them. */
const article = (name: string): string => (/^(RSA|ECDSA|EdDSA)$/.test(name) ? "an" : "a");

test.describe("Assertion signature", () => {
  // Per key family: under SMART titled by its one algorithm (RS384, ES384); under oauth-jwt by the family,
  // signed with each algorithm the client's keys of that family use.
  for (const { family, name } of keyFamilySlots()) {
    const needs = `it needs an ${name} key`;

    test(
      `rejects ${article(name)} ${name} assertion whose payload was changed after signing`,
      spec(["BS-SIG-01", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        await rejectedWithEach(client.keysOf(family, needs), (key) =>
          t.requestToken(client, client.assertion(key.alg, tamperedClaim("jti", freshJti()))),
        );
      },
    );

    test(
      `rejects ${article(name)} ${name} assertion with one signature bit flipped`,
      spec(["BS-SIG-01", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        await rejectedWithEach(client.keysOf(family, needs), (key) =>
          t.requestToken(client, client.assertion(key.alg, corruptedSignature)),
        );
      },
    );

    test(
      `rejects ${article(name)} ${name} assertion signed by an unregistered key under a registered kid`,
      spec(["BS-SIG-01", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        await rejectedWithEach(client.keysOf(family, needs), async (key) => {
          const { key: foreign } = await generateClientKey(key.alg);
          return t.requestToken(
            client,
            client.assertion(key.alg, signedBy(keySigner(key.alg, foreign.privateKey))),
          );
        });
      },
    );

    // RFC 7523 §3 item 9 and RFC 8725 §3.10: the signature is checked with the client's registered key,
    // never with one the assertion brings along (CVE-2018-0114). The jwk names the registered kid too, so a
    // server that looks keys up by kid in the header's jwk is caught as well.
    test(
      `rejects ${article(name)} ${name} assertion signed by a key embedded in its jwk header`,
      spec(["BS-SIG-01", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        await rejectedWithEach(client.keysOf(family, needs), async (key) => {
          const { key: attacker } = await generateClientKey(key.alg);
          return t.requestToken(
            client,
            client.assertion(
              key.alg,
              withHeader("jwk", { ...attacker.publicJwk, kid: key.kid }),
              signedBy(keySigner(key.alg, attacker.privateKey)),
            ),
          );
        });
      },
    );

    test(
      `rejects ${article(name)} ${name} assertion whose signature segment is empty`,
      spec(["BS-SIG-01", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        await rejectedWithEach(client.keysOf(family, needs), (key) =>
          t.requestToken(client, client.assertion(key.alg, signedBy(emptySigner))),
        );
      },
    );
  }
});
