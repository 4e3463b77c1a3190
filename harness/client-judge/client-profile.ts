/**
 * The profile a client is judged under: which JWS algorithms the judge accepts for its assertions (and the
 * client checks judge against). smart-v2 (default): SMART's RS384 and ES384. oauth-jwt: every algorithm
 * that profile supports — RS/PS/ES 256–512 and EdDSA. Everything else is judged as under SMART: the judge
 * is a SMART server in every other respect.
 */
import { signingAlgsFor, type SigningAlg } from "../keys.ts";
import { DEFAULT_PROFILE, type ProfileName } from "../profiles.ts";

/** The profiles `client-check --profile` takes. */
export const CLIENT_PROFILES = ["smart-v2", "oauth-jwt"] as const satisfies readonly ProfileName[];
export type ClientProfile = (typeof CLIENT_PROFILES)[number];

/** Names the client run's profile to the client checks (their titles read it when the files load). */
export const CLIENT_PROFILE_ENV = "SMART_CLIENT_PROFILE";

export function isClientProfile(value: string): value is ClientProfile {
  return (CLIENT_PROFILES as readonly string[]).includes(value);
}

/**
 * The algorithms a client may sign its assertions with under `profile` (unset or unknown: the default's).
 * @example clientSigningAlgs("oauth-jwt") // ["RS256", "RS384", …, "EdDSA"]
 */
export function clientSigningAlgs(profile: string | undefined): readonly SigningAlg[] {
  return signingAlgsFor(profile !== undefined && isClientProfile(profile) ? profile : DEFAULT_PROFILE);
}
