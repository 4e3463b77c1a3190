/**
 * BS-CLI-07/08: the assertion's claims — iss = sub = the client id, aud exactly the token URL, an integer exp
 * at most five minutes ahead, a jti — and a new assertion with a new jti for every token request.
 */
import type { ClientChecks } from "../client-check.ts";
import { overAssertions } from "./assertion-header.ts";

/** Seconds of rounding allowed on exp: the client may truncate the clock it reads. */
const EXP_ROUNDING_SECONDS = 1;

export const ASSERTION_CLAIM_CHECKS = {
  issSub: {
    title: "sets iss and sub to its client id",
    ids: ["BS-CLI-07"],
    judge: (judged) => {
      const clientId = judged.session.registration.clientId;
      const claim = (name: "iss" | "sub") => ({
        rule: "SMART client-confidential-asymmetric §authenticating / RFC 7523 §3",
        expectation: `${name} "${clientId}"`,
        evaluate: () =>
          judged.claimViolations((claims) =>
            claims[name] === clientId ? undefined : `${name} ${JSON.stringify(claims[name])}`,
          ),
      });
      return overAssertions(judged, () => [claim("iss"), claim("sub")]);
    },
  },

  aud: {
    title: "sets aud to exactly the token URL",
    ids: ["BS-CLI-07"],
    judge: (judged) => {
      const tokenUrl = judged.session.judge.tokenUrl;
      return overAssertions(judged, () => [
        {
          rule: "SMART client-confidential-asymmetric §authenticating (aud)",
          expectation: `aud "${tokenUrl}", the URL the assertion is posted to`,
          evaluate: () =>
            judged.claimViolations((claims) => {
              const aud = claims.aud;
              const ok = aud === tokenUrl || (Array.isArray(aud) && aud.length === 1 && aud[0] === tokenUrl);
              return ok ? undefined : `aud ${JSON.stringify(aud)}`;
            }),
        },
      ]);
    },
  },

  exp: {
    title: "sets exp to an integer at most five minutes ahead",
    ids: ["BS-CLI-07"],
    judge: (judged) => {
      const startedAt = Date.parse(judged.session.judge.startedAt);
      const arrival = (atMs: number) => (startedAt + atMs) / 1000;
      return overAssertions(judged, () => [
        {
          rule: "SMART client-confidential-asymmetric §authenticating (exp) / RFC 7519 §4.1.4",
          expectation: "exp a NumericDate given as an integer",
          evaluate: () =>
            judged.claimViolations((claims) =>
              Number.isInteger(claims.exp) ? undefined : `exp ${JSON.stringify(claims.exp)}`,
            ),
        },
        {
          rule: "SMART client-confidential-asymmetric §authenticating (exp)",
          expectation: "exp in the future and no more than 300 s after the request arrived",
          evaluate: () =>
            judged.claimViolations((claims, request) => {
              if (typeof claims.exp !== "number") return undefined; // the rule above names it
              const ahead = claims.exp - arrival(request.atMs);
              if (ahead > 300 + EXP_ROUNDING_SECONDS) return `exp is ${Math.round(ahead)} s ahead`;
              if (ahead <= 0) return `exp had passed ${Math.round(-ahead)} s before the request arrived`;
              return undefined;
            }),
        },
      ]);
    },
  },

  jti: {
    title: "sends a jti",
    ids: ["BS-CLI-07"],
    judge: (judged) =>
      overAssertions(judged, () => [
        {
          rule: "SMART client-confidential-asymmetric §authenticating (jti)",
          expectation: "a non-empty string jti",
          evaluate: () =>
            judged.claimViolations((claims) =>
              typeof claims.jti === "string" && claims.jti !== ""
                ? undefined
                : `jti ${JSON.stringify(claims.jti)}`,
            ),
        },
      ]),
  },

  oneTime: {
    title: "uses a new assertion with a new jti for every token request",
    ids: ["BS-CLI-08"],
    judge: (judged) => {
      if (judged.assertions.length === 1) {
        return {
          skip: "one token request: nothing to compare (a short --token-ttl makes the client return)",
          attach: judged.assertionRequests,
        };
      }
      const firstSeen = new Map<string, number>();
      const jtiSeen = new Map<string, number>();
      return overAssertions(judged, () => [
        {
          rule: "SMART client-confidential-asymmetric §request (one-time use)",
          expectation: "each assertion sent once",
          evaluate: () =>
            judged.assertionViolations(({ compact }, request) => {
              const earlier = firstSeen.get(compact);
              if (earlier === undefined) firstSeen.set(compact, request.seq);
              return earlier === undefined ? undefined : `re-sent the assertion of request ${earlier}`;
            }),
        },
        {
          rule: "SMART client-confidential-asymmetric §authenticating (jti) / RFC 7523 §3 item 7",
          expectation: "a jti never used before in the session",
          evaluate: () =>
            judged.claimViolations((claims, request) => {
              const jti = claims.jti;
              if (typeof jti !== "string") return undefined; // "sends a jti" names it
              const earlier = jtiSeen.get(jti);
              if (earlier === undefined) jtiSeen.set(jti, request.seq);
              return earlier === undefined
                ? undefined
                : `jti "${jti}" was already used in request ${earlier}`;
            }),
        },
      ]);
    },
  },
} as const satisfies ClientChecks;
