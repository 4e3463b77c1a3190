/**
 * Latitude points: where the specs leave an authorization server or FHIR endpoint a choice. Each point
 * says what the specs require, allow and forbid, which tests read it, and which choice each mode of the
 * reference target makes. The checks read the allowed outcomes from here (not from an `if` in each test),
 * the reference target's `--alternate` mode makes the other allowed choice at every point, and `npm test`
 * requires the full suite to pass against both: a test that fails either mode judges our reference's
 * choice, not the spec.
 */
import type { OAuthErrorCode } from "./checks.ts";
import type { RequirementId } from "./requirements.ts";

export interface LatitudePoint {
  /** The question the specs leave open. */
  readonly question: string;
  readonly requirements: readonly [RequirementId, ...RequirementId[]];
  /** Where the latitude comes from. */
  readonly basis: string;
  /** What the specs require of every server here (a SHALL failure when broken). */
  readonly required: string;
  /** The outcomes the specs allow; none of them fails a SHALL. */
  readonly allowed: readonly string[];
  /** Error codes a refusal may carry without a finding; another code is at most a SHOULD finding. */
  readonly codes?: readonly OAuthErrorCode[];
  /** What the reference target does by default. */
  readonly reference: string;
  /** What it does in its alternate mode (`--alternate`, SMART_REFERENCE_ALTERNATE=1). */
  readonly alternate: string;
  /** Titles of the tests that read this point. */
  readonly tests: readonly string[];
}

