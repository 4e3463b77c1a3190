/**
 * BS-CLI-02/03/04, BS-REG-04: the client's public key set — no private members, a kty and a set-unique kid
 * on every key — and, registered by URL, a JWKS URL anyone can read over TLS that says how long to cache it.
 */
import type { ClientChecks } from "../client-check.ts";
import type { JudgedSession } from "../judged-session.ts";
import { clientKeySet, overKeySet, privateMembers } from "../key-set.ts";
import { firstHeader } from "../session.ts";

const LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//;

/** Why the JWKS URL checks have nothing to judge, if they have not: they judge what the judge fetched. */
function notFetched(judged: JudgedSession): string | undefined {
  if (!judged.session.registration.jwksUrl) return "the client registered its key set inline";
  if (judged.session.jwksFetches.length === 0)
    return "the client made no token request, so the judge never fetched its JWKS URL";
  return undefined;
}

export const KEY_SET_CHECKS = {
  privateMembers: {
    title: "publishes no private key members",
    ids: ["BS-CLI-02", "BS-REG-04"],
    judge: overKeySet((keys, source) => ({
      attach: [],
      checks: [
        {
          rule: "SMART client-confidential-asymmetric §registering a client",
          expectation: `only public members in ${source} (no d, p, q, dp, dq, qi, oth, k)`,
          evaluate: () => {
            const found = keys.flatMap((k, i) => {
              const members = privateMembers(k);
              return members.length ? [`key ${JSON.stringify(k.kid ?? i)} has ${members.join(", ")}`] : [];
            });
            return found.length ? found.join("; ") : undefined;
          },
        },
      ],
    })),
  },

  kids: {
    title: "gives every key a kty and a kid unique in the set",
    ids: ["BS-CLI-04", "BS-REG-04"],
    judge: overKeySet((keys) => ({
      attach: [],
      checks: [
        {
          rule: "RFC 7517 §4.1",
          expectation: "a kty on every key",
          evaluate: () => {
            const missing = keys.flatMap((k, i) => (typeof k.kty === "string" ? [] : [`key ${i + 1}`]));
            return missing.length ? `no kty on ${missing.join(", ")}` : undefined;
          },
        },
        {
          rule: "SMART client-confidential-asymmetric §registering a client (kid)",
          expectation: "a kid on every key",
          evaluate: () => {
            const missing = keys.flatMap((k, i) =>
              typeof k.kid === "string" && k.kid !== "" ? [] : [`key ${i + 1}`],
            );
            return missing.length ? `no kid on ${missing.join(", ")}` : undefined;
          },
        },
        {
          rule: "SMART client-confidential-asymmetric §registering a client (kid)",
          expectation: "no kid shared by two keys of the set",
          evaluate: () => {
            const kids = keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === "string");
            const shared = [...new Set(kids.filter((kid, i) => kids.indexOf(kid) !== i))];
            return shared.length
              ? `kid ${shared.map((k) => JSON.stringify(k)).join(", ")} on several keys`
              : undefined;
          },
        },
      ],
    })),
  },

  jwksGet: {
    title: "serves its key set to an anonymous GET as JSON",
    ids: ["BS-CLI-03"],
    judge: (judged) => {
      const skip = notFetched(judged);
      if (skip) return { skip };
      const fetched = judged.session.jwksFetches.at(-1);
      const keySet = clientKeySet(judged.session);
      return {
        attach: [],
        checks: [
          {
            rule: "SMART client-confidential-asymmetric §registering a client, item 1",
            expectation: "HTTP 200 with a JWK Set, without any credentials",
            evaluate: () =>
              keySet.problem ?? (fetched?.status === 200 ? undefined : `HTTP ${fetched?.status ?? "none"}`),
          },
        ],
      };
    },
  },

  cacheControl: {
    title: "serves its JWKS URL with Cache-Control",
    ids: ["BS-CLI-03"],
    level: "SHOULD",
    judge: (judged) => {
      const skip = notFetched(judged);
      if (skip) return { skip };
      const fetched = judged.session.jwksFetches.at(-1);
      if (fetched?.status !== 200)
        return { skip: "the JWKS URL served no key set (the check of the anonymous GET says why)" };
      return {
        attach: [],
        checks: [
          {
            rule: "SMART client-confidential-asymmetric §registering a client, item 1",
            expectation: "a Cache-Control header saying how long the set may be cached",
            evaluate: () => {
              if (!fetched.headers) return fetched.error ?? "no response";
              const value = firstHeader(fetched.headers, "cache-control");
              return value ? undefined : "no Cache-Control header";
            },
          },
        ],
      };
    },
  },

  jwksTls: {
    title: "serves its JWKS URL over TLS",
    ids: ["BS-CLI-03"],
    judge: (judged) => {
      const skip = notFetched(judged);
      if (skip) return { skip };
      const url = judged.session.registration.jwksUrl ?? "";
      if (LOOPBACK.test(url)) {
        return {
          skip: `${url} is a loopback http URL: TLS is judged on a URL an authorization server elsewhere could reach`,
        };
      }
      return {
        attach: [],
        checks: [
          {
            rule: "SMART client-confidential-asymmetric §registering a client, item 1",
            expectation: "an https JWKS URL",
            evaluate: () => (url.startsWith("https://") ? undefined : `registered ${url}`),
          },
        ],
      };
    },
  },
} as const satisfies ClientChecks;
