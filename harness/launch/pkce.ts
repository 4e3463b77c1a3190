/**
 * RFC 7636 Proof Key for Code Exchange: a code verifier and the code challenge derived from it, by `S256`
 * (SHA-256, base64url) or `plain` (the verifier itself, for the tests that send plain and expect a refusal).
 */
import { createHash, randomBytes } from "node:crypto";

export type PkceMethod = "S256" | "plain";

export interface PkcePair {
  /** The code_verifier the code exchange sends (RFC 7636 §4.1: 43 to 128 unreserved characters). */
  readonly verifier: string;
  /** The code_challenge the authorization request sends. */
  readonly challenge: string;
  /** The code_challenge_method the authorization request sends. */
  readonly method: PkceMethod;
}

/** A fresh code verifier: 32 random bytes, base64url (43 characters), as RFC 7636 §4.1 recommends. */
export function codeVerifier(): string {
  return randomBytes(32).toString("base64url");
}

/** The S256 code challenge of a verifier: BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2). */
export function s256Challenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/**
 * A verifier and its challenge.
 *
 * @example const { verifier, challenge } = pkcePair(); // S256
 * @example pkcePair("plain").challenge === pkcePair("plain").verifier // (each call: a new verifier)
 */
export function pkcePair(method: PkceMethod = "S256", verifier = codeVerifier()): PkcePair {
  return { verifier, challenge: method === "S256" ? s256Challenge(verifier) : verifier, method };
}
