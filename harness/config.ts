/**
 * The target config: one JSON file that says where the servers under test are and which clients are
 * registered there. Validated against schemas/target-config.schema.json; every error names the field as
 * the user wrote it (`client.scope`, `jwksUrlClient.jwksUrl`).
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import { BASELINE_LIFETIME_SECONDS } from "./assertion.ts";
import { HarnessError } from "./errors.ts";
import { loadPrivateJwks, type ClientKey } from "./keys.ts";
import { activeProfile } from "./profiles.ts";
import type { ProtectedRequestsConfig, ProtectedResource } from "./protected-requests.ts";
import { expectGrantable, type Registration, type ScopeMatching, type ScopeRegistration } from "./scopes.ts";
import { VALIDATORS } from "./validators.ts";

export interface RawTargetConfig {
  name?: string;
  /** Required, except under a profile without SMART discovery (oauth-jwt) given tokenEndpoint or issuer. */
  fhirBaseUrl?: string;
  tokenEndpoint?: string;
  issuer?: string;
  acceptedAlgorithms?: string[];
  client: {
    clientId: string;
    privateJwksPath: string;
    scope: string;
    registeredScope?: string;
    unregisteredScope?: string;
    /** Set when the server registers this client by JWKS URL (the harness serves its public keys there). */
    jwksUrl?: string;
    listen?: string;
  };
  jwksUrlClient?: {
    clientId: string;
    jwksUrl: string;
    privateJwksPath?: string;
    scope: string;
    registeredScope?: string;
    listen?: string;
  };
  scopeRegistration?: ScopeRegistration;
  scopeMatching?: ScopeMatching;
  assertion?: {
    aud?: string;
    clientIdParameter?: boolean;
    lifetimeSeconds?: number;
    maxLifetimeSeconds?: number;
    replayProtection?: boolean;
  };
  protectedRequests?: ProtectedRequestsConfig;
  protectedResource?: ProtectedResourceConfig;
  requestTimeoutMs?: number;
  caFile?: string;
  proxy?: string;
  runTimeoutSeconds?: number;
  launch?: RawLaunchConfig;
}

/** A login step's field value as written: the value itself, or the environment variable holding it. */
export type RawFillValue = string | { env: string };

/** Config `launch` as written (schemas/target-config.schema.json). */
export interface RawLaunchConfig {
  redirectUri: string;
  scope: string;
  login: { url: string; fill?: Record<string, RawFillValue>; click: string }[];
  codeLifetimeSeconds?: number;
}

/**
 * One step of the way through the server's login and consent pages (config `launch.login[i]`): on a page
 * whose URL `url` matches and that shows the `click` element, fill each field, then click.
 */
export interface LoginStep {
  /** Where it stands in the config, for messages: `launch.login[1]`. */
  readonly field: string;
  /** The regular expression as written. */
  readonly url: string;
  readonly pattern: RegExp;
  /** Selector → value, or the environment variable read when the step is applied (never stored here). */
  readonly fill: readonly { readonly selector: string; readonly value: RawFillValue }[];
  readonly click: string;
}

/** Config `launch`: what the app-launch tests need to get an authorization code from the server. */
export interface LaunchConfig {
  /** The redirect URI registered for the main client; the browser's navigation to it is intercepted. */
  readonly redirectUri: string;
  /** The scopes a launch asks for. */
  readonly scope: string;
  readonly login: readonly LoginStep[];
  /** The longest an authorization code lives, when the config states it (the code-lifetime test needs it). */
  readonly codeLifetimeSeconds?: number;
}

/** SMART's limit on a client assertion's lifetime: exp at most five minutes ahead. */
export const SMART_MAX_LIFETIME_SECONDS = 300;

export const DEFAULT_RUN_TIMEOUT_SECONDS = 1800;

/**
 * The server's own rules for client assertions (config `assertion`), defaults filled: what its clients send
 * and it demands. The suite's valid assertions follow them; the tests judge refusals against them.
 */
