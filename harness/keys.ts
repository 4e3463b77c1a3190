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

/** Reads a JWKS file of private keys, checking each the way a config error should be reported. */
export async function loadPrivateJwks(path: string, field: string): Promise<ClientKey[]> {
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
  const loaded = keys.map((jwk, i) => keyFromPrivateJwk(jwk as JWK, `${field} (${path}) keys[${i}]`));
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
