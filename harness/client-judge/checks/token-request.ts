/**
 * BS-CLI-09/10: the token request itself — a form POST, each parameter once, the client_credentials grant
 * with a JWT-bearer assertion and nothing else authenticating it, for system/ scopes the client may have.
 */
import { JWT_BEARER } from "../../assertion.ts";
import { beyond } from "../../scopes.ts";
import type { ClientChecks, ClientJudgement } from "../client-check.ts";
import type { JudgedSession } from "../judged-session.ts";
import { firstHeader, formPairs, type ObservedRequest } from "../session.ts";

const FORM = "application/x-www-form-urlencoded";
const NO_TOKEN_REQUEST = "the client made no token request";

/** The token requests sent, or the skip when there are none. */
function overTokenRequests(
  judged: JudgedSession,
  checks: (requests: readonly ObservedRequest[]) => ClientJudgement,
): ClientJudgement {
  const requests = judged.tokenRequestsSent;
  return requests.length === 0 ? { skip: NO_TOKEN_REQUEST } : checks(requests);
}

const param = (r: ObservedRequest, name: string) => formPairs(r).find(([k]) => k === name)?.[1];

export const TOKEN_REQUEST_CHECKS = {
  tokenRequest: {
    title: "requests an access token from the token endpoint",
    ids: ["BS-CLI-09"],
    judge: (judged) => {
      const { session } = judged;
      const command = session.command;
      const how = command
        ? command.timedOut
          ? `the client command was stopped after the timeout`
          : `the client command exited with ${command.exitCode ?? command.signal ?? "?"}`
        : "the session ended";
      return {
        attach: session.requests,
        checks: [
          {
            rule: "SMART backend services §obtain access token",
            expectation: `at least one token request to ${session.judge.tokenUrl}`,
            evaluate: () =>
              judged.tokenRequests.length > 0
                ? undefined
                : `the client made no token request: ${session.requests.length} request(s) in all, and ${how}` +
                  (command?.stderrTail ? `; its last words: ${command.stderrTail.slice(-300)}` : ""),
          },
        ],
      };
    },
  },

  form: {
    title: "POSTs the token request as an HTML form",
    ids: ["BS-CLI-09"],
    judge: (judged) =>
      overTokenRequests(judged, (requests) => ({
        attach: requests,
        checks: [
          {
            rule: "RFC 6749 §4.4.2 / SMART backend services §request",
            expectation: "method POST",
            evaluate: () => judged.violations(requests, (r) => (r.method === "POST" ? undefined : r.method)),
          },
          {
            rule: "RFC 6749 §4.4.2 / SMART backend services §request",
            expectation: `Content-Type ${FORM}`,
            evaluate: () =>
              judged.violations(requests, (r) => {
                const type = firstHeader(r.headers, "content-type");
                return type?.split(";")[0]?.trim().toLowerCase() === FORM
                  ? undefined
                  : `Content-Type ${type ?? "absent"}`;
              }),
          },
        ],
      })),
  },

  once: {
    title: "sends each token request parameter once",
    ids: ["BS-CLI-09"],
    judge: (judged) =>
      overTokenRequests(judged, (requests) => ({
        attach: requests,
        checks: [
          {
            rule: "RFC 6749 §3.2",
            expectation: "no parameter sent more than once",
            evaluate: () =>
              judged.violations(requests, (r) => {
                const names = formPairs(r).map(([k]) => k);
                const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
                return repeated.length ? `repeated ${repeated.join(", ")}` : undefined;
              }),
          },
        ],
      })),
  },

  grant: {
    title: "sends grant_type client_credentials with a JWT-bearer client assertion",
    ids: ["BS-CLI-09"],
    judge: (judged) =>
      overTokenRequests(judged, (requests) => {
        const exactly = (name: string, value: string) => ({
          rule: "SMART backend services §request",
          expectation: `${name}=${value}`,
          evaluate: () =>
            judged.violations(requests, (r) => {
              const sent = param(r, name);
              return sent === value ? undefined : sent === undefined ? `no ${name}` : `${name}=${sent}`;
            }),
        });
        return {
          attach: requests,
          checks: [
            exactly("grant_type", "client_credentials"),
            exactly("client_assertion_type", JWT_BEARER),
            {
              rule: "SMART backend services §request",
              expectation: "a client_assertion and a scope parameter",
              evaluate: () =>
                judged.violations(requests, (r) => {
                  const missing = ["client_assertion", "scope"].filter((n) => !param(r, n));
                  return missing.length ? `no ${missing.join(" and no ")}` : undefined;
                }),
            },
          ],
        };
      }),
  },

  basic: {
    title: "authenticates with the assertion alone, never HTTP Basic or a secret",
    ids: ["BS-CLI-09"],
    judge: (judged) =>
      overTokenRequests(judged, (requests) => ({
        attach: requests,
        checks: [
          {
            rule: "RFC 6749 §2.3 (one authentication method) / SMART client-confidential-asymmetric",
            expectation: "no Authorization header on the token request",
            evaluate: () =>
              judged.violations(requests, (r) => {
                const auth = firstHeader(r.headers, "authorization");
                return auth === undefined ? undefined : `Authorization: ${auth.split(" ")[0] ?? ""} …`;
              }),
          },
          {
            rule: "RFC 6749 §2.3.1",
            expectation: "no client_secret parameter",
            evaluate: () =>
              judged.violations(requests, (r) =>
                formPairs(r).some(([k]) => k === "client_secret") ? "sent client_secret" : undefined,
              ),
          },
        ],
      })),
  },

  scopes: {
    title: "requests system/ scopes within its registration",
    ids: ["BS-CLI-10"],
    judge: (judged) =>
      overTokenRequests(judged, (requests) => {
        const registered = judged.session.registration.scope;
        const requested = (r: ObservedRequest) => param(r, "scope") ?? "";
        return {
          attach: requests,
          checks: [
            {
              rule: "SMART backend services §scopes",
              expectation: "system/ scopes only",
              evaluate: () =>
                judged.violations(requests, (r) => {
                  const other = requested(r)
                    .split(" ")
                    .filter((s) => s !== "" && !s.startsWith("system/"));
                  return other.length ? `requested ${other.join(" ")}` : undefined;
                }),
            },
            {
              rule: "SMART scopes §best practice (request what is needed)",
              expectation: `scopes covered by the registration (${registered})`,
              evaluate: () =>
                judged.violations(requests, (r) => {
                  const extra = beyond(requested(r), registered).filter((s) => s.startsWith("system/"));
                  return extra.length ? `requested ${extra.join(" ")}, beyond the registration` : undefined;
                }),
            },
          ],
        };
      }),
  },
} as const satisfies ClientChecks;
