/**
 * BS-CLI-05: the signature — made with a key of the registered set (as the kid says), JOSE R‖S encoding for
 * ECDSA, RSA keys of at least 2048 bits.
 */
import type { ClientChecks } from "../client-check.ts";
import {
  clientKeySet,
  overKeySet,
  ecdsaSignatureLength,
  looksLikeDer,
  rsaModulusBits,
  verifyWithKeySet,
} from "../key-set.ts";

/** "96 bytes for ES384", or each ES algorithm's width when the judge accepts more than one. */
function widths(algorithms: readonly string[]): string {
  const es = algorithms.filter((a) => ecdsaSignatureLength(a) !== undefined);
  return es.map((a) => `${ecdsaSignatureLength(a)} bytes for ${a}`).join(", ") || "per the algorithm";
}

export const SIGNATURE_CHECKS = {
  signature: {
    title: "signs with the registered key its kid names",
    ids: ["BS-CLI-05"],
    judge: async (judged) => {
      if (judged.assertions.length === 0) return { skip: "the client sent no client assertion" };
      const keySet = clientKeySet(judged.session);
      const verdicts = new Map(
        await Promise.all(
          judged.assertions.map(
            async (t) =>
              [
                t.request,
                keySet.keys ? await verifyWithKeySet(t.assertion, keySet.keys) : undefined,
              ] as const,
          ),
        ),
      );
      return {
        attach: judged.assertions.map((t) => t.request),
        checks: [
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
        ],
      };
    },
  },

  der: {
    title: "encodes ECDSA signatures as JOSE R‖S, not DER",
    ids: ["BS-CLI-05"],
    judge: (judged) => {
      const ecdsa = judged.assertions.filter((t) => String(t.assertion.header?.alg).startsWith("ES"));
      if (ecdsa.length === 0) return { skip: "the client sent no ECDSA-signed assertion" };
      const requests = ecdsa.map((t) => t.request);
      return {
        attach: requests,
        checks: [
          {
            rule: "RFC 7518 §3.4",
            expectation: `the signature as the fixed-width concatenation R‖S (${widths(judged.session.judge.algorithms)})`,
            evaluate: () =>
              judged.violations(requests, (r) => {
                const a = ecdsa.find((t) => t.request === r)?.assertion;
                const alg = String(a?.header?.alg);
                const sig = a?.signature ?? new Uint8Array();
                const width = ecdsaSignatureLength(alg);
                return looksLikeDer(sig, alg)
                  ? `a ${sig.length}-byte ASN.1 DER signature`
                  : width !== undefined && sig.length !== width
                    ? `a ${sig.length}-byte signature`
                    : undefined;
              }),
          },
        ],
      };
    },
  },

  rsaSize: {
    title: "uses RSA keys of at least 2048 bits",
    ids: ["BS-CLI-05"],
    judge: overKeySet((keys, source) => {
      const rsa = keys.filter((k) => k.kty === "RSA");
      if (rsa.length === 0) return { skip: `${source} has no RSA key` };
      return {
        attach: [],
        checks: [
          {
            rule: "RFC 7518 §3.3",
            expectation: `every RSA key of ${source} at least 2048 bits`,
            evaluate: () => {
              const short = rsa
                .map((k) => [k.kid, rsaModulusBits(k) ?? 0] as const)
                .filter(([, bits]) => bits < 2048)
                .map(([kid, bits]) => `key ${JSON.stringify(kid)} has ${bits} bits`);
              return short.length ? short.join("; ") : undefined;
            },
          },
        ],
      };
    }),
  },
} as const satisfies ClientChecks;
