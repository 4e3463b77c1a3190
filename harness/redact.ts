/**
 * Keeps secrets out of reports. Private keys never reach an exchange at all; what does travel is bearer
 * material: client assertions, access and refresh tokens, id_tokens, authorization codes and PKCE
 * verifiers. A Redactor learns every such value it sees and replaces it wherever it appears with a
 * shortened form that is recognisable but unusable. Set SMART_REVEAL_SECRETS=1 to see them whole.
 */
import { createHash } from "node:crypto";
import type { Exchange, RecordedRequest, RecordedResponse } from "./http.ts";

export function revealSecrets(): boolean {
  return process.env.SMART_REVEAL_SECRETS === "1";
}

/** A JWS keeps its readable header and payload and loses its signature; anything else keeps 4 characters. */
export function shorten(secret: string): string {
  const digest = createHash("sha256").update(secret).digest("hex").slice(0, 8);
  const parts = secret.split(".");
  if (parts.length === 3 && parts[0]?.startsWith("eyJ")) {
    return `${parts[0]}.${parts[1]}.<signature removed: ${parts[2]?.length ?? 0} chars, sha256 ${digest}>`;
  }
  return `${secret.slice(0, 4)}…<${secret.length} chars, sha256 ${digest}>`;
}

const SECRET_FORM_PARAMS = ["client_assertion", "access_token", "token", "refresh_token", "code_verifier"];
/**
 * An authorization code is bearer material until used; `code` is also an everyday parameter name (a FHIR
 * search by code), so it is learnt only where it is a code: in an authorization_code grant and in a
 * Location header (the redirect that delivers it).
 */
const CODE_PARAM = "code";
const SECRET_JSON_MEMBERS = ["access_token", "refresh_token", "id_token"];
const SIGNED_JWT = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{16,}/g;

/** String values of the named top-level members of a JSON object body. */
function jsonMembers(body: string | undefined, names: readonly string[]): string[] {
  if (!body) return [];
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
    const record = value as Record<string, unknown>;
    return names.flatMap((name) => (typeof record[name] === "string" ? [record[name]] : []));
  } catch {
    return []; // not JSON: nothing to learn
  }
}

export class Redactor {
  private readonly secrets = new Set<string>();

  constructor(private readonly reveal = revealSecrets()) {}

  /** True when secrets are shown whole (SMART_REVEAL_SECRETS=1). */
  get reveals(): boolean {
    return this.reveal;
  }

  /** Registers a value that must not appear whole in a report. */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  /** Learns the bearer material an exchange carries (assertions sent, tokens received or presented). */
  learn(exchange: Exchange): void {
    const auth = exchange.request.headers.authorization ?? exchange.request.headers.Authorization;
    if (auth) this.add(auth.replace(/^\s*\S+\s+/, "").trim());
    for (const source of [exchange.request.body ?? "", new URL(exchange.request.url).search.slice(1)]) {
      const params = new URLSearchParams(source);
      for (const name of SECRET_FORM_PARAMS) for (const v of params.getAll(name)) this.add(v);
      if (params.get("grant_type") === "authorization_code")
        for (const v of params.getAll(CODE_PARAM)) this.add(v);
    }
    const location = exchange.response.headers.location;
    if (location !== undefined && URL.canParse(location, exchange.request.url)) {
      const params = new URL(location, exchange.request.url).searchParams;
      for (const name of [CODE_PARAM, ...SECRET_FORM_PARAMS])
        for (const v of params.getAll(name)) this.add(v);
    }
    // A request may carry its parameters as JSON (a test of what a server does with a JSON body).
    for (const value of jsonMembers(exchange.request.body, SECRET_FORM_PARAMS)) this.add(value);
    for (const value of jsonMembers(exchange.response.body, SECRET_JSON_MEMBERS)) this.add(value);
  }