export interface AssertionRules {
  /**
   * The aud the server requires: `token-endpoint` (default, SMART's rule), `issuer` (the config's
   * `issuer`, else the metadata's), or this exact string.
   */
  readonly aud: "token-endpoint" | "issuer" | (string & {});
  /** Token requests carry a `client_id` form parameter naming the client (default false). */
  readonly clientIdParameter: boolean;
  /** exp − now of the suite's valid assertions (default {@link BASELINE_LIFETIME_SECONDS}). */
  readonly lifetimeSeconds: number;
  /**
   * The longest assertion lifetime (exp − now) the server accepts, its own limit (RFC 7523 §3 item 4 lets a
   * server refuse an exp unreasonably far ahead). Default 300: SMART's five minutes.
   */
  readonly maxLifetimeSeconds: number;
  /** The server promises jti replay protection (default true; RFC 7523 §3 item 7 makes it a MAY). */
  readonly replayProtection: boolean;
  /** The fields the config states, as opposed to defaults (a stated rule is judged under oauth-jwt too). */
  readonly stated: readonly (
    "aud" | "clientIdParameter" | "lifetimeSeconds" | "maxLifetimeSeconds" | "replayProtection"
  )[];
}

/**
 * Config `protectedResource`: any resource the server's access tokens open (any URL, any method), to
 * which the RFC 6750 bearer-token tests present tokens instead of a FHIR request.
 */
export interface ProtectedResourceConfig {
  /** Absolute URL, e.g. https://api.example/reports. */
  readonly url: string;
  /** HTTP method (default GET). */
  readonly method?: string;
  /** Request body, sent as is, for a method that takes one. */
  readonly body?: string;
  /** Content-Type of `body`. */
  readonly contentType?: string;
  /** Further request headers, e.g. {"prefer": "respond-async"}; never Authorization (the tests set it). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TargetConfig {
  /** Absolute path of the file this came from. */
  readonly source: string;
  readonly name: string;
  /**
   * Without a trailing slash. Absent only under a profile without SMART discovery (oauth-jwt) with a
   * tokenEndpoint or issuer: tests that need the FHIR server are then skipped.
   */
  readonly fhirBaseUrl?: string;
  readonly tokenEndpoint?: string;
  /** The authorization server's issuer, whose RFC 8414 / OpenID metadata the oauth-jwt profile reads. */
  readonly issuer?: string;
  /** The JWS algorithms the server accepts, stated in the config for a server that publishes no metadata. */
  readonly acceptedAlgorithms?: readonly string[];
  readonly client: {
    readonly clientId: string;
    readonly keys: readonly ClientKey[];
    /** The scopes the suite requests for this client. */
    readonly scope: string;
    /** What the server has registered for it, and how it reads that (harness/scopes.ts). */
    readonly registration: Registration;
    /** A scope the server knows but has not registered for this client, when the config names one. */
    readonly unregisteredScope?: string;
    /**
     * Present when the server registers this client by JWKS URL (config `client.jwksUrl`) instead of an
     * inline JWK Set: the URL, at which the harness serves the client's public keys, unchanged, for the
     * whole run, and where it listens (as for {@link TargetConfig.jwksUrlClient}).
     */
    readonly byUrl?: {
      readonly jwksUrl: string;
      readonly listen: { readonly host: string; readonly port: number };
    };
  };
  readonly jwksUrlClient?: {
    readonly clientId: string;
    readonly jwksUrl: string;
    readonly scope: string;
    readonly registration: Registration;
    /** Absolute path of the private JWKS to serve, when the config names one. */
    readonly privateJwksPath?: string;
    /**
     * Where the harness serves the JWKS URL (plain http): `listen` when given, else the jwksUrl's own
     * loopback host and port. `host` is as `listen` wrote it, IPv6 without brackets.
     */
    readonly listen: { readonly host: string; readonly port: number };
  };
  readonly requestTimeoutMs: number;
  /** PEM CA certificates to trust for an https target, read from `caFile`. */
  readonly ca?: string;
  /** HTTP(S) proxy for every request to the target. */
  readonly proxy?: string;
  readonly runTimeoutSeconds: number;
  /** The server's own rules for client assertions (config `assertion`), defaults filled. */
  readonly assertion: AssertionRules;
  /** The protected FHIR requests the bearer-token and scope tests make, when the config names them. */
  readonly protectedRequests?: ProtectedRequestsConfig;
  /** The resource the RFC 6750 bearer-token tests use instead of a FHIR request, when the config names one. */
  readonly protectedResource?: ProtectedResource;
  /** How the app-launch tests get an authorization code, when the config says (config `launch`). */
  readonly launch?: LaunchConfig;
}

