/**
 * The client checks' fixture: the recorded session (see session.ts) and views of it that every check
 * needs — the token requests, the tokens the judge issued, the FHIR requests, the foreign ones — plus
 * attachments of the exchanges a check judged, redacted like every other report attachment.
 */
import { test as base, type TestInfo } from "@playwright/test";
import type { Exchange } from "../http.ts";
import { decodedAssertion, Redactor, renderExchange } from "../redact.ts";
import { labelForAllure } from "../conformance.ts";
import { VERDICTS_ENV } from "../checks.ts";
import {
  CLIENT_SESSION_ENV,
  decodeAssertion,
  firstHeader,
  formParam,
  pathOf,
  readClientSession,
  type ClientSession,
  type DecodedAssertion,
  type ObservedRequest,
} from "./session.ts";

export interface IssuedToken {
  readonly token: string;
  /** The token request that obtained it. */
  readonly seq: number;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export interface TokenRequest {
  readonly request: ObservedRequest;
  /** The client_assertion it carried, decoded (absent when it sent none). */
  readonly assertion?: DecodedAssertion;
}

/** The session as the checks read it. */
export class JudgedSession {
  readonly tokenPath: string;
  readonly fhirPath: string;
  readonly tokenRequests: readonly TokenRequest[];
  readonly issued: readonly IssuedToken[];
  /** Requests to the FHIR base other than discovery (reads, searches, metadata). */
  readonly fhirRequests: readonly ObservedRequest[];
  readonly discoveryRequests: readonly ObservedRequest[];
  /**
   * Every request to the judge's origin for a well-known document, wherever the client looked: the FHIR
   * base's smart-configuration and any other (a root-relative `/.well-known/smart-configuration`, an
   * `openid-configuration`, …) — the evidence of a discovery that went astray.
   */
  readonly discoveryAttempts: readonly ObservedRequest[];
  readonly foreignRequests: readonly ObservedRequest[];

  constructor(readonly session: ClientSession) {
    this.tokenPath = new URL(session.judge.tokenUrl).pathname;
    this.fhirPath = new URL(session.judge.fhirBaseUrl).pathname;
    const own = session.requests.filter((r) => r.origin === "judge");
    this.tokenRequests = own
      .filter((r) => pathOf(r) === this.tokenPath)
      .map((request) => {
        const sent = formParam(request, "client_assertion") ?? jsonAssertion(request.body);
        return { request, ...(sent ? { assertion: decodeAssertion(sent) } : {}) };
      });
    this.issued = this.tokenRequests.flatMap(({ request }) => {
      if (request.response.status !== 200 || !request.response.body) return [];
      const body = JSON.parse(request.response.body) as { access_token?: unknown; expires_in?: unknown };
      if (typeof body.access_token !== "string") return [];
      const lifetime = typeof body.expires_in === "number" ? body.expires_in : 0;
      return [
        {
          token: body.access_token,
          seq: request.seq,
          issuedAtMs: request.atMs,
          expiresAtMs: request.atMs + lifetime * 1000,
        },
      ];
    });
    const discovery = `${this.fhirPath}/.well-known/smart-configuration`;
    this.discoveryRequests = own.filter((r) => pathOf(r) === discovery);
    this.discoveryAttempts = own.filter((r) => pathOf(r).includes("/.well-known/"));
    this.fhirRequests = own.filter(
      (r) =>
        pathOf(r) !== discovery && (pathOf(r) === this.fhirPath || pathOf(r).startsWith(`${this.fhirPath}/`)),
    );
    this.foreignRequests = session.requests.filter((r) => r.origin === "foreign");
  }

  /** "token request #2 (request 5, at 1.3 s)": how findings name a request. */
  describe(request: ObservedRequest): string {
    const kind =
      pathOf(request) === this.tokenPath
        ? `token request #${this.tokenRequests.findIndex((t) => t.request === request) + 1}`
        : `${request.method} ${request.origin === "foreign" ? this.session.judge.foreignOrigin : ""}${pathOf(request)}`;
    return `${kind} (request ${request.seq}, at ${(request.atMs / 1000).toFixed(1)} s)`;
  }

  /**
   * The findings of one rule over some requests: undefined when every request satisfies it, else each
   * offending request named with what it did (the first five, then a count).
   */
  violations(
    requests: readonly ObservedRequest[],
    problem: (request: ObservedRequest) => string | undefined,
  ): string | undefined {
    const found = requests.flatMap((r) => {
      const p = problem(r);
      return p === undefined ? [] : [`${this.describe(r)}: ${p}`];
    });
    if (found.length === 0) return undefined;
    const more = found.length > 5 ? `; and ${found.length - 5} more` : "";
    return `${found.slice(0, 5).join("; ")}${more}`;
  }

  /** The token requests as requests (whatever they carried). */
  get tokenRequestsSent(): readonly ObservedRequest[] {
    return this.tokenRequests.map((t) => t.request);
  }

  /** The token requests that carried a client_assertion, as requests. */
  get assertionRequests(): readonly ObservedRequest[] {
    return this.assertions.map((t) => t.request);
  }

