/**
 * Profiles: how severely the suite reads the spec where the catalog records an ambiguity (§17). The
 * default, smart-v2, keeps the catalog's levels. strict reads RFC and IG text literally: typ, jku fetching
 * and the 401 challenge become SHALL. interop judges the traps real servers commonly fall into as SHOULD
 * findings: another error code than invalid_client for a client-authentication failure (AMB-02) and a
 * missing Pragma header (AMB-15) — the request must still be refused, the response still uncacheable.
 * g10-dry-run judges like smart-v2 and also records what each test observed, for the Inferno table.
 * Chosen with --profile (SMART_PROFILE); read when test files load, so levels are fixed for a run.
 */
import { citation, isGeneric, type Basis, type BasisCondition } from "./requirement-bases.ts";
import { requirements, type Level, type RequirementId } from "./requirements.ts";

export type AmbiguityId = "AMB-02" | "AMB-15";

export interface Profile {
  readonly description: string;
  /** Tests naming one of these requirement ids are judged SHALL whatever their declared level. */
  readonly shall: readonly RequirementId[];
  /** A failed check tagged with one of these ambiguities is a SHOULD finding, not a SHALL violation. */
  readonly soften: readonly AmbiguityId[];
  /** Requirement-id prefixes and the level tests naming them are judged at (first match wins). */
  readonly levels?: readonly (readonly [string, Level])[];
  /** Requirement-id prefixes the profile's spec version does not have: tests naming one are skipped. */
  readonly skip?: readonly (readonly [string, string])[];
  /** The scope syntax the suite requests in (default v2). */
  readonly scopes?: "v1" | "v2";
  /**
   * Judge by the RFCs, not by SMART: a test runs when the rule it judges (its first requirement) has a
   * basis outside SMART (harness/requirement-bases.ts), at the level that basis states; the requirements
   * after the first say how a refusal must look and do not make a SMART-only rule run.
   */
  readonly genericOnly?: boolean;
  /**
   * Requirement-id prefixes of tests that need a protected resource; without config `protectedResource`
   * (and a FHIR base) they are skipped with the reason.
   */
  readonly resourceTests?: readonly string[];
  /**
   * Client keys may use any JWS algorithm the harness makes keys for (RS/PS/ES 256–512, EdDSA), not only
   * SMART's RS384 and ES384: what `keys --profile` generates and the config check loads.
   */
  readonly anySigningAlg?: boolean;
  /**
   * The server need not serve SMART discovery: the token endpoint and the accepted signing algorithms may
   * come from RFC 8414 / OpenID metadata (harness/auth-server-metadata.ts) or from the config.
   */
  readonly authServerMetadata?: boolean;
}

export const PROFILES = {
  "smart-v2": {
    description: "SMART App Launch 2.x Backend Services with the catalog's levels (default)",
    shall: [],
    soften: [],
  },
  strict: {
    description:
      "the literal reading: typ checking (BS-JWTH-02), never fetching an unregistered jku (BS-JKU-02) and a challenge on every 401 (BS-ERR-04) are SHALL",
    shall: ["BS-JWTH-02", "BS-JKU-02", "BS-ERR-04"],
    soften: [],
  },
  interop: {
    description:
      "what interoperates: another error code than invalid_client for a client-authentication failure (AMB-02) and a missing Pragma: no-cache (AMB-15) are SHOULD findings",
    shall: [],
    soften: ["AMB-02", "AMB-15"],
  },
  "smart-v1": {
    description:
      "Bulk Data 1.0 backend services (catalog §16): SMART v1 scopes (system/Type.read), discovery and jku matching SHOULD, no introspection, v2 scope syntax and the one-key-per-kid rule not required",
    shall: ["BS-SCOPE-04"],
    soften: [],
    levels: [
      ["BS-DISC-", "SHOULD"],
      ["BS-JKU-", "SHOULD"],
    ],
    skip: [
      ["BS-INT-", "Bulk Data 1.0 has no token introspection"],
      ["BS-SCOPE-03", "SMART v2 scope syntax is not part of Bulk Data 1.0"],
      ["BS-SCOPE-09", "query-constrained scopes are SMART v2"],
      ["BS-KEY-02", "Bulk Data 1.0 tries every key whose kid matches (AMB-21)"],
      ["BS-DISC-14", "the recommended endpoints are SMART v2"],
    ],
    scopes: "v1",
  },
  "oauth-jwt": {
    description:
      "OAuth servers with private_key_jwt client credentials outside SMART: the keys' own algorithms (e.g. PS256) and the config's scopes; SMART-only checks are skipped with the reason, every RFC 6749 / RFC 7523 check runs",
    shall: [],
    soften: [],
    skip: [["BS-INT-", "introspection is judged as SMART advertises it"]],
    genericOnly: true,
    resourceTests: ["BS-RS-", "BS-TRESP-09"],
    anySigningAlg: true,
    authServerMetadata: true,
  },
  "g10-dry-run": {
    description:
      "smart-v2 levels, plus a table naming each ONC (g)(10) Inferno backend-services and launch test, what Inferno would conclude from the response our matching test saw, and our verdict",
    shall: [],
    soften: [],
  },
} as const satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;
export const DEFAULT_PROFILE: ProfileName = "smart-v2";
export const PROFILE_ENV = "SMART_PROFILE";

export function isProfileName(value: string): value is ProfileName {
  return Object.hasOwn(PROFILES, value);
}