export const LATITUDE = {
  "large-assertion": {
    question: "Does the server accept a validly signed assertion that carries a 64 kB extra claim?",
    requirements: ["BS-ERR-07"],
    basis: "RFC 7523 §3 (extra claims are allowed); no spec sets a size limit",
    required: "no 5xx and no hang; a token only for a valid assertion",
    allowed: ["a token", "a 4xx OAuth error (e.g. invalid_request or invalid_client)"],
    codes: ["invalid_request", "invalid_client"],
    reference: "refuses a request body over 64 KiB with 400 invalid_request",
    alternate: "accepts it and issues a token",
    tests: [
      "copes with a validly signed 64 kB client assertion (a token or a 4xx OAuth error, never a 5xx)",
      "copes with a deeply nested extra header member (a token or a 4xx OAuth error, never a 5xx)",
    ],
  },
  "unsupported-grant": {
    question: "Which error answers grant_type=authorization_code (or password) from a backend client?",
    requirements: ["BS-TREQ-05"],
    basis:
      "RFC 6749 §5.2: unsupported_grant_type where the server supports no such grant, unauthorized_client where it does but not for this client",
    required: "refused, with no token",
    allowed: ["unsupported_grant_type", "unauthorized_client"],
    codes: ["unsupported_grant_type", "unauthorized_client"],
    reference:
      "unauthorized_client for authorization_code (a grant it supports for launch clients), unsupported_grant_type for password",
    alternate: "unauthorized_client for both",
    tests: [
      "refuses grant_type=authorization_code from a client_credentials client",
      "refuses grant_type=password from a client_credentials client",
    ],
  },
  "client-id-mismatch": {
    question: "Which error answers a client_id parameter that names another client than the assertion?",
    requirements: ["BS-TREQ-12"],
    basis:
      "RFC 7521 §4.2 and SMART client-confidential-asymmetric; the error code is unsettled (catalog AMB-16)",
    required: "refused, with no token",
    allowed: ["invalid_client", "invalid_request"],
    codes: ["invalid_client", "invalid_request"],
    reference: "invalid_client",
    alternate: "invalid_request",
    tests: [
      "refuses a client_id parameter that names a different client than the assertion",
      // When the server's clients send client_id (config assertion.clientIdParameter):
      "rejects an assertion without sub",
      "rejects an assertion whose sub is a one-element array holding the client_id",
    ],
  },
  "client-auth-status": {
    question: "Does a client-authentication failure get HTTP 400 or 401?",
    requirements: ["BS-ERR-04"],
    basis: "RFC 6749 §5.2 (400, or 401 for invalid_client); RFC 9110 §15.5.2 (a 401 carries a challenge)",
    required: "400 or 401; a 401 with WWW-Authenticate (SHOULD)",
    allowed: ["400", "401 with a WWW-Authenticate challenge"],
    reference: "400, except 401 with a Basic challenge to a request that authenticates with HTTP Basic",
    alternate: "401 with a Bearer challenge for every invalid_client",
    tests: [
      "sends a WWW-Authenticate challenge whenever it answers 401",
      "refuses a request that also authenticates with HTTP Basic",
    ],
  },
  "scope-matching": {
    question:
      "Does a registration of system/Patient.rs also let the client be granted system/Patient.read, .r or .s?",
    requirements: ["BS-SCOPE-04", "BS-SCOPE-03"],
    basis:
      "SMART App Launch 2 §scopes: v1 scopes SHOULD still be honoured, and what a registration covers is the server's policy; RFC 6749 §3.3 lets it grant less than asked",
    required: "never a grant beyond the registration; the config states which strings are registered",
    allowed: [
      "grants by SMART meaning (v1 ↔ v2, .rs covers .r and .s)",
      "grants only the exact registered strings; refuses any other with invalid_scope",
    ],
    codes: ["invalid_scope"],
    reference: "grants by meaning, echoing v1 requests in v1 form",
    alternate:
      "grants only the registered strings as written (refuses v1 system/Patient.read for a client registered system/Patient.rs); the embedded config says scopeMatching exact",
    tests: [
      "grants the v2 scope system/<type>.rs within the pre-authorisation",
      "grants the v2 scope system/<type>.r within the pre-authorisation",
      "grants the v2 scope system/<type>.s within the pre-authorisation",
      "honours a v1 scope and states it in v1 form",
      "grants v1 and v2 scopes requested together",
      "grants no more than was requested",
      "grants each advertised system scope the client is pre-authorised for",
    ],
  },
  "scope-registration": {
    question: "Does the server register scopes per client, or grant any read scope to every client?",
    requirements: ["BS-SCOPE-01"],
    basis:
      "SMART backend services §registration: scopes are pre-authorised out of band, in any form the server chooses (the spec sets none)",
    required:
      "never a grant beyond what the server allows the client, and never write permissions to a reader",
    allowed: [
      "a per-client registration (grants within it)",
      "no per-client registration: any system read scope for a resource type it holds",
    ],
    reference: "per-client registrations (the inline client system/Patient.rs system/Observation.rs)",
    alternate:
      "no per-client registration: any system read scope for a type it holds; the embedded config says scopeRegistration none",
    tests: [
      "never grants a resource type outside the pre-authorisation",
      "never grants write permissions to a client pre-authorised only to read",
      "narrows a wildcard request to the pre-authorisation",
      "grants no more than was requested",
      "grants each advertised system scope the client is pre-authorised for",
    ],
  },
  "wildcard-beyond-registration": {
    question: "What answers system/*.rs from a client registered for a few types only?",
    requirements: ["BS-SCOPE-06", "BS-SCOPE-01"],
    basis:
      "RFC 6749 §3.3 (the server may grant less than asked) and §5.2 (invalid_scope: the scope exceeds what the client may have)",
    required: "no grant beyond the registration",
    allowed: ["a grant narrowed to the registration", "invalid_scope"],
    codes: ["invalid_scope"],
    reference: "narrows it to the registered types",
    alternate: "refuses it with invalid_scope",
    tests: ["narrows a wildcard request to the pre-authorisation"],
  },
  "protected-routes": {
    question: "Which protected FHIR requests does the server offer a backend client?",
    requirements: ["BS-RS-01", "BS-RS-05"],
    basis:
      "SMART backend services requires no search or read endpoint; Bulk Data Access offers only the $export kick-off, its status URL and its files",
    required:
      "every protected request refused without a valid token (401 with a Bearer challenge) and confined to the token's scope",
    allowed: [
      "read and search",
      "only Bulk Data $export (kick-off, status, files), as the CapabilityStatement says; the tests ask for config protectedRequests or derive them from it",
    ],
    reference: "read and search of Patient, Observation and Group",
    alternate:
      "only Bulk Data: GET $export kick-off (202, Content-Location), status (202 in progress, 200 with a manifest) and NDJSON files; no read or search",
    tests: [
      "answers a search with a valid access token",
      "refuses a search without a token with 401 and a Bearer challenge",
      "refuses an unknown access token with 401 invalid_token",
      "refuses an access token with one character changed",
      "refuses an Authorization header with the Bearer scheme with no token",
      "refuses an Authorization header with two tokens after Bearer",
      "refuses an Authorization header with the Basic scheme",
      'accepts the scheme name in lower case ("bearer")',
      "refuses a token sent both in the header and in the query string",
      "sends no error attribute in the challenge when no credentials were sent",
      "refuses a token once it has expired",
      "refuses a search of a resource type the token's scope does not cover",
      "refuses a read of a resource type the token's scope does not cover",
      "refuses a search with a token granted read (r) but not search (s)",
      "confines a token to the search constraint of its scope",
    ],
  },
  "out-of-scope-status": {
    question: "Which status refuses a request for a resource type the token's scope does not cover?",
    requirements: ["BS-RS-05"],
    basis:
      "RFC 6750 §3.1 (403 insufficient_scope) against FHIR's practice of hiding what a client may not see (404); catalog AMB-14",
    required: "no data of that type handed out",
    allowed: ["403 insufficient_scope", "404", "401"],
    reference: "403 with error=insufficient_scope",
    alternate: "404 with an OperationOutcome, as if the type were not there",
    tests: [
      "refuses a search of a resource type the token's scope does not cover",
      "refuses a read of a resource type the token's scope does not cover",
      "never grants a resource type outside the pre-authorisation",
      "grants the v2 scope system/<type>.rs within the pre-authorisation",
    ],
  },
  "token-lifetime": {
    question: "How long do access tokens live?",
    requirements: ["BS-TRESP-04", "BS-TRESP-05"],
    basis: "SMART backend services §issue access token: expires_in required, SHOULD NOT exceed 300 s",
    required: "expires_in present as a positive number; a token honoured until then and refused after",
    allowed: ["any lifetime up to 300 s", "up to an hour (a SHOULD finding above 300 s)"],
    reference: "10 s in suite runs (the expiry tests wait it out), 300 s standalone",
    alternate: "300 s: the tests that wait for expiry skip with the reason unless SMART_SLOW_TESTS=1",
    tests: [
      "refuses a token once it has expired",
      "introspects unknown and expired tokens as inactive",
      "issues tokens that live at most 300 seconds",
      "issues short-lived tokens (expires_in at most an hour)",
    ],
  },
  "revocation-aud": {
    question: "Which aud must a client assertion sent to the revocation endpoint carry?",
    requirements: ["BS-REV-02"],
    basis:
      "RFC 7009 §2.1 (the client authenticates as at the token endpoint) and RFC 7523 §3 item 3 (aud identifies the authorization server; the token endpoint URL MAY be used)",
    required: "a valid assertion whose aud names the server authenticates the client",
    allowed: [
      "the aud the token endpoint requires (its URL, or the issuer): the suite sends it first",
      "the revocation endpoint's URL: the suite, refused with invalid_client, sends that next",
    ],
    reference: "accepts the aud its token endpoint requires and its revocation URL",
    alternate: "accepts only its revocation URL",
    tests: [
      "refuses an access token at the FHIR endpoint once it is revoked",
      "introspects an access token as inactive once it is revoked",
      "answers HTTP 200 to the revocation of an unknown token",
      "leaves a token issued to another client unrevoked",
    ],
  },
  "revocation-foreign-token": {
    question: "What answers a client asking to revoke a token issued to another client?",
    requirements: ["BS-REV-04"],
    basis:
      "RFC 7009 §2.1 (the server verifies the token was issued to the asking client; if not, the request is refused with an error) and §2.2 (HTTP 200 for a token invalid to the client)",
    required: "the token is not revoked",
    allowed: ["an RFC 6749 §5.2 error", "HTTP 200, the token left alone"],
    reference: "400 invalid_grant (RFC 6749 §5.2: issued to another client)",
    alternate: "200, revoking nothing",
    tests: ["leaves a token issued to another client unrevoked"],
  },
} as const satisfies Record<string, LatitudePoint>;

