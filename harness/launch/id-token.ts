/**
 * An id_token as OpenID Connect Core §3.1.3.7 has the client validate it: the signature by a key of the
 * server's published JWK Set (its `jwks_uri`, fetched through the test's recorded HTTP client), `iss` the
 * issuer, `aud` naming the client, `exp` in the future, `iat` a number not in the future (and `nonce` when
 * one was sent). Every problem is reported, not just the first, so a test makes one check of each.
 */
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet } from "jose";
import type { Check } from "../checks.ts";
import { jsonBody, type Exchange, type HttpClient } from "../http.ts";

/** What is checked of an id_token, each judged on its own. */
export type IdTokenItem = "signature" | "iss" | "aud" | "exp" | "iat" | "nonce";

/** The OpenID Connect Core reference of each item. */
export const ID_TOKEN_RULES: Readonly<Record<IdTokenItem, string>> = {
  signature: "OIDC Core §3.1.3.7 item 6",
  iss: "OIDC Core §3.1.3.7 item 2",
  aud: "OIDC Core §3.1.3.7 item 3",
  exp: "OIDC Core §3.1.3.7 item 9",
  iat: "OIDC Core §2 (iat)",
  nonce: "OIDC Core §3.1.3.7 item 11",
};

/** What a conformant id_token shows for each item. */
const EXPECTATIONS: Readonly<Record<IdTokenItem, string>> = {
  signature: "a JWS signed by a key of the server's jwks_uri",
  iss: "iss equal to the server's issuer",
  aud: "aud naming the client_id",
  exp: "a numeric exp in the future",
  iat: "a numeric iat not in the future",
  nonce: "nonce equal to the one sent",
};

export interface IdTokenVerification {
  /** The JOSE header, decoded (undefined when the token is not a JWS). */
  readonly header: Readonly<Record<string, unknown>> | undefined;
  /** The claims, decoded whether or not the signature holds (undefined when unreadable). */
  readonly claims: Readonly<Record<string, unknown>> | undefined;
  /** The problem found per item, for every item checked; undefined where it holds. */
  readonly problems: Readonly<Partial<Record<IdTokenItem, string>>>;
  /** The items checked (nonce only when a nonce was expected). */
  readonly checked: readonly IdTokenItem[];
  /** The exchange that fetched the JWK Set, when one was made. */
  readonly jwksExchange?: Exchange;
}

export interface IdTokenExpectations {
  /** The server's advertised jwks_uri; undefined: the signature is a problem ("no jwks_uri advertised"). */
  readonly jwksUri: string | undefined;
  /** The server's issuer identifier; undefined: iss is a problem ("no issuer advertised"). */
  readonly issuer: string | undefined;
  readonly clientId: string;
  readonly nonce?: string;
  /** Leeway for exp and iat, in seconds (default 5: clocks of one machine). */
  readonly leewaySeconds?: number;
  readonly now?: number;
}

function decoded<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * Verifies an id_token against what the server advertises.
 *
 * @example const v = await verifyIdToken(http, token, { jwksUri, issuer, clientId });
 *          v.problems.aud // undefined when aud names the client
 */
export async function verifyIdToken(
  http: HttpClient,
  idToken: string,
  expected: IdTokenExpectations,
): Promise<IdTokenVerification> {
  const header = decoded(() => decodeProtectedHeader(idToken) as Record<string, unknown>);
  const claims = decoded(() => decodeJwt(idToken) as Record<string, unknown>);
  const problems: Partial<Record<IdTokenItem, string>> = {};
  const now = expected.now ?? Math.floor(Date.now() / 1000);
  const leeway = expected.leewaySeconds ?? 5;
  let jwksExchange: Exchange | undefined;

  if (!header || !claims) {
    problems.signature = "the id_token is not a JWS with a JSON claims set";
  } else if (String(header.alg).toLowerCase() === "none") {
    problems.signature = 'the id_token is unsigned (alg "none")';
  } else if (expected.jwksUri === undefined) {
    problems.signature = "the server advertises no jwks_uri to verify it with";
  } else {
    jwksExchange = await http.get(
      expected.jwksUri,
      { accept: "application/json" },
      "server's JWK Set (jwks_uri)",
    );
    const jwks = jsonBody(jwksExchange) as JSONWebKeySet | undefined;
    if (jwksExchange.response.status !== 200 || !Array.isArray(jwks?.keys)) {
      problems.signature = `${expected.jwksUri} answered HTTP ${jwksExchange.response.status} without a JWK Set`;
    } else {
      try {
        await compactVerify(idToken, createLocalJWKSet(jwks));
      } catch (err) {
        const code = (err as { code?: string }).code;
        problems.signature =
          code === "ERR_JWKS_NO_MATCHING_KEY"
            ? `no key of ${expected.jwksUri} matches its header (kid ${JSON.stringify(header.kid)}, alg ${JSON.stringify(header.alg)})`
            : code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
              ? `the signature does not verify with the key of ${expected.jwksUri} that its header names`
              : `it does not verify: ${(err as Error).message}`;
      }
    }
  }

  if (claims) {
    const { iss, aud, exp, iat } = claims;
    if (expected.issuer === undefined) problems.iss = "the server advertises no issuer to compare iss with";
    else if (iss !== expected.issuer)
      problems.iss = `iss is ${JSON.stringify(iss)}, the issuer is ${expected.issuer}`;
    const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.includes(expected.clientId))
      problems.aud = `aud is ${JSON.stringify(aud)}, not naming the client ${expected.clientId}`;
    if (typeof exp !== "number") problems.exp = `exp is ${JSON.stringify(exp)}, not a number`;
    else if (exp <= now - leeway) problems.exp = `exp ${exp} is ${now - exp} s in the past`;
    if (typeof iat !== "number") problems.iat = `iat is ${JSON.stringify(iat)}, not a number`;
    else if (iat > now + leeway) problems.iat = `iat ${iat} is ${iat - now} s in the future`;
    if (expected.nonce !== undefined && claims.nonce !== expected.nonce)
      problems.nonce = `nonce is ${JSON.stringify(claims.nonce)}, the request sent ${JSON.stringify(expected.nonce)}`;
  } else {
    for (const item of ["iss", "aud", "exp", "iat"] as const) problems[item] = "the claims cannot be read";
    if (expected.nonce !== undefined) problems.nonce = "the claims cannot be read";
  }
  const checked: IdTokenItem[] = ["signature", "iss", "aud", "exp", "iat"];
  if (expected.nonce !== undefined) checked.push("nonce");
  return { header, claims, problems, checked, ...(jwksExchange ? { jwksExchange } : {}) };
}

/**
 * One check per item verified (or only those named), judging the token response that carried the
 * id_token.
 */
export function idTokenChecks(
  verification: IdTokenVerification,
  exchange: Exchange,
  items: readonly IdTokenItem[] = verification.checked,
): Check[] {
  return items.map((item) => ({
    rule: ID_TOKEN_RULES[item],
    expectation: EXPECTATIONS[item],
    evaluate: () => verification.problems[item],
    exchange,
  }));
}
