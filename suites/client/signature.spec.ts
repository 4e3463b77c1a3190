// BS-CLI-05: the signature — made with a key of the registered set (as the kid says), JOSE R‖S encoding for
// ECDSA, RSA keys of at least 2048 bits.
import {
  clientKeySet,
  clientTest as test,
  looksLikeDer,
  rsaModulusBits,
  spec,
  verify,
  verifyWithKeySet,
} from "../../harness/index.ts";

test.describe("assertion signature", () => {
  test("signs with the registered key its kid names", spec(["BS-CLI-05"]), async ({ judged }) => {
    test.skip(judged.assertions.length === 0, "the client sent no client assertion");
    await judged.attach(judged.assertions.map((t) => t.request));
    const keySet = clientKeySet(judged.session);
    const verdicts = new Map(
      await Promise.all(
        judged.assertions.map(
          async (t) =>
            [t.request, keySet.keys ? await verifyWithKeySet(t.assertion, keySet.keys) : undefined] as const,
        ),
      ),
    );
    await verify([
      {
        rule: "RFC 7523 §3 item 9 / RFC 7515 §5.2",
        expectation: `a signature that verifies with the key of ${keySet.source} its kid names`,
        evaluate: () =>
          keySet.keys
            ? judged.assertionViolations((_a, request) => {
                const verdict = verdicts.get(request);
                return verdict && !verdict.ok ? verdict.problem : undefined;
              })
            : keySet.problem,
      },
    ]);
  });

  test("encodes ECDSA signatures as JOSE R‖S, not DER", spec(["BS-CLI-05"]), async ({ judged }) => {
    const ecdsa = judged.assertions.filter((t) => String(t.assertion.header?.alg).startsWith("ES"));
    test.skip(ecdsa.length === 0, "the client sent no ECDSA-signed assertion");
    await judged.attach(ecdsa.map((t) => t.request));
    await verify([
      {
        rule: "RFC 7518 §3.4",
        expectation: "the signature as the fixed-width concatenation R‖S (96 bytes for ES384)",
        evaluate: () =>
          judged.violations(
            ecdsa.map((t) => t.request),
            (r) => {
              const a = ecdsa.find((t) => t.request === r)?.assertion;
              const alg = String(a?.header?.alg);
              const sig = a?.signature ?? new Uint8Array();
              return looksLikeDer(sig, alg)
                ? `a ${sig.length}-byte ASN.1 DER signature`
                : alg === "ES384" && sig.length !== 96
                  ? `a ${sig.length}-byte signature`
                  : undefined;
            },
          ),
      },
    ]);
  });

  test("uses RSA keys of at least 2048 bits", spec(["BS-CLI-05"]), async ({ judged }) => {
    const keySet = clientKeySet(judged.session);
    test.skip(!keySet.keys, keySet.problem ?? "");
    const rsa = (keySet.keys ?? []).filter((k) => k.kty === "RSA");
    test.skip(rsa.length === 0, `${keySet.source} has no RSA key`);
    await verify([
      {
        rule: "RFC 7518 §3.3",
        expectation: `every RSA key of ${keySet.source} at least 2048 bits`,
        evaluate: () => {
          const short = rsa
            .map((k) => [k.kid, rsaModulusBits(k) ?? 0] as const)
            .filter(([, bits]) => bits < 2048)
            .map(([kid, bits]) => `key ${JSON.stringify(kid)} has ${bits} bits`);
          return short.length ? short.join("; ") : undefined;
        },
      },
    ]);
  });
});
