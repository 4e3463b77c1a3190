import {
  clientAuthFailureChecks,
  spec,
  corruptedSignature,
  emptySigner,
  freshJti,
  generateClientKey,
  keySigner,
  signedBy,
  tamperedClaim,
  test,
  verify,
  type SigningAlg,
} from "../../harness/index.ts";

test.describe("Assertion signature", () => {
  for (const alg of ["RS384", "ES384"] as const satisfies readonly SigningAlg[]) {
    test(
      `rejects a ${alg} assertion whose payload was changed after signing`,
      spec(["BS-SIG-01", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.requestToken(client, client.assertion(alg, tamperedClaim("jti", freshJti())));
        await verify(clientAuthFailureChecks(ex));
      },
    );

    test(
      `rejects a ${alg} assertion with one signature bit flipped`,
      spec(["BS-SIG-01", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.requestToken(client, client.assertion(alg, corruptedSignature));
        await verify(clientAuthFailureChecks(ex));
      },
    );

    test(
      `rejects a ${alg} assertion signed by an unregistered key under a registered kid`,
      spec(["BS-SIG-01", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        client.key(alg);
        const { key: foreign } = await generateClientKey(alg);
        const ex = await t.requestToken(
          client,
          client.assertion(alg, signedBy(keySigner(alg, foreign.privateKey))),
        );
        await verify(clientAuthFailureChecks(ex));
      },
    );

    test(
      `rejects a ${alg} assertion whose signature segment is empty`,
      spec(["BS-SIG-01", "BS-ERR-03"]),
      async ({ t }) => {
        const client = await t.client();
        const ex = await t.requestToken(client, client.assertion(alg, signedBy(emptySigner)));
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }
});
