/**
 * The client's key set as the judge sees it (registered inline, or what its JWKS URL served) and what the
 * checks ask of it: private members, kids, RSA modulus size, and whether an assertion's signature verifies
 * with the key its kid names.
 */
import { compactVerify, importJWK, type JWK } from "jose";
import { PRIVATE_JWK_MEMBERS } from "../keys.ts";
import type { ClientJudgement } from "./client-check.ts";
import type { JudgedSession } from "./judged-session.ts";
import type { ClientSession, DecodedAssertion } from "./session.ts";

export type Jwk = Readonly<Record<string, unknown>>;

export interface KeySetView {
  /** Where the keys came from, for findings: "the registered JWK Set" or the URL. */
  readonly source: string;
  readonly keys?: readonly Jwk[];
  /** Why there is no key set to judge (the URL failed, served no JSON, …). */
  readonly problem?: string;
}

function parseKeySet(text: string | undefined): readonly Jwk[] | undefined {
  try {
    const value = JSON.parse(text ?? "") as { keys?: unknown };
    return Array.isArray(value.keys) && value.keys.every((k) => typeof k === "object" && k !== null)
      ? (value.keys as Jwk[])
      : undefined;
  } catch {
    return undefined;
  }
}

/** The key set the client registered: inline, or the last thing its JWKS URL served. */
export function clientKeySet(session: ClientSession): KeySetView {
  const { registration } = session;
  if (registration.jwks) return { source: "the registered JWK Set", keys: registration.jwks.keys };
  const url = registration.jwksUrl ?? "";
  const fetched = session.jwksFetches.at(-1);
  if (!fetched) return { source: url, problem: `the judge never fetched ${url} (no token request)` };
  if (fetched.error) return { source: url, problem: `fetching ${url} failed: ${fetched.error}` };
  if (fetched.status !== 200) return { source: url, problem: `${url} answered HTTP ${fetched.status}` };
  const keys = parseKeySet(fetched.body);
  return keys
    ? { source: url, keys }
    : { source: url, problem: `${url} served no JSON object with a "keys" array` };
}

/**
 * A check's judge over the client's key set: skipped with the reason when there is none to judge (inline or
 * fetched from its URL), otherwise `judge` with the keys and where they came from.
 *
 * @example
 * judge: overKeySet((keys, source) => ({ attach: [], checks: [...] })),
 */
export function overKeySet(
  judge: (keys: readonly Jwk[], source: string) => ClientJudgement,
): (judged: JudgedSession) => ClientJudgement {
  return (judged) => {
    const keySet = clientKeySet(judged.session);
    return keySet.keys ? judge(keySet.keys, keySet.source) : { skip: keySet.problem ?? "" };
  };
}

export function privateMembers(jwk: Jwk): string[] {
  return PRIVATE_JWK_MEMBERS.filter((m) => m in jwk);
}

/** The RSA modulus length in bits (from n), undefined for other key types or a malformed n. */
export function rsaModulusBits(jwk: Jwk): number | undefined {
  if (jwk.kty !== "RSA" || typeof jwk.n !== "string") return undefined;
  const n = Buffer.from(jwk.n, "base64url");
  let leading = 0;
  while (leading < n.length && n[leading] === 0) leading++;
  const first = n[leading];
  if (first === undefined) return 0;
  return (n.length - leading - 1) * 8 + (32 - Math.clz32(first));
}

const ECDSA_SIGNATURE_LENGTH: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };

/**
 * The length of an ECDSA signature as JOSE encodes it, R‖S at the curve's width (RFC 7518 §3.4); undefined
 * for other algorithms.
 * @example ecdsaSignatureLength("ES384") // 96
 */
export function ecdsaSignatureLength(alg: string): number | undefined {
  return Object.hasOwn(ECDSA_SIGNATURE_LENGTH, alg) ? ECDSA_SIGNATURE_LENGTH[alg] : undefined;
}

/** An ECDSA signature in ASN.1 DER (SEQUENCE of two INTEGERs) rather than JOSE's fixed-width R‖S. */
export function looksLikeDer(signature: Uint8Array, alg: string): boolean {
  const width = ecdsaSignatureLength(alg);
  if (width === undefined || signature.length === width) return false;
  return signature[0] === 0x30 && signature[2] === 0x02;
}

export type SignatureVerdict =
  { readonly ok: true; readonly kid: string } | { readonly ok: false; readonly problem: string };

/** Verifies the assertion with the key its kid names in the set (the alg the header states). */
export async function verifyWithKeySet(
  assertion: DecodedAssertion,
  keys: readonly Jwk[],
): Promise<SignatureVerdict> {
  const alg = assertion.header?.alg;
  const kid = assertion.header?.kid;
  if (typeof alg !== "string") return { ok: false, problem: "the header has no alg" };
  if (alg.toLowerCase() === "none") return { ok: false, problem: "alg none: the assertion is unsigned" };
  if (typeof kid !== "string") return { ok: false, problem: "the header has no kid to find the key by" };
  const candidates = keys.filter((k) => k.kid === kid);
  if (candidates.length === 0) return { ok: false, problem: `no key with kid "${kid}" in the set` };
  const failures: string[] = [];
  for (const jwk of candidates) {
    try {
      const key = await importJWK(
        Object.fromEntries(
          Object.entries(jwk).filter(([k]) => !(PRIVATE_JWK_MEMBERS as readonly string[]).includes(k)),
        ) as JWK,
        alg,
      );
      await compactVerify(assertion.compact, key, { algorithms: [alg] });
      return { ok: true, kid };
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  return { ok: false, problem: `it does not verify with key "${kid}" as ${alg}: ${failures.join("; ")}` };
}
