/**
 * The recorded session (session.ts) as the client checks read it: the token requests and the assertions
 * they carried, the tokens the judge issued, the FHIR requests, the discovery attempts and the requests to
 * the foreign origin, and how findings name a request. Plain data and functions: the checks run over it in
 * Playwright (the user-facing report) and directly (the judge's own proof).
 */
import {
  decodeAssertion,
  firstHeader,
  formParam,
  pathOf,
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
  /** Requests to the storage origin, where the files of exports that need no token are (bulk-export.ts). */
  readonly storageRequests: readonly ObservedRequest[];

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
    this.storageRequests = session.requests.filter((r) => r.origin === "storage");
  }

  /** "token request #2 (request 5, at 1.3 s)": how findings name a request. */
  describe(request: ObservedRequest): string {
    const kind =
      pathOf(request) === this.tokenPath
        ? `token request #${this.tokenRequests.findIndex((t) => t.request === request) + 1}`
        : `${request.method} ${request.origin === "judge" ? "" : this.originOf(request)}${pathOf(request)}`;
    return `${kind} (request ${request.seq}, at ${(request.atMs / 1000).toFixed(1)} s)`;
  }

  /** The origin a request was sent to, as the client addressed it. */
  originOf(request: ObservedRequest): string {
    const { judge } = this.session;
    if (request.origin === "foreign") return judge.foreignOrigin;
    if (request.origin === "storage") return judge.storageOrigin ?? "(the storage origin)";
    return new URL(judge.fhirBaseUrl).origin;
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
