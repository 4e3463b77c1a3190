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

export interface RawTargetConfig {
  name?: string;
  fhirBaseUrl: string;
  tokenEndpoint?: string;
  client: { clientId: string; privateJwksPath: string; scope: string };
  jwksUrlClient?: { clientId: string; jwksUrl: string; privateJwksPath?: string; scope: string };
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
  readonly client: { readonly clientId: string; readonly keys: readonly ClientKey[]; readonly scope: string };
  readonly jwksUrlClient?: {
    readonly clientId: string;
    readonly jwksUrl: string;
    readonly scope: string;
    /** Absolute path of the private JWKS to serve, when the config names one. */
    readonly privateJwksPath?: string;
  };
  readonly requestTimeoutMs: number;
  /** PEM CA certificates to trust for an https target, read from `caFile`. */
  readonly ca?: string;
  /** HTTP(S) proxy for every request to the target. */
  readonly proxy?: string;
  readonly runTimeoutSeconds: number;
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
      case "required":
        return `${at(String(e.params.missingProperty))}: is required`;
      case "additionalProperties":
        return `${at(String(e.params.additionalProperty))}: is not a known field`;
      case "pattern":
        return `${path || "(top level)"}: ${describePattern(path)}`;
      default:
        return `${path || "(top level)"}: ${e.message ?? e.keyword}`;
    }
  });
  return [...new Set(lines)];
}

function describePattern(path: string): string {
  if (path.endsWith("scope"))
    return "must be space-separated scopes with no leading, trailing or double spaces";
  if (path === "jwksUrlClient.jwksUrl")
    return "must be an http(s) URL on loopback (127.0.0.1, localhost or [::1]) with a path, served by the harness";
  return "must be an absolute http(s) URL";
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
  const dir = dirname(source);
  const keys = await loadPrivateJwks(resolve(dir, raw.client.privateJwksPath), "client.privateJwksPath");
  const urlClient = raw.jwksUrlClient;
  return {
    source,
    name: raw.name ?? raw.fhirBaseUrl,
    fhirBaseUrl: raw.fhirBaseUrl.replace(/\/+$/, ""),
    ...(raw.tokenEndpoint ? { tokenEndpoint: raw.tokenEndpoint } : {}),
    client: { clientId: raw.client.clientId, keys, scope: raw.client.scope },
    ...(urlClient
      ? {
          jwksUrlClient: {
            clientId: urlClient.clientId,
            jwksUrl: urlClient.jwksUrl,
            scope: urlClient.scope,
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
  };
}
