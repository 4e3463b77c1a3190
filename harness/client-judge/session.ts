/**
 * What the judge saw of a client's session: every request the client sent to the judge's origins, what the
 * judge answered, and what the client's JWKS URL served. The client checks (suites/client/) judge this
 * record; it is written to a private temporary file between the session and the checks (it holds the
 * client's assertions and the tokens the judge issued, so it never goes under reports/).
 */
import { readFileSync } from "node:fs";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { HarnessError } from "../errors.ts";

export const CLIENT_SESSION_ENV = "SMART_CLIENT_SESSION";

/** The member every judge token response gains: a client must ignore what it does not know (RFC 6749 §5.1). */
export const UNKNOWN_TOKEN_MEMBER = "judge_extension";
/** The id of the search entry the judge places on its foreign origin. */
export const FOREIGN_ENTRY_ID = "on-another-server";

/** Header values as Node gives them (lower-case names; repeated headers as arrays). */
export type RawHeaders = Readonly<Record<string, string | readonly string[]>>;

export interface ObservedRequest {
  /** Order of arrival, from 1. */
  readonly seq: number;
  /** Milliseconds since the session started. */
  readonly atMs: number;
  /**
   * Which of the judge's origins received it: its own, the "foreign" origin search results point at, or
   * the "storage" origin that serves the files of Bulk Data exports whose manifest needs no token.
   */
  readonly origin: "judge" | "foreign" | "storage";
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: RawHeaders;
  /** The body as UTF-8 text (absent when empty). */
  readonly body?: string;
  readonly response: {
    readonly status: number;
    readonly headers: RawHeaders;
    readonly body?: string;
  };
}

export interface JwksFetch {
  readonly atMs: number;
  readonly url: string;
  readonly status?: number;
  readonly headers?: RawHeaders;
  readonly body?: string;
  /** Why no response was read (refused, timed out, …). */
  readonly error?: string;
}

/**
 * A TLS connection to one of the judge's https origins (--tls) that the client gave up on: a handshake it
 * aborted (Node's tlsClientError on the server), or a completed one it closed without a request.
 */
export interface AbortedHandshake {
  readonly atMs: number;
  readonly origin: ObservedRequest["origin"];
  readonly stage: "handshake" | "no-request";
  /** The error code of a failed handshake: ECONNRESET, ERR_SSL_TLSV1_ALERT_UNKNOWN_CA (the alert), … */
  readonly code?: string;
  readonly message: string;
  /** The TLS version of a completed handshake. */
  readonly protocol?: string;
}

/** What the judge served over https, when it did (--tls). */
export interface TlsRecord {
  /** The CA the client was given (SMART_CA_FILE), which issued the judge's certificate. */
  readonly trustedCa: string;
  /** The CA of the foreign origin's certificate, which the client was not given. */
  readonly untrustedCa: string;
  readonly abortedHandshakes: readonly AbortedHandshake[];
}

export interface ClientRegistrationRecord {
  readonly clientId: string;
  readonly scope: string;
  /** Inline registration: the key set as given (judged for private members too). */
  readonly jwks?: { readonly keys: readonly Record<string, unknown>[] };
  readonly jwksUrl?: string;
}

export interface ClientSession {
  readonly version: 1;
  readonly registration: ClientRegistrationRecord;
  readonly judge: {
    readonly fhirBaseUrl: string;
    readonly tokenUrl: string;
    readonly foreignOrigin: string;
    /** The origin serving the files of exports whose manifest says requiresAccessToken: false (bulk-export.ts). */
    readonly storageOrigin?: string;
    readonly tokenLifetimeSeconds: number;
    /** The signing algorithms the judge accepts (RS384/ES384, or the oauth-jwt profile's). */
    readonly algorithms: readonly string[];
    /**
     * Present when the judge ran with --lenient: it issued a token to every request whose assertion's
     * signature verified with a registered key, whatever else was wrong (absent: strict).
     */
    readonly lenient?: boolean;
    readonly startedAt: string;
    readonly durationMs: number;
  };
  /** The command the judge ran as the client, if any. */
  readonly command?: {
    readonly argv: readonly string[];
    readonly exitCode: number | null;
    readonly signal: string | null;
    readonly timedOut: boolean;
    /** The last lines the command wrote to stderr (for "the client crashed" diagnostics). */
    readonly stderrTail: string;
    /** Why the command could not be started at all (ENOENT, EACCES, …): then nothing was judged. */
    readonly startError?: string;
  };
  readonly requests: readonly ObservedRequest[];
  readonly jwksFetches: readonly JwksFetch[];
  /** Present when the judge served https (--tls); its origins are then https URLs. */
  readonly tls?: TlsRecord;
}

export function readClientSession(path = process.env[CLIENT_SESSION_ENV]): ClientSession {
  if (!path) {
    throw new HarnessError(
      "ERR_HARNESS_INTERNAL",
      `${CLIENT_SESSION_ENV} is not set: run the client checks through npm run client-check`,
    );
  }
  const session = JSON.parse(readFileSync(path, "utf8")) as ClientSession;
  if (session.version !== 1) {
    throw new HarnessError("ERR_HARNESS_INTERNAL", `${path}: unknown client session version`);
  }
  return session;
}

/** One header's value(s) as a list (absent: empty). */
export function headerValues(headers: RawHeaders, name: string): string[] {
  const value = headers[name.toLowerCase()];
  return value === undefined ? [] : typeof value === "string" ? [value] : [...value];
}

export function firstHeader(headers: RawHeaders, name: string): string | undefined {
  return headerValues(headers, name)[0];
}

export function pathOf(request: ObservedRequest): string {
  const q = request.url.indexOf("?");
  return q >= 0 ? request.url.slice(0, q) : request.url;
}

export function queryOf(request: ObservedRequest): URLSearchParams {
  const q = request.url.indexOf("?");
  return new URLSearchParams(q >= 0 ? request.url.slice(q + 1) : "");
}

/** The request's form parameters in order, repeats kept (an unparseable or non-form body gives none). */
export function formPairs(request: ObservedRequest): [string, string][] {
  return request.body === undefined ? [] : [...new URLSearchParams(request.body)];
}

export function formParam(request: ObservedRequest, name: string): string | undefined {
  return formPairs(request).find(([k]) => k === name)?.[1];
}

export interface DecodedAssertion {
  readonly compact: string;
  readonly header?: Record<string, unknown>;
  readonly claims?: Record<string, unknown>;
  /** The signature segment, decoded (its length tells JOSE R‖S from DER for ECDSA). */
  readonly signature?: Uint8Array;
  /** Why it could not be decoded. */
  readonly error?: string;
}

export function decodeAssertion(compact: string): DecodedAssertion {
  const parts = compact.split(".");
  if (parts.length !== 3) return { compact, error: `not a compact JWS (${parts.length} segments)` };
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(compact);
  } catch (err) {
    return { compact, error: `the header does not decode: ${(err as Error).message}` };
  }
  try {
    claims = decodeJwt(compact);
  } catch (err) {
    return { compact, header, error: `the claims do not decode: ${(err as Error).message}` };
  }
  return { compact, header, claims, signature: Buffer.from(parts[2] ?? "", "base64url") };
}
