/**
 * BS-CLI-05/06: the assertion's JOSE header — an algorithm the judge accepts (SMART's RS384 or ES384; under
 * the oauth-jwt profile any of RS/PS/ES 256–512 and EdDSA), the kid of a registered key, typ JWT, and a jku
 * only when it is the registered JWKS URL.
 */
import { CLIENT_PROFILE_ENV, clientSigningAlgs } from "../client-profile.ts";
import type { ClientChecks, ClientJudgement } from "../client-check.ts";
import type { JudgedSession } from "../judged-session.ts";
import { clientKeySet } from "../key-set.ts";
import type { Check } from "../../checks.ts";

const NO_ASSERTION = "the client sent no client assertion";

/** The requests that carried an assertion, or the skip when there are none. */
export function overAssertions(judged: JudgedSession, checks: () => readonly Check[]): ClientJudgement {
  const requests = judged.assertionRequests;
  return requests.length === 0 ? { skip: NO_ASSERTION } : { attach: requests, checks: checks() };
}

/** "RS384 or ES384" under SMART; the oauth-jwt profile's families otherwise. */
function algorithmsTitle(): string {
  const algs = clientSigningAlgs(process.env[CLIENT_PROFILE_ENV]);
  return algs.length <= 2 ? algs.join(" or ") : "RS, PS or ES (256–512), or EdDSA";
}

export const ASSERTION_HEADER_CHECKS = {
  alg: {
    title: `signs with ${algorithmsTitle()}`,
    ids: ["BS-CLI-05"],
    level: "SHOULD",
    judge: (judged) => {
      const algorithms = judged.session.judge.algorithms;
      return overAssertions(judged, () => [
        {
          rule: "SMART client-confidential-asymmetric §authenticating",
          expectation: `alg ${algorithms.join(" or ")}`,
          evaluate: () =>
            judged.assertionViolations(({ header }) =>
              algorithms.includes(String(header?.alg)) ? undefined : `alg ${JSON.stringify(header?.alg)}`,
            ),
        },
      ]);
    },
  },

  kid: {
    title: "names a registered key in kid",
    ids: ["BS-CLI-06"],
    judge: (judged) => {
      const keySet = clientKeySet(judged.session);
      return overAssertions(judged, () => [
        {
          rule: "SMART client-confidential-asymmetric §authenticating (header kid)",
          expectation: "a kid header",
          evaluate: () =>
            judged.assertionViolations(({ header }) =>
              typeof header?.kid === "string" && header.kid !== "" ? undefined : "no kid",
            ),
        },
        {
          rule: "SMART client-confidential-asymmetric §authenticating (header kid)",
          expectation: `a kid that names a key of ${keySet.source}`,
          evaluate: () => {
            if (!keySet.keys) return keySet.problem;
            const kids = keySet.keys.map((k) => k.kid);
            return judged.assertionViolations(({ header }) =>
              typeof header?.kid !== "string" || kids.includes(header.kid)
                ? undefined
                : `kid "${header.kid}" is not among ${kids.map((k) => JSON.stringify(k)).join(", ") || "no kids"}`,
            );
          },
        },
      ]);
    },
  },

  typ: {
    title: "declares typ JWT",
    ids: ["BS-CLI-06"],
    judge: (judged) =>
      overAssertions(judged, () => [
        {
          rule: "SMART client-confidential-asymmetric §authenticating (header typ)",
          expectation: 'typ "JWT"',
          evaluate: () =>
            judged.assertionViolations(({ header }) =>
              header?.typ === "JWT"
                ? undefined
                : header?.typ === undefined
                  ? "no typ"
                  : `typ ${JSON.stringify(header.typ)}`,
            ),
        },
      ]),
  },

  jku: {
    title: "sends no jku, or exactly the registered JWKS URL",
    ids: ["BS-CLI-06"],
    judge: (judged) => {
      const registered = judged.session.registration.jwksUrl;
      return overAssertions(judged, () => [
        {
          rule: "SMART client-confidential-asymmetric §authenticating (header jku)",
          expectation: registered
            ? `no jku, or jku ${registered}`
            : "no jku (the client registered its keys inline)",
          evaluate: () =>
            judged.assertionViolations(({ header }) =>
              header?.jku === undefined || header.jku === registered
                ? undefined
                : `jku ${JSON.stringify(header.jku)}`,
            ),
        },
      ]);
    },
  },
} as const satisfies ClientChecks;
