/**
 * BS-CLI-12: discovery — the client reads .well-known/smart-configuration, asking for JSON, and takes the
 * token endpoint from it before its first token request.
 */
import type { ClientChecks } from "../client-check.ts";
import { firstHeader } from "../session.ts";

const ACCEPTS_JSON = /(^|,)\s*(application\/json|application\/\*|\*\/\*)\s*(;|,|$)/i;

export const DISCOVERY_CHECKS = {
  discovery: {
    title: "discovers the token endpoint before its first token request",
    ids: ["BS-CLI-12"],
    judge: (judged) => {
      const firstToken = judged.tokenRequests[0]?.request;
      const before = judged.discoveryRequests.filter((r) => r.seq < (firstToken?.seq ?? Infinity));
      const found = before.some((r) => r.response.status === 200);
      // With no token request, only a discovery that went astray is a finding.
      if (firstToken === undefined && (found || judged.discoveryAttempts.length === 0))
        return { skip: "the client made no token request" };
      const astray = judged.discoveryAttempts.filter((r) => !judged.discoveryRequests.includes(r));
      const elsewhere = astray.length
        ? `; it asked ${astray.map((r) => `${judged.describe(r)}, answered HTTP ${r.response.status}`).join("; ")}`
        : "";
      return {
        // Every well-known request it made, wherever it looked: a root-relative one that got 404 is the evidence.
        attach: judged.discoveryAttempts,
        checks: [
          {
            rule: "SMART backend services §retrieve .well-known/smart-configuration",
            expectation: `GET ${judged.session.judge.fhirBaseUrl}/.well-known/smart-configuration before the first token request`,
            evaluate: () =>
              found
                ? undefined
                : judged.discoveryRequests.length === 0
                  ? `the client never fetched the discovery document${elsewhere}`
                  : before.length === 0
                    ? "the client fetched the discovery document only after its first token request"
                    : `the discovery document was not served: ${before.map((r) => `${judged.describe(r)}, HTTP ${r.response.status}`).join("; ")}`,
          },
        ],
      };
    },
  },

  accept: {
    title: "asks for JSON when it fetches discovery",
    ids: ["BS-CLI-12"],
    judge: (judged) => {
      const requests = judged.discoveryRequests;
      if (requests.length === 0) return { skip: "the client never fetched the discovery document" };
      return {
        attach: requests,
        checks: [
          {
            rule: "SMART app launch §conformance (well-known: Accept application/json)",
            expectation: "an Accept header that allows application/json",
            evaluate: () =>
              judged.violations(requests, (r) => {
                const accept = firstHeader(r.headers, "accept");
                return accept !== undefined && ACCEPTS_JSON.test(accept)
                  ? undefined
                  : `Accept ${accept ?? "absent"}`;
              }),
          },
        ],
      };
    },
  },
} as const satisfies ClientChecks;