/** The profile of this run (SMART_PROFILE, default smart-v2); an unknown name is refused by the CLI first. */
export function activeProfile(): { name: ProfileName; profile: Profile } {
  const name = process.env[PROFILE_ENV] ?? DEFAULT_PROFILE;
  const key: ProfileName = isProfileName(name) ? name : DEFAULT_PROFILE;
  return { name: key, profile: PROFILES[key] };
}

/** The level a test is judged at under the active profile. */
export function profileLevel(ids: readonly RequirementId[], declared: Level): Level {
  const profile: Profile = activeProfile().profile;
  if (ids.some((id) => profile.shall.includes(id))) return "SHALL";
  const override = profile.levels?.find(([prefix]) => ids.some((id) => id.startsWith(prefix)));
  if (override) return override[1];
  if (profile.genericOnly && ids[0]) {
    // The level the RFC states, never stronger than the test's own (SMART may be stricter than the RFC).
    const stated = genericBases(ids[0]).map((b) => b.level ?? requirements[ids[0] as RequirementId].level);
    if (stated.length > 0) return weaker(declared, stated.reduce(stronger));
  }
  return declared;
}

const RANK: Record<Level, number> = { SHALL: 3, SHOULD: 2, MAY: 1, INFO: 0 };
const stronger = (a: Level, b: Level): Level => (RANK[a] >= RANK[b] ? a : b);
const weaker = (a: Level, b: Level): Level => (RANK[a] <= RANK[b] ? a : b);

/** The bases outside SMART of a requirement (its RFC rules), conditional ones included. */
export function genericBases(id: RequirementId): readonly Basis[] {
  return requirements[id].bases.filter(isGeneric);
}

/**
 * Why the active profile skips a test naming `ids`, or undefined when it runs. `smartOnly` is the test's own
 * reason for needing a SMART server although its rule is an RFC's (e.g. it speaks SMART scope syntax).
 */
export function profileSkip(ids: readonly RequirementId[], smartOnly?: string): string | undefined {
  const { name, profile } = activeProfile();
  const hit = profile.skip?.find(([prefix]) => ids.some((id) => id.startsWith(prefix)));
  if (hit) return `${hit[1]} (profile ${name})`;
  const primary = ids[0];
  if (profile.genericOnly && primary) {
    if (genericBases(primary).length === 0) {
      const smart = requirements[primary].bases.map(citation).join("; ");
      return `${primary} is SMART-only (${smart}), not judged under the ${name} profile`;
    }
    if (smartOnly) return `${smartOnly}: not judged under the ${name} profile`;
  }
  return undefined;
}

/** What the target's config states about the server, for skips that depend on it. */
export interface ServerStatements {
  /** The server promises jti replay protection (config assertion.replayProtection). */
  readonly replayProtection: boolean;
  /** The server states its longest accepted assertion lifetime (config assertion.maxLifetimeSeconds). */
  readonly maxLifetime: boolean;
  /** The config names a protected resource to present tokens to (oauth-jwt does not assume a FHIR one). */
  readonly protectedResource: boolean;
}

const CONDITION_REASON: Record<BasisCondition, string> = {
  replayProtection:
    "leaves jti replay protection to the server (MAY); set assertion.replayProtection: true in the config when the server promises it",
  maxLifetime:
    "lets the server refuse an exp unreasonably far in the future (MAY); set assertion.maxLifetimeSeconds in the config to the server's own limit",
};

/** Why the active profile skips a test naming `ids` given what the config states, or undefined. */
export function profileConfigSkip(
  ids: readonly RequirementId[],
  statements: ServerStatements,
): string | undefined {
  const { name, profile } = activeProfile();
  const primary = ids[0];
  if (!profile.genericOnly || !primary) return undefined;
  if (!statements.protectedResource && profile.resourceTests?.some((p) => ids.some((id) => id.startsWith(p))))
    return `no protectedResource in the config: the RFC 6750 bearer-token tests need a URL to present tokens to (profile ${name})`;
  const bases = genericBases(primary);
  const binding = bases.filter((b) => b.when === undefined || statements[b.when]);
  if (binding.length === 0) {
    const unmet = bases.find((b) => b.when !== undefined && !statements[b.when]);
    if (unmet?.when) return `${citation(unmet)} ${CONDITION_REASON[unmet.when]} (profile ${name})`;
  }
  return undefined;
}

/**
 * The RFC rules a test is judged by under a profile that judges by them (oauth-jwt): what its failure
 * message cites. Empty under the other profiles.
 */
export function judgedBy(ids: readonly RequirementId[]): string | undefined {
  const primary = ids[0];
  if (!activeProfile().profile.genericOnly || !primary) return undefined;
  const bases = genericBases(primary);
  return bases.length > 0 ? `${bases.map(citation).join("; ")} (${primary})` : undefined;
}

const V1_ACTIONS: Readonly<Record<string, string>> = {
  rs: "read",
  r: "read",
  s: "read",
  cud: "write",
  cruds: "*",
};

/**
 * A scope string in the active profile's syntax: `scopeFor("Patient", "rs")` is system/Patient.rs, or
 * system/Patient.read under smart-v1.
 */
export function scopeFor(
  type: string,
  permissions: "rs" | "r" | "s" | "cud" | "cruds",
  context = "system",
): string {
  const v1 = activeProfile().profile.scopes === "v1";
  return `${context}/${type}.${v1 ? (V1_ACTIONS[permissions] ?? permissions) : permissions}`;
}

/** True when a failed check tagged with `ambiguity` counts as a SHOULD finding under the active profile. */
export function softened(ambiguity: AmbiguityId | undefined): boolean {
  return ambiguity !== undefined && activeProfile().profile.soften.includes(ambiguity);
}
