// BS-CLI-12: discovery — the client reads .well-known/smart-configuration, asking for JSON, and takes the
// token endpoint from it before its first token request.
import { clientTest as test, firstHeader, spec, verify } from "../../harness/index.ts";

const ACCEPTS_JSON = /(^|,)\s*(application\/json|application\/\*|\*\/\*)\s*(;|,|$)/i;

test.describe("discovery", () => {
  test(
    "discovers the token endpoint before its first token request",
    spec(["BS-CLI-12"]),
    async ({ judged }) => {
      const firstToken = judged.tokenRequests[0]?.request;
      test.skip(firstToken === undefined, "the client made no token request");
      await judged.attach(judged.discoveryRequests);
      await verify([
        {
          rule: "SMART backend services §retrieve .well-known/smart-configuration",
          expectation: `GET ${judged.session.judge.fhirBaseUrl}/.well-known/smart-configuration before the first token request`,
          evaluate: () =>
            judged.discoveryRequests.some((r) => r.seq < (firstToken?.seq ?? 0) && r.response.status === 200)
              ? undefined
              : judged.discoveryRequests.length === 0
                ? "the client never fetched the discovery document"
                : "the client fetched the discovery document only after its first token request",
        },
      ]);
    },
  );

  test("asks for JSON when it fetches discovery", spec(["BS-CLI-12"]), async ({ judged }) => {
    test.skip(judged.discoveryRequests.length === 0, "the client never fetched the discovery document");
    await judged.attach(judged.discoveryRequests);
    await verify([
      {
        rule: "SMART app launch §conformance (well-known: Accept application/json)",
        expectation: "an Accept header that allows application/json",
        evaluate: () =>
          judged.violations(judged.discoveryRequests, (r) => {
            const accept = firstHeader(r.headers, "accept");
            return accept !== undefined && ACCEPTS_JSON.test(accept)
              ? undefined
              : `Accept ${accept ?? "absent"}`;
          }),
      },
    ]);
  });
});
