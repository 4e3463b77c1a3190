/**
 * BS-CLI-15/16: living with the token response — members it does not know are ignored, and once the token
 * has expired the client gets a new one (a new assertion) instead of presenting the old one again.
 */
import type { ClientChecks } from "../client-check.ts";
import { UNKNOWN_TOKEN_MEMBER } from "../session.ts";

export const TOKEN_LIFETIME_CHECKS = {
  unknownMembers: {
    title: "uses a token response that carries members it does not know",
    ids: ["BS-CLI-16"],
    judge: (judged) => {
      if (judged.issued.length === 0) return { skip: "the judge issued no token" };
      const used = judged.issued.filter((t) =>
        [...judged.fhirRequests, ...judged.foreignRequests].some(
          (r) => r.seq > t.seq && judged.presentedToken(r) === t,
        ),
      );
      const command = judged.session.command;
      const failedAfter = command !== undefined && (command.exitCode !== 0 || command.timedOut);
      if (used.length === 0 && !failedAfter) {
        return {
          skip: "the client never presented its token and ended normally: it may only have wanted the token",
        };
      }
      return {
        attach: judged.tokenRequestsSent,
        checks: [
          {
            rule: "RFC 6749 §5.1 (the client MUST ignore unrecognized response parameters)",
            expectation: `a token response with an unknown member (${UNKNOWN_TOKEN_MEMBER}) and token_type "bearer" accepted: the token used`,
            evaluate: () =>
              used.length > 0
                ? undefined
                : `the client received ${judged.issued.length} token(s), presented none, and ${
                    command?.timedOut
                      ? "was stopped at the timeout"
                      : `exited with ${command?.exitCode ?? command?.signal}`
                  }${command?.stderrTail ? `; its last words: ${command.stderrTail.slice(-300)}` : ""}`,
          },
        ],
      };
    },
  },

  renewal: {
    title: "gets a new token with a new assertion once its token expired",
    ids: ["BS-CLI-15"],
    judge: (judged) => {
      const first = judged.issued[0];
      const calls = [...judged.fhirRequests, ...judged.foreignRequests].sort((a, b) => a.seq - b.seq);
      const lastCallAt = calls.at(-1)?.atMs ?? 0;
      if (first === undefined || lastCallAt < first.expiresAtMs) {
        return {
          skip: `the client made no call after its first token expired (tokens live ${judged.session.judge.tokenLifetimeSeconds} s; with a short --token-ttl a client that keeps working shows how it renews)`,
        };
      }
      const expiredUse = calls.filter((r) => {
        const token = judged.presentedToken(r);
        return token !== undefined && token.expiresAtMs <= r.atMs;
      });
      return {
        attach: [...expiredUse, ...judged.tokenRequestsSent].sort((a, b) => a.seq - b.seq),
        checks: [
          {
            rule: "SMART backend services §issue access token (clients request a new token as needed)",
            expectation: "after presenting an expired token, a new token request",
            evaluate: () =>
              judged.violations(expiredUse, (r) =>
                judged.tokenRequests.some((t) => t.request.seq > r.seq)
                  ? undefined
                  : `presented the token of request ${judged.presentedToken(r)?.seq ?? "?"} after it expired (HTTP ${r.response.status}) and never asked for a new one`,
              ),
          },
          {
            rule: "SMART backend services §issue access token",
            expectation: "calls made after the first token expired carry a token issued later",
            evaluate: () =>
              judged.tokenRequests.some(
                (t) => t.request.seq > first.seq && t.request.atMs >= first.expiresAtMs - 60_000,
              )
                ? undefined
                : `the first token expired at ${(first.expiresAtMs / 1000).toFixed(1)} s; the client kept calling until ${(lastCallAt / 1000).toFixed(1)} s without a new token request`,
          },
        ],
      };
    },
  },
} as const satisfies ClientChecks;
