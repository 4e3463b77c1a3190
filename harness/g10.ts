/**
 * What Inferno's ONC (g)(10) certification kit checks of a SMART authorization server, next to the tests of
 * this suite that check the same thing, and a replay of Inferno's (weaker) pass conditions on the responses
 * our tests observe: first the backend-services tests of its Multi-Patient API groups, then
 * (INFERNO_G10_LAUNCH, further down) the tests of its SMART App Launch scenarios.
 *
 * The (g)(10) kit (onc-healthit/onc-certification-g10-test-kit) does not reuse the smart-app-launch kit's
 * backend-services tests: its "Multi-Patient Authorization and API" groups (short ids 7 for Bulk Data
 * STU1, 8 for STU2) start with its own group `bulk_data_authorization` (7.1 / 8.1), read from
 * lib/onc_certification_g10_test_kit/bulk_data_authorization.rb. That group takes the token URL as an
 * input (its `use_discovery` component is locked to false): (g)(10) never discovers the backend-services
 * token endpoint. The group export group that follows (7.2 / 8.2) adds a TLS check of the FHIR server and
 * an export kick-off without a token.
 *
 * The last entries come from the kits that the brief names as the source of the discovery tests: the Bulk
 * Data test kit's optional "SMART Backend Services" groups run the smart-app-launch kit's discovery tests
 * and then its `backend_services_authorization` group. Four of that group's tests (invalid grant_type,
 * invalid client_assertion_type, success, response body) send the same requests and pass on the same
 * conditions as the (g)(10) tests below; only its "invalid JWT" test differs, and is listed on its own.
 *
 * Inferno's assertions (inferno-framework/inferno-core lib/inferno/dsl/assertions.rb):
 * - `assert_response_status(s)`: the status is one of `s`;
 * - `assert_valid_json(x)`: `JSON.parse(x)` succeeds and is truthy (not `null` or `false`);
 * - `assert_valid_http_uri(u)`: `u` matches `URI::DEFAULT_PARSER.make_regexp(['http', 'https'])`;
 * - `x.present?` (ActiveSupport): not nil, not false, not a blank (whitespace-only) string, not an empty
 *   array or hash; numbers and `true` are always present.
 */

/**
 * An HTTP response as one of our tests observed it. `body` is either the raw body text (a string, as in
 * `RecordedResponse.body`) or an already-parsed JSON value, `null` standing for a body that is not JSON
 * (as summary.json's `observed` records it; a parsed JSON string value is read as raw text, a corner no
 * token or discovery response reaches). `headers` is optional: without it, checks on headers are not
 * replayed (our matching tests check those headers themselves, more strictly), and a check that reads
 * nothing but headers (a launch's redirect, its caching headers) cannot tell. `url` is the request's URL
 * (for an authorization in the browser, the authorize URL; its Location is where the browser was sent).
 * A `RecordedResponse` can be passed as it is.
 */
export interface InfernoObservation {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly url?: string;
}

export interface InfernoG10Check {
  /**
   * Inferno's test id (for the g10 kit, the full runtime id: backend services under the Bulk Data STU2
   * Multi-Patient group, launch tests under the SMART App Launch 2.0.0 group named in the entry).
   */
  readonly id: string;
  /**
   * The short ids Inferno's UI shows, when known: the test `id` names first, then the same test elsewhere
   * in the suite (backend services: the Bulk Data STU1 group; launch tests: the other SMART 2.0.0 scenarios).
   */
  readonly shortIds?: readonly string[];
  /** Which part of the kit: its Multi-Patient (backend services) groups, or its launch scenarios. */
  readonly part?: "backend services" | "app launch";
  /** Inferno's title. */
  readonly title: string;
  /** repo:path of the Ruby file it is defined in. */
  readonly source: string;
  /** What it sends, one sentence. */
  readonly sends: string;
  /** Inferno's pass condition, one sentence. */
  readonly passesWhen: string;
  /** Titles of our tests (exactly as in summary.json) that check the same thing, stricter or equal. */
  readonly ourTests: readonly string[];
  /**
   * Titles of our tests that do not judge what this Inferno test judges but observe the very response it
   * reads (a valid code exchange that is their prerequisite): Inferno's condition is replayed on them too.
   */
  readonly replayOn?: readonly string[];
  /**
   * What Inferno would conclude from our test's observed response, given its (weaker) pass condition;
   * undefined where that response does not show what Inferno judges (it then counts as not observed).
   */
  readonly infernoWouldPass: (observed: InfernoObservation) => boolean | undefined;
}

const G10 = "onc-healthit/onc-certification-g10-test-kit";
const G10_AUTH = `${G10}:lib/onc_certification_g10_test_kit/bulk_data_authorization.rb`;
const G10_EXPORT = `${G10}:lib/onc_certification_g10_test_kit/bulk_data_group_export.rb`;
const SMART = "inferno-framework/smart-app-launch-test-kit:lib/smart_app_launch";
const BULK = "inferno-framework/bulk-data-test-kit:lib/bulk_data_test_kit";
const G10_PREFIX = "g10_certification-multi_patient_api_stu2";

/** What every g10 token request carries besides the varied part. */
const TOKEN_POST =
  "POST to the token URL (application/x-www-form-urlencoded, Accept: application/json) of scope, grant_type, " +
  "client_assertion_type and a client assertion (claims iss, sub, aud = token URL, exp = now + 5 min, jti; " +
  "header kid and alg ES384 or RS384, signed with the registered key)";

// ---------------------------------------------------------------------------------------------------------
// Ruby semantics, as far as Inferno's assertions depend on them.

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

/** Ruby's JSON.parse on the body: a string is the raw body text; anything else is already parsed. */
function parseJson(body: unknown): Parsed {
  if (typeof body === "string") {
    try {
      return { ok: true, value: JSON.parse(body) as unknown };
    } catch {
      return { ok: false };
    }
  }
  // No body at all is JSON.parse(nil): a TypeError, so the test errors.
  return body === undefined ? { ok: false } : { ok: true, value: body };
}

/** assert_valid_json: parses, and the result is truthy in Ruby. */
function validJson(body: unknown): Parsed {
  const parsed = parseJson(body);
  return parsed.ok && parsed.value !== null && parsed.value !== false ? parsed : { ok: false };
}

function isHash(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `value[key]` in Ruby: a Hash gives the member (nil when absent); a String gives `key` when it contains
 * it, else nil; an Array, Integer, true and nil raise (the test errors, which is not a pass).
 */
function rubyIndex(value: unknown, key: string): Parsed {
  if (isHash(value)) return { ok: true, value: Object.hasOwn(value, key) ? value[key] : undefined };
  if (typeof value === "string") return { ok: true, value: value.includes(key) ? key : undefined };
  return { ok: false };
}

/** ActiveSupport's Object#present?. */
function present(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === "string") return !/^\s*$/u.test(value);
  if (Array.isArray(value)) return value.length > 0;
  if (isHash(value)) return Object.keys(value).length > 0;
  return true;
}

/** assert_valid_http_uri: an absolute http(s) URI (RFC 2396 as Ruby's URI parser reads it). */
function validHttpUri(value: unknown): boolean {
  return (
    typeof value === "string" &&
    !/\s/.test(value) &&
    URL.canParse(value) &&
    /^https?:$/.test(new URL(value).protocol)
  );
}