/** The URL a target is known by: its FHIR base, else (oauth-jwt) its token endpoint, else its issuer. */
export function targetUrl(config: Pick<TargetConfig, "fhirBaseUrl" | "tokenEndpoint" | "issuer">): string {
  return config.fhirBaseUrl ?? config.tokenEndpoint ?? config.issuer ?? "";
}

const validate = VALIDATORS.targetConfig as ValidateFunction<RawTargetConfig>;

/**
 * A JSON pointer as the user would write the field: `launch.login[1].click`,
 * `launch.login[0].fill["input[name=password]"]`.
 */
export function fieldPath(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, segment) => {
      if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
      if (/^[A-Za-z_$][\w$-]*$/.test(segment)) return path ? `${path}.${segment}` : segment;
      return `${path}[${JSON.stringify(segment)}]`;
    }, "");
}

/** The field of a login step's fill entry an error lies in, e.g. `/launch/login/0/fill/%23pw/env`. */
const FILL_ENTRY = /^(\/launch\/login\/\d+\/fill\/[^/]+)/;

/** Turns ajv's errors into one line per problem, each starting with the field path. */
export function describeSchemaErrors(errors: readonly ErrorObject[]): string[] {
  const lines = errors.map((e) => {
    const fill = FILL_ENTRY.exec(e.instancePath)?.[1];
    // A fill value is one of two shapes: one line that names both, not one per branch of the oneOf.
    if (fill) return `${fieldPath(fill)}: must be a string or {"env": "NAME"} (NAME: letters, digits, _)`;
    const path = fieldPath(e.instancePath);
    const at = (name: string) => (path ? `${path}.${name}` : name);
    switch (e.keyword) {
      case "if":
        return undefined; // the failing "then" branch reports the field itself
      case "required":
        return `${at(String(e.params.missingProperty))}: is required`;
      case "additionalProperties":
        return `${at(String(e.params.additionalProperty))}: is not a known field`;
      case "pattern":
        return `${path || "(top level)"}: ${describePattern(path, String(e.params.pattern))}`;
      default:
        return `${path || "(top level)"}: ${e.message ?? e.keyword}`;
    }
  });
  return [...new Set(lines.filter((line): line is string => line !== undefined))];
}

const PROTECTED_EXAMPLES: Readonly<Record<string, string>> = {
  search: "Patient?_count=1",
  read: "Patient/123",
  export: "$export, Patient/$export or Group/123/$export",
};

function describePattern(path: string, pattern: string): string {
  if (path.endsWith("unregisteredScope")) return "must be one scope string, without spaces";
  if (path.endsWith("scope") || path.endsWith("registeredScope"))
    return "must be space-separated scopes with no leading, trailing or double spaces";
  if (path.startsWith("protectedRequests."))
    return `must be a path relative to fhirBaseUrl, e.g. ${PROTECTED_EXAMPLES[path.slice(18)] ?? "Patient?_count=1"}`;
  const owner = path.split(".")[0];
  if (path.endsWith(".jwksUrl") && pattern.startsWith("^http://("))
    return `must be an http URL on loopback (127.0.0.1, localhost or [::1]) with a path, which the harness serves on this host; to advertise another URL (a tunnel or reverse proxy to the harness), set ${owner}.listen`;
  if (path.endsWith(".jwksUrl")) return "must be an absolute http(s) URL with a path";
  if (path === "protectedResource.method") return "must be an HTTP method in capitals, e.g. GET or POST";
  if (path.endsWith(".listen"))
    return 'must be host:port with an IP address or localhost, e.g. "0.0.0.0:9556" or "127.0.0.1:9556"';
  if (path === "launch.redirectUri") return "must be an absolute http(s) URL, exactly as registered";
  return "must be an absolute http(s) URL";
}

/**
 * The address the harness serves a JWKS URL at: `listen` when given, else the URL's own host and port.
 * `owner` names the config block (`client`, `jwksUrlClient`) for errors.
 */
