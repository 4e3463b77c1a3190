// BS-CLI-05/06: the assertion's JOSE header — a SMART algorithm, the kid of a registered key, typ JWT, and a
// jku only when it is the registered JWKS URL.
import { clientKeySet, clientTest as test, spec, verify } from "../../harness/index.ts";

test.describe("assertion header", () => {
  test("signs with RS384 or ES384", spec(["BS-CLI-05"], { level: "SHOULD" }), async ({ judged }) => {
    await judged.judging(judged.assertionRequests, "the client sent no client assertion");
    const algorithms = judged.session.judge.algorithms;
    await verify([
      {
        rule: "SMART client-confidential-asymmetric §authenticating",
        expectation: `alg ${algorithms.join(" or ")}`,
        evaluate: () =>
          judged.assertionViolations(({ header }) =>
            algorithms.includes(String(header?.alg)) ? undefined : `alg ${JSON.stringify(header?.alg)}`,
          ),
      },
    ]);
  });

  test("names a registered key in kid", spec(["BS-CLI-06"]), async ({ judged }) => {
    await judged.judging(judged.assertionRequests, "the client sent no client assertion");
    const keySet = clientKeySet(judged.session);
    await verify([
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
  });

  test("declares typ JWT", spec(["BS-CLI-06"]), async ({ judged }) => {
    await judged.judging(judged.assertionRequests, "the client sent no client assertion");
    await verify([
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
    ]);
  });

  test("sends no jku, or exactly the registered JWKS URL", spec(["BS-CLI-06"]), async ({ judged }) => {
    await judged.judging(judged.assertionRequests, "the client sent no client assertion");
    const registered = judged.session.registration.jwksUrl;
    await verify([
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
  });
});