export type LatitudeId = keyof typeof LATITUDE;

export const LATITUDE_IDS = Object.keys(LATITUDE) as LatitudeId[];

export function isLatitudeId(value: string): value is LatitudeId {
  return Object.hasOwn(LATITUDE, value);
}

/** SMART_REFERENCE_ALTERNATE for the embedded target: "all" (or "1"), or a comma-separated list of points. */
export const ALTERNATE_ENV = "SMART_REFERENCE_ALTERNATE";

export function alternateFromEnv(value = process.env[ALTERNATE_ENV] ?? ""): LatitudeId[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.includes("all") || names.includes("1")) return [...LATITUDE_IDS];
  const unknown = names.filter((n) => !isLatitudeId(n));
  if (unknown.length > 0)
    throw new Error(
      `${ALTERNATE_ENV}: unknown latitude point(s) ${unknown.join(", ")} (known: ${LATITUDE_IDS.join(", ")})`,
    );
  return names as LatitudeId[];
}

/** The latitude table as Markdown (docs/latitude.md, written by `npx tsx scripts/write-latitude.ts`). */
export function latitudeMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const rows = LATITUDE_IDS.map((id) => {
    const p: LatitudePoint = LATITUDE[id];
    return `| \`${id}\` | ${cell(p.question)} (${p.requirements.join(", ")}; ${cell(p.basis)}) | ${cell(p.required)} | ${cell(p.allowed.join("; "))} | ${cell(p.reference)} | ${cell(p.alternate)} | ${p.tests.map((t) => `“${cell(t)}”`).join("<br>")} |`;
  });
  return [
    "# Latitude points",
    "",
    "<!-- generated from harness/latitude.ts by `npx tsx scripts/write-latitude.ts`; do not edit -->",
    "",
    "Where the specs leave a server a choice. Every allowed outcome passes; the reference target makes one",
    "choice, its alternate mode (`SMART_REFERENCE_ALTERNATE=all`, `npm run reference-server -- --alternate all`)",
    "the other, and `npm test` runs the whole suite against both.",
    "",
    "| point | the question (requirements; basis) | required of every server | allowed | reference | alternate | tests that read it |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
