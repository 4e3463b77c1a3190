import {
  header,
  mediaType,
  responseObject,
  schemaCheck,
  spec,
  test,
  verify,
  type Check,
  type Exchange,
} from "../../harness/index.ts";

function member(ex: Exchange, name: string): unknown {
  return responseObject(ex)?.[name];
}

const checks: readonly {
  title: string;
  requirements: Parameters<typeof spec>[0];
  level?: "SHOULD";
  /** Why the check is SMART's own although its requirement also has an RFC basis (see spec()). */
  smartOnly?: string;
  check: (ex: Exchange) => Check;
}[] = [
  {
    title: "answers a valid request with HTTP 200 and a JSON token response matching the schema",
    requirements: ["BS-TRESP-01", "BS-TRESP-02", "BS-TRESP-04"],
    check: (ex) => ({
      ...schemaCheck(
        ex,
        "token-response",
        "SMART backend services token response",
        "HTTP 200, application/json, access_token, token_type, expires_in (number), scope if present",
      ),
      evaluate: () => {
        if (ex.response.status !== 200) return `got HTTP ${ex.response.status}`;
        if (mediaType(ex.response.headers) !== "application/json")
          return `got Content-Type ${mediaType(ex.response.headers) ?? "none"}`;
        const problem = schemaCheck(ex, "token-response", "", "").evaluate();
        // A missing scope is judged once, by "states the granted scope in the token response" (BS-TRESP-06).
        const rest = (problem?.replace(/^the body does not match: /, "").split("; ") ?? []).filter(
          (p) => p !== "(body) must have required property 'scope'",
        );
        return rest.length > 0 ? `the body does not match: ${rest.join("; ")}` : undefined;
      },
    }),
  },
  {
    title: "issues an access_token made only of the characters RFC 6750 allows in an Authorization header",
    requirements: ["BS-TRESP-02"],
    check: (ex) => ({
      rule: "RFC 6750 §2.1 (b64token; resource servers MUST take bearer tokens in the Authorization header)",
      expectation:
        'access_token matching b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="',
      evaluate: () => {
        const v = member(ex, "access_token");
        if (typeof v !== "string") return `access_token is ${JSON.stringify(v) ?? "absent"}`;
        if (/^[A-Za-z0-9\-._~+/]+=*$/.test(v)) return undefined;
        const outside = new Set(v.replace(/=+$/, "").replace(/[A-Za-z0-9\-._~+/]/g, ""));
        return outside.size > 0
          ? `access_token holds ${[...outside].map((c) => JSON.stringify(c)).join(", ")}, outside b64token`
          : `access_token is ${JSON.stringify(v)}`;
      },
    }),
  },
  {
    title: 'states token_type "bearer" (compared case-insensitively)',
    requirements: ["BS-TRESP-03"],
    check: (ex) => ({
      rule: "SMART backend services token response (RFC 6749 §7.1)",
      expectation: 'token_type "bearer" in any case',
      evaluate: () => {
        const v = member(ex, "token_type");
        return typeof v === "string" && v.toLowerCase() === "bearer"
          ? undefined
          : `token_type is ${JSON.stringify(v) ?? "absent"}`;
      },
    }),
  },
  {
    title: "states expires_in as a positive JSON number",
    requirements: ["BS-TRESP-04"],
    check: (ex) => ({
      rule: "SMART backend services token response",
      expectation: "expires_in, a JSON number greater than 0",
      evaluate: () => {
        const v = member(ex, "expires_in");
        return typeof v === "number" && v > 0 ? undefined : `expires_in is ${JSON.stringify(v) ?? "absent"}`;
      },
    }),
  },
  {
    title: "states expires_in as a whole number of seconds",
    requirements: ["BS-TRESP-04"],
    level: "SHOULD",
    check: (ex) => ({
      rule: "RFC 6749 §5.1, Appendix A.14 (expires-in = 1*DIGIT)",
      expectation: "expires_in, a whole number of seconds (no fraction)",
      // RFC 6749 §5.1 makes expires_in RECOMMENDED: without it there is nothing to judge here.
      applies: {
        observed: member(ex, "expires_in") !== undefined,
        event: "the token response states no expires_in",
      },
      evaluate: () => {
        const v = member(ex, "expires_in");
        // A string of digits is judged by "states expires_in as a positive JSON number", not here.
        const whole = typeof v === "number" ? Number.isInteger(v) && v >= 0 : /^[0-9]+$/.test(String(v));
        return whole ? undefined : `expires_in is ${JSON.stringify(v)}`;
      },
    }),
  },
  {
    title: "issues tokens that live at most 300 seconds",
    requirements: ["BS-TRESP-05"],
    level: "SHOULD",
    smartOnly: "the 300-second ceiling is SMART's; RFC 6750 §5.3 recommends at most an hour",
    check: (ex) => ({
      rule: "SMART backend services §issue access token (SHOULD NOT exceed 300)",
      expectation: "expires_in ≤ 300",
      evaluate: () => {
        const v = member(ex, "expires_in");
        return typeof v === "number" && v <= 300 ? undefined : `expires_in is ${JSON.stringify(v)}`;
      },
    }),
  },
  {
    title: "issues short-lived tokens (expires_in at most an hour)",
    requirements: ["BS-TRESP-05", "BS-TRESP-04"],
    check: (ex) => ({
      rule: "SMART backend services §issue access token (short-lived; this suite's limit: 3600 s)",
      expectation: "expires_in ≤ 3600",
      evaluate: () => {
        const v = member(ex, "expires_in");
        return typeof v === "number" && v <= 3600 ? undefined : `expires_in is ${JSON.stringify(v)}`;
      },
    }),
  },
  {
    title: "states the granted scope in the token response",
    requirements: ["BS-TRESP-06"],
    smartOnly:
      "SMART requires scope in every token response; RFC 6749 §5.1 only when the grant differs from the request",
    check: (ex) => ({
      rule: "SMART backend services token response",
      expectation: "a scope member (a string) even when it equals the request",
      evaluate: () => {
        const v = member(ex, "scope");
        return typeof v === "string"
          ? undefined
          : `scope is ${v === undefined ? "absent" : JSON.stringify(v)}`;
      },
    }),
  },
  {
    title: "states scope as scope tokens separated by single spaces",
    requirements: ["BS-TRESP-06"],
    check: (ex) => ({
      rule: "RFC 6749 §3.3, Appendix A.4 (scope = scope-token *( SP scope-token ), scope-token = 1*NQCHAR)",
      expectation:
        'scope of tokens of printable ASCII other than space, "\\" and \'"\', joined by single spaces',
      // RFC 6749 §5.1 lets a grant equal to the request go unstated: then there is nothing to judge here.
      applies: {
        observed: member(ex, "scope") !== undefined,
        event: "the token response states no scope",
      },
      evaluate: () => {
        const v = member(ex, "scope");
        if (typeof v !== "string") return `scope is ${JSON.stringify(v)}`;
        return /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(v)
          ? undefined
          : `scope is ${JSON.stringify(v)}`;
      },
    }),
  },
  {
    title: "issues no refresh token",
    requirements: ["BS-TRESP-08"],
    check: (ex) => ({
      rule: "SMART backend services §enforce authorization (RFC 6749 §4.4.3)",
      expectation: "no refresh_token",
      evaluate: () => (member(ex, "refresh_token") === undefined ? undefined : "a refresh_token was issued"),
    }),
  },
  {
    title: "forbids caching of the token response with Cache-Control no-store",
    requirements: ["BS-TRESP-07"],
    check: (ex) => ({
      rule: "RFC 6749 §5.1",
      expectation: "Cache-Control containing no-store",
      evaluate: () => {
        const value = header(ex, "cache-control");
        return value !== undefined && /(^|,)\s*no-store\s*(,|$)/i.test(value)
          ? undefined
          : `got ${value === undefined ? "no Cache-Control" : `"${value}"`}`;
      },
    }),
  },
  {
    title: "sends Pragma no-cache with the token response",
    requirements: ["BS-TRESP-07"],
    check: (ex) => ({
      rule: "RFC 6749 §5.1",
      expectation: "Pragma: no-cache",
      ambiguity: "AMB-15",
      evaluate: () => {
        const value = header(ex, "pragma");
        return value !== undefined && /no-cache/i.test(value)
          ? undefined
          : `got ${value === undefined ? "no Pragma" : `"${value}"`}`;
      },
    }),
  },
];

test.describe("Token response", () => {
  for (const c of checks) {
    const options = {
      ...(c.level ? { level: c.level } : {}),
      ...(c.smartOnly ? { smartOnly: c.smartOnly } : {}),
    };
    test(c.title, spec(c.requirements, options), async ({ t }) => {
      const client = await t.client();
      const { exchange } = await t.issueToken(client);
      await verify([c.check(exchange)]);
    });
  }
});
