/**
 * The requirement registry: every requirement id of the project's catalog, with the level a server-side
 * verdict takes, who it binds, and where the spec says it. A test names ids from here; a mistyped id is a
 * compile error because {@link RequirementId} is the closed union of the keys below.
 *
 * Levels are normalised for verdicts: `SHALL` covers SHALL / MUST / REQUIRED and what follows necessarily
 * from them; `SHOULD` covers SHOULD / RECOMMENDED; `MAY` is permission; `INFO` is an observation the spec
 * leaves open (our catalog's ambiguity notes say why).
 */

import { BASES, type Basis } from "./requirement-bases.ts";

export type Level = "SHALL" | "SHOULD" | "MAY" | "INFO";
/** AS = authorization server, RS = FHIR resource server, SRV = the FHIR host's discovery, CLIENT = backend client. */
export type Actor = "AS" | "RS" | "SRV" | "CLIENT" | "HARNESS";

export interface Requirement {
  readonly id: string;
  readonly level: Level;
  readonly actor: Actor;
  readonly title: string;
  /** The primary source a reader should open; others are in the catalog. */
  readonly url: string;
  /** Every spec that states it, with the section (harness/requirement-bases.ts). */
  readonly bases: readonly Basis[];
}

const IG = "https://hl7.org/fhir/smart-app-launch/STU2.2";
const page = {
  CONF: `${IG}/conformance.html`,
  ASYM: `${IG}/client-confidential-asymmetric.html`,
  BSV: `${IG}/backend-services.html`,
  SCOPES: `${IG}/scopes-and-launch-context.html`,
  APPL: `${IG}/app-launch.html`,
  INTRO: `${IG}/token-introspection.html`,
  BD1: "https://hl7.org/fhir/uv/bulkdata/STU1/authorization/index.html",
  BD2EXPORT: "https://hl7.org/fhir/uv/bulkdata/STU2/export.html",
} as const;
const rfc = (n: number, section: string): string =>
  `https://www.rfc-editor.org/rfc/rfc${n}#section-${section}`;

type Row = readonly [level: Level, actor: Actor, title: string, url: string];

