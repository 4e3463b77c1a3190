/**
 * The token requests of a launch as form parameters a test can edit: the authorization code exchange
 * (RFC 6749 §4.1.3, RFC 7636 §4.5) and the refresh (RFC 6749 §6), each authenticated by the client's signed
 * assertion (RFC 7523 §2.2) as for client_credentials. Parameter changes work as for the authorization
 * request: a string replaces (or adds), `undefined` leaves out.
 */
import { JWT_BEARER } from "../assertion.ts";
import type { FormParams } from "../http.ts";
import { changedParams, type ParamChanges } from "./authorize-request.ts";

/**
 * grant_type=authorization_code with code, redirect_uri, code_verifier and the client's assertion
 * (client_id too when the server's clients send it).
 *
 * @example codeExchangeParams({ code, redirectUri, verifier, assertion }, { code_verifier: undefined })
 */
export function codeExchangeParams(
  input: {
    readonly code: string;
    readonly redirectUri: string | undefined;
    readonly verifier: string;
    readonly assertion: string;
    /** Sent as client_id when given (config assertion.clientIdParameter). */
    readonly clientId?: string;
  },
  changes: ParamChanges = {},
): FormParams {
  return changedParams(
    [
      ["grant_type", "authorization_code"],
      ["code", input.code],
      ...(input.redirectUri === undefined ? [] : [["redirect_uri", input.redirectUri] as const]),
      ["code_verifier", input.verifier],
      ...clientAuthentication(input),
    ],
    changes,
  );
}

/** grant_type=refresh_token with the refresh token, the client's assertion and an optional narrower scope. */
export function refreshParams(
  input: {
    readonly refreshToken: string;
    readonly assertion: string;
    readonly scope?: string;
    readonly clientId?: string;
  },
  changes: ParamChanges = {},
): FormParams {
  return changedParams(
    [
      ["grant_type", "refresh_token"],
      ["refresh_token", input.refreshToken],
      ...(input.scope === undefined ? [] : [["scope", input.scope] as const]),
      ...clientAuthentication(input),
    ],
    changes,
  );
}

/** Last in every launch token request: client_id where the server asks for it, then the client's assertion. */
function clientAuthentication(input: { readonly clientId?: string; readonly assertion: string }): FormParams {
  return [
    ...(input.clientId === undefined ? [] : [["client_id", input.clientId] as const]),
    ["client_assertion_type", JWT_BEARER],
    ["client_assertion", input.assertion],
  ];
}