  text(value: string): string {
    if (this.reveal) return value;
    let out = value;
    // Longest first, so a token containing another secret is replaced whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      const short = shorten(secret);
      out = out.split(secret).join(short);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join(encodeURIComponent(short));
    }
    // Whatever was not learned: any signed JWT still loses its signature.
    return out.replace(SIGNED_JWT, (jwt) => shorten(jwt));
  }

  request(req: RecordedRequest): RecordedRequest {
    return {
      method: req.method,
      url: this.text(req.url),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, this.text(v)])),
      ...(req.body !== undefined ? { body: this.text(req.body) } : {}),
    };
  }

  response(res: RecordedResponse): RecordedResponse {
    return {
      status: res.status,
      headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, this.text(v)])),
      body: this.text(res.body),
    };
  }
}

/**
 * The exchange as an HTTP transcript, followed by a curl line of the request as sent, with a comment that
 * says plainly whether it can be replayed: a token request cannot (its client assertion has lost its
 * signature here, and even whole it is refused a second time, its jti being single-use), nor can a request
 * whose access token was shortened.
 */
export function renderExchange(exchange: Exchange, redactor: Redactor): string {
  const req = redactor.request(exchange.request);
  const res = redactor.response(exchange.response);
  const lines = [`${req.method} ${req.url}`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`)];
  if (req.body !== undefined) lines.push("", prettyForm(req));
  lines.push(
    "",
    `HTTP ${res.status}  (${exchange.durationMs} ms)`,
    ...Object.entries(res.headers).map(([k, v]) => `${k}: ${v}`),
  );
  if (res.body !== "") lines.push("", prettyJson(res.body));
  lines.push("", curlComment(exchange.request, req, redactor.reveals), curlLine(req));
  return lines.join("\n");
}

/** What the curl line under an exchange does, said before it. */
export function curlComment(sent: RecordedRequest, shown: RecordedRequest, revealed: boolean): string {
  const assertion =
    new URLSearchParams(sent.body ?? "").get("client_assertion") ??
    jsonMembers(sent.body, ["client_assertion"])[0];
  const rerun = 'to reproduce it, re-run the test (a failed test\'s attachment "re-run this test")';
  if (assertion) {
    const whole = revealed
      ? ""
      : "with the client assertion's signature removed (SMART_REVEAL_SECRETS=1 keeps it); ";
    return `# the request as sent, ${whole}not replayable: a server refuses a client assertion used twice (its jti is single-use) and it expires within minutes; ${rerun}:`;
  }
  if (JSON.stringify(sent) !== JSON.stringify(shown))
    return "# the request as sent, with its access token shortened (SMART_REVEAL_SECRETS=1 shows it whole; a token works only until it expires):";
  return "# reproduce:";
}

function prettyForm(req: RecordedRequest): string {
  if (!/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "")) return req.body ?? "";
  return [...new URLSearchParams(req.body)].map(([k, v]) => `${k}=${v}`).join("\n&");
}

function prettyJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body.length > 4000 ? `${body.slice(0, 4000)}… (${body.length} bytes)` : body;
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function curlLine(req: RecordedRequest): string {
  const parts = ["curl", "-i", "-X", req.method, shellQuote(req.url)];
  for (const [k, v] of Object.entries(req.headers)) parts.push("-H", shellQuote(`${k}: ${v}`));
  if (req.body !== undefined) parts.push("--data-raw", shellQuote(req.body));
  return parts.join(" ");
}

/**
 * The client assertion an exchange sent, decoded for a reader: its JOSE header and claims (neither is a
 * secret) and the length of the signature it carried; undefined when it sent none or it is not a JWS.
 */
export function decodedAssertion(exchange: Exchange): string | undefined {
  const { body } = exchange.request;
  const sent =
    new URLSearchParams(body ?? "").get("client_assertion") ?? jsonMembers(body, ["client_assertion"])[0];
  if (!sent) return undefined;
  const parts = sent.split(".");
  const decode = (segment: string | undefined): unknown => {
    try {
      return JSON.parse(Buffer.from(segment ?? "", "base64url").toString("utf8")) as unknown;
    } catch {
      return `(not base64url JSON: ${(segment ?? "").length} characters)`;
    }
  };
  if (parts.length < 2) return undefined;
  return JSON.stringify(
    {
      header: decode(parts[0]),
      claims: decode(parts[1]),
      signature:
        parts.length === 3 ? `${parts[2]?.length ?? 0} characters (not shown)` : `${parts.length} segments`,
    },
    null,
    2,
  );
}
