// BS-CLI-02/03/04: the client's public key set — no private members, a kty and a set-unique kid on every
// key — and, registered by URL, a JWKS URL anyone can read over TLS that says how long to cache it.
import {
  clientKeySet,
  clientTest as test,
  firstHeader,
  privateMembers,
  spec,
  verify,
  type JudgedSession,
} from "../../harness/index.ts";

const LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//;

/**
 * The JWKS URL checks judge what the judge fetched from it. Called in each test body (a skip in a hook is
 * shown by Allure as a "Global Error", not as the skipped check it is).
 */
function skipUnlessFetched(judged: JudgedSession): void {
  test.skip(!judged.session.registration.jwksUrl, "the client registered its key set inline");
  test.skip(
    judged.session.jwksFetches.length === 0,
    "the client made no token request, so the judge never fetched its JWKS URL",
  );
}

test.describe("key set", () => {
  test("publishes no private key members", spec(["BS-CLI-02"]), async ({ judged }) => {
    const keySet = clientKeySet(judged.session);
    test.skip(!keySet.keys, keySet.problem ?? "");
    await verify([
      {
        rule: "SMART client-confidential-asymmetric §registering a client",
        expectation: `only public members in ${keySet.source} (no d, p, q, dp, dq, qi, oth, k)`,
        evaluate: () => {
          const found = (keySet.keys ?? []).flatMap((k, i) => {
            const members = privateMembers(k);
            return members.length ? [`key ${JSON.stringify(k.kid ?? i)} has ${members.join(", ")}`] : [];
          });
          return found.length ? found.join("; ") : undefined;
        },
      },
    ]);
  });

  test("gives every key a kty and a kid unique in the set", spec(["BS-CLI-04"]), async ({ judged }) => {
    const keySet = clientKeySet(judged.session);
    test.skip(!keySet.keys, keySet.problem ?? "");
    const keys = keySet.keys ?? [];
    await verify([
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
    ]);
  });

  test.describe("JWKS URL", () => {
    test("serves its key set to an anonymous GET as JSON", spec(["BS-CLI-03"]), async ({ judged }) => {
      skipUnlessFetched(judged);
      const fetched = judged.session.jwksFetches.at(-1);
      const keySet = clientKeySet(judged.session);
      await verify([
        {
          rule: "SMART client-confidential-asymmetric §registering a client, item 1",
          expectation: "HTTP 200 with a JWK Set, without any credentials",
          evaluate: () =>
            keySet.problem ?? (fetched?.status === 200 ? undefined : `HTTP ${fetched?.status ?? "none"}`),
        },
      ]);
    });

    test(
      "serves its JWKS URL with Cache-Control",
      spec(["BS-CLI-03"], { level: "SHOULD" }),
      async ({ judged }) => {
        skipUnlessFetched(judged);
        const fetched = judged.session.jwksFetches.at(-1);
        test.skip(
          fetched?.status !== 200,
          "the JWKS URL served no key set (the check of the anonymous GET says why)",
        );
        await verify([
          {
            rule: "SMART client-confidential-asymmetric §registering a client, item 1",
            expectation: "a Cache-Control header saying how long the set may be cached",
            evaluate: () => {
              if (!fetched?.headers) return fetched?.error ?? "no response";
              const value = firstHeader(fetched.headers, "cache-control");
              return value ? undefined : "no Cache-Control header";
            },
          },
        ]);
      },
    );

    test("serves its JWKS URL over TLS", spec(["BS-CLI-03"]), async ({ judged }) => {
      skipUnlessFetched(judged);
      const url = judged.session.registration.jwksUrl ?? "";
      test.skip(
        LOOPBACK.test(url),
        `${url} is a loopback http URL: TLS is judged on a URL an authorization server elsewhere could reach`,
      );
      await verify([
        {
          rule: "SMART client-confidential-asymmetric §registering a client, item 1",
          expectation: "an https JWKS URL",
          evaluate: () => (url.startsWith("https://") ? undefined : `registered ${url}`),
        },
      ]);
    });
  });
});
