/**
 * The target config: one JSON file that says where the servers under test are and which clients are
 * registered there. Validated against schemas/target-config.schema.json; every error names the field as
 * the user wrote it (`client.scope`, `jwksUrlClient.jwksUrl`).
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";
import schema from "./schemas/target-config.schema.json" with { type: "json" };
import { HarnessError } from "./errors.ts";
import { loadPrivateJwks, type ClientKey } from "./keys.ts";
import type { ProtectedRequestsConfig } from "./protected-requests.ts";
import type { Registration, ScopeMatching, ScopeRegistration } from "./scopes.ts";

export interface RawTargetConfig {
  name?: string;
  fhirBaseUrl: string;
  tokenEndpoint?: string;
  issuer?: string;
  acceptedAlgorithms?: string[];
  client: { clientId: string; privateJwksPath: string; scope: string; registeredScope?: string };
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
  protectedRequests?: ProtectedRequestsConfig;
  requestTimeoutMs?: number;
  caFile?: string;
  proxy?: string;
  runTimeoutSeconds?: number;
}

export const DEFAULT_RUN_TIMEOUT_SECONDS = 1800;

export interface TargetConfig {
  /** Absolute path of the file this came from. */
  readonly source: string;
  readonly name: string;
  /** Without a trailing slash. */
  readonly fhirBaseUrl: string;
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
  /** The protected FHIR requests the bearer-token and scope tests make, when the config names them. */
  readonly protectedRequests?: ProtectedRequestsConfig;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: true }));
const validate = ajv.compile<RawTargetConfig>(schema);

/** Turns ajv's errors into one line per problem, each starting with the field path. */
export function describeSchemaErrors(errors: readonly ErrorObject[]): string[] {
  const lines = errors.map((e) => {
    const path = e.instancePath.slice(1).replace(/\//g, ".");
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
  if (path.endsWith("scope") || path.endsWith("registeredScope"))
    return "must be space-separated scopes with no leading, trailing or double spaces";
  if (path.startsWith("protectedRequests."))
    return `must be a path relative to fhirBaseUrl, e.g. ${PROTECTED_EXAMPLES[path.slice(18)] ?? "Patient?_count=1"}`;
  if (path === "jwksUrlClient.jwksUrl" && pattern.startsWith("^http://("))
    return "must be an http URL on loopback (127.0.0.1, localhost or [::1]) with a path, which the harness serves on this host; to advertise another URL (a tunnel or reverse proxy to the harness), set jwksUrlClient.listen";
  if (path === "jwksUrlClient.jwksUrl") return "must be an absolute http(s) URL with a path";
  if (path === "jwksUrlClient.listen")
    return 'must be host:port with an IP address or localhost, e.g. "0.0.0.0:9556" or "127.0.0.1:9556"';
  return "must be an absolute http(s) URL";
}

/** The address the harness serves the JWKS URL at: `listen` when given, else the URL's own host and port. */
function listenAddress(urlClient: NonNullable<RawTargetConfig["jwksUrlClient"]>): {
  host: string;
  port: number;
} {
  const field = urlClient.listen ? "jwksUrlClient.listen" : "jwksUrlClient.jwksUrl";
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
  return value;
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
      `target config ${source} is not valid JSON: ${(cause as Error).message}`,
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
  const dir = dirname(source);
  const keys = await loadPrivateJwks(resolve(dir, raw.client.privateJwksPath), "client.privateJwksPath");
  const urlClient = raw.jwksUrlClient;
  return {
    source,
    name: raw.name ?? raw.fhirBaseUrl,
    fhirBaseUrl: raw.fhirBaseUrl.replace(/\/+$/, ""),
    ...(raw.tokenEndpoint ? { tokenEndpoint: raw.tokenEndpoint } : {}),
    ...(raw.issuer ? { issuer: raw.issuer } : {}),
    ...(raw.acceptedAlgorithms ? { acceptedAlgorithms: raw.acceptedAlgorithms } : {}),
    client: {
      clientId: raw.client.clientId,
      keys,
      scope: raw.client.scope,
      registration: registration("client", raw.client),
    },
    ...(urlClient
      ? {
          jwksUrlClient: {
            clientId: urlClient.clientId,
            jwksUrl: urlClient.jwksUrl,
            scope: urlClient.scope,
            registration: registration("jwksUrlClient", urlClient),
            listen: listenAddress(urlClient),
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
    ...(raw.protectedRequests ? { protectedRequests: raw.protectedRequests } : {}),
  };
}
