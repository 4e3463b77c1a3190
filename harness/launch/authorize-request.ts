/**
 * The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, SMART App Launch's `aud`) as named
 * parameters: a baseline valid by construction, from which a negative test leaves one out or replaces it,
 * and the redirect that ends it, read back into an outcome.
 */
import { randomBytes } from "node:crypto";
import type { FormParams } from "../http.ts";
import { pkcePair, type PkceMethod, type PkcePair } from "./pkce.ts";

/** Parameter changes: a string replaces (or adds) the parameter, `undefined` leaves it out. */
export type ParamChanges = Readonly<Record<string, string | undefined>>;

/** An authorization request as sent, with what the code exchange and the checks need from it. */
export interface AuthorizeRequest {
  /** The query parameters in order, exactly as sent. */
  readonly params: FormParams;
  /** The PKCE pair the request was built with (its verifier goes to the code exchange). */
  readonly pkce: PkcePair;
  /** The state sent, when one was. */
  readonly state: string | undefined;
  /** The redirect_uri sent, when one was (the code exchange repeats it). */
  readonly redirectUri: string | undefined;
}

/** What the browser's authorization ended with. */
export type AuthorizeOutcome =
  /** Redirected to the redirect URI with a code. */
  | {
      readonly kind: "code";
      readonly code: string;
      readonly state: string | undefined;
      /** The redirect URL, whole. */
      readonly url: string;
    }
  /** Redirected to the redirect URI with an error (RFC 6749 §4.1.2.1); `error` is "" when it carried none. */
  | {
      readonly kind: "error";
      readonly error: string;
      readonly description: string | undefined;
      readonly state: string | undefined;
      readonly url: string;
    }
  /** The server answered with a page and never redirected (e.g. a 400 page for an unknown redirect_uri). */
  | { readonly kind: "page"; readonly status: number; readonly url: string };

/** A state value: 16 random bytes, base64url. */
export function freshState(): string {
  return randomBytes(16).toString("base64url");
}

/** Applies changes to parameters: replaced in place, added at the end, or (undefined) left out. */
export function changedParams(params: FormParams, changes: ParamChanges = {}): FormParams {
  const out: (readonly [string, string])[] = [];
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (!Object.hasOwn(changes, name)) {
      out.push([name, value]);
      continue;
    }
    if (seen.has(name)) continue;
    seen.add(name);
    const changed = changes[name];
    if (changed !== undefined) out.push([name, changed]);
  }
  for (const [name, value] of Object.entries(changes))
    if (!seen.has(name) && value !== undefined && !params.some(([k]) => k === name)) out.push([name, value]);
  return out;
}

/**
 * A valid authorization request for a standalone launch: response_type=code, client_id, redirect_uri,
 * scope, state, aud (the FHIR base), code_challenge and code_challenge_method; then `changes` applied.
 *
 * @example authorizeRequest({ ...base, changes: { code_challenge: undefined } }) // PKCE left out
 */
export function authorizeRequest(input: {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly aud: string | undefined;
  /** S256 (default), plain, or a pair made beforehand. */
  readonly pkce?: PkceMethod | PkcePair;
  readonly changes?: ParamChanges;
}): AuthorizeRequest {
  const pkce = typeof input.pkce === "object" ? input.pkce : pkcePair(input.pkce ?? "S256");
  const params = changedParams(
    [
      ["response_type", "code"],
      ["client_id", input.clientId],
      ["redirect_uri", input.redirectUri],
      ["scope", input.scope],
      ["state", freshState()],
      ...(input.aud === undefined ? [] : [["aud", input.aud] as const]),
      ["code_challenge", pkce.challenge],
      ["code_challenge_method", pkce.method],
    ],
    input.changes,
  );
  const value = (name: string) => params.find(([k]) => k === name)?.[1];
  return { params, pkce, state: value("state"), redirectUri: value("redirect_uri") };
}

/** The authorization endpoint's URL with the request's parameters added to its own query (RFC 6749 §3.1). */
export function authorizeUrl(endpoint: string, params: FormParams): string {
  const url = new URL(endpoint);
  for (const [name, value] of params) url.searchParams.append(name, value);
  return url.href;
}

/** True when `url` is the redirect URI (same scheme, host, port and path; the query is the server's). */
export function isRedirectTo(url: string, redirectUri: string): boolean {
  if (!URL.canParse(url) || !URL.canParse(redirectUri)) return false;
  const a = new URL(url);
  const b = new URL(redirectUri);
  return a.origin === b.origin && a.pathname === b.pathname;
}

/** The outcome a redirect to the redirect URI carries (RFC 6749 §4.1.2 and §4.1.2.1). */
export function redirectOutcome(url: string): AuthorizeOutcome {
  const query = new URL(url).searchParams;
  const state = query.get("state") ?? undefined;
  const code = query.get("code");
  if (code !== null && !query.has("error")) return { kind: "code", code, state, url };
  return {
    kind: "error",
    error: query.get("error") ?? "",
    description: query.get("error_description") ?? undefined,
    state,
    url,
  };
}
