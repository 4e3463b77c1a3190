/**
 * Client keys: generation (RS384 on RSA-2048, ES384 on P-384), the kid as the RFC 7638 thumbprint, and
 * loading a private JWKS file with the checks a config needs (every key private, with kid and alg).
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { HarnessError } from "./errors.ts";

/** SMART's two algorithms, then the generic ones the oauth-jwt profile also signs with. */
export type SigningAlg = "RS384" | "ES384" | "PS256" | "PS384" | "RS256" | "ES256";
export const SIGNING_ALGS: readonly SigningAlg[] = ["RS384", "ES384"];
export const GENERIC_SIGNING_ALGS: readonly SigningAlg[] = [
  ...SIGNING_ALGS,
  "PS256",
  "PS384",
  "RS256",
  "ES256",
];

/** A SMART signing algorithm (RS384, ES384). */
export function isSigningAlg(value: unknown): value is SigningAlg {
  return value === "RS384" || value === "ES384";
}

/** Whether the run signs with `value`: SMART's algorithms, or the generic ones under the oauth-jwt profile. */
function allowedAlg(value: unknown): value is SigningAlg {
  const generic = process.env.SMART_PROFILE === "oauth-jwt";
  return (generic ? GENERIC_SIGNING_ALGS : SIGNING_ALGS).includes(value as SigningAlg);
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

export async function generateClientKey(alg: SigningAlg): Promise<{ key: ClientKey; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg.startsWith("ES") ? {} : { modulusLength: 2048 }),
  });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk));
  const privateJwk: JWK = { ...jwk, kid, alg, use: "sig" };
  return { key: keyFromPrivateJwk(privateJwk, "generated key"), privateJwk };
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

function keyFromPrivateJwk(jwk: JWK, where: string): ClientKey {
  if (typeof jwk.kid !== "string" || jwk.kid === "") {
    throw new HarnessError("ERR_HARNESS_KEYS", `${where}: the key has no "kid"; every key must name its kid`);
  }
  const alg = jwk.alg;
  if (!allowedAlg(alg)) {
    const generic =
      isSigningAlg(alg) || !GENERIC_SIGNING_ALGS.includes(alg as SigningAlg)
        ? ""
        : " (or run with --profile oauth-jwt)";
    throw new HarnessError(
      "ERR_HARNESS_KEYS",
      `${where}: key "${jwk.kid}" has "alg" ${JSON.stringify(jwk.alg)}; expected "RS384" or "ES384"${generic}`,
    );
  }
  if (typeof jwk.d !== "string") {
    throw new HarnessError(
      "ERR_HARNESS_KEYS",
      `${where}: key "${jwk.kid}" is a public key; a private JWK (with "d") is needed to sign assertions`,
    );
  }
  const expectedKty = alg.startsWith("ES") ? "EC" : "RSA";
  const expectedCrv = alg === "ES384" ? "P-384" : alg === "ES256" ? "P-256" : undefined;
  if (jwk.kty !== expectedKty || (expectedCrv !== undefined && jwk.crv !== expectedCrv)) {
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