function header(observed: InfernoObservation, name: string): string | undefined {
  if (!observed.headers) return undefined;
  const key = Object.keys(observed.headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : observed.headers[key];
}

const statusIn =
  (...accepted: readonly number[]) =>
  (observed: InfernoObservation): boolean =>
    accepted.includes(observed.status);

/**
 * The TLS version test: it passes once a GET over TLS 1.2 or 1.3 (certificate verified) gets any HTTP
 * answer. Pass the status of any response received from that endpoint over https (Node never negotiates
 * below TLS 1.2, so any answer qualifies), or 0 when no such connection could be made. Our handshake
 * probes record no HTTP response of their own; a token-endpoint probe that first ran discovery carries
 * that discovery answer, which is such a response.
 */
const anyHttpResponse = (observed: InfernoObservation): boolean =>
  Number.isInteger(observed.status) && observed.status >= 100;

/** The (g)(10) response-body test (8.1.06), on the body of the success test's response. */
function tokenResponseBodyPasses(observed: InfernoObservation): boolean {
  const parsed = validJson(observed.body);
  if (!parsed.ok) return false;
  return ["access_token", "token_type", "expires_in", "scope"].every((key) => {
    const member = rubyIndex(parsed.value, key);
    return member.ok && present(member.value);
  });
}

/** well_known_endpoint: 200, valid JSON that `config['...']` can be read from, Content-Type application/json. */
function wellKnownEndpointPasses(observed: InfernoObservation): boolean {
  if (observed.status !== 200) return false;
  const parsed = validJson(observed.body);
  if (!parsed.ok || !rubyIndex(parsed.value, "token_endpoint").ok) return false;
  if (!observed.headers) return true; // Content-Type not replayed (see InfernoObservation)
  const type = header(observed, "content-type");
  return type !== undefined && type.startsWith("application/json");
}

/** The configuration a discovery-contents test reads: only set when well_known_endpoint got a 200 and JSON. */
function discoveryDocument(observed: InfernoObservation): Readonly<Record<string, unknown>> | undefined {
  if (observed.status !== 200) return undefined;
  const parsed = validJson(observed.body);
  // `config.key?` / `config[key].is_a?` need a Hash: anything else raises or fails.
  return parsed.ok && isHash(parsed.value) ? parsed.value : undefined;
}

function stringArrayIncludes(value: unknown, wanted: string): boolean {
  return Array.isArray(value) && value.includes(wanted);
}

/** bulk_data_smart_discovery_v101_contents. */
function bulkV101DiscoveryPasses(observed: InfernoObservation): boolean {
  const config = discoveryDocument(observed);
  if (!config) return false;
  const tokenEndpoint = config.token_endpoint;
  if (!present(tokenEndpoint) || typeof tokenEndpoint !== "string" || !validHttpUri(tokenEndpoint))
    return false;
  const recommended = [
    "token_endpoint_auth_methods_supported",
    "token_endpoint_auth_signing_alg_values_supported",
    "scopes_supported",
  ];
  // Absent recommended members are warnings; present ones must be non-empty arrays.
  for (const key of recommended)
    if (Object.hasOwn(config, key) && !(present(config[key]) && Array.isArray(config[key]))) return false;
  if (!Object.hasOwn(config, "token_endpoint_auth_methods_supported")) return true;
  if (!stringArrayIncludes(config.token_endpoint_auth_methods_supported, "private_key_jwt")) return false;
  // Ruby guards the algorithm check with the auth methods' presence, so an absent alg list raises
  // (nil.include?) and the test errors.
  const algs = config.token_endpoint_auth_signing_alg_values_supported;
  return stringArrayIncludes(algs, "RS384") || stringArrayIncludes(algs, "ES384");
}

/** well_known_capabilities_stu2 (the SMART App Launch STU2 discovery contents test). */
function smartStu2CapabilitiesPass(observed: InfernoObservation): boolean {
  const config = discoveryDocument(observed);
  if (!config) return false;
  const required: readonly (readonly [string, "string" | "array"])[] = [
    ["authorization_endpoint", "string"],
    ["token_endpoint", "string"],
    ["capabilities", "array"],
    ["grant_types_supported", "array"],
    ["code_challenge_methods_supported", "array"],
  ];
  for (const [key, type] of required) {
    const value = config[key];
    if (!Object.hasOwn(config, key) || !present(value)) return false;
    if (type === "string" ? typeof value !== "string" : !Array.isArray(value)) return false;
  }
  const capabilities = config.capabilities;
  if (!Array.isArray(capabilities)) return false;
  if (!stringArrayIncludes(config.grant_types_supported, "authorization_code")) return false;
  const pkce = config.code_challenge_methods_supported;
  if (!stringArrayIncludes(pkce, "S256") || stringArrayIncludes(pkce, "plain")) return false;
  if (
    capabilities.includes("sso-openid-connect") &&
    (typeof config.issuer !== "string" || typeof config.jwks_uri !== "string")
  )
    return false;
  return capabilities.every((c) => typeof c === "string");
}

// ---------------------------------------------------------------------------------------------------------

export const INFERNO_G10_BACKEND: readonly InfernoG10Check[] = [
  {
    id: `${G10_PREFIX}-bulk_data_authorization-g10_bulk_token_tls_version`,
    shortIds: ["8.1.01", "7.1.01"],
    title: "Authorization service token endpoint secured by transport layer security",
    source: `${G10_AUTH} (test from inferno's :tls_version_test, tls-test-kit lib/tls_test_kit/tls_version_test.rb)`,
    sends:
      "A GET to the token URL over a connection pinned to each of SSL 2.0, SSL 3.0 and TLS 1.0 to 1.3 in turn, verifying the certificate.",
    passesWhen:
      "At least one TLS 1.2 or 1.3 connection gets an HTTP response of any status; accepting a version below TLS 1.2 is only a warning in the g10 suite (incorrectly_permitted_tls_version_message_type 'warning').",
    ourTests: [
      "negotiates TLS 1.2 or newer at the token endpoint",
      "refuses a TLS 1.1 handshake at the token endpoint",
      "refuses a TLS 1.0 handshake at the token endpoint",
    ],
    infernoWouldPass: anyHttpResponse,
  },
  {
    id: `${G10_PREFIX}-bulk_data_authorization-Test02`,
    shortIds: ["8.1.02", "7.1.02"],
    title: "Authorization request fails when client supplies invalid grant_type",
    source: G10_AUTH,
    sends: `${TOKEN_POST}, with grant_type=not_a_grant_type and an otherwise valid assertion.`,
    passesWhen: "HTTP 400 exactly; the body is not examined.",
    ourTests: [
      "refuses grant_type=not_a_grant_type with unsupported_grant_type",
      "refuses grant_type=password from a client_credentials client",
      "refuses grant_type=authorization_code from a client_credentials client",
    ],
    infernoWouldPass: statusIn(400),
  },
  {
    id: `${G10_PREFIX}-bulk_data_authorization-Test03`,
    shortIds: ["8.1.03", "7.1.03"],
    title: "Authorization request fails when supplied invalid client_assertion_type",
    source: G10_AUTH,
    sends: `${TOKEN_POST}, with client_assertion_type=not_an_assertion_type and an otherwise valid assertion.`,
    passesWhen: "HTTP 400 exactly (a 401 fails); the body is not examined.",
    // Ours also accepts 401 with invalid_client, which Inferno fails: infernoWouldPass shows the gap.
    ourTests: ["refuses a client_assertion_type other than jwt-bearer"],
    infernoWouldPass: statusIn(400),
  },
  {
    id: `${G10_PREFIX}-bulk_data_authorization-Test04`,
    shortIds: ["8.1.04", "7.1.04"],
    title: "Authorization request fails when client supplies invalid JWT token",
    source: G10_AUTH,
    sends: `${TOKEN_POST}, with an assertion whose iss is "not_a_valid_iss" while sub is still the client_id (validly signed).`,
    passesWhen: "HTTP 400 or 401; the body is not examined.",
    // Added for this entry: a server that identifies the client by sub alone passes "sub differs from
    // iss" and "unregistered client" but fails this one (fault client-by-sub).
    ourTests: ["rejects an assertion whose iss names no client although sub names this one"],
    infernoWouldPass: statusIn(400, 401),
  },
  {
    id: `${G10_PREFIX}-bulk_data_authorization-Test05`,
    shortIds: ["8.1.05", "7.1.05"],
    title: "Authorization request succeeds when supplied correct information",
    source: G10_AUTH,
    sends: `${TOKEN_POST}, all valid, grant_type=client_credentials, scope as configured (default system/*.read).`,
    passesWhen: "HTTP 200 or 201; the body is left to the next test.",
    ourTests: [
      "issues an access token for a valid client_credentials request signed ES384",
      "issues an access token for a valid client_credentials request signed RS384",
      "answers a valid request with HTTP 200 and a JSON token response matching the schema",
    ],
    infernoWouldPass: statusIn(200, 201),
  },
  {
    id: `${G10_PREFIX}-bulk_data_authorization-Test06`,
    shortIds: ["8.1.06", "7.1.06"],
    title: "Authorization request response body contains required information encoded in JSON",
    source: G10_AUTH,
    sends: "Nothing: it reads the body of the success test's response.",
    passesWhen:
      "The body is valid JSON and access_token, token_type, expires_in and scope are each present? (not null, false, a blank string or an empty array/object); their types, token_type = bearer and the status are not checked.",
    // Inferno is stricter than ours in two corners: an empty or whitespace-only scope, and a
    // whitespace-only access_token, fail here but satisfy the schema test.
    ourTests: [
      "answers a valid request with HTTP 200 and a JSON token response matching the schema",
      'states token_type "bearer" (compared case-insensitively)',
      "states expires_in as a positive JSON number",
      "states the granted scope in the token response",
    ],
    infernoWouldPass: tokenResponseBodyPasses,
  },
  {
    id: "g10_certification-multi_patient_api_stu2-bulk_data_group_export_stu2-g10_bulk_data_server_tls_version",
    shortIds: ["8.2.01", "7.2.01"],
    title: "Bulk Data Server is secured by transport layer security",
    source: `${G10_EXPORT} (test from inferno's :tls_version_test)`,
    sends:
      "A GET to the Bulk Data FHIR base URL over a connection pinned to each of SSL 2.0, SSL 3.0 and TLS 1.0 to 1.3 in turn, verifying the certificate.",
    passesWhen:
      "At least one TLS 1.2 or 1.3 connection gets an HTTP response of any status; accepting a version below TLS 1.2 is only a warning in the g10 suite.",
    ourTests: [
      "negotiates TLS 1.2 or newer at the FHIR endpoint",
      "refuses a TLS 1.1 handshake at the FHIR endpoint",
      "refuses a TLS 1.0 handshake at the FHIR endpoint",
    ],
    infernoWouldPass: anyHttpResponse,
  },
  {
    id: "g10_certification-multi_patient_api_stu2-bulk_data_group_export_stu2-rejects_unauthorized_export",
    shortIds: ["8.2.03", "7.2.03"],
    title: "Bulk Data Server rejects $export request without authorization",
    source: `${G10_EXPORT} (with lib/onc_certification_g10_test_kit/export_kick_off_performer.rb)`,
    sends:
      "GET {bulk_server_url}/Group/{group_id}/$export with Accept: application/fhir+json and Prefer: respond-async and no Authorization header (skipped when no access token was obtained).",
    passesWhen: "HTTP 400 or 401; the body and WWW-Authenticate are not examined.",
    // Ours refuses a search rather than an $export kick-off (this suite does not exercise $export), and
    // demands 401 with a Bearer challenge.
    ourTests: ["refuses a search without a token with 401 and a Bearer challenge"],
    infernoWouldPass: statusIn(400, 401),
  },
  // ------- The Bulk Data / SMART App Launch kits' backend-services groups (not in the (g)(10) suite's -------
  // ------- Multi-Patient groups; its launch scenarios run the two discovery tests: see shortIds) -------
  {
    id: "smart_backend_services_invalid_jwt",
    title: "Authorization request fails when client supplies invalid JWT token",
    source: `${SMART}/backend_services_invalid_jwt_test.rb`,
    sends: `${TOKEN_POST}, valid except client_assertion_type=not_an_assertion_type (despite its title, the assertion itself is valid).`,
    passesWhen: "HTTP 400 or 401 (400 only in earlier versions); the body is not examined.",
    ourTests: ["refuses a client_assertion_type other than jwt-bearer"],
    infernoWouldPass: statusIn(400, 401),
  },
  {
    id: "well_known_endpoint",
    // The (g)(10) launch scenarios' smart_discovery_stu2 groups: standalone patient app, asymmetric launch,
    // EHR practitioner app.
    shortIds: ["1.2.01", "9.12.1.01", "3.2.01"],
    title: "FHIR server makes SMART configuration available from well-known endpoint",
    source: `${SMART}/well_known_endpoint_test.rb (run by ${BULK}/v1.0.1/bulk_data_smart_discovery_v101_group.rb and, via smart_discovery_stu2, v2.0.0/bulk_data_smart_backend_services_v200_group.rb and the (g)(10) launch scenarios)`,
    sends: "GET {fhir base}/.well-known/smart-configuration with Accept: application/json and no token.",
    passesWhen:
      "HTTP 200, a valid JSON body, and a Content-Type that starts with application/json (case-sensitive); the token_endpoint it outputs feeds the backend-services tests.",
    ourTests: ["answers application/json to a discovery request with Accept application/json"],
    infernoWouldPass: wellKnownEndpointPasses,
  },
  {
    id: "bulk_data_smart_discovery_v101_contents",
    title: "Well-known configuration contains the required fields",
    source: `${BULK}/v1.0.1/bulk_data_smart_discovery_v101_contents_test.rb`,
    sends: "Nothing: it reads the document well_known_endpoint fetched.",
    passesWhen:
      "token_endpoint is a present string and a valid http(s) URI; token_endpoint_auth_methods_supported, token_endpoint_auth_signing_alg_values_supported and scopes_supported only warn when absent but must be non-empty arrays when present, and when the auth methods are present they must include private_key_jwt and the signing algorithms must include RS384 or ES384.",
    ourTests: [
      "names an absolute token_endpoint",
      "lists private_key_jwt in token_endpoint_auth_methods_supported",
      "advertises RS384 or ES384 as client assertion signing algorithms, never none, and HS* only with client_secret_jwt",
      "lists the scopes it supports",
    ],
    infernoWouldPass: bulkV101DiscoveryPasses,
  },
  {
    id: "well_known_capabilities_stu2",
    shortIds: ["1.2.02", "9.12.1.02", "3.2.02"],
    title: "Well-known configuration contains required fields",
    source: `${SMART}/well_known_capabilities_stu2_test.rb (run by ${BULK}/v2.0.0/bulk_data_smart_backend_services_v200_group.rb and the (g)(10) launch scenarios via smart_discovery_stu2)`,
    sends: "Nothing: it reads the document well_known_endpoint fetched.",
    passesWhen:
      "authorization_endpoint and token_endpoint are present strings, capabilities, grant_types_supported and code_challenge_methods_supported present arrays, grant_types_supported includes authorization_code, PKCE methods include S256 and not plain, issuer and jwks_uri are strings when sso-openid-connect is listed, and every capability is a string.",
    // App-launch requirements: a backend-services-only server fails this test. Ours judge parts of it on the
    // same document: S256 and never plain (but only when the PKCE methods are listed), issuer and jwks_uri
    // with sso-openid-connect, absolute endpoints. None demands authorization_code in grant_types_supported;
    // the app-launch family needs authorization_endpoint and code_challenge_methods_supported only to run
    // (it is skipped without them, which is no verdict).
    ourTests: [
      "advertises S256 and never plain when it lists PKCE methods",
      "leaves issuer out unless it offers sso-openid-connect",
      "gives every endpoint as an absolute URL",
    ],
    infernoWouldPass: smartStu2CapabilitiesPass,
  },
];

// ---------------------------------------------------------------------------------------------------------
// The (g)(10) kit's SMART App Launch scenarios (SMART App Launch 2.0.0 option), read from
// onc-healthit/onc-certification-g10-test-kit (g10_certification_suite.rb and the groups it names) and the
// smart-app-launch kit's tests they run. Scenario 1 "Standalone Patient App" runs smart_discovery_stu2,
// smart_standalone_launch_stu2 (+ g10_smart_scopes, g10_unauthorized_access, g10_patient_context),
// smart_openid_connect and a token-refresh group; 2 "Limited App" the same launch + g10_limited_scope_grant;
// 3 "EHR Practitioner App" smart_ehr_launch_stu2 + OpenID + refresh. Scenarios 1-3 authenticate the client
// with a client_secret; the additional group 9.12 "Asymmetric Client Standalone Launch" runs the standalone
// launch and refresh with a signed client assertion, as ours do, so it names the entries it runs. Groups
// 9.4 (invalid aud), 9.6 (invalid code / client_id) and 9.7 (invalid PKCE code_verifier) add the negative
// tests. Short ids from lib/onc_certification_g10_test_kit/g10_certification_suite_short_id_map.yml.
//
// Where our observation is the response a test judged (harness/checks.ts judgedExchangeOf): an
// authorization in the browser is recorded with the authorize URL as its request and where the browser was
// sent as its Location; an id_token is shortened to its header and claims (signature removed), enough for
// the decoding tests, not for a signature check (our own tests verify the signature).
//
// What Inferno's launch tests check that ours do not (for the next planner):
// - TLS of the authorize endpoint (standalone_auth_tls / ehr_auth_tls);
// - the code exchange's token response body: access_token, token_type Bearer, expires_in and scope present
//   and typed (ours check these for client_credentials only), and Pragma: no-cache beside no-store;
// - g10_smart_scopes: every required scope (openid fhirUser launch/patient offline_access) and patient-level
//   read access to every patient-compartment type granted;
// - the launch's access token reading Patient/{patient} (ours read it only as a prerequisite), the
//   patient's record refused without a token (ours refuse a search), the fhirUser resource read with it;
// - a refresh that resends the granted scope, its response body (expires_in, scope present), an unknown
//   refresh token refused;
// - OpenID Connect discovery at {iss}/.well-known/openid-configuration (200, application/json, issuer,
//   authorization_endpoint, token_endpoint, jwks_uri, response_types_supported, subject_types_supported,
//   id_token_signing_alg_values_supported with RS256), an RSA key in the JWK Set, id_token alg RS256 with a
//   kid naming a key when there are several, sub present and at most 255 characters, iat present;
// - a never-issued code (BAD_CODE) refused with 400, a blank code_verifier refused;
// - discovery: authorization_code in grant_types_supported, code_challenge_methods_supported present, the
//   scenario's capabilities (client-public, client-confidential-symmetric, authorize-post, permission-v1/v2…);
// - authorization requests sent by POST (authorize-post);
// - the EHR launch (launch URI with iss and launch, launch context, encounter, smart_style_url,
//   need_patient_banner, user-level and patient-level scopes), which we do not drive;
// - the Limited App's consent narrowing the grant to the resources the user picked;
// - public and client_secret (symmetric) clients; SMART 2.2.0's CORS tests and fhirContext validation.
//
// What ours check that Inferno's launch tests do not: PKCE at the authorize endpoint (no code_challenge,
// plain, a challenge without method), redirect_uri matched exactly (an unregistered or extended one refused,
// and never redirected to), a missing aud, an unknown response_type, the code single-use (and its tokens
// revoked on reuse), bound to the client and the redirect_uri and short-lived, a code exchange without client
// authentication refused, the whole client-assertion catalog and jti replay at the code exchange, the
// id_token's signature, iss, aud and exp against what the server advertises (any advertised algorithm),
// no refresh_token without offline_access/online_access, the refresh grant requiring the client's assertion
// (none, or an expired one, refused), bound to the client, and narrowing a scope beyond the grant; and every
// refusal's error code and JSON body, where Inferno reads only the status. Inferno's negative launch tests
// also send no client authentication for an asymmetric client (its invalid-refresh test sends client_id
// alone), so a server that refuses every unauthenticated request passes them whatever it checks.

const G10_LIB = `${G10}:lib/onc_certification_g10_test_kit`;
const ASYM = "g10_certification-Group06-g10_asymmetric_launch";
const ASYM_LAUNCH = `${ASYM}-smart_standalone_launch_stu2`;
const ASYM_REFRESH = `${ASYM}-g10_smart_asymmetric_token_refresh`;
const PATIENT_APP = "g10_certification-g10_smart_standalone_patient_app";
const EHR_APP = "g10_certification-g10_smart_ehr_practitioner_app";
const EXTRA = "g10_certification-Group06";
const PKCE_GROUP = `${EXTRA}-g10_smart_invalid_pkce_code_verifier_group`;

const AUTHORIZE =
  "The browser to the authorize endpoint (GET) with response_type=code, client_id, Inferno's redirect_uri, the scope, a random state, aud = the FHIR base URL and an S256 code_challenge";
const CODE_EXCHANGE =
  "POST to the token URL (application/x-www-form-urlencoded) of grant_type=authorization_code, the code, Inferno's redirect_uri and the code_verifier, the client authenticated by client_assertion_type + a client assertion (iss = sub = client_id, aud = token URL, ES384 or RS384; scenarios 1-3: HTTP Basic with the client_secret)";
const REFRESH =
  "POST to the token URL of grant_type=refresh_token and the refresh token from the launch, the client authenticated as at the code exchange";

/** The token response of a valid launch: what our launch-token-response tests judge other members of. */
const LAUNCH_TOKEN_RESPONSE = [
  "names the patient when launch/patient is granted",
  "forbids caching of the code exchange's token response",
];
const TOKEN_ENDPOINT_TLS = [
  "negotiates TLS 1.2 or newer at the token endpoint",
  "refuses a TLS 1.1 handshake at the token endpoint",
  "refuses a TLS 1.0 handshake at the token endpoint",
];
const ID_TOKEN_TESTS = [
  "signs the id_token with a key its jwks_uri publishes",
  "names its issuer as the id_token's iss",
  "names the client as the id_token's aud",
  "issues an id_token that has not expired",
];
const REFRESH_SUCCESS =
  "issues a new, usable access token for a refresh authenticated by the client's assertion";

/** The query of the URL the browser was sent to (the Location), undefined when it was not redirected. */
function redirectParams(observed: InfernoObservation): URLSearchParams | undefined {
  const location = header(observed, "location");
  return location !== undefined && URL.canParse(location) ? new URL(location).searchParams : undefined;
}

/** The token response body Inferno's tests read after `skip_if request.status != 200` and assert_valid_json. */
function tokenBody(observed: InfernoObservation): Readonly<Record<string, unknown>> | undefined {
  if (observed.status !== 200) return undefined;
  const parsed = validJson(observed.body);
  return parsed.ok && isHash(parsed.value) ? parsed.value : undefined;
}

/** A JWT segment (0 header, 1 claims) decoded without verification, as ruby-jwt's JWT.decode(t, nil, false). */
function jwtPart(token: unknown, index: 0 | 1): Readonly<Record<string, unknown>> | undefined {
  if (typeof token !== "string") return undefined;
  const segments = token.split(".");
  if (segments.length !== 2 && segments.length !== 3) return undefined;
  try {
    const value = JSON.parse(Buffer.from(segments[index] ?? "", "base64url").toString("utf8")) as unknown;
    return isHash(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** validate_required_fields_present, validate_token_field_types and validate_token_type (token_payload_validation.rb). */
function tokenPayloadValid(body: Readonly<Record<string, unknown>>): boolean {
  if (!["access_token", "token_type", "expires_in", "scope"].every((k) => present(body[k]))) return false;
  for (const k of ["access_token", "token_type", "scope", "refresh_token"])
    if (present(body[k]) && typeof body[k] !== "string") return false;
  if (present(body.expires_in) && typeof body.expires_in !== "number") return false;
  return String(body.token_type).toLowerCase() === "bearer";
}

/** smart_app_redirect_stu2: Inferno resumes when its redirect URI receives the state it sent (code or error). */
function appRedirectPasses(observed: InfernoObservation): boolean | undefined {
  if (!observed.headers) return undefined;
  const params = redirectParams(observed);
  // No redirect (a page of the server's): Inferno keeps waiting, and the test never passes.
  if (params === undefined) return false;
  const sent =
    observed.url !== undefined && URL.canParse(observed.url)
      ? new URL(observed.url).searchParams.get("state")
      : null;
  // Without the authorize URL (older summaries), any state stands for the one sent.
  return sent === null ? present(params.get("state")) : params.get("state") === sent;
}

/** smart_code_received: a non-blank code and no error on the redirect. */
function codeReceivedPasses(observed: InfernoObservation): boolean | undefined {
  if (!observed.headers) return undefined;
  const params = redirectParams(observed);
  return params !== undefined && present(params.get("code")) && !present(params.get("error"));
}

/** g10_smart_invalid_aud Test04: no code on the redirect (an error redirect, or a page the tester attests). */
function noCodeDelivered(observed: InfernoObservation): boolean | undefined {
  if (!observed.headers) return undefined;
  return !present(redirectParams(observed)?.get("code"));
}

/** smart_token_exchange / smart_token_refresh_stu2: HTTP 200 and a body assert_valid_json accepts. */
const tokenGrantPasses = (observed: InfernoObservation): boolean =>
  observed.status === 200 && validJson(observed.body).ok;

/** smart_token_response_body (SMART 2.0.0): fhirContext, validated when present, is not replayed. */
function launchTokenBodyPasses(observed: InfernoObservation): boolean {
  const body = tokenBody(observed);
  return body !== undefined && tokenPayloadValid(body);
}

/** smart_token_response_headers: Cache-Control contains no-store and Pragma contains no-cache. */
function tokenHeadersPass(observed: InfernoObservation): boolean | undefined {
  if (!observed.headers) return undefined;
  if (observed.status !== 200) return false;
  const cache = header(observed, "cache-control")?.toLowerCase() ?? "";
  const pragma = header(observed, "pragma")?.toLowerCase() ?? "";
  return cache.includes("no-store") && pragma.includes("no-cache");
}

const G10_REQUIRED_PATIENT_SCOPES = ["openid", "fhirUser", "launch/patient", "offline_access"];
const G10_OTHER_ACCEPTED_SCOPES = [
  "online_access",
  "offline_access",
  "launch",
  "launch/patient",
  "launch/encounter",
];
const PATIENT_COMPARTMENT_TYPES = [
  "Patient",
  "AllergyIntolerance",
  "CarePlan",
  "CareTeam",
  "Condition",
  "DiagnosticReport",
  "DocumentReference",
  "Goal",
  "Immunization",
  "MedicationRequest",
  "Observation",
  "Procedure",
  "Provenance",
];

/**
 * g10_smart_scopes (v2 scopes, patient level), on the granted scope only: the requested scope is the
 * tester's input, not the server's answer. US Core 5's extra type (ServiceRequest) is left out.
 */
function grantedScopesPass(observed: InfernoObservation): boolean {
  const scope = tokenBody(observed)?.scope;
  if (typeof scope !== "string") return false;
  const words = scope.split(/\s+/).filter((w) => w !== "");
  if (!G10_REQUIRED_PATIENT_SCOPES.every((s) => words.includes(s))) return false;
  const granted: string[] = [];
  for (const full of words) {
    if (G10_REQUIRED_PATIENT_SCOPES.includes(full) || G10_OTHER_ACCEPTED_SCOPES.includes(full)) continue;
    const pieces = (full.split("?")[0] ?? "").split("/");
    if (pieces.length !== 2) continue;
    const [type, resourceScope] = pieces as [string, string];
    const parts = resourceScope.split(".");
    if (parts.length !== 2) continue;
    const [resource, level] = parts as [string, string];
    if (!/^(\*|c?ru?d?s?)\b/.test(level)) continue;
    const inCompartment = resource === "*" || PATIENT_COMPARTMENT_TYPES.includes(resource);
    if (inCompartment ? type !== "patient" : type !== "patient" && type !== "user") return false;
    granted.push(resource);
  }
  return granted.includes("*") || PATIENT_COMPARTMENT_TYPES.every((t) => granted.includes(t));
}

/** g10_asymmetric_launch_id_token: the token response carried an id_token. */
const idTokenPresent = (observed: InfernoObservation): boolean => present(tokenBody(observed)?.id_token);

/** smart_openid_decode_id_token: the id_token is a JWT whose header and claims decode. */
function idTokenDecodes(observed: InfernoObservation): boolean {
  const token = tokenBody(observed)?.id_token;
  return present(token) && jwtPart(token, 0) !== undefined && jwtPart(token, 1) !== undefined;
}

/** smart_openid_token_header, on the header alone: alg RS256 (the kid rule needs the JWK Set). */
function idTokenHeaderPasses(observed: InfernoObservation): boolean {
  return jwtPart(tokenBody(observed)?.id_token, 0)?.alg === "RS256";
}

/**
 * smart_openid_token_payload, on what the token shows: RS256, the claims iss, sub, aud, exp and iat present,
 * sub a non-blank string under 256 characters. The signature, exp (60 s leeway), iss = the OpenID issuer
 * and aud = the client are not replayed: ours check them.
 */
function idTokenClaimsPass(observed: InfernoObservation): boolean {
  const token = tokenBody(observed)?.id_token;
  const claims = jwtPart(token, 1);
  if (jwtPart(token, 0)?.alg !== "RS256" || !claims) return false;
  if (!["iss", "sub", "aud", "exp", "iat"].every((c) => Object.hasOwn(claims, c))) return false;
  return typeof claims.sub === "string" && present(claims.sub) && claims.sub.length < 256;
}

/** smart_openid_fhir_user_claim, without the read of the resource: fhirUser names one of its four types. */
function fhirUserClaimPasses(observed: InfernoObservation): boolean {
  const fhirUser = jwtPart(tokenBody(observed)?.id_token, 1)?.fhirUser;
  if (typeof fhirUser !== "string" || !present(fhirUser)) return false;
  const type = fhirUser
    .split("/")
    .filter((s) => s !== "")
    .at(-2);
  return type !== undefined && ["Patient", "Practitioner", "RelatedPerson", "Person"].includes(type);
}

/** smart_token_refresh_body: the payload rules; the granted scope within the original one is not replayed. */
function refreshBodyPasses(observed: InfernoObservation): boolean {
  const body = tokenBody(observed);
  return body !== undefined && tokenPayloadValid(body);
}

/** g10_patient_context: a read of Patient/{id} answered 200 with a Patient; other responses cannot tell. */
function patientReadPasses(observed: InfernoObservation): boolean | undefined {
  const path = observed.url !== undefined && URL.canParse(observed.url) ? new URL(observed.url).pathname : "";
  if (!/\/Patient\/[^/]+$/.test(path)) return undefined;
  const parsed = validJson(observed.body);
  return (
    observed.status === 200 && parsed.ok && isHash(parsed.value) && parsed.value.resourceType === "Patient"
  );
}

/** g10_smart_well_known_capabilities: the scenario's capabilities are all listed. */
const capabilitiesInclude =
  (required: readonly string[]) =>
  (observed: InfernoObservation): boolean => {
    const capabilities = discoveryDocument(observed)?.capabilities;
    return Array.isArray(capabilities) && required.every((c) => capabilities.includes(c));
  };

/** smart_openid_retrieve_configuration: HTTP 200, a Content-Type starting application/json, valid JSON. */
function openIdConfigurationPasses(observed: InfernoObservation): boolean {
  if (observed.status !== 200 || !validJson(observed.body).ok) return false;
  if (!observed.headers) return true; // Content-Type not replayed (see InfernoObservation)
  return header(observed, "content-type")?.startsWith("application/json") === true;
}

/** Nothing of ours reaches what this test judges (an EHR launch, a read we do not make). */
const notReplayable = (): undefined => undefined;

export const INFERNO_G10_LAUNCH: readonly InfernoG10Check[] = [
  {
    id: `${PATIENT_APP}-smart_discovery_stu2-g10_smart_well_known_capabilities`,
    shortIds: ["1.2.03"],
    part: "app launch",
    title: "Well-known configuration declares support for required capabilities",
    source: `${G10_LIB}/well_known_capabilities_test.rb (options in smart_standalone_patient_app_group.rb)`,
    sends: "Nothing: it reads the document well_known_endpoint fetched.",
    passesWhen:
      "capabilities is an array that includes launch-standalone, client-public, client-confidential-symmetric, client-confidential-asymmetric, sso-openid-connect, context-standalone-patient, permission-offline, permission-patient, authorize-post, permission-v2 and permission-v1.",
    // Ours demand one of these; the app-launch family also needs client-confidential-asymmetric to run.
    ourTests: ["lists client-confidential-asymmetric in capabilities"],
    infernoWouldPass: capabilitiesInclude([
      "launch-standalone",
      "client-public",
      "client-confidential-symmetric",
      "client-confidential-asymmetric",
      "sso-openid-connect",
      "context-standalone-patient",
      "permission-offline",
      "permission-patient",
      "authorize-post",
      "permission-v2",
      "permission-v1",
    ]),
  },
  {
    id: `${ASYM_LAUNCH}-standalone_auth_tls`,
    shortIds: ["9.12.2.01", "1.4.01", "2.2.01", "3.4.03"],
    part: "app launch",
    title: "OAuth 2.0 authorize endpoint secured by transport layer security",
    source: `${SMART}/standalone_launch_group.rb (test from inferno's :tls_version_test)`,
    sends:
      "A GET to the authorize endpoint over a connection pinned to each of SSL 2.0, SSL 3.0 and TLS 1.0 to 1.3 in turn, verifying the certificate.",
    passesWhen:
      "At least one TLS 1.2 or 1.3 connection gets an HTTP response of any status; accepting a version below TLS 1.2 is only a warning in the g10 suite.",
    // No test of ours probes the authorize endpoint's TLS (the browser is told to trust the target's CA).
    ourTests: [],
    infernoWouldPass: anyHttpResponse,
  },
  {
    id: `${ASYM_LAUNCH}-smart_app_redirect_stu2`,
    shortIds: ["9.12.2.02", "1.4.02", "2.2.02", "3.4.04", "9.6.01", "9.7.01", "9.7.04", "9.7.07", "9.7.10"],
    part: "app launch",
    title: "OAuth server redirects client browser to app redirect URI",
    source: `${SMART}/app_redirect_test_stu2.rb`,
    sends: `${AUTHORIZE}; a person logs in and consents.`,
    passesWhen:
      "Inferno's redirect URI receives a request with the state it sent (with a code or an error); until then it waits, and the test does not pass.",
    ourTests: ["returns state unchanged with the code"],
    infernoWouldPass: appRedirectPasses,
  },
  {
    id: `${ASYM_LAUNCH}-smart_code_received`,
    shortIds: ["9.12.2.03", "1.4.03", "2.2.03", "3.4.05", "9.6.02", "9.7.02", "9.7.05", "9.7.08", "9.7.11"],
    part: "app launch",
    title: "OAuth server sends code parameter",
    source: `${SMART}/code_received_test.rb`,
    sends: "Nothing: it reads the redirect the previous test received.",
    passesWhen: "The redirect carries a non-blank code and no error.",
    ourTests: ["returns state unchanged with the code"],
    infernoWouldPass: codeReceivedPasses,
  },
  {
    id: `${ASYM_LAUNCH}-standalone_token_tls`,
    shortIds: ["9.12.2.04", "1.4.04", "2.2.04", "3.4.06"],
    part: "app launch",
    title: "OAuth 2.0 token endpoint secured by transport layer security",
    source: `${SMART}/standalone_launch_group.rb (test from inferno's :tls_version_test)`,
    sends:
      "A GET to the token URL over a connection pinned to each of SSL 2.0, SSL 3.0 and TLS 1.0 to 1.3 in turn, verifying the certificate.",
    passesWhen:
      "At least one TLS 1.2 or 1.3 connection gets an HTTP response of any status; accepting a version below TLS 1.2 is only a warning in the g10 suite.",
    ourTests: TOKEN_ENDPOINT_TLS,
    infernoWouldPass: anyHttpResponse,
  },
  {
    id: `${ASYM_LAUNCH}-smart_token_exchange`,
    shortIds: ["9.12.2.05", "1.4.05", "2.2.05", "3.4.07"],
    part: "app launch",
    title: "OAuth token exchange request succeeds when supplied correct information",
    source: `${SMART}/token_exchange_stu2_test.rb (client_auth_type confidential_asymmetric, locked in ${G10_LIB}/smart_asymmetric_launch_group.rb)`,
    sends: `${CODE_EXCHANGE}.`,
    passesWhen: "HTTP 200 and a valid JSON body; the body is left to the next test.",
    // Our launch tests need this exchange to succeed before they judge anything (a refusal leaves them
    // broken, not failed), so none of ours judges it; the replay reads the exchange they made.
    ourTests: [],
    replayOn: LAUNCH_TOKEN_RESPONSE,
    infernoWouldPass: tokenGrantPasses,
  },
  {
    id: `${ASYM_LAUNCH}-smart_token_response_body`,
    shortIds: ["9.12.2.06", "1.4.06", "2.2.06", "3.4.08"],
    part: "app launch",
    title: "Token exchange response body contains required information encoded in JSON",
    source: `${SMART}/token_response_body_test.rb (with token_payload_validation.rb)`,
    sends: "Nothing: it reads the code exchange's response.",
    passesWhen:
      "HTTP 200 (else skipped), valid JSON, access_token, token_type, expires_in and scope present?, access_token, token_type, scope and refresh_token strings and expires_in a number when present, token_type Bearer (case-insensitive); scopes missing from the grant only warn, and fhirContext is validated when present (not replayed).",
    // No launch test of ours checks these members of the code exchange's response (the token-response
    // family checks them for client_credentials): a gap. The replay reads the exchange ours made.
    ourTests: [],
    replayOn: LAUNCH_TOKEN_RESPONSE,
    infernoWouldPass: launchTokenBodyPasses,
  },
  {
    id: `${ASYM_LAUNCH}-smart_token_response_headers`,
    shortIds: ["9.12.2.07", "1.4.07", "2.2.07", "3.4.09"],
    part: "app launch",
    title: "Response includes correct HTTP Cache-Control and Pragma headers",
    source: `${SMART}/token_response_headers_test.rb`,
    sends: "Nothing: it reads the code exchange's response.",
    passesWhen:
      "HTTP 200 (else skipped), Cache-Control containing no-store and Pragma containing no-cache (case-insensitive).",
    // Ours demand no-store only: a server without Pragma passes ours and fails Inferno's.
    ourTests: ["forbids caching of the code exchange's token response"],
    infernoWouldPass: tokenHeadersPass,
  },
  {
    id: `${PATIENT_APP}-smart_standalone_launch_stu2-g10_smart_scopes`,
    shortIds: ["1.4.08", "3.4.10"],
    part: "app launch",
    title: "Patient-level access with OpenID Connect and Refresh Token scopes used.",
    source: `${G10_LIB}/smart_scopes_test.rb`,
    sends: "Nothing: it reads the requested scope (the tester's input) and the granted one.",
    passesWhen:
      "Requested and granted scopes each include openid, fhirUser, launch/patient and offline_access, every other resource scope is patient/ (user/ allowed outside the patient compartment) in v2 form, and the grant covers every patient-compartment type (or patient/*); the EHR scenario (3.4.10) asks the same of user-level scopes with launch.",
    // A (g)(10) policy (everything asked for is granted), not a SMART rule: no test of ours demands it. The
    // replay reads the grant only.
    ourTests: [],
    replayOn: LAUNCH_TOKEN_RESPONSE,
    infernoWouldPass: grantedScopesPass,
  },
  {
    id: `${PATIENT_APP}-smart_standalone_launch_stu2-g10_unauthorized_access`,
    shortIds: ["1.4.09", "3.4.11"],
    part: "app launch",
    title: "Server rejects unauthorized access",
    source: `${G10_LIB}/unauthorized_access_test.rb`,
    sends: "GET {fhir base}/Patient/{patient from the token response} without an Authorization header.",
    passesWhen: "HTTP 401 exactly.",
    // Ours search without a token rather than read the launch's patient.
    ourTests: ["refuses a search without a token with 401 and a Bearer challenge"],
    infernoWouldPass: statusIn(401),
  },
  {
    id: `${ASYM_LAUNCH}-g10_patient_context`,
    shortIds: ["9.12.2.08", "1.4.10", "2.2.08", "3.4.12"],
    part: "app launch",
    title:
      "OAuth token exchange response body contains patient context and patient resource can be retrieved",
    source: `${G10_LIB}/patient_context_test.rb`,
    sends: "GET {fhir base}/Patient/{patient from the token response} with the launch's access token.",
    passesWhen:
      "HTTP 200 and a Patient resource; skipped (not passed) when the token response names no patient.",
    // Ours check that the patient is named; the read with the launch's token is only a prerequisite of the
    // revocation and refresh tests (they skip, not fail, when it is refused): a gap.
    ourTests: [],
    infernoWouldPass: patientReadPasses,
  },
  {
    id: `${ASYM_LAUNCH}-g10_asymmetric_launch_id_token`,
    shortIds: ["9.12.2.09"],
    part: "app launch",
    title: "OAuth token exchange response contains OpenID Connect id_token",
    source: `${G10_LIB}/smart_asymmetric_launch_group.rb`,
    sends: "Nothing: it reads the id_token the token response body test output.",
    passesWhen: "The code exchange's response (HTTP 200) carried a present id_token.",
    ourTests: ID_TOKEN_TESTS,
    infernoWouldPass: idTokenPresent,
  },
  {
    id: `${ASYM_REFRESH}-g10_token_refresh_without_scopes`,
    shortIds: ["9.12.3.01", "1.6.01", "3.6.01"],
    part: "app launch",
    title: "Server successfully refreshes the access token when optional scope parameter omitted",
    source: `${SMART}/token_refresh_stu2_test.rb (via ${G10_LIB}/base_token_refresh_stu2_group.rb)`,
    sends: `${REFRESH}, without scope.`,
    passesWhen: "HTTP 200 and a valid JSON body.",
    ourTests: [REFRESH_SUCCESS],
    infernoWouldPass: tokenGrantPasses,
  },
  {
    id: `${ASYM_REFRESH}-g10_token_refresh_body_without_scopes`,
    shortIds: ["9.12.3.02", "1.6.02", "3.6.02"],
    part: "app launch",
    title: "Token refresh response contains all required fields",
    source: `${SMART}/token_refresh_body_test.rb`,
    sends: "Nothing: it reads the refresh response.",
    passesWhen:
      "HTTP 200 (else skipped), valid JSON, access_token, token_type, expires_in and scope present?, string and number types as at the code exchange, token_type Bearer, and the granted scope within the one received before (not replayed: ours check it).",
    // Ours demand a Bearer token within the original grant, not expires_in or scope in the response.
    ourTests: [REFRESH_SUCCESS],
    infernoWouldPass: refreshBodyPasses,
  },
  {
    id: `${ASYM_REFRESH}-g10_token_refresh_with_scopes`,
    shortIds: ["9.12.3.03", "1.6.03", "3.6.03"],
    part: "app launch",
    title: "Server successfully refreshes the access token when optional scope parameter provided",
    source: `${SMART}/token_refresh_stu2_test.rb (include_scopes: true)`,
    sends: `${REFRESH}, with scope = the scope received.`,
    passesWhen: "HTTP 200 and a valid JSON body.",
    // Ours send a scope beyond the grant (refused or narrowed), never the granted scope itself: a gap.
    ourTests: [],
    infernoWouldPass: tokenGrantPasses,
  },
  {
    id: `${ASYM_REFRESH}-g10_token_refresh_body_with_scopes`,
    shortIds: ["9.12.3.04", "1.6.04", "3.6.04"],
    part: "app launch",
    title: "Token refresh response contains all required fields",
    source: `${SMART}/token_refresh_body_test.rb`,
    sends: "Nothing: it reads the second refresh response.",
    passesWhen: "As for the refresh without scope.",
    ourTests: [],
    infernoWouldPass: refreshBodyPasses,
  },
  {
    id: `${ASYM_REFRESH}-g10_patient_context`,
    shortIds: ["9.12.3.05", "1.6.05", "3.6.05"],
    part: "app launch",
    title:
      "OAuth token exchange response body contains patient context and patient resource can be retrieved",
    source: `${G10_LIB}/patient_context_test.rb (refresh_test: true)`,
    sends: "GET {fhir base}/Patient/{patient} with the refreshed access token.",
    passesWhen: "HTTP 200 and a Patient resource; skipped when the refresh failed or no patient was named.",
    // Ours reads the launch's patient with the refreshed token too, but its judged response is the refresh
    // (the first its checks name), so the replay cannot see the read and counts it not observed.
    ourTests: [REFRESH_SUCCESS],
    infernoWouldPass: patientReadPasses,
  },
  {
    id: `${ASYM_REFRESH}-g10_invalid_token_refresh`,
    shortIds: ["9.12.3.06", "1.6.06", "3.6.06"],
    part: "app launch",
    title: "Refresh token exchange fails when supplied an invalid refresh token",
    source: `${G10_LIB}/smart_invalid_token_refresh_test.rb`,
    sends:
      "POST to the token URL of grant_type=refresh_token and a random UUID as refresh_token, with HTTP Basic for a client_secret client, else client_id alone (no client assertion).",
    passesWhen: "HTTP 400 or 401.",
    // Ours never present an unknown refresh token; and for an asymmetric client Inferno's request is
    // unauthenticated, so any server refusing unauthenticated requests passes it.
    ourTests: [],
    infernoWouldPass: statusIn(400, 401),
  },
  {
    id: `${PATIENT_APP}-smart_openid_connect_stu2-smart_openid_decode_id_token`,
    shortIds: ["1.10.01", "3.9.01"],
    part: "app launch",
    title: "ID token can be decoded",
    source: `${SMART}/openid_decode_id_token_test.rb`,
    sends: "Nothing: it decodes the id_token of the token response.",
    passesWhen:
      "The id_token decodes as a JWT without verification; skipped (not passed) when there is no id_token.",
    ourTests: ["signs the id_token with a key its jwks_uri publishes"],
    infernoWouldPass: idTokenDecodes,
  },
  {
    id: `${PATIENT_APP}-smart_openid_connect_stu2-smart_openid_retrieve_configuration`,
    shortIds: ["1.10.02", "3.9.02"],
    part: "app launch",
    title: "OpenID Connect well-known configuration can be retrieved",
    source: `${SMART}/openid_retrieve_configuration_test.rb`,
    sends: "GET {the id_token's iss}/.well-known/openid-configuration.",
    passesWhen: "HTTP 200, Content-Type application/json and a valid JSON body.",
    // Ours read RFC 8414 metadata at the config's issuer (oauth-authorization-server first), not the
    // OpenID configuration at the id_token's iss: a gap.
    ourTests: [],
    infernoWouldPass: openIdConfigurationPasses,
  },
  {
    id: `${PATIENT_APP}-smart_openid_connect_stu2-smart_openid_required_configuration_fields`,
    shortIds: ["1.10.03", "3.9.03"],
    part: "app launch",
    title: "OpenID Connect well-known configuration contains all required fields",
    source: `${SMART}/openid_required_configuration_fields_test.rb`,
    sends: "Nothing: it reads the OpenID configuration.",
    passesWhen:
      "issuer, authorization_endpoint, token_endpoint, jwks_uri, response_types_supported, subject_types_supported and id_token_signing_alg_values_supported are keys, the last including RS256.",
    ourTests: [],
    infernoWouldPass: notReplayable,
  },
  {
    id: `${PATIENT_APP}-smart_openid_connect_stu2-smart_openid_retrieve_jwks`,
    shortIds: ["1.10.04", "3.9.04"],
    part: "app launch",
    title: "JWKS can be retrieved",
    source: `${SMART}/openid_retrieve_jwks_test.rb`,
    sends: "GET the OpenID configuration's jwks_uri.",
    passesWhen: "HTTP 200, valid JSON, keys an array with at least one RSA key, each RSA key importable.",
    // Our signature test fetches the SMART configuration's jwks_uri and judges it only through the
    // signature; an RSA key is not required by ours.
    ourTests: [],
    infernoWouldPass: notReplayable,
  },
  {
    id: `${PATIENT_APP}-smart_openid_connect_stu2-smart_openid_token_header`,
    shortIds: ["1.10.05", "3.9.05"],
    part: "app launch",
    title: "ID token header contains required information",
    source: `${SMART}/openid_token_header_test.rb`,
    sends: "Nothing: it reads the id_token's header and the JWK Set's RSA keys.",
    passesWhen:
      "alg is RS256, and the kid names one of the RSA keys (required when there are several; with one, a kid must match it when present). The kid rule is not replayed.",
    // Ours accept any algorithm the published key verifies (SMART asks for RS256 support, not use).
    ourTests: ["signs the id_token with a key its jwks_uri publishes"],
    infernoWouldPass: idTokenHeaderPasses,
  },
  {
    id: `${PATIENT_APP}-smart_openid_connect_stu2-smart_openid_token_payload`,
    shortIds: ["1.10.06", "3.9.06"],
    part: "app launch",
    title: "ID token payload has required claims and a valid signature",
    source: `${SMART}/openid_token_payload_test.rb`,
    sends: "Nothing: it verifies the id_token with the key the header test chose.",
    passesWhen:
      "An RS256 signature by that key, exp not past (60 s leeway), iss = the OpenID configuration's issuer, aud = the client_id, sub a non-blank string under 256 characters, and iss, sub, aud, exp and iat present.",
    ourTests: ID_TOKEN_TESTS,
    infernoWouldPass: idTokenClaimsPass,
  },
  {
    id: `${PATIENT_APP}-smart_openid_connect_stu2-smart_openid_fhir_user_claim`,
    shortIds: ["1.10.07", "3.9.07"],
    part: "app launch",
    title: "FHIR resource representing the current user can be retrieved",
    source: `${SMART}/openid_fhir_user_claim_test.rb`,
    sends: "GET {fhir base}/{type}/{id} named by the fhirUser claim, with the launch's access token.",
    passesWhen:
      "fhirUser is present, its second-to-last path segment is Patient, Practitioner, RelatedPerson or Person, and the read answers 200 with that resource type (the read is not replayed); skipped without the fhirUser scope.",
    // Ours do not read the fhirUser resource.
    ourTests: ["states fhirUser in the id_token when fhirUser is granted"],
    infernoWouldPass: fhirUserClaimPasses,
  },
  {
    id: `${EXTRA}-g10_smart_invalid_aud-smart_app_redirect_stu2`,
    shortIds: ["9.4.02"],
    part: "app launch",
    title: "OAuth server redirects client browser to app redirect URI",
    source: `${G10_LIB}/smart_app_launch_invalid_aud_group.rb`,
    sends: `${AUTHORIZE}, except aud = https://inferno.healthit.gov/invalid_aud.`,
    passesWhen:
      "Inferno's redirect URI receives the state, or the tester follows the 'attest launch failed' link: it passes whatever the server did.",
    ourTests: ["refuses an aud that is not its FHIR base URL"],
    infernoWouldPass: () => true,
  },
  {
    id: `${EXTRA}-g10_smart_invalid_aud-Test04`,
    shortIds: ["9.4.04"],
    part: "app launch",
    title: "Inferno client app does not receive code parameter redirect URI",
    source: `${G10_LIB}/smart_app_launch_invalid_aud_group.rb`,
    sends: "Nothing: it reads the redirect (or the tester's attestation).",
    passesWhen:
      "No code on the redirect: an error redirect, a redirect without code, or an attested failure page.",
    ourTests: ["refuses an aud that is not its FHIR base URL"],
    infernoWouldPass: noCodeDelivered,
  },
  {
    id: `${EXTRA}-g10_smart_invalid_token_request_stu2-Test03`,
    shortIds: ["9.6.03"],
    part: "app launch",
    title: "OAuth token exchange fails when supplied invalid code",
    source: `${G10_LIB}/smart_invalid_token_group_stu2.rb`,
    sends:
      "POST to the token URL of grant_type=authorization_code, code=BAD_CODE, Inferno's redirect_uri and the code_verifier, with the standalone client's HTTP Basic client_secret (client_id alone without one).",
    passesWhen: "HTTP 400 exactly.",
    // Ours present a code used once already (invalid_grant with 400), never a made-up one.
    ourTests: ["refuses a code presented a second time"],
    infernoWouldPass: statusIn(400),
  },
  {
    id: `${EXTRA}-g10_smart_invalid_token_request_stu2-Test04`,
    shortIds: ["9.6.04"],
    part: "app launch",
    title: "OAuth token exchange fails when supplied invalid client ID",
    source: `${G10_LIB}/smart_invalid_token_group_stu2.rb`,
    sends:
      "POST to the token URL of grant_type=authorization_code, a valid code, redirect_uri and code_verifier, as client BAD_CLIENT_ID (HTTP Basic with the real secret, or client_id alone).",
    passesWhen: "HTTP 400 or 401.",
    ourTests: ["refuses an assertion from an unregistered client at the code exchange"],
    infernoWouldPass: statusIn(400, 401),
  },
  {
    id: `${PKCE_GROUP}-smart_no_verifier_token_request`,
    shortIds: ["9.7.03"],
    part: "app launch",
    title: "OAuth token exchange fails when no code_verifier is given",
    source: `${G10_LIB}/smart_invalid_pkce_group.rb`,
    sends:
      "POST to the token URL of grant_type=authorization_code, a fresh valid code and redirect_uri, no code_verifier, with the standalone client's HTTP Basic client_secret (client_id alone without one).",
    passesWhen: "HTTP 400 or 401.",
    ourTests: ["refuses a code exchanged without code_verifier"],
    infernoWouldPass: statusIn(400, 401),
  },
  {
    id: `${PKCE_GROUP}-smart_blank_verifier_token_request`,
    shortIds: ["9.7.06"],
    part: "app launch",
    title: "OAuth token exchange fails when code_verifier is blank",
    source: `${G10_LIB}/smart_invalid_pkce_group.rb`,
    sends: "As without code_verifier, but with code_verifier= (empty).",
    passesWhen: "HTTP 400 or 401.",
    // Ours leave the parameter out; an empty one is not sent: a gap.
    ourTests: [],
    infernoWouldPass: statusIn(400, 401),
  },
  {
    id: `${PKCE_GROUP}-smart_bad_code_verifier_token_request`,
    shortIds: ["9.7.09"],
    part: "app launch",
    title: "OAuth token exchange fails when code_verifier is incorrect",
    source: `${G10_LIB}/smart_invalid_pkce_group.rb`,
    sends: "As without code_verifier, but with a random verifier (two UUIDs).",
    passesWhen: "HTTP 400 or 401.",
    ourTests: ["refuses a code exchanged with a wrong code_verifier"],
    infernoWouldPass: statusIn(400, 401),
  },
  {
    id: `${PKCE_GROUP}-smart_plain_code_verifier_token_request`,
    shortIds: ["9.7.12"],
    part: "app launch",
    title: "OAuth token exchange fails when code_verifier matches code_challenge",
    source: `${G10_LIB}/smart_invalid_pkce_group.rb`,
    sends: "As without code_verifier, but with the S256 code_challenge itself as code_verifier.",
    passesWhen: "HTTP 400 or 401.",
    ourTests: ["refuses a code exchanged with its code_challenge as the code_verifier"],
    infernoWouldPass: statusIn(400, 401),
  },
  {
    id: "g10_certification-g10_smart_limited_app-smart_standalone_launch_stu2-g10_limited_scope_grant",
    shortIds: ["2.2.09"],
    part: "app launch",
    title: "OAuth token exchange response grants scope that is limited to those selected by user",
    source: `${G10_LIB}/limited_scope_grant_test.rb`,
    sends: "Nothing: it compares the granted scope with the resource types the tester says the user kept.",
    passesWhen:
      "The grant gives patient/ read access to exactly the kept types among the patient-compartment ones, and denies at least one.",
    // Our login steps always consent to the whole request; deselecting resources is not driven: a gap.
    ourTests: [],
    infernoWouldPass: notReplayable,
  },
  {
    id: `${EHR_APP}-smart_ehr_launch_stu2-smart_app_launch`,
    shortIds: ["3.4.01", "9.9.01"],
    part: "app launch",
    title: "EHR server redirects client browser to Inferno app launch URI",
    source: `${SMART}/app_launch_test.rb`,
    sends: "Nothing: it waits for the EHR to open Inferno's launch URI with iss = the FHIR base URL.",
    passesWhen: "Inferno's launch URI receives a request whose iss is the FHIR base URL.",
    // We do not drive an EHR launch.
    ourTests: [],
    infernoWouldPass: notReplayable,
  },
  {
    id: `${EHR_APP}-smart_ehr_launch_stu2-smart_launch_received`,
    shortIds: ["3.4.02", "9.9.02"],
    part: "app launch",
    title: "EHR server sends launch parameter",
    source: `${SMART}/launch_received_test.rb`,
    sends: "Nothing: it reads the launch request.",
    passesWhen: "The launch request carries a non-blank launch parameter.",
    ourTests: [],
    infernoWouldPass: notReplayable,
  },
  {
    id: `${EHR_APP}-smart_ehr_launch_stu2-g10_encounter_context`,
    shortIds: ["3.4.13", "3.4.16", "3.4.17"],
    part: "app launch",
    title:
      "OAuth token exchange response body contains encounter context and encounter resource can be retrieved",
    source: `${G10_LIB}/encounter_context_test.rb`,
    sends:
      "GET {fhir base}/Encounter/{encounter from the token response} with the EHR launch's access token.",
    passesWhen: "HTTP 200 and an Encounter; skipped without an encounter in the token response.",
    ourTests: [],
    infernoWouldPass: notReplayable,
  },
  {
    id: `${EHR_APP}-smart_ehr_launch_stu2-g10_smart_style_url`,
    shortIds: ["3.4.14"],
    part: "app launch",
    title: "Launch context contains smart_style_url which links to valid JSON",
    source: `${G10_LIB}/smart_ehr_practitioner_app_group.rb`,
    sends: "GET the smart_style_url of the EHR launch's token response.",
    passesWhen: "The token response has a present smart_style_url, which answers 200 with valid JSON.",
    ourTests: [],
    infernoWouldPass: notReplayable,
  },
  {
    id: `${EHR_APP}-smart_ehr_launch_stu2-g10_smart_need_patient_banner`,
    shortIds: ["3.4.15"],
    part: "app launch",
    title: "Launch context contains need_patient_banner",
    source: `${G10_LIB}/smart_ehr_practitioner_app_group.rb`,
    sends: "Nothing: it reads the EHR launch's token response.",
    passesWhen: "The token response has a need_patient_banner key.",
    ourTests: [],
    infernoWouldPass: notReplayable,
  },
  {
    id: `${EHR_APP}-smart_discovery_stu2-g10_smart_well_known_capabilities`,
    shortIds: ["3.2.03"],
    part: "app launch",
    title: "Well-known configuration declares support for required capabilities",
    source: `${G10_LIB}/well_known_capabilities_test.rb (options in smart_ehr_practitioner_app_group.rb)`,
    sends: "Nothing: it reads the document well_known_endpoint fetched.",
    passesWhen:
      "capabilities includes launch-ehr, client-confidential-symmetric, client-confidential-asymmetric, sso-openid-connect, context-banner, context-style, context-ehr-patient, permission-offline, permission-user, authorize-post, permission-v2 and permission-v1 (and context-ehr-encounter with US Core 5 or later).",
    // An EHR-launch server's capabilities: none of ours demands them; the replay reads the discovery
    // document our capabilities test fetched.
    ourTests: [],
    replayOn: ["lists client-confidential-asymmetric in capabilities"],
    infernoWouldPass: capabilitiesInclude([
      "launch-ehr",
      "client-confidential-symmetric",
      "client-confidential-asymmetric",
      "sso-openid-connect",
      "context-banner",
      "context-style",
      "context-ehr-patient",
      "permission-offline",
      "permission-user",
      "authorize-post",
      "permission-v2",
      "permission-v1",
    ]),
  },
  {
    id: `${EXTRA}-g10_ehr_patient_launch_stu2-g10_patient_scope`,
    shortIds: ["9.9.11"],
    part: "app launch",
    title: "Patient-level scopes were granted",
    source: `${G10_LIB}/patient_scope_test.rb`,
    sends: "Nothing: it reads the scope an EHR launch granted.",
    passesWhen: "The grant includes patient/Patient.rs (or .r / .s variants) in v2 form.",
    ourTests: [],
    infernoWouldPass: notReplayable,
  },
];

/** Every mapped Inferno test: the backend-services ones, then the launch scenarios'. */
export const INFERNO_G10: readonly InfernoG10Check[] = [...INFERNO_G10_BACKEND, ...INFERNO_G10_LAUNCH];
