/**
 * BS-CLI-14: the token stays with the server that issued it. The judge's search Bundles carry an entry whose
 * fullUrl is on a second origin it also serves; a client may ignore it or read it anonymously, but must not
 * send its token there.
 */
import type { ClientChecks } from "../client-check.ts";
import { firstHeader } from "../session.ts";

export const FOREIGN_SERVER_CHECKS = {
  foreign: {
    title: "keeps its token from servers other than the one that issued it",
    ids: ["BS-CLI-14"],
    judge: (judged) => {
      const { foreignOrigin } = judged.session.judge;
      const searches = judged.fhirRequests.filter(
        (r) => r.response.status === 200 && (r.response.body ?? "").includes(foreignOrigin),
      );
      if (searches.length === 0 && judged.foreignRequests.length === 0)
        return { skip: "the client made no FHIR search, so it never saw a reference to another server" };
      return {
        attach: judged.foreignRequests,
        checks: [
          {
            rule: "SMART backend services §access FHIR API (response)",
            expectation: `no access token sent to ${foreignOrigin}, the origin of a search result's fullUrl`,
            evaluate: () =>
              judged.violations(judged.foreignRequests, (r) => {
                const token = judged.presentedToken(r);
                if (token) return `sent the token issued in request ${token.seq}`;
                const auth = firstHeader(r.headers, "authorization");
                return auth ? `sent an Authorization header (${auth.split(" ")[0] ?? ""} …)` : undefined;
              }),
          },
        ],
      };
    },
  },
} as const satisfies ClientChecks;
