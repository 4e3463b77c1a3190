/**
 * BS-CLI-11: TLS with certificate validation. A --tls judge serves https; its search Bundles point (an
 * entry's fullUrl) at a second origin whose certificate comes from a CA the client was not given. A client
 * that validates certificates gives up on the handshake there, so no request — with a token, an assertion,
 * or nothing at all — ever reaches it. (TLS 1.2+ is the judge's own floor: Node serves nothing older.)
 */
import type { ClientChecks } from "../client-check.ts";
import type { JudgedSession } from "../judged-session.ts";
import { firstHeader, formParam, type AbortedHandshake, type ObservedRequest } from "../session.ts";

/** What a request that reached the untrusted origin sent there. */
function sentThere(judged: JudgedSession, request: ObservedRequest): string {
  const token = judged.presentedToken(request);
  if (token) return `the access token issued in request ${token.seq}`;
  if (
    formParam(request, "client_assertion") !== undefined ||
    (request.body ?? "").includes("client_assertion")
  )
    return "a client assertion";
  const auth = firstHeader(request.headers, "authorization");
  if (auth) return `an Authorization header (${auth.split(" ")[0] ?? ""} …)`;
  return "a request without credentials";
}

/** One line per TLS connection the client gave up on, for the report. */
function handshakeLines(judged: JudgedSession, handshakes: readonly AbortedHandshake[]): string {
  const { judge } = judged.session;
  const origins: Record<AbortedHandshake["origin"], string> = {
    judge: new URL(judge.fhirBaseUrl).origin,
    foreign: judge.foreignOrigin,
    storage: judge.storageOrigin ?? "the storage origin",
  };
  const originOf = (h: AbortedHandshake) => origins[h.origin];
  return handshakes
    .map((h) => {
      const what =
        h.stage === "handshake"
          ? `handshake aborted${h.code ? ` (${h.code})` : ""}: ${h.message}`
          : `${h.protocol ?? "TLS"} handshake completed, then closed without a request`;
      return `${originOf(h)} (${h.origin}), at ${(h.atMs / 1000).toFixed(1)} s: ${what}`;
    })
    .join("\n");
}

export const TRANSPORT_CHECKS = {
  untrustedOrigin: {
    title: "sends nothing to a server whose certificate it cannot verify",
    ids: ["BS-CLI-11"],
    judge: (judged) => {
      const { tls, judge } = judged.session;
      if (!tls) {
        return {
          skip: "the judge served plain http: run client-check with --tls to judge certificate validation",
        };
      }
      const refused = tls.abortedHandshakes.filter((h) => h.origin === "foreign");
      const reached = judged.foreignRequests;
      return {
        attach: reached,
        ...(tls.abortedHandshakes.length > 0
          ? {
              evidence: {
                name: "TLS connections the client gave up on",
                text: handshakeLines(judged, tls.abortedHandshakes),
              },
            }
          : {}),
        checks: [
          {
            rule: "SMART backend services §Request (TLS) / RFC 9110 §4.3.4",
            expectation: `no request at all to ${judge.foreignOrigin}, whose certificate comes from a CA the client was not given ("${tls.untrustedCa}")`,
            applies: {
              observed: refused.length > 0 || reached.length > 0,
              event: `the client never tried to reach ${judge.foreignOrigin} (a search result's fullUrl is there): a client that reads the search results it gets shows whether it validates certificates`,
            },
            evaluate: () =>
              judged.violations(
                reached,
                (r) =>
                  `the client accepted the certificate and sent ${sentThere(judged, r)} (HTTP ${r.response.status})`,
              ),
          },
        ],
      };
    },
  },
} as const satisfies ClientChecks;