const rows = {
  "BS-DISC-01": [
    "SHALL",
    "SRV",
    "Discovery document served at {base}/.well-known/smart-configuration without a token",
    page.CONF,
  ],
  "BS-DISC-02": [
    "SHALL",
    "SRV",
    "Discovery document is application/json whatever the Accept header",
    page.CONF,
  ],
  "BS-DISC-03": ["SHALL", "SRV", "Endpoint URLs in the discovery document are absolute", page.CONF],
  "BS-DISC-04": ["SHALL", "SRV", "token_endpoint is advertised and is the URL that issues tokens", page.CONF],
  "BS-DISC-05": ["SHALL", "SRV", "grant_types_supported lists client_credentials", page.CONF],
  "BS-DISC-06": [
    "SHALL",
    "SRV",
    "capabilities is an array of strings naming client-confidential-asymmetric",
    page.CONF,
  ],
  "BS-DISC-07": ["SHOULD", "SRV", "token_endpoint_auth_methods_supported lists private_key_jwt", page.ASYM],
  "BS-DISC-08": [
    "SHOULD",
    "SRV",
    "Signing algorithms advertised include RS384 or ES384 and never none",
    page.ASYM,
  ],
  "BS-DISC-09": ["SHALL", "SRV", "Every advertised scope can really be granted", page.CONF],
  "BS-DISC-10": [
    "SHALL",
    "SRV",
    "Capabilities are SMART names or full URIs; permission-v1/v2 advertised when honoured",
    page.CONF,
  ],
  "BS-DISC-11": [
    "SHALL",
    "SRV",
    "code_challenge_methods_supported, when present, has S256 and not plain",
    page.CONF,
  ],
  "BS-DISC-12": [
    "INFO",
    "SRV",
    "authorization_endpoint is only required of servers that support app launch (2.2)",
    page.CONF,
  ],
  "BS-DISC-13": ["SHALL", "SRV", "issuer and jwks_uri follow the sso-openid-connect condition", page.CONF],
  "BS-DISC-14": [
    "SHOULD",
    "SRV",
    "Recommended endpoints (introspection, revocation, management) are advertised",
    page.CONF,
  ],
  "BS-DISC-15": [
    "SHOULD",
    "SRV",
    "Bulk Data 1.0: an advertised document carries the four backend fields",
    page.BD1,
  ],
  "BS-META-01": [
    "SHALL",
    "SRV",
    "Authorization server metadata, where served, is a JSON object at its well-known URL",
    rfc(8414, "3.2"),
  ],
  "BS-META-02": [
    "SHALL",
    "SRV",
    "The metadata's issuer is the issuer its URL was built from",
    rfc(8414, "3.3"),
  ],
  "BS-META-03": [
    "SHALL",
    "SRV",
    "The metadata has issuer, response_types_supported and an absolute https token_endpoint",
    rfc(8414, "2"),
  ],
  "BS-META-04": ["SHALL", "SRV", "The metadata's token_endpoint issues tokens", rfc(8414, "2")],
  "BS-META-05": [
    "SHALL",
    "SRV",
    "token_endpoint_auth_signing_alg_values_supported never lists none",
    rfc(8414, "2"),
  ],
  "BS-META-06": [
    "SHOULD",
    "SRV",
    "The metadata lists private_key_jwt among the token endpoint auth methods",
    rfc(8414, "2"),
  ],
  "BS-META-07": [
    "SHOULD",
    "SRV",
    "The metadata's grant_types_supported lists client_credentials",
    rfc(8414, "2"),
  ],
  "BS-REG-01": ["SHALL", "AS", "Server supports both JWKS-URL and inline-JWKS registration", page.ASYM],
  "BS-REG-02": ["SHALL", "AS", "Server protects inline JWK Sets from corruption", page.ASYM],
  "BS-REG-03": ["SHALL", "AS", "Registration assigns a client_id", page.ASYM],
  "BS-REG-04": ["SHALL", "CLIENT", "Registered JWKs are bare public keys with kty and kid", page.ASYM],
  "BS-REG-05": ["SHOULD", "AS", "Unusable keys in a JWK Set are skipped, not fatal", rfc(7517, "5")],
  "BS-REG-06": ["SHOULD", "AS", "RSA keys shorter than 2048 bits are not accepted", rfc(7518, "3.3")],
  "BS-TREQ-01": [
    "SHALL",
    "AS",
    "A valid client_credentials request with a signed assertion yields a token",
    page.BSV,
  ],
  "BS-TREQ-02": ["SHALL", "AS", "The token endpoint issues tokens to POST only", rfc(6749, "3.2")],
  "BS-TREQ-03": ["SHALL", "AS", "A token request must be form-encoded", rfc(6749, "4.4.2")],
  "BS-TREQ-04": [
    "SHALL",
    "AS",
    "A request without grant_type is refused with an OAuth error",
    rfc(6749, "5.2"),
  ],
  "BS-TREQ-05": [
    "SHALL",
    "AS",
    "An unsupported grant_type is refused with unsupported_grant_type",
    rfc(6749, "5.2"),
  ],
  "BS-TREQ-06": [
    "SHALL",
    "AS",
    "A client not allowed client_credentials gets unauthorized_client",
    rfc(6749, "5.2"),
  ],
  "BS-TREQ-07": ["SHALL", "AS", "A request without client authentication is refused", rfc(6749, "3.2.1")],
  "BS-TREQ-08": ["SHALL", "AS", "Only the jwt-bearer client_assertion_type is accepted", rfc(7523, "2.2")],
  "BS-TREQ-09": ["SHALL", "AS", "Repeated request parameters make the request invalid", rfc(6749, "3.2")],
  "BS-TREQ-10": [
    "SHALL",
    "AS",
    "Empty parameters count as absent; unknown parameters are ignored",
    rfc(6749, "3.2"),
  ],
  "BS-TREQ-11": ["SHALL", "AS", "Only one client authentication method per request", rfc(6749, "2.3")],
  "BS-TREQ-12": ["SHALL", "AS", "A client_id parameter, if sent, names the assertion's client", page.ASYM],
  "BS-TREQ-13": [
    "SHALL",
    "AS",
    "A missing scope gets a documented default grant or invalid_scope",
    rfc(6749, "3.3"),
  ],
  "BS-JWTH-01": ["SHALL", "AS", "An assertion without kid is refused", page.ASYM],
  "BS-JWTH-02": ["INFO", "AS", "How the server treats the typ header", page.ASYM],
  "BS-JWTH-03": [
    "SHALL",
    "AS",
    "Only a compact-serialised JWS is accepted as an assertion",
    rfc(7519, "7.2"),
  ],
  "BS-JWTH-04": [
    "SHALL",
    "AS",
    "An unknown critical header parameter invalidates the assertion",
    rfc(7515, "4.1.11"),
  ],
  "BS-JWTH-05": ["SHALL", "AS", "Duplicate claim names are refused or the last one wins", rfc(7519, "4")],
  "BS-ISS-01": ["SHALL", "AS", "iss must name a registered client", page.ASYM],
  "BS-ISS-02": ["SHALL", "AS", "The verifying key comes from the issuer's own registration", page.ASYM],
  "BS-SUB-01": ["SHALL", "AS", "sub is present and equals iss (the client_id)", rfc(7523, "3")],
  "BS-AUD-01": ["SHALL", "AS", "aud must identify this token endpoint", rfc(7523, "3")],
  "BS-AUD-02": ["INFO", "AS", "How strictly aud is matched (arrays, near-miss URLs)", rfc(7519, "4.1.3")],
  "BS-EXP-01": ["SHALL", "AS", "An assertion without exp is refused", rfc(7523, "3")],
  "BS-EXP-02": ["SHALL", "AS", "An expired assertion is refused", rfc(7523, "3")],
  "BS-EXP-03": ["MAY", "AS", "Assertions living more than five minutes may be refused", page.ASYM],
  "BS-EXP-04": ["SHOULD", "AS", "exp must be a JSON number", rfc(7519, "4.1.4")],
  "BS-NBF-01": ["SHALL", "AS", "An assertion not valid before a future time is refused", rfc(7523, "3")],
  "BS-IAT-01": ["MAY", "AS", "iat is optional; implausible iat may be refused", rfc(7523, "3")],
  "BS-IAT-02": [
    "SHALL",
    "AS",
    "An assertion whose iat is not a JSON number (a NumericDate) is refused",
    rfc(7519, "4.1.6"),
  ],
  "BS-JTI-01": ["SHALL", "AS", "An assertion without jti is refused", page.ASYM],
  "BS-JTI-02": ["SHALL", "AS", "A replayed assertion is refused", page.ASYM],
  "BS-JTI-03": ["SHALL", "AS", "A reused jti in a newly signed assertion is refused", page.ASYM],
  "BS-JTI-04": ["INFO", "AS", "Replay tracking is per issuer", page.ASYM],
  "BS-JTI-05": ["SHALL", "AS", "Replay memory lasts as long as the longest accepted assertion", page.ASYM],
  "BS-SIG-01": [
    "SHALL",
    "AS",
    "The assertion's signature is verified with the client's registered key",
    page.ASYM,
  ],
  "BS-ALG-01": ["SHALL", "AS", "RS384 or ES384 is accepted, and every advertised algorithm works", page.ASYM],
  "BS-ALG-02": ["SHALL", "AS", "alg none is never accepted", rfc(8725, "3.2")],
  "BS-ALG-03": [
    "SHALL",
    "AS",
    "An HMAC keyed with the client's public key is not accepted",
    rfc(8725, "3.1"),
  ],
  "BS-ALG-04": ["SHALL", "AS", "The key type must fit the algorithm", page.ASYM],
  "BS-ALG-05": ["SHOULD", "AS", "A key declaring its alg does not verify other algorithms", rfc(8725, "3.1")],
  "BS-ALG-06": ["SHALL", "AS", "ES384 signatures are raw R||S, not DER", rfc(7518, "3.4")],
  "BS-ALG-07": ["SHALL", "AS", "ES384 requires a P-384 key", rfc(7518, "3.4")],
  "BS-ALG-08": ["MAY", "AS", "Further algorithms only when deliberately allowed", rfc(8725, "3.1")],
  "BS-ALG-09": ["SHALL", "AS", "alg is compared case-sensitively", rfc(7515, "4.1.1")],
  "BS-ALG-10": ["SHOULD", "AS", "Encryption keys are not used to verify signatures", rfc(7517, "4.2")],
  "BS-KEY-01": ["SHALL", "AS", "Without jku, keys come from the client's registration", page.ASYM],
  "BS-KEY-02": ["SHALL", "AS", "Exactly one key may match kid and key type", page.ASYM],
  "BS-KEY-03": ["SHALL", "AS", "An unknown kid cannot authenticate", page.ASYM],
  "BS-JKU-01": ["SHALL", "AS", "A jku equal to the registered JWKS URL is honoured", page.ASYM],
  "BS-JKU-02": ["SHALL", "AS", "A jku that is not registered fails, and should not be fetched", page.ASYM],
  "BS-JKU-03": ["SHALL", "AS", "A client registered inline has no allowed jku", page.ASYM],
  "BS-JKU-04": ["SHALL", "AS", "jku matching is exact and never over plain http", page.ASYM],
  "BS-JWKS-01": ["INFO", "AS", "The client's JWKS is fetched with GET asking for JSON", page.ASYM],
  "BS-JWKS-02": ["SHALL", "AS", "A JWKS is not cached longer than its Cache-Control allows", page.ASYM],
  "BS-JWKS-03": ["SHOULD", "AS", "A JWKS is cached within its Cache-Control lifetime", page.ASYM],
  "BS-JWKS-04": ["SHALL", "AS", "A failing JWKS URL fails authentication cleanly", page.ASYM],
  "BS-ROT-01": ["SHALL", "AS", "Key rotation through the JWKS URL is followed", page.ASYM],
  "BS-ROT-02": ["INFO", "AS", "A brand-new kid inside the cache window is looked up again", page.ASYM],
  "BS-SCOPE-01": ["SHALL", "AS", "Grants never exceed the client's pre-authorization", page.BSV],
  "BS-SCOPE-02": ["SHOULD", "AS", "Grants do not exceed what was requested", page.BSV],
  "BS-SCOPE-03": ["SHALL", "AS", "SMART v2 system scopes are understood", page.SCOPES],
  "BS-SCOPE-04": ["SHOULD", "AS", "SMART v1 system scopes are still honoured", page.SCOPES],
  "BS-SCOPE-05": ["SHALL", "AS", "Undefined permission letters never grant extra rights", page.SCOPES],
  "BS-SCOPE-06": ["SHALL", "AS", "Wildcard resource scopes work when advertised", page.SCOPES],
  "BS-SCOPE-07": ["SHALL", "AS", "Scopes for unknown resource types are never granted as asked", page.SCOPES],
  "BS-SCOPE-08": ["INFO", "AS", "How user/ and patient/ scopes are treated in a backend flow", page.BSV],
  "BS-SCOPE-09": ["SHALL", "RS", "Query-constrained scopes confine access when granted", page.SCOPES],
  "BS-SCOPE-10": ["INFO", "HARNESS", "Scopes are compared as permission sets, not strings", page.SCOPES],
  "BS-SCOPE-11": ["INFO", "AS", "What is answered when nothing can be granted", page.SCOPES],
  "BS-TRESP-01": ["SHALL", "AS", "A token response is HTTP 200 with a JSON object", rfc(6749, "5.1")],
  "BS-TRESP-02": ["SHALL", "AS", "access_token is a non-empty string", page.BSV],
  "BS-TRESP-03": ["SHALL", "AS", "token_type is bearer, compared case-insensitively", page.BSV],
  "BS-TRESP-04": ["SHALL", "AS", "expires_in is present as a positive number", page.BSV],
  "BS-TRESP-05": ["SHOULD", "AS", "Tokens are short-lived: expires_in at most 300", page.BSV],
  "BS-TRESP-06": ["SHALL", "AS", "scope is always present in the token response", page.BSV],
  "BS-TRESP-07": [
    "SHALL",
    "AS",
    "Token responses forbid caching (Cache-Control no-store, Pragma no-cache)",
    rfc(6749, "5.1"),
  ],
  "BS-TRESP-08": ["SHOULD", "AS", "No refresh token is issued", page.BSV],
  "BS-TRESP-09": ["SHALL", "RS", "The issued token opens the granted resources", page.BSV],
  "BS-ERR-01": ["SHALL", "AS", "Errors are RFC 6749 section 5.2 JSON objects", rfc(6749, "5.2")],
  "BS-ERR-02": ["SHOULD", "AS", "Errors carry error_description or error_uri", page.BSV],
  "BS-ERR-03": ["SHALL", "AS", "Every client authentication failure is invalid_client", page.ASYM],
  "BS-ERR-04": ["SHALL", "AS", "Error status is 400, or 401 for invalid_client", rfc(6749, "5.2")],
  "BS-ERR-05": ["SHALL", "AS", "Each failure class gets its own OAuth error code", rfc(6749, "5.2")],
  "BS-ERR-06": ["SHALL", "AS", "Error strings use the permitted character set", rfc(6749, "5.2")],
  "BS-ERR-07": ["SHALL", "AS", "Client mistakes never produce a 5xx", page.BSV],
  "BS-RS-01": [
    "SHALL",
    "RS",
    "Protected resources without a token get 401 with a Bearer challenge",
    rfc(6750, "3"),
  ],
  "BS-RS-02": ["SHOULD", "RS", "No error attribute when no credentials were sent", rfc(6750, "3")],
  "BS-RS-03": ["SHALL", "RS", "An invalid token is refused with 401 invalid_token", rfc(6750, "3.1")],
  "BS-RS-04": ["SHALL", "RS", "An expired token is refused", page.BSV],
  "BS-RS-05": ["SHALL", "RS", "A token's scope must cover the resource type", page.BSV],
  "BS-RS-06": ["SHALL", "RS", "Writes need write permissions", page.SCOPES],
  "BS-RS-07": ["SHALL", "RS", "Read (r) and search (s) permissions are enforced separately", page.SCOPES],
  "BS-RS-08": ["SHOULD", "RS", "Requests for unsupported data fail", page.BSV],
  "BS-RS-09": [
    "SHOULD",
    "RS",
    "The Bearer scheme name is case-insensitive",
    "https://www.rfc-editor.org/rfc/rfc9110#section-11.1",
  ],
  "BS-RS-10": [
    "SHALL",
    "RS",
    "Tokens in the Authorization header work; two methods at once are refused",
    rfc(6750, "2"),
  ],
  "BS-RS-11": ["SHALL", "RS", "A revoked token stops working", page.CONF],
  "BS-RS-12": [
    "INFO",
    "RS",
    "FHIR error responses carry an OperationOutcome",
    "https://hl7.org/fhir/R4/http.html",
  ],
  "BS-TLS-01": ["SHALL", "AS", "Token and FHIR endpoints use TLS 1.2 or newer", page.BSV],
  "BS-TLS-02": ["SHALL", "AS", "No token service over plain HTTP", rfc(6749, "3.2")],
  "BS-TLS-03": ["SHALL", "AS", "JWKS URLs are fetched over verified TLS", rfc(7515, "4.1.2")],
  "BS-INT-01": ["SHOULD", "AS", "Token introspection is offered", page.INTRO],
  "BS-INT-02": [
    "SHALL",
    "AS",
    "Introspection of a live token returns active, scope, client_id, exp",
    page.INTRO,
  ],
  "BS-INT-03": ["SHALL", "AS", "A backend bearer token is accepted to call introspection", page.INTRO],
  "BS-INT-04": ["SHALL", "AS", "Unknown or expired tokens introspect as inactive", rfc(7662, "2.2")],
  "BS-REV-01": [
    "SHALL",
    "AS",
    "An access token the revocation endpoint revoked is invalidated at once",
    rfc(7009, "2.1"),
  ],
  "BS-REV-02": ["SHALL", "AS", "Revocation requires the client's authentication", rfc(7009, "2.1")],
  "BS-REV-03": ["SHALL", "AS", "Revoking an unknown token is answered with HTTP 200", rfc(7009, "2.2")],
  "BS-REV-04": ["SHALL", "AS", "A token issued to another client is not revoked", rfc(7009, "2.1")],
  "BS-CS-01": [
    "INFO",
    "SRV",
    "The CapabilityStatement's oauth-uris extension (required in SMART 1.0 only)",
    page.CONF,
  ],
  "BS-CS-02": ["SHOULD", "SRV", "oauth-uris agree with the discovery document", page.CONF],
  "BS-CLI-01": ["SHALL", "CLIENT", "The client registers and keeps its credential secret", page.BSV],
  "BS-CLI-02": ["SHALL", "CLIENT", "The client registers only its public JWK Set", page.ASYM],
  "BS-CLI-03": ["SHALL", "CLIENT", "A JWKS URL is public, over TLS, and sends Cache-Control", page.ASYM],
  "BS-CLI-04": ["SHALL", "CLIENT", "Each JWK has kty and a set-unique kid", page.ASYM],
  "BS-CLI-05": [
    "SHALL",
    "CLIENT",
    "RS384 and ES384 with adequate keys and JOSE signature encoding",
    page.ASYM,
  ],
  "BS-CLI-06": [
    "SHALL",
    "CLIENT",
    "The assertion header has alg, kid, typ JWT and only a registered jku",
    page.ASYM,
  ],
  "BS-CLI-07": [
    "SHALL",
    "CLIENT",
    "Claims: iss = sub = client_id, aud = token URL, exp within 300 s, jti",
    page.ASYM,
  ],
  "BS-CLI-08": ["SHALL", "CLIENT", "Every token request uses a new assertion", page.ASYM],
  "BS-CLI-09": ["SHALL", "CLIENT", "The token request is a form POST with each parameter once", page.BSV],
  "BS-CLI-10": ["SHOULD", "CLIENT", "The client requests system/ scopes", page.BSV],
  "BS-CLI-11": ["SHALL", "CLIENT", "TLS 1.2+ with certificate validation", page.BSV],
  "BS-CLI-12": ["SHOULD", "CLIENT", "Discovery with Accept JSON; token URL taken from it", page.BSV],
  "BS-CLI-13": ["SHALL", "CLIENT", "The token is sent only in Authorization: Bearer", page.BSV],
  "BS-CLI-14": ["SHOULD", "CLIENT", "The token is not sent to foreign servers", page.BSV],
  "BS-CLI-15": ["INFO", "CLIENT", "An expired token is replaced with a new assertion", page.BSV],
  "BS-CLI-16": ["SHALL", "CLIENT", "Unknown token response members are ignored", rfc(6749, "5.1")],
  // The Bulk Data export client (Bulk Data Access IG 2.0.0, judged by the client judge's export)
  "BD-CLI-01": [
    "SHOULD",
    "CLIENT",
    "The export kick-off carries Accept: application/fhir+json",
    page.BD2EXPORT,
  ],
  "BD-CLI-02": ["SHOULD", "CLIENT", "The export kick-off carries Prefer: respond-async", page.BD2EXPORT],
  "BD-CLI-03": ["SHOULD", "CLIENT", "Status polling waits as long as Retry-After says", page.BD2EXPORT],
  "BD-CLI-04": ["SHOULD", "CLIENT", "Status requests carry Accept: application/json", page.BD2EXPORT],
  "BD-CLI-05": [
    "SHALL",
    "CLIENT",
    "Status requests carry the access token, protected as the kick-off is",
    page.BD2EXPORT,
  ],
  "BD-CLI-06": [
    "SHALL",
    "CLIENT",
    "Output file requests carry the access token when requiresAccessToken is true",
    page.BD2EXPORT,
  ],
  // App launch (SMART standalone launch, authorization code with PKCE, client-confidential-asymmetric)
  "AL-AUTHZ-01": [
    "SHALL",
    "AS",
    "The authorization response returns state exactly as sent",
    rfc(6749, "4.1.2"),
  ],
  "AL-AUTHZ-02": [
    "SHALL",
    "AS",
    "An unregistered redirect_uri is refused without redirecting to it",
    rfc(6749, "4.1.2.1"),
  ],
  "AL-AUTHZ-03": [
    "SHALL",
    "AS",
    "redirect_uri is compared exactly with the registered one",
    rfc(6749, "3.1.2.3"),
  ],
  "AL-AUTHZ-04": ["SHALL", "AS", "An aud other than the FHIR base URL, or none, is refused", page.APPL],
  "AL-AUTHZ-05": [
    "SHALL",
    "AS",
    "A response_type other than code is refused (unsupported_response_type)",
    rfc(6749, "4.1.2.1"),
  ],
  "AL-PKCE-01": ["SHALL", "AS", "An authorization request without code_challenge is refused", page.APPL],
  "AL-PKCE-02": ["SHALL", "AS", "The plain code_challenge_method is refused", page.CONF],
  "AL-PKCE-03": [
    "SHALL",
    "AS",
    "A code is exchanged only with the code_verifier of its code_challenge",
    rfc(7636, "4.6"),
  ],
  "AL-CODE-01": ["SHALL", "AS", "An authorization code is honoured once only", rfc(6749, "4.1.2")],
  "AL-CODE-02": [
    "SHOULD",
    "AS",
    "The tokens issued from a code presented twice are revoked",
    rfc(6749, "4.1.2"),
  ],
  "AL-CODE-03": [
    "SHALL",
    "AS",
    "A code is exchanged only by the client it was issued to",
    rfc(6749, "4.1.3"),
  ],
  "AL-CODE-04": [
    "SHALL",
    "AS",
    "A code is exchanged only with the redirect_uri of its authorization request",
    rfc(6749, "4.1.3"),
  ],
  "AL-CODE-05": ["SHALL", "AS", "A code expires shortly after it is issued", rfc(6749, "4.1.2")],
  "AL-CODE-06": [
    "SHALL",
    "AS",
    "The code exchange requires the confidential client's authentication",
    rfc(6749, "4.1.3"),
  ],
  "AL-CAUTH-01": [
    "SHALL",
    "AS",
    "The code exchange authenticates the client's assertion as for client_credentials",
    page.ASYM,
  ],
  "AL-TRESP-01": [
    "SHALL",
    "AS",
    "The launch's token response names the patient when launch/patient is granted",
    page.SCOPES,
  ],
  "AL-TRESP-02": ["SHALL", "AS", "The code exchange's token response forbids caching", rfc(6749, "5.1")],
  "AL-TRESP-03": [
    "SHOULD",
    "AS",
    "No refresh_token unless offline_access or online_access is granted",
    page.SCOPES,
  ],
  "AL-IDT-01": [
    "SHALL",
    "AS",
    "The id_token is signed by a key of the server's jwks_uri",
    "https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation",
  ],
  "AL-IDT-02": [
    "SHALL",
    "AS",
    "The id_token's iss is the server's issuer",
    "https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation",
  ],
  "AL-IDT-03": [
    "SHALL",
    "AS",
    "The id_token's aud names the client",
    "https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation",
  ],
  "AL-IDT-04": [
    "SHALL",
    "AS",
    "The id_token has not expired when it is issued",
    "https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation",
  ],
  "AL-IDT-05": ["SHALL", "AS", "The id_token states fhirUser when fhirUser is granted", page.SCOPES],
  "AL-REF-01": ["SHALL", "AS", "A refresh requires the confidential client's authentication", rfc(6749, "6")],
  "AL-REF-02": [
    "SHALL",
    "AS",
    "A refresh authenticated by the client's assertion returns a new, usable access token within the original grant",
    rfc(6749, "6"),
  ],
  "AL-REF-03": ["SHALL", "AS", "A refresh grants no scope beyond the original grant", rfc(6749, "6")],
  "AL-REF-04": [
    "SHALL",
    "AS",
    "A refresh token is honoured only for the client it was issued to",
    rfc(6749, "6"),
  ],
} as const satisfies Record<string, Row>;

export type RequirementId = keyof typeof rows;

export const requirements: Readonly<Record<RequirementId, Requirement>> = Object.fromEntries(
  Object.entries(rows).map(([id, [level, actor, title, url]]) => [
    id,
    { id, level, actor, title, url, bases: BASES[id as RequirementId] },
  ]),
) as Record<RequirementId, Requirement>;

const order: Record<Level, number> = { SHALL: 3, SHOULD: 2, MAY: 1, INFO: 0 };

/** The strongest level among the given requirements: what a failure of a test that checks them all means. */
export function strongestLevel(ids: readonly RequirementId[]): Level {
  return ids.reduce<Level>(
    (best, id) => (order[requirements[id].level] > order[best] ? requirements[id].level : best),
    "INFO",
  );
}

export function isRequirementId(value: string): value is RequirementId {
  return Object.hasOwn(rows, value);
}
