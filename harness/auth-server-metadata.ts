/**
 * Authorization server metadata outside SMART: RFC 8414 `/.well-known/oauth-authorization-server` and
 * OpenID Connect Discovery `/.well-known/openid-configuration`, read from an issuer (config `issuer`, else
 * the token endpoint's origin). The oauth-jwt profile takes the token endpoint and the accepted signing
 * algorithms from it when the server has no SMART discovery document.
 */
import { responseObject } from "./checks.ts";
import type { HttpClient } from "./http.ts";

/** A metadata document the server serves, and the URL it came from. */
export interface AuthServerMetadata {
  readonly url: string;
  readonly document: Readonly<Record<string, unknown>>;
}

/**
 * The metadata URLs of `issuer`, in the order they are tried. RFC 8414 §3 inserts the well-known segment
 * between the host and the issuer's path (`https://as.example/tenant` →
 * `https://as.example/.well-known/oauth-authorization-server/tenant`); OpenID Connect Discovery §4 appends
 * it to the issuer (`https://as.example/tenant/.well-known/openid-configuration`).
 *
 * @example metadataUrls("https://as.example/") // ["https://as.example/.well-known/oauth-authorization-server", "https://as.example/.well-known/openid-configuration"]
 */
export function metadataUrls(issuer: string): readonly string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, "");
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** The first metadata document `issuer` serves (HTTP 200 with a JSON object), or undefined when none. */
export async function fetchAuthServerMetadata(
  http: HttpClient,
  issuer: string,
): Promise<AuthServerMetadata | undefined> {
  for (const url of metadataUrls(issuer)) {
    const ex = await http.get(url, { accept: "application/json" }, "authorization server metadata");
    const document = responseObject(ex);
    if (ex.response.status === 200 && document) return { url, document };
  }
  return undefined;
}

/** A member of a metadata document that is an array of strings, or undefined when it is not one. */
export function stringList(document: Readonly<Record<string, unknown>>, name: string): string[] | undefined {
  const value = document[name];
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}
