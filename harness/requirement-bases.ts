/**
 * Where each requirement is stated: SMART (the App Launch IG or Bulk Data), FHIR, or a standard SMART
 * builds on (the OAuth and JOSE RFCs), with the section. The oauth-jwt profile judges a server that is not
 * a SMART server by these: a test runs there when the rule it judges has a basis outside SMART, at the
 * level that basis states, and its failure message cites it (harness/profiles.ts).
 *
 * Sources: the project's requirements catalog (its "Source" lines), checked against the RFC text. A
 * basis's level is the one its own spec states when that differs from the catalog's (e.g. `expires_in` is
 * REQUIRED by SMART, RECOMMENDED by RFC 6749 §5.1).
 */
import type { Level, RequirementId } from "./requirements.ts";

/** The SMART pages (and the other HL7 specs) a requirement may rest on. */
export type SmartSpec = "SMART" | "Bulk Data 1.0" | "Bulk Data 2.0" | "FHIR R4" | "OpenID Connect Core 1.0";
export type RfcNumber =
  6749 | 6750 | 7009 | 7515 | 7517 | 7518 | 7519 | 7521 | 7523 | 7636 | 7662 | 8414 | 8725 | 8996 | 9110;

/**
 * A condition under which a basis binds the server: RFC 7523 §3 item 7 leaves `jti` replay protection to
 * the server (MAY); a server that promises it (config `assertion.replayProtection`) is held to it. RFC 7523
 * §3 item 4 lets a server refuse an exp unreasonably far ahead (MAY); a server that states its limit
 * (config `assertion.maxLifetimeSeconds`) is held to it, both ways.
 */
export type BasisCondition = "replayProtection" | "maxLifetime";

export interface Basis {
  readonly spec: SmartSpec | `RFC ${RfcNumber}`;
  /** Where in that spec, e.g. "§3 item 9" or "client-confidential-asymmetric §Signature Verification". */
  readonly section: string;
  /** The level that spec states, when it differs from the requirement's own. */
  readonly level?: Level;
  /** The basis binds only when the server states it holds to it (see {@link BasisCondition}). */
  readonly when?: BasisCondition;
}

const smart = (section: string): Basis => ({ spec: "SMART", section });
const bd1 = (section: string): Basis => ({ spec: "Bulk Data 1.0", section });
const bd2 = (section: string): Basis => ({ spec: "Bulk Data 2.0", section });
const fhir = (section: string): Basis => ({ spec: "FHIR R4", section });
const oidc = (section: string): Basis => ({ spec: "OpenID Connect Core 1.0", section });
const rfc = (n: RfcNumber, section: string, level?: Level, when?: BasisCondition): Basis => ({
  spec: `RFC ${n}`,
  section,
  ...(level ? { level } : {}),
  ...(when ? { when } : {}),
});

/** Abbreviations of the SMART App Launch 2.2 pages. */
const CONF = "conformance";
const ASYM = "client-confidential-asymmetric";
const BSV = "backend-services";
const SCOPES = "scopes-and-launch-context";
const INTRO = "token-introspection";
const APPL = "app-launch";