  /**
   * Starts a check over some requests: attaches them, or skips the running test with the reason when
   * there are none. Call it in the test body: a skip in a hook is shown by Allure as a "Global Error",
   * not as the skipped check it is.
   */
  async judging(requests: readonly ObservedRequest[], noneObserved: string): Promise<void> {
    base.skip(requests.length === 0, noneObserved);
    await this.attach(requests);
  }

  /** Token requests that carried a client_assertion. */
  get assertions(): readonly Required<TokenRequest>[] {
    return this.tokenRequests.filter((t): t is Required<TokenRequest> => t.assertion !== undefined);
  }

  /** violations() over the assertions sent; one whose header does not decode is a finding of every rule. */
  assertionViolations(
    problem: (assertion: DecodedAssertion, request: ObservedRequest) => string | undefined,
  ): string | undefined {
    const byRequest = new Map(this.assertions.map((t) => [t.request, t.assertion]));
    return this.violations([...byRequest.keys()], (r) => {
      const assertion = byRequest.get(r) as DecodedAssertion;
      return assertion.header === undefined ? assertion.error : problem(assertion, r);
    });
  }

  /** assertionViolations() over the claims; an assertion whose claims do not decode is a finding. */
  claimViolations(
    problem: (claims: Record<string, unknown>, request: ObservedRequest) => string | undefined,
  ): string | undefined {
    return this.assertionViolations(({ claims, error }, request) =>
      claims ? problem(claims, request) : error,
    );
  }

  /** Attaches the exchanges a check judged to the running test (decoded assertions, redacted transcripts). */
  async attach(requests: readonly ObservedRequest[]): Promise<void> {
    await attachRequests(base.info(), this.session, requests);
  }

  /** The issued token a request presents (in any position), if any. */
  presentedToken(request: ObservedRequest): IssuedToken | undefined {
    const auth = firstHeader(request.headers, "authorization") ?? "";
    const places = [auth, request.url, request.body ?? ""];
    return this.issued.find((t) => places.some((p) => p.includes(t.token)));
  }
}

function jsonAssertion(body: string | undefined): string | undefined {
  try {
    const value = JSON.parse(body ?? "") as { client_assertion?: unknown };
    return typeof value.client_assertion === "string" ? value.client_assertion : undefined;
  } catch {
    return undefined;
  }
}

function asExchange(session: ClientSession, r: ObservedRequest): Exchange {
  const flat = (headers: ObservedRequest["headers"]) =>
    Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, typeof v === "string" ? v : v.join(", ")]),
    );
  const origin =
    r.origin === "foreign" ? session.judge.foreignOrigin : new URL(session.judge.fhirBaseUrl).origin;
  return {
    label: `request ${r.seq}: ${r.method} ${pathOf(r)}`,
    request: {
      method: r.method,
      url: `${origin}${r.url}`,
      headers: flat(r.headers),
      ...(r.body !== undefined ? { body: r.body } : {}),
    },
    response: { status: r.response.status, headers: flat(r.response.headers), body: r.response.body ?? "" },
    startedAt: new Date(Date.parse(session.judge.startedAt) + r.atMs).toISOString(),
    durationMs: 0,
  };
}

/** Attaches the exchanges a check judged: decoded assertions and redacted transcripts. */
async function attachRequests(
  testInfo: TestInfo,
  session: ClientSession,
  requests: readonly ObservedRequest[],
): Promise<void> {
  if (process.env[VERDICTS_ENV] === "record") return;
  const redactor = new Redactor();
  const exchanges = session.requests.map((r) => asExchange(session, r));
  for (const ex of exchanges) redactor.learn(ex);
  for (const r of requests.slice(0, 20)) {
    const ex = exchanges[r.seq - 1] as Exchange;
    const decoded = decodedAssertion(ex);
    if (decoded) {
      await testInfo.attach(`request ${r.seq}: assertion, decoded header and claims`, {
        body: decoded,
        contentType: "application/json",
      });
    }
    await testInfo.attach(`${ex.label}: HTTP ${ex.response.status}`, {
      body: renderExchange(ex, redactor),
      contentType: "text/plain",
    });
  }
}

interface ClientFixtures {
  /** Path of the recorded session (default SMART_CLIENT_SESSION; the judge's own tests set one per project). */
  clientSession: string;
  /** The session under judgement; setting it up labels the test for Allure from its spec() details. */
  judged: JudgedSession;
}

/** Sessions are read once per worker (a file per run); each test gets the same parsed views. */
let cached: { path: string; judged: JudgedSession } | undefined;

export const clientTest = base.extend<ClientFixtures>({
  clientSession: [process.env[CLIENT_SESSION_ENV] ?? "", { option: true }],
  judged: async ({ clientSession: path }, use, testInfo) => {
    if (cached?.path !== path) cached = { path, judged: new JudgedSession(readClientSession(path)) };
    if (process.env[VERDICTS_ENV] !== "record") await labelForAllure(testInfo);
    await use(cached.judged);
  },
});
