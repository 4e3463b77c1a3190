/**
 * Client assertions (RFC 7523 JWTs) built from a baseline that is valid by construction, with small named
 * mutations on top. Signing is done by hand over the compact serialisation, so a mutation can put anything
 * in the header (alg none, an HMAC alg, crit, a jku) and the harness still controls every byte; the unit
 * tests verify the baseline with jose, an independent JOSE implementation.
 */
import { constants, createHmac, randomBytes, sign as cryptoSign, type KeyObject } from "node:crypto";
import type { ClientKey } from "./keys.ts";

export type JsonObject = Record<string, unknown>;
/** Produces the signature bytes for a JWS signing input (`base64url(header).base64url(payload)`). */
export type Signer = (signingInput: Buffer) => Buffer;

export interface AssertionDraft {
  readonly header: JsonObject;
  readonly claims: JsonObject;
  /** When set, the exact payload JSON text signed instead of `claims` (e.g. duplicate member names). */
  readonly rawPayload?: string;
  readonly signer: Signer;
  /** Seconds since the epoch at which the draft was made; mutations use it for relative times. */
  readonly now: number;
  /** Rewrites of the finished compact serialisation (tampering after signing). */
  readonly afterSigning: readonly ((compact: string) => string)[];
}

export type Mutation = (draft: AssertionDraft) => AssertionDraft;

export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** The longest lifetime the baseline gives an assertion; SMART caps it at 300 s, we leave room for skew. */
export const BASELINE_LIFETIME_SECONDS = 240;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function freshJti(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * A SMART-conformant assertion: header {alg, kid, typ: "JWT"}; claims iss = sub = client_id,
 * aud = token URL, exp = now + 240 s, fresh jti. A server with rules of its own (config `assertion`) gets
 * its `aud` and its `lifetimeSeconds` instead.
 */
export function baselineAssertion(options: {
  clientId: string;
  tokenUrl: string;
  key: ClientKey;
  now?: number;
  /** The aud the server requires, when it is not the token URL. */
  aud?: string;
  /** exp − now, when not {@link BASELINE_LIFETIME_SECONDS}. */
  lifetimeSeconds?: number;
}): AssertionDraft {
  const now = options.now ?? nowSeconds();
  return {
    header: { alg: options.key.alg, kid: options.key.kid, typ: "JWT" },
    claims: {
      iss: options.clientId,
      sub: options.clientId,
      aud: options.aud ?? options.tokenUrl,
      exp: now + (options.lifetimeSeconds ?? BASELINE_LIFETIME_SECONDS),
      jti: freshJti(),
    },
    signer: keySigner(options.key.alg, options.key.privateKey),
    now,
    afterSigning: [],
  };
}

export function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

export function serialize(draft: AssertionDraft): string {
  const input = `${b64url(JSON.stringify(draft.header))}.${b64url(draft.rawPayload ?? JSON.stringify(draft.claims))}`;
  const signature = draft.signer(Buffer.from(input, "ascii"));
  return draft.afterSigning.reduce((compact, rewrite) => rewrite(compact), `${input}.${b64url(signature)}`);
}

export function build(draft: AssertionDraft, ...mutations: readonly Mutation[]): string {
  return serialize(mutations.reduce((d, m) => m(d), draft));
}

// --- signers -------------------------------------------------------------------------------------

export type SignatureAlg =
  "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512" | "EdDSA";

/**
 * Signs as `alg` with `privateKey` (RSASSA-PKCS1-v1_5, RSASSA-PSS, ECDSA or EdDSA; ECDSA as JOSE R||S unless
 * DER is asked for).
 */
export function keySigner(
  alg: SignatureAlg,
  privateKey: KeyObject,
  ecdsaEncoding: "ieee-p1363" | "der" = "ieee-p1363",
): Signer {
  // EdDSA hashes internally (RFC 8032): no digest is named.
  if (alg === "EdDSA") return (input) => cryptoSign(null, input, privateKey);
  const bits = Number(alg.slice(2));
  const hash = `sha${bits}`;
  if (alg.startsWith("PS")) {
    return (input) =>
      cryptoSign(hash, input, {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: bits / 8,
      });
  }
  return alg.startsWith("RS")
    ? (input) => cryptoSign(hash, input, privateKey)
    : (input) => cryptoSign(hash, input, { key: privateKey, dsaEncoding: ecdsaEncoding });
}

export function hmacSigner(hash: "sha256" | "sha384", secret: string | Buffer): Signer {
  return (input) => createHmac(hash, secret).update(input).digest();
}

export const emptySigner: Signer = () => Buffer.alloc(0);

// --- mutations -----------------------------------------------------------------------------------

export const withClaim =
  (name: string, value: unknown): Mutation =>
  (d) => ({ ...d, claims: { ...d.claims, [name]: value } });

export const withoutClaim =
  (name: string): Mutation =>
  (d) => {
    const claims = { ...d.claims };
    delete claims[name];
    return { ...d, claims };
  };

export const withHeader =
  (name: string, value: unknown): Mutation =>
  (d) => ({ ...d, header: { ...d.header, [name]: value } });

export const withoutHeader =
  (name: string): Mutation =>
  (d) => {
    const header = { ...d.header };
    delete header[name];
    return { ...d, header };
  };

/** Signs this exact payload text, built from the claims (e.g. to repeat a member name). */
export const withRawPayload =
  (render: (claims: JsonObject) => string): Mutation =>
  (d) => ({ ...d, rawPayload: render(d.claims) });

/** Replaces the compact serialisation entirely (malformed JWS shapes). */
export const replacedBy =
  (render: (compact: string) => string): Mutation =>
  (d) => ({ ...d, afterSigning: [...d.afterSigning, render] });

/** exp `seconds` in the past, relative to the draft's clock. */
export const expiredBy =
  (seconds: number): Mutation =>
  (d) =>
    withClaim("exp", d.now - seconds)(d);

export const withAudience = (aud: unknown): Mutation => withClaim("aud", aud);

export const signedBy =
  (signer: Signer): Mutation =>
  (d) => ({ ...d, signer });

/** Signed correctly, then one payload claim changed while the old signature is kept. */
export const tamperedClaim =
  (name: string, value: unknown): Mutation =>
  (d) => ({
    ...d,
    afterSigning: [
      ...d.afterSigning,
      (compact) => {
        const [h, , s] = compact.split(".");
        return `${h}.${b64url(JSON.stringify({ ...d.claims, [name]: value }))}.${s}`;
      },
    ],
  });

/** Signed correctly, then one bit of the signature flipped. */
export const corruptedSignature: Mutation = (d) => ({
  ...d,
  afterSigning: [
    ...d.afterSigning,
    (compact) => {
      const [h, p, s = ""] = compact.split(".");
      const sig = Buffer.from(s, "base64url");
      sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 0x01;
      return `${h}.${p}.${b64url(sig)}`;
    },
  ],
});

/** Decodes a compact JWS's header and payload for display; undefined when it is not one. */
export function decodeCompact(compact: string): { header: unknown; claims: unknown } | undefined {
  const parts = compact.split(".");
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0] ?? "", "base64url").toString("utf8")),
      claims: JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8")),
    };
  } catch {
    return undefined;
  }
}
