/**
 * What Inferno's ONC (g)(10) certification kit checks of a SMART Backend Services authorization server,
 * next to the tests of this suite that check the same thing, and a replay of Inferno's (weaker) pass
 * conditions on the responses our tests observe.
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
 * replayed (our matching tests check those headers themselves, more strictly). A `RecordedResponse` can
 * be passed as it is.
 */
export interface InfernoObservation {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface InfernoG10Check {
  /** Inferno's test id (for the g10 kit, the full runtime id under the STU2 Multi-Patient group). */
  readonly id: string;
  /** The short ids Inferno's UI shows, when known (STU2 group first, then the STU1 group). */
  readonly shortIds?: readonly string[];
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
  /** What Inferno would conclude from our test's observed response, given its (weaker) pass condition. */
  readonly infernoWouldPass: (observed: InfernoObservation) => boolean;
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
  // ------- Not in the (g)(10) suite: the Bulk Data / SMART App Launch kits' backend-services groups -------
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
    title: "FHIR server makes SMART configuration available from well-known endpoint",
    source: `${SMART}/well_known_endpoint_test.rb (run by ${BULK}/v1.0.1/bulk_data_smart_discovery_v101_group.rb and, via smart_discovery_stu2, v2.0.0/bulk_data_smart_backend_services_v200_group.rb)`,
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
    title: "Well-known configuration contains required fields",
    source: `${SMART}/well_known_capabilities_stu2_test.rb (run by ${BULK}/v2.0.0/bulk_data_smart_backend_services_v200_group.rb via smart_discovery_stu2)`,
    sends: "Nothing: it reads the document well_known_endpoint fetched.",
    passesWhen:
      "authorization_endpoint and token_endpoint are present strings, capabilities, grant_types_supported and code_challenge_methods_supported present arrays, grant_types_supported includes authorization_code, PKCE methods include S256 and not plain, issuer and jwks_uri are strings when sso-openid-connect is listed, and every capability is a string.",
    // App-launch requirements (authorization_endpoint, authorization_code, PKCE): a backend-services-only
    // server fails this test, and no test of ours demands them.
    ourTests: [],
    infernoWouldPass: smartStu2CapabilitiesPass,
  },
];
