/**
 * Client keys: generation (RSA-2048 for RS and PS, P-256/P-384/P-521 for ES, Ed25519 for EdDSA), the kid as
 * the RFC 7638 thumbprint, and loading a private JWKS file with the checks a config needs (every key
 * private, with kid and an alg the active profile signs with).
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { HarnessError } from "./errors.ts";
import { activeProfile, PROFILES, type Profile, type ProfileName } from "./profiles.ts";

/** Every JWS algorithm the harness makes keys for and signs with (RFC 7518 §3.1, RFC 8037 §3.1). */
export type SigningAlg =
  "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512" | "EdDSA";
export const SIGNING_ALGS: readonly SigningAlg[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];
/** SMART Backend Services' two algorithms: the only ones the SMART profiles sign with. */
export const SMART_SIGNING_ALGS: readonly SigningAlg[] = ["RS384", "ES384"];

/** An algorithm the harness makes keys for (any profile). */
export function isSigningAlg(value: unknown): value is SigningAlg {
  return SIGNING_ALGS.includes(value as SigningAlg);
}

/**
 * The algorithms client keys may use under `profile`: all of {@link SIGNING_ALGS} where the profile says
 * `anySigningAlg` (oauth-jwt), SMART's RS384 and ES384 otherwise.
 * @example signingAlgsFor("smart-v2") // ["RS384", "ES384"]
 */
export function signingAlgsFor(profile: ProfileName): readonly SigningAlg[] {
  return (PROFILES[profile] as Profile).anySigningAlg ? SIGNING_ALGS : SMART_SIGNING_ALGS;
}

/** The kind of key an algorithm signs with: RSA (RS*, PS*), EC (ES*, each on its curve) or OKP (EdDSA). */
export type KeyFamily = "RSA" | "EC" | "OKP";

export function keyFamily(alg: SigningAlg): KeyFamily {
  return alg === "EdDSA" ? "OKP" : alg.startsWith("ES") ? "EC" : "RSA";
}

/** A key family as test titles name it under the active profile. */
export interface KeyFamilySlot {
  readonly family: KeyFamily;
  /** SMART's own algorithm where the profile allows one per family (RS384, ES384); else RSA, ECDSA, EdDSA. */
  readonly name: string;
  /** The profile's one algorithm of this family, when it allows only one (SMART: RS384, ES384). */
  readonly alg?: SigningAlg;
}

/**
 * The key families the active profile's clients may hold, in a fixed order, each with the name its test
 * titles use: under SMART the profile's one algorithm of that family, so titles read "RS384" and "ES384";
 * under oauth-jwt the signature scheme, as the configured keys decide the algorithm at run time.
 * @example keyFamilySlots() // smart-v2: [{ family: "RSA", name: "RS384" }, { family: "EC", name: "ES384" }]
 */
export function keyFamilySlots(): readonly KeyFamilySlot[] {
  const allowed = signingAlgsFor(activeProfile().name);
  const scheme: Record<KeyFamily, string> = { RSA: "RSA", EC: "ECDSA", OKP: "EdDSA" };
  return (["RSA", "EC", "OKP"] as const).flatMap((family) => {
    const algs = allowed.filter((a) => keyFamily(a) === family);
    const [only, ...more] = algs;
    if (only === undefined) return [];
    return [more.length === 0 ? { family, name: only, alg: only } : { family, name: scheme[family] }];
  });
}

/**
 * How test titles name a key family under the active profile ({@link keyFamilySlots}).
 * @example familyName("EC") // "ES384" under smart-v2, "ECDSA" under oauth-jwt
 */
export function familyName(family: KeyFamily): string {
  return keyFamilySlots().find((s) => s.family === family)?.name ?? family;
}

/** One key per algorithm among `keys` (the first configured for each), of `family` when given, in config order. */
export function keysPerAlg(keys: readonly ClientKey[], family?: KeyFamily): ClientKey[] {
  return keys.filter(
    (k, i) =>
      (family === undefined || keyFamily(k.alg) === family) && keys.findIndex((o) => o.alg === k.alg) === i,
  );
}

/**
 * The key whose algorithm a test gives a fresh key it makes for the client (a rotated-in key, an attacker's
 * key): the client's first EC or EdDSA key, as those are made in a millisecond, else its first key; so the
 * fresh key uses an algorithm the server accepts from this client.
 */
export function templateKey(keys: readonly ClientKey[]): ClientKey | undefined {
  return keys.find((k) => keyFamily(k.alg) !== "RSA") ?? keys[0];
}

/**
 * What a client's keys are, by family and algorithm, for a skip reason.
 * @example describeKeys(keys) // "all RSA (PS256)" or "RSA (RS256) and EC (ES256)"
 */
export function describeKeys(keys: readonly ClientKey[]): string {
  const families = [...new Set(keys.map((k) => keyFamily(k.alg)))];
  const parts = families.map(
    (f) => `${f} (${[...new Set(keys.filter((k) => keyFamily(k.alg) === f).map((k) => k.alg))].join(", ")})`,
  );
  return `${families.length === 1 ? "all " : ""}${parts.join(" and ")}`;
}

/**
 * The skip reason of a variation the client's keys cannot make.
 * @example doesNotApply(keys, "DER encoding only exists for ECDSA signatures")
 * // "does not apply: the client's keys are all RSA (PS256); DER encoding only exists for ECDSA signatures"
 */
export function doesNotApply(keys: readonly ClientKey[], why: string): string {
  return `does not apply: the client's keys are ${describeKeys(keys)}; ${why}`;
}