function listenAddress(
  urlClient: { jwksUrl: string; listen?: string },
  owner: "client" | "jwksUrlClient",
): {
  host: string;
  port: number;
} {
  const field = urlClient.listen ? `${owner}.listen` : `${owner}.jwksUrl`;
  let host: string;
  let port: number;
  if (urlClient.listen) {
    const at = urlClient.listen.lastIndexOf(":");
    host = urlClient.listen.slice(0, at).replace(/^\[|\]$/g, "");
    port = Number(urlClient.listen.slice(at + 1));
  } else {
    const url = new URL(urlClient.jwksUrl);
    host = url.hostname === "localhost" ? "127.0.0.1" : url.hostname.replace(/^\[|\]$/g, "");
    port = Number(url.port || 80);
  }
  if (!(port >= 1 && port <= 65_535))
    throw new HarnessError("ERR_HARNESS_CONFIG", `${field}: port ${port} is not between 1 and 65535`);
  return { host, port };
}

export function parseTargetConfig(value: unknown, source: string): RawTargetConfig {
  if (!validate(value)) {
    const problems = describeSchemaErrors(validate.errors ?? []);
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      `invalid target config ${source}:\n  ${problems.join("\n  ")}`,
    );
  }
  const problem = missingFhirBaseUrl(value) ?? resourceAuthorization(value) ?? jwksUrlClash(value);
  if (problem) throw new HarnessError("ERR_HARNESS_CONFIG", `invalid target config ${source}:\n  ${problem}`);
  return value;
}

/**
 * The two clients registered by JWKS URL, when both are: their URLs are the harness's to serve, so they
 * must differ (the tests change the key set served at jwksUrlClient's, never the main client's), and one
 * port is served by one host: both listen at the same host:port (one host serves both paths) or at
 * different ports. Also `client.listen` needs `client.jwksUrl`.
 */
function jwksUrlClash(raw: RawTargetConfig): string | undefined {
  const main = raw.client;
  if (main.listen !== undefined && main.jwksUrl === undefined)
    return "client.listen: needs client.jwksUrl (listen is where the harness serves the client's JWKS URL)";
  const other = raw.jwksUrlClient;
  if (main.jwksUrl === undefined || other === undefined) return undefined;
  if (new URL(main.jwksUrl).href === new URL(other.jwksUrl).href)
    return `client.jwksUrl: ${main.jwksUrl} is also jwksUrlClient.jwksUrl; each client needs a JWKS URL of its own (the tests change the key set served at jwksUrlClient's)`;
  let a: { host: string; port: number };
  let b: { host: string; port: number };
  try {
    a = listenAddress({ ...main, jwksUrl: main.jwksUrl }, "client");
    b = listenAddress(other, "jwksUrlClient");
  } catch (err) {
    return (err as Error).message.replace(/^\[[A-Z_]+\] /, "");
  }
  const host = (h: string) => (h === "localhost" ? "127.0.0.1" : h);
  if (a.port !== b.port) return undefined;
  const field = main.listen !== undefined ? "client.listen" : "client.jwksUrl";
  if (host(a.host) !== host(b.host))
    return `${field}: the harness would listen at ${a.host}:${a.port} for the client and at ${b.host}:${b.port} for jwksUrlClient; give both the same host:port (one JWKS host serves both paths) or different ports`;
  if (new URL(main.jwksUrl).pathname === new URL(other.jwksUrl).pathname)
    return `${field}: the path ${new URL(main.jwksUrl).pathname} is also jwksUrlClient's on the same listen address ${a.host}:${a.port}; each client needs a path of its own`;
  return undefined;
}

/** The bearer-token tests set Authorization themselves (none, malformed, valid): the config may not. */
function resourceAuthorization(raw: RawTargetConfig): string | undefined {
  const name = Object.keys(raw.protectedResource?.headers ?? {}).find(
    (h) => h.toLowerCase() === "authorization",
  );
  return name === undefined
    ? undefined
    : `protectedResource.headers.${name}: is not allowed (the tests send their own Authorization header)`;
}

/**
 * fhirBaseUrl is where SMART discovery is read, so every SMART profile needs it. A profile that finds the
 * token endpoint without SMART discovery (oauth-jwt) needs it only when neither tokenEndpoint nor issuer
 * says where the authorization server is.
 */
