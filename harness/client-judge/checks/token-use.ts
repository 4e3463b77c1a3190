/**
 * BS-CLI-13: presenting the token — only in an Authorization: Bearer header, never in the query or the body,
 * never by two methods at once (RFC 6750 §2).
 */
import type { ClientChecks } from "../client-check.ts";
import { firstHeader, formPairs, queryOf, type ObservedRequest } from "../session.ts";

export const TOKEN_USE_CHECKS = {
  bearer: {
    title: "presents its token only in an Authorization: Bearer header",
    ids: ["BS-CLI-13"],
    judge: (judged) => {
      const presenting = [...judged.fhirRequests, ...judged.foreignRequests, ...judged.storageRequests]
        .filter((r) => judged.presentedToken(r) !== undefined)
        .sort((a, b) => a.seq - b.seq);
      if (presenting.length === 0) return { skip: "the client presented no token the judge issued" };
      const token = (r: ObservedRequest) => judged.presentedToken(r)?.token ?? "";
      const methods = (r: ObservedRequest) => {
        const found: string[] = [];
        const auth = firstHeader(r.headers, "authorization") ?? "";
        if (auth.includes(token(r)))
          found.push(/^bearer\s/i.test(auth) ? "header" : `header (${auth.split(" ")[0] ?? ""} scheme)`);
        if (queryOf(r).has("access_token") || r.url.includes(token(r))) found.push("query");
        if (formPairs(r).some(([k]) => k === "access_token") || (r.body ?? "").includes(token(r)))
          found.push("body");
        return found;
      };
      return {
        attach: presenting,
        checks: [
          {
            rule: "SMART backend services §access FHIR API / RFC 6750 §2.1",
            expectation: "the token in Authorization: Bearer <token>, and nowhere else",
            evaluate: () =>
              judged.violations(presenting, (r) => {
                const m = methods(r);
                return m.length === 1 && m[0] === "header"
                  ? undefined
                  : `sent it in the ${m.join(" and the ")}`;
              }),
          },
        ],
      };
    },
  },
} as const satisfies ClientChecks;
