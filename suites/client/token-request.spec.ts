// BS-CLI-09/10: the token request itself — a form POST, each parameter once, the client_credentials grant
// with a JWT-bearer assertion and nothing else authenticating it, for system/ scopes the client may have.
import {
  JWT_BEARER,
  beyond,
  clientTest as test,
  firstHeader,
  formPairs,
  spec,
  verify,
  type ObservedRequest,
} from "../../harness/index.ts";

const FORM = "application/x-www-form-urlencoded";

test.describe("token request", () => {
  test("requests an access token from the token endpoint", spec(["BS-CLI-09"]), async ({ judged }) => {
    const { session } = judged;
    await judged.attach(session.requests);
    const command = session.command;
    const how = command
      ? command.timedOut
        ? `the client command was stopped after the timeout`
        : `the client command exited with ${command.exitCode ?? command.signal ?? "?"}`
      : "the session ended";
    await verify([
      {
        rule: "SMART backend services §obtain access token",
        expectation: `at least one token request to ${session.judge.tokenUrl}`,
        evaluate: () =>
          judged.tokenRequests.length > 0
            ? undefined
            : `the client made no token request: ${session.requests.length} request(s) in all, and ${how}` +
              (command?.stderrTail ? `; its last words: ${command.stderrTail.slice(-300)}` : ""),
      },
    ]);
  });

  test.describe("each request", () => {
    test("POSTs the token request as an HTML form", spec(["BS-CLI-09"]), async ({ judged }) => {
      await judged.judging(judged.tokenRequestsSent, "the client made no token request");
      await verify([
        {
          rule: "RFC 6749 §4.4.2 / SMART backend services §request",
          expectation: "method POST",
          evaluate: () =>
            judged.violations(judged.tokenRequestsSent, (r) => (r.method === "POST" ? undefined : r.method)),
        },
        {
          rule: "RFC 6749 §4.4.2 / SMART backend services §request",
          expectation: `Content-Type ${FORM}`,
          evaluate: () =>
            judged.violations(judged.tokenRequestsSent, (r) => {
              const type = firstHeader(r.headers, "content-type");
              return type?.split(";")[0]?.trim().toLowerCase() === FORM
                ? undefined
                : `Content-Type ${type ?? "absent"}`;
            }),
        },
      ]);
    });

    test("sends each token request parameter once", spec(["BS-CLI-09"]), async ({ judged }) => {
      await judged.judging(judged.tokenRequestsSent, "the client made no token request");
      await verify([
        {
          rule: "RFC 6749 §3.2",
          expectation: "no parameter sent more than once",
          evaluate: () =>
            judged.violations(judged.tokenRequestsSent, (r) => {
              const names = formPairs(r).map(([k]) => k);
              const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
              return repeated.length ? `repeated ${repeated.join(", ")}` : undefined;
            }),
        },
      ]);
    });

    test(
      "sends grant_type client_credentials with a JWT-bearer client assertion",
      spec(["BS-CLI-09"]),
      async ({ judged }) => {
        await judged.judging(judged.tokenRequestsSent, "the client made no token request");
        const param = (r: ObservedRequest, name: string) => formPairs(r).find(([k]) => k === name)?.[1];
        const exactly = (name: string, value: string) => ({
          rule: "SMART backend services §request",
          expectation: `${name}=${value}`,
          evaluate: () =>
            judged.violations(judged.tokenRequestsSent, (r) => {
              const sent = param(r, name);
              return sent === value ? undefined : sent === undefined ? `no ${name}` : `${name}=${sent}`;
            }),
        });
        await verify([
          exactly("grant_type", "client_credentials"),
          exactly("client_assertion_type", JWT_BEARER),
          {
            rule: "SMART backend services §request",
            expectation: "a client_assertion and a scope parameter",
            evaluate: () =>
              judged.violations(judged.tokenRequestsSent, (r) => {
                const missing = ["client_assertion", "scope"].filter((n) => !param(r, n));
                return missing.length ? `no ${missing.join(" and no ")}` : undefined;
              }),
          },
        ]);
      },
    );

    test(
      "authenticates with the assertion alone, never HTTP Basic or a secret",
      spec(["BS-CLI-09"]),
      async ({ judged }) => {
        await judged.judging(judged.tokenRequestsSent, "the client made no token request");
        await verify([
          {
            rule: "RFC 6749 §2.3 (one authentication method) / SMART client-confidential-asymmetric",
            expectation: "no Authorization header on the token request",
            evaluate: () =>
              judged.violations(judged.tokenRequestsSent, (r) => {
                const auth = firstHeader(r.headers, "authorization");
                return auth === undefined ? undefined : `Authorization: ${auth.split(" ")[0] ?? ""} …`;
              }),
          },
          {
            rule: "RFC 6749 §2.3.1",
            expectation: "no client_secret parameter",
            evaluate: () =>
              judged.violations(judged.tokenRequestsSent, (r) =>
                formPairs(r).some(([k]) => k === "client_secret") ? "sent client_secret" : undefined,
              ),
          },
        ]);
      },
    );

    test("requests system/ scopes within its registration", spec(["BS-CLI-10"]), async ({ judged }) => {
      await judged.judging(judged.tokenRequestsSent, "the client made no token request");
      const registered = judged.session.registration.scope;
      const requested = (r: ObservedRequest) => formPairs(r).find(([k]) => k === "scope")?.[1] ?? "";
      await verify([
        {
          rule: "SMART backend services §scopes",
          expectation: "system/ scopes only",
          evaluate: () =>
            judged.violations(judged.tokenRequestsSent, (r) => {
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
            judged.violations(judged.tokenRequestsSent, (r) => {
              const extra = beyond(requested(r), registered).filter((s) => s.startsWith("system/"));
              return extra.length ? `requested ${extra.join(" ")}, beyond the registration` : undefined;
            }),
        },
      ]);
    });
  });
});