export const BASES: Readonly<Record<RequirementId, readonly Basis[]>> = {
  // Discovery: SMART's own document. RFC 8414 metadata has tests of its own (BS-META-*), whose rules match
  // BS-DISC-07 and BS-DISC-08 for a server outside SMART.
  "BS-DISC-01": [smart(`${CONF} §Discovery using a Well-Known URI`)],
  "BS-DISC-02": [smart(`${CONF} §using-well-known`)],
  "BS-DISC-03": [smart(`${CONF} §using-well-known`)],
  "BS-DISC-04": [smart(`${CONF} §Metadata`), smart(`${BSV} §Retrieve .well-known`)],
  "BS-DISC-05": [smart(`${CONF} §Metadata`)],
  "BS-DISC-06": [smart(`${CONF} §Capabilities`), smart(`${ASYM} §Advertising server support`)],
  "BS-DISC-07": [smart(`${ASYM} §Advertising server support`)],
  "BS-DISC-08": [smart(`${ASYM} §Advertising server support`)],
  "BS-DISC-09": [smart(`${CONF} §Metadata`)],
  "BS-DISC-10": [smart(`${CONF} §Capabilities`)],
  "BS-DISC-11": [smart(`${CONF} §Metadata`)],
  "BS-DISC-12": [smart(`${CONF} §Metadata`)],
  "BS-DISC-13": [smart(`${CONF} §Metadata`)],
  "BS-DISC-14": [smart(`${CONF} §Metadata`)],
  "BS-DISC-15": [bd1("§Advertising Server Conformance with SMART Backend Services")],
  // RFC 8414 authorization server metadata (also OpenID Connect Discovery's openid-configuration)
  "BS-META-01": [rfc(8414, "§3, §3.2")],
  "BS-META-02": [rfc(8414, "§3.3")],
  "BS-META-03": [rfc(8414, "§2")],
  "BS-META-04": [rfc(8414, "§2")],
  "BS-META-05": [rfc(8414, "§2")],
  "BS-META-06": [rfc(8414, "§2")],
  "BS-META-07": [rfc(8414, "§2")],
  // Registration
  "BS-REG-01": [smart(`${ASYM} §Registering a client`)],
  "BS-REG-02": [smart(`${ASYM} §Registering a client`)],
  "BS-REG-03": [smart(`${ASYM} §Registering a client`)],
  "BS-REG-04": [smart(`${ASYM} §Registering a client`)],
  "BS-REG-05": [rfc(7517, "§5")],
  "BS-REG-06": [rfc(7518, "§3.3"), rfc(8725, "§3.5")],
  // Token request
  "BS-TREQ-01": [smart(`${BSV} §Request`), rfc(6749, "§4.4.2"), rfc(7523, "§2.2")],
  "BS-TREQ-02": [rfc(6749, "§3.2"), smart(`${BSV} §Request`)],
  "BS-TREQ-03": [rfc(6749, "§4.4.2, Appendix B"), smart(`${BSV} §Request`)],
  "BS-TREQ-04": [rfc(6749, "§4.4.2, §5.2")],
  "BS-TREQ-05": [rfc(6749, "§5.2")],
  "BS-TREQ-06": [rfc(6749, "§5.2")],
  "BS-TREQ-07": [rfc(6749, "§2.3, §3.2.1"), smart(`${ASYM} §Request`)],
  "BS-TREQ-08": [rfc(7523, "§2.2"), smart(`${ASYM} §Request`)],
  "BS-TREQ-09": [rfc(6749, "§3.2, §5.2")],
  "BS-TREQ-10": [rfc(6749, "§3.2")],
  "BS-TREQ-11": [rfc(6749, "§2.3, §5.2")],
  "BS-TREQ-12": [rfc(7521, "§4.2"), smart(`${ASYM} §Signature Verification`)],
  "BS-TREQ-13": [rfc(6749, "§3.3"), smart(`${BSV} §Request`)],
  // Assertion header and claims
  "BS-JWTH-01": [smart(`${ASYM} §Signature Verification`)],
  "BS-JWTH-02": [smart(`${ASYM} §Request`), rfc(8725, "§3.11", "INFO")],
  "BS-JWTH-03": [rfc(7519, "§7.2"), rfc(7523, "§3 item 10")],
  "BS-JWTH-04": [rfc(7515, "§4.1.11"), rfc(7523, "§3 item 10")],
  "BS-JWTH-05": [rfc(7519, "§4"), rfc(7515, "§4")],
  "BS-ISS-01": [rfc(7523, "§3 item 1, §3.2"), smart(`${ASYM} §Signature Verification`)],
  "BS-ISS-02": [rfc(8725, "§3.8"), smart(`${ASYM} §Signature Verification`)],
  "BS-SUB-01": [rfc(7523, "§3 item 2"), smart(`${ASYM} §Request`)],
  "BS-AUD-01": [rfc(7523, "§3 item 3"), rfc(7519, "§4.1.3"), smart(`${ASYM} §Request`)],
  "BS-AUD-02": [rfc(7523, "§3 item 3", "INFO"), rfc(7519, "§4.1.3", "INFO")],
  "BS-EXP-01": [rfc(7523, "§3 item 4"), smart(`${ASYM} §Request`)],
  "BS-EXP-02": [rfc(7523, "§3 item 4"), rfc(7519, "§4.1.4")],
  // RFC 7523 §3 item 4 lets a server refuse an exp unreasonably far ahead; SMART sets the limit (5 minutes),
  // a server outside SMART its own (config assertion.maxLifetimeSeconds).
  "BS-EXP-03": [smart(`${ASYM} §Request`), rfc(7523, "§3 item 4", "SHALL", "maxLifetime")],
  "BS-EXP-04": [rfc(7519, "§2, §4.1.4")],
  // §4.1.5: nbf's value MUST be a number; RFC 7523 §3 item 10 has the server reject a JWT that breaks RFC 7519.
  "BS-NBF-01": [rfc(7523, "§3 item 5, item 10"), rfc(7519, "§4.1.5")],
  "BS-IAT-01": [rfc(7523, "§3 item 6")],
  "BS-IAT-02": [rfc(7519, "§4.1.6"), rfc(7523, "§3 item 10")],
  // A server that promises replay protection cannot give it to an assertion without a jti.
  "BS-JTI-01": [
    smart(`${ASYM} §Signature Verification`),
    rfc(7523, "§3 item 7", "SHALL", "replayProtection"),
  ],
  "BS-JTI-02": [
    smart(`${ASYM} §Signature Verification`),
    rfc(7523, "§3 item 7", "SHALL", "replayProtection"),
  ],
  "BS-JTI-03": [
    smart(`${ASYM} §Signature Verification`),
    rfc(7523, "§3 item 7", "SHALL", "replayProtection"),
  ],
  "BS-JTI-04": [smart(`${ASYM} §Signature Verification`)],
  "BS-JTI-05": [
    smart(`${ASYM} §Signature Verification`),
    rfc(7523, "§3 item 7", "SHALL", "replayProtection"),
  ],
  // Signature, algorithms, keys
  "BS-SIG-01": [rfc(7523, "§3 item 9"), smart(`${ASYM} §Signature Verification`)],
  "BS-ALG-01": [smart(`${ASYM} §Registering a client`), rfc(8414, "§2")],
  "BS-ALG-02": [rfc(7523, "§3 item 9"), rfc(7518, "§3.6"), rfc(8725, "§3.2")],
  "BS-ALG-03": [rfc(8725, "§2.1, §3.1")],
  "BS-ALG-04": [rfc(8725, "§3.1"), smart(`${ASYM} §Signature Verification`)],
  "BS-ALG-05": [rfc(8725, "§3.1"), rfc(7517, "§4.4")],
  "BS-ALG-06": [rfc(7518, "§3.4")],
  "BS-ALG-07": [rfc(7518, "§3.4"), rfc(8725, "§3.4")],
  // RFC 8725 §3.1: only the algorithms the verifier is set up for (what the server states it accepts).
  "BS-ALG-08": [rfc(8725, "§3.1", "SHALL"), smart(`${ASYM} §Registering a client`)],
  "BS-ALG-09": [rfc(7515, "§4.1.1")],
  "BS-ALG-10": [rfc(7517, "§4.2, §4.3")],
  "BS-KEY-01": [smart(`${ASYM} §Signature Verification`)],
  "BS-KEY-02": [smart(`${ASYM} §Signature Verification`)],
  "BS-KEY-03": [rfc(7523, "§3 item 9"), smart(`${ASYM} §Signature Verification`)],
  "BS-JKU-01": [smart(`${ASYM} §Signature Verification`)],
  // Blindly following a jku invites SSRF; RFC 8725 §3.10 says to match it against an allow-list.
  "BS-JKU-02": [smart(`${ASYM} §Signature Verification`), rfc(8725, "§3.10", "SHOULD")],
  "BS-JKU-03": [smart(`${ASYM} §Signature Verification`)],
  "BS-JKU-04": [smart(`${ASYM} §Signature Verification`)],
  "BS-JWKS-01": [smart(`${ASYM} §Signature Verification`)],
  "BS-JWKS-02": [smart(`${ASYM} §Response`)],
  "BS-JWKS-03": [smart(`${ASYM} §Response`)],
  // A server whose JWK Set fetch fails has no key to verify the signature with: RFC 7523 §3 item 9 leaves
  // it nothing but refusal.
  "BS-JWKS-04": [smart(`${ASYM} §Response`), rfc(7523, "§3 item 9")],
  "BS-ROT-01": [smart(`${ASYM} §Registering a client`)],
  "BS-ROT-02": [smart(`${ASYM} §Registering a client`)],
  // Scopes: the server's policy decides what is granted (RFC 6749 §3.3); the syntax is SMART's.
  "BS-SCOPE-01": [smart(`${BSV} §Evaluate Requested Access`), rfc(6749, "§3.3")],
  "BS-SCOPE-02": [smart(`${BSV} §Issue Access Token`), rfc(6749, "§3.3")],
  "BS-SCOPE-03": [smart(`${SCOPES} §FHIR Resource Scope Syntax`)],
  "BS-SCOPE-04": [smart(`${SCOPES} §Scopes for requesting FHIR Resources`)],
  "BS-SCOPE-05": [smart(`${SCOPES} §Scopes for requesting FHIR Resources`)],
  "BS-SCOPE-06": [smart(`${SCOPES} §Wildcard scopes`)],
  "BS-SCOPE-07": [smart(`${SCOPES} §Scopes for requesting FHIR Resources`)],
  "BS-SCOPE-08": [smart(`${BSV} §Scopes`)],
  "BS-SCOPE-09": [smart(`${SCOPES} §Finer-grained resource constraints`)],
  "BS-SCOPE-10": [smart(`${SCOPES} §Scope Equivalence`), rfc(6749, "§3.3", "INFO")],
  "BS-SCOPE-11": [smart(`${SCOPES} §Wildcard scopes`), rfc(6749, "§5.2", "INFO")],
  // Token response
  "BS-TRESP-01": [rfc(6749, "§5.1"), smart(`${BSV} §Issue Access Token`)],
  "BS-TRESP-02": [rfc(6749, "§5.1"), smart(`${BSV} §Issue Access Token`)],
  "BS-TRESP-03": [rfc(6749, "§5.1, §7.1"), smart(`${BSV} §Issue Access Token`)],
  "BS-TRESP-04": [smart(`${BSV} §Issue Access Token`), rfc(6749, "§5.1", "SHOULD")],
  "BS-TRESP-05": [smart(`${BSV} §Issue Access Token`), rfc(6750, "§5.3", "SHOULD")],
  // SMART requires scope always; RFC 6749 §5.1 where the grant differs from the request (the test that
  // judges only that case runs under oauth-jwt).
  "BS-TRESP-06": [smart(`${BSV} §Issue Access Token`), rfc(6749, "§5.1")],
  "BS-TRESP-07": [rfc(6749, "§5.1")],
  "BS-TRESP-08": [rfc(6749, "§4.4.3", "SHOULD"), smart(`${BSV} §Enforce Authorization`)],
  "BS-TRESP-09": [rfc(6750, "§2.1"), smart(`${BSV} §Access FHIR API`)],
  // Token errors
  "BS-ERR-01": [rfc(6749, "§5.2")],
  "BS-ERR-02": [smart(`${BSV} §Issue Access Token`)],
  "BS-ERR-03": [rfc(7523, "§3.2"), rfc(7521, "§4.2.1"), smart(`${ASYM} §Response`)],
  "BS-ERR-04": [rfc(6749, "§5.2")],
  "BS-ERR-05": [rfc(6749, "§5.2")],
  "BS-ERR-06": [rfc(6749, "§5.2")],
  "BS-ERR-07": [rfc(6749, "§5.2"), smart(`${BSV} §Issue Access Token`)],
  // The resource server: RFC 6750 for bearer tokens, SMART and FHIR for what a scope opens.
  "BS-RS-01": [rfc(6750, "§3"), smart(`${BSV} §Access FHIR API`)],
  "BS-RS-02": [rfc(6750, "§3")],
  "BS-RS-03": [rfc(6750, "§3, §3.1")],
  "BS-RS-04": [rfc(6750, "§3.1"), smart(`${BSV} §Access FHIR API`)],
  "BS-RS-05": [smart(`${BSV} §Enforce Authorization`)],
  "BS-RS-06": [smart(`${SCOPES} §Scopes for requesting FHIR Resources`)],
  "BS-RS-07": [smart(`${SCOPES} §Scopes for requesting FHIR Resources`)],
  "BS-RS-08": [smart(`${BSV} §Enforce Authorization`)],
  "BS-RS-09": [rfc(9110, "§11.1"), rfc(6750, "§2.1")],
  "BS-RS-10": [rfc(6750, "§2, §3.1")],
  "BS-RS-11": [smart(`${CONF} §Metadata (revocation_endpoint)`)],
  "BS-RS-12": [fhir("http.html, security.html")],
  // Transport
  "BS-TLS-01": [smart(`${BSV} §Request`), rfc(8996, "§2, §3"), rfc(6749, "§1.6")],
  "BS-TLS-02": [rfc(6749, "§3.2"), smart(`${BSV} §Request`)],
  "BS-TLS-03": [smart(`${ASYM} §Registering a client`)],
  // Introspection: judged as SMART advertises it.
  "BS-INT-01": [smart(INTRO)],
  "BS-INT-02": [smart(`${INTRO} §Required fields`), rfc(7662, "§2.2")],
  "BS-INT-03": [smart(`${INTRO} §Authorization to perform Token Introspection`)],
  "BS-INT-04": [rfc(7662, "§2.2")],
  // Revocation (RFC 7009), tested where the server advertises revocation_endpoint (SMART: RECOMMENDED).
  "BS-REV-01": [rfc(7009, "§2.1, §2.2"), smart(`${CONF} §Metadata (revocation_endpoint)`)],
  "BS-REV-02": [rfc(7009, "§2.1"), rfc(6749, "§2.3, §5.2")],
  "BS-REV-03": [rfc(7009, "§2.2")],
  "BS-REV-04": [rfc(7009, "§2.1, §5")],
  // The CapabilityStatement
  "BS-CS-01": [smart(`${CONF} (SMART 1.0 oauth-uris)`)],
  "BS-CS-02": [smart(`${CONF} (SMART 1.0 oauth-uris)`)],
  // The client (judged by the client judge, not by server runs)
  "BS-CLI-01": [smart(BSV)],
  "BS-CLI-02": [smart(`${ASYM} §Registering a client`)],
  "BS-CLI-03": [smart(`${ASYM} §Registering a client`)],
  "BS-CLI-04": [smart(`${ASYM} §Registering a client`)],
  "BS-CLI-05": [smart(`${ASYM} §Registering a client`)],
  "BS-CLI-06": [smart(`${ASYM} §Request`)],
  "BS-CLI-07": [smart(`${ASYM} §Request`), rfc(7523, "§3")],
  "BS-CLI-08": [smart(`${ASYM} §Signature Verification`)],
  "BS-CLI-09": [smart(`${BSV} §Request`), rfc(6749, "§3.2")],
  "BS-CLI-10": [smart(`${BSV} §Scopes`)],
  "BS-CLI-11": [smart(`${BSV} §Request`)],
  "BS-CLI-12": [smart(`${BSV} §Retrieve .well-known`)],
  "BS-CLI-13": [smart(`${BSV} §Access FHIR API`), rfc(6750, "§2.1")],
  "BS-CLI-14": [smart(`${BSV} §Access FHIR API`)],
  "BS-CLI-15": [smart(`${BSV} §Access FHIR API`)],
  "BS-CLI-16": [rfc(6749, "§5.1")],
  // The Bulk Data export client: the IG's export page (Bulk Data Access 2.0.0)
  "BD-CLI-01": [bd2("export §Bulk Data Kick-off Request (Headers: Accept)")],
  "BD-CLI-02": [bd2("export §Bulk Data Kick-off Request (Headers: Prefer)")],
  "BD-CLI-03": [bd2("export §Bulk Data Status Request (Retry-After)")],
  "BD-CLI-04": [bd2("export §Bulk Data Status Request (Accept)")],
  "BD-CLI-05": [bd2("export §Privacy and Security Considerations")],
  "BD-CLI-06": [
    bd2("export §Bulk Data Output File Request"),
    bd2("export §Privacy and Security Considerations"),
  ],
  // App launch: the authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636) as SMART profiles it;
  // what only SMART states (aud, PKCE required, no plain, launch context) is SMART-only (oauth-jwt skips it).
  "AL-AUTHZ-01": [rfc(6749, "§4.1.2, §4.1.2.1"), smart(`${APPL} §Obtain authorization code`)],
  "AL-AUTHZ-02": [rfc(6749, "§4.1.2.1, §3.1.2.4, §10.15")],
  "AL-AUTHZ-03": [rfc(6749, "§3.1.2.3"), smart(`${APPL} §Obtain authorization code`)],
  "AL-AUTHZ-04": [smart(`${APPL} §Obtain authorization code (aud)`)],
  "AL-AUTHZ-05": [rfc(6749, "§4.1.1, §4.1.2.1")],
  "AL-PKCE-01": [smart(`${APPL} §Considerations for PKCE Support`)],
  "AL-PKCE-02": [smart(`${CONF} §Metadata (code_challenge_methods_supported)`)],
  "AL-PKCE-03": [rfc(7636, "§4.5, §4.6"), smart(`${APPL} §Obtain access token`)],
  "AL-CODE-01": [rfc(6749, "§4.1.2, §10.5")],
  "AL-CODE-02": [rfc(6749, "§4.1.2", "SHOULD")],
  "AL-CODE-03": [rfc(6749, "§4.1.3, §5.2")],
  "AL-CODE-04": [rfc(6749, "§4.1.3, §5.2")],
  "AL-CODE-05": [rfc(6749, "§4.1.2, §10.5")],
  "AL-CODE-06": [rfc(6749, "§4.1.3, §3.2.1"), rfc(7523, "§3.1"), smart(`${ASYM} §Request`)],
  "AL-CAUTH-01": [rfc(7523, "§2.2, §3"), rfc(6749, "§4.1.3"), smart(`${ASYM} §Signature Verification`)],
  "AL-TRESP-01": [smart(`${SCOPES} §Launch context arrives with your access_token`)],
  "AL-TRESP-02": [rfc(6749, "§5.1"), smart(`${APPL} §Response`)],
  "AL-TRESP-03": [smart(`${SCOPES} §Scopes for requesting a refresh token`)],
  "AL-IDT-01": [oidc("§3.1.3.7 item 6, §10.1"), smart(`${SCOPES} §Scopes for requesting identity data`)],
  "AL-IDT-02": [oidc("§3.1.3.7 item 2")],
  "AL-IDT-03": [oidc("§3.1.3.7 item 3")],
  "AL-IDT-04": [oidc("§2 (exp), §3.1.3.7 item 9")],
  "AL-IDT-05": [smart(`${SCOPES} §Scopes for requesting identity data (fhirUser)`)],
  "AL-REF-01": [rfc(6749, "§6, §3.2.1"), smart(`${APPL} §Refresh access token`)],
  "AL-REF-02": [rfc(6749, "§6, §5.1"), smart(`${APPL} §Refresh access token`)],
  "AL-REF-03": [rfc(6749, "§6, §5.2 (invalid_scope)"), smart(`${APPL} §Refresh access token`)],
  "AL-REF-04": [rfc(6749, "§6, §5.2 (invalid_grant)")],
};

/** True for a basis outside SMART, FHIR and Bulk Data: an RFC. */
export function isGeneric(basis: Basis): boolean {
  return basis.spec.startsWith("RFC ");
}

/** "RFC 7523 §3 item 9" */
export function citation(basis: Basis): string {
  return `${basis.spec} ${basis.section}`;
}

/** The address of a basis's section, where it has one (RFCs). */
export function basisUrl(basis: Basis): string | undefined {
  if (!isGeneric(basis)) return undefined;
  const n = basis.spec.slice(4);
  const section = /§(\d+(?:\.\d+)*)/.exec(basis.section)?.[1];
  const appendix = /Appendix ([A-Z](?:\.\d+)*)/.exec(basis.section)?.[1];
  const anchor = section ? `#section-${section}` : appendix ? `#appendix-${appendix}` : "";
  return `https://www.rfc-editor.org/rfc/rfc${n}${anchor}`;
}