function missingFhirBaseUrl(raw: RawTargetConfig): string | undefined {
  if (raw.fhirBaseUrl !== undefined) return undefined;
  const { name, profile } = activeProfile();
  if (!profile.authServerMetadata)
    return `fhirBaseUrl: is required (profile ${name}); only --profile oauth-jwt runs without a FHIR server, given tokenEndpoint or issuer`;
  if (raw.tokenEndpoint === undefined && raw.issuer === undefined)
    return `fhirBaseUrl: is required unless tokenEndpoint or issuer is given (profile ${name})`;
  return undefined;
}

async function readCa(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (cause) {
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      `caFile: cannot read ${path} (${(cause as Error).message})`,
      { cause },
    );
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new HarnessError("ERR_HARNESS_CONFIG", `caFile: ${path} holds no PEM certificate`);
  }
  return pem;
}

/**
 * The `assertion` block with defaults filled. `aud: "issuer"` needs an issuer to name: the config's
 * `issuer`, or the one the metadata found from `tokenEndpoint` states (resolved when a test runs).
 */
function assertionRules(raw: RawTargetConfig): AssertionRules {
  const given = raw.assertion ?? {};
  const lifetime = given.lifetimeSeconds ?? BASELINE_LIFETIME_SECONDS;
  if (given.maxLifetimeSeconds !== undefined && lifetime > given.maxLifetimeSeconds)
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      `assertion.maxLifetimeSeconds: ${given.maxLifetimeSeconds} is shorter than the lifetime of the suite's valid assertions (assertion.lifetimeSeconds, ${lifetime}${given.lifetimeSeconds === undefined ? " by default" : ""}): set assertion.lifetimeSeconds to at most ${given.maxLifetimeSeconds}`,
    );
  if (given.aud === "issuer" && !raw.issuer && !raw.tokenEndpoint)
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      'assertion.aud: "issuer" needs the issuer: set issuer (or tokenEndpoint, whose RFC 8414 / OpenID metadata states it)',
    );
  return {
    aud: given.aud ?? "token-endpoint",
    clientIdParameter: given.clientIdParameter ?? false,
    lifetimeSeconds: lifetime,
    maxLifetimeSeconds: given.maxLifetimeSeconds ?? SMART_MAX_LIFETIME_SECONDS,
    replayProtection: given.replayProtection ?? true,
    stated: (
      ["aud", "clientIdParameter", "lifetimeSeconds", "maxLifetimeSeconds", "replayProtection"] as const
    ).filter((field) => given[field] !== undefined),
  };
}

/**
 * JSON.parse's message with the line and column of the mistake: Node 20 names only a character offset
 * ("… in JSON at position 52"), and a person editing a config reads lines. Messages that already give a
 * line (newer Node) are kept as they are.
 */
export function jsonSyntaxError(text: string, message: string): string {
  // Node 22 appends "(line L column C)" to the position; the caret excerpt is made from the position.
  const at = /at position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  if (offset === undefined) return message;
  const before = text.slice(0, offset).split("\n");
  const line = before.length;
  const column = (before[line - 1] ?? "").length + 1;
  const source = (text.split("\n")[line - 1] ?? "").replace(/\r$/, "");
  return `line ${line}, column ${column}: ${message}\n  ${line} | ${source}\n  ${" ".repeat(String(line).length)} | ${" ".repeat(column - 1)}^`;
}

/**
 * Config `launch` checked beyond the schema: each step's url compiles as a regular expression, and each
 * environment variable a fill names is set (its value is read again when the step is applied, and is
 * never kept in the config).
 */
export function launchConfig(raw: RawLaunchConfig, env: NodeJS.ProcessEnv = process.env): LaunchConfig {
  const login = raw.login.map((step, i): LoginStep => {
    const field = `launch.login[${i}]`;
    let pattern: RegExp;
    try {
      pattern = new RegExp(step.url);
    } catch (cause) {
      throw new HarnessError(
        "ERR_HARNESS_CONFIG",
        `${field}.url: is not a regular expression (${(cause as Error).message})`,
        { cause },
      );
    }
    const fill = Object.entries(step.fill ?? {}).map(([selector, value]) => {
      if (typeof value !== "string" && env[value.env] === undefined)
        throw new HarnessError(
          "ERR_HARNESS_CONFIG",
          `${field}.fill[${JSON.stringify(selector)}]: the environment variable ${value.env} is not set`,
        );
      return { selector, value };
    });
    return { field, url: step.url, pattern, fill, click: step.click };
  });
  return {
    redirectUri: raw.redirectUri,
    scope: raw.scope,
    login,
    ...(raw.codeLifetimeSeconds === undefined ? {} : { codeLifetimeSeconds: raw.codeLifetimeSeconds }),
  };
}