/** The key type (and curve) an algorithm needs: RSA for RS/PS, EC on its curve for ES, OKP for EdDSA. */
function keyTypeFor(alg: SigningAlg): { kty: string; crv?: readonly string[] } {
  if (alg === "EdDSA") return { kty: "OKP", crv: ["Ed25519", "Ed448"] };
  if (alg === "ES256") return { kty: "EC", crv: ["P-256"] };
  if (alg === "ES384") return { kty: "EC", crv: ["P-384"] };
  if (alg === "ES512") return { kty: "EC", crv: ["P-521"] };
  return { kty: "RSA" };
}

/** The members that make a JWK private (RFC 7517/7518); none of them may ever leave the harness. */
export const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

export interface ClientKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateKey: KeyObject;
  /** Public JWK with kid, alg and use; safe to publish. */
  readonly publicJwk: JWK;
}

/**
 * A new key for `alg` (RSA 2048 bits, the ES algorithm's curve, Ed25519 for EdDSA) with kid = its RFC 7638
 * thumbprint, alg and use "sig".
 * @example const { key, privateJwk } = await generateClientKey("PS256");
 */
export async function generateClientKey(alg: SigningAlg): Promise<{ key: ClientKey; privateJwk: JWK }> {
  const { kty } = keyTypeFor(alg);
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(kty === "RSA" ? { modulusLength: 2048 } : alg === "EdDSA" ? { crv: "Ed25519" } : {}),
  });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk));
  const privateJwk: JWK = { ...jwk, kid, alg, use: "sig" };
  return { key: keyFromPrivateJwk(privateJwk, "generated key", SIGNING_ALGS), privateJwk };
}

/** Drops every private member: what may be registered with a server or served at a JWKS URL. */
export function publicPart(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_JWK_MEMBERS) delete copy[member];
  return copy;
}

export function publicJwks(keys: readonly ClientKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** A signing key from a private JWK whose alg is one of `allowed` (by default, what this run signs with). */
function keyFromPrivateJwk(
  jwk: JWK,
  where: string,
  allowed: readonly SigningAlg[] = signingAlgsFor(activeProfile().name),
): ClientKey {
  if (typeof jwk.kid !== "string" || jwk.kid === "") {
    throw new HarnessError("ERR_HARNESS_KEYS", `${where}: the key has no "kid"; every key must name its kid`);
  }
  const alg = jwk.alg;
  if (!isSigningAlg(alg) || !allowed.includes(alg)) {
    const expected =
      allowed === SMART_SIGNING_ALGS
        ? `"RS384" or "ES384"${isSigningAlg(alg) ? " (or run with --profile oauth-jwt)" : ""}`
        : `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`;
    throw new HarnessError(
      "ERR_HARNESS_KEYS",
      `${where}: key "${jwk.kid}" has "alg" ${JSON.stringify(jwk.alg)}; expected ${expected}`,
    );
  }
  if (typeof jwk.d !== "string") {
    throw new HarnessError(
      "ERR_HARNESS_KEYS",
      `${where}: key "${jwk.kid}" is a public key; a private JWK (with "d") is needed to sign assertions`,
    );
  }
  const expected = keyTypeFor(alg);
  if (jwk.kty !== expected.kty || (expected.crv !== undefined && !expected.crv.includes(String(jwk.crv)))) {
    throw new HarnessError(
      "ERR_HARNESS_KEYS",
      `${where}: key "${jwk.kid}" is kty ${String(jwk.kty)}${jwk.crv ? `/${jwk.crv}` : ""}, which cannot sign ${alg}`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: "jwk" });
  } catch (cause) {
    throw new HarnessError("ERR_HARNESS_KEYS", `${where}: key "${jwk.kid}" is not a valid private JWK`, {
      cause,
    });
  }
  const publicJwk: JWK = {
    ...(createPublicKey(privateKey).export({ format: "jwk" }) as JWK),
    kid: jwk.kid,
    alg,
    use: "sig",
  };
  return { kid: jwk.kid, alg, privateKey, publicJwk };
}

/**
 * Reads a JWKS file of private keys, checking each the way a config error should be reported; each key's
 * alg must be one of `allowed` (by default, what this run's profile signs with).
 */
export async function loadPrivateJwks(
  path: string,
  field: string,
  allowed?: readonly SigningAlg[],
): Promise<ClientKey[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new HarnessError(
      "ERR_HARNESS_KEYS",
      `${field}: cannot read ${path} (${(cause as Error).message})`,
      { cause },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new HarnessError(
      "ERR_HARNESS_KEYS",
      `${field}: ${path} is not JSON (${(cause as Error).message})`,
      { cause },
    );
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new HarnessError(
      "ERR_HARNESS_KEYS",
      `${field}: ${path} must be a JWK Set with a non-empty "keys" array`,
    );
  }
  const loaded = keys.map((jwk, i) =>
    keyFromPrivateJwk(jwk as JWK, `${field} (${path}) keys[${i}]`, allowed),
  );
  const kids = new Set<string>();
  for (const key of loaded) {
    if (kids.has(key.kid))
      throw new HarnessError("ERR_HARNESS_KEYS", `${field}: kid "${key.kid}" appears twice in ${path}`);
    kids.add(key.kid);
  }
  return loaded;
}

export function keyFor(keys: readonly ClientKey[], alg: SigningAlg): ClientKey | undefined {
  return keys.find((k) => k.alg === alg);
}