export async function loadTargetConfig(path: string): Promise<TargetConfig> {
  const source = resolve(path);
  let text: string;
  try {
    text = await readFile(source, "utf8");
  } catch (cause) {
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      `cannot read target config ${source}: ${(cause as Error).message}`,
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      `target config ${source} is not valid JSON: ${jsonSyntaxError(text, (cause as Error).message)}`,
      { cause },
    );
  }
  const raw = parseTargetConfig(json, source);
  const registration = (field: string, c: { scope: string; registeredScope?: string }): Registration => {
    const kind = raw.scopeRegistration ?? "per-client";
    if (kind === "none" && c.registeredScope !== undefined)
      throw new HarnessError(
        "ERR_HARNESS_CONFIG",
        `${field}.registeredScope: cannot be set with scopeRegistration "none" (no per-client registration)`,
      );
    return { kind, scope: c.registeredScope ?? c.scope, matching: raw.scopeMatching ?? "smart" };
  };
  const clientRegistration = registration("client", raw.client);
  const unregistered = raw.client.unregisteredScope;
  if (unregistered !== undefined && expectGrantable(clientRegistration, unregistered))
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      `client.unregisteredScope: "${unregistered}" is covered by the client's registration ("${clientRegistration.scope}"); name a scope the server does not register for it`,
    );
  const assertion = assertionRules(raw);
  const dir = dirname(source);
  const keys = await loadPrivateJwks(resolve(dir, raw.client.privateJwksPath), "client.privateJwksPath");
  const urlClient = raw.jwksUrlClient;
  return {
    source,
    name: raw.name ?? targetUrl(raw),
    ...(raw.fhirBaseUrl !== undefined ? { fhirBaseUrl: raw.fhirBaseUrl.replace(/\/+$/, "") } : {}),
    ...(raw.tokenEndpoint ? { tokenEndpoint: raw.tokenEndpoint } : {}),
    ...(raw.issuer ? { issuer: raw.issuer } : {}),
    ...(raw.acceptedAlgorithms ? { acceptedAlgorithms: raw.acceptedAlgorithms } : {}),
    client: {
      clientId: raw.client.clientId,
      keys,
      scope: raw.client.scope,
      registration: clientRegistration,
      ...(unregistered !== undefined ? { unregisteredScope: unregistered } : {}),
      ...(raw.client.jwksUrl !== undefined
        ? {
            byUrl: {
              jwksUrl: raw.client.jwksUrl,
              listen: listenAddress({ ...raw.client, jwksUrl: raw.client.jwksUrl }, "client"),
            },
          }
        : {}),
    },
    ...(urlClient
      ? {
          jwksUrlClient: {
            clientId: urlClient.clientId,
            jwksUrl: urlClient.jwksUrl,
            scope: urlClient.scope,
            registration: registration("jwksUrlClient", urlClient),
            listen: listenAddress(urlClient, "jwksUrlClient"),
            ...(urlClient.privateJwksPath
              ? { privateJwksPath: resolve(dir, urlClient.privateJwksPath) }
              : {}),
          },
        }
      : {}),
    requestTimeoutMs: raw.requestTimeoutMs ?? 10_000,
    ...(raw.caFile ? { ca: await readCa(resolve(dir, raw.caFile)) } : {}),
    ...(raw.proxy ? { proxy: raw.proxy } : {}),
    runTimeoutSeconds: raw.runTimeoutSeconds ?? DEFAULT_RUN_TIMEOUT_SECONDS,
    assertion,
    ...(raw.protectedRequests ? { protectedRequests: raw.protectedRequests } : {}),
    ...(raw.protectedResource
      ? { protectedResource: { ...raw.protectedResource, method: raw.protectedResource.method ?? "GET" } }
      : {}),
    ...(raw.launch ? { launch: launchConfig(raw.launch) } : {}),
  };
}
