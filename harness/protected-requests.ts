/**
 * The protected FHIR requests the bearer-token and scope tests make: the config's `protectedRequests`, or
 * derived from the CapabilityStatement (`{fhirBaseUrl}/metadata`) — a search where the type supports
 * search-type, else a Bulk Data `$export` kick-off where one is advertised. SMART requires no search
 * endpoint, and many backend-services servers exist for Bulk Data alone. The RFC 6750 bearer-token tests
 * may instead use the config's `protectedResource`: any URL and method, FHIR or not.
 */
import { jsonBody, type Exchange } from "./http.ts";

/** Config `protectedRequests`: paths relative to the FHIR base; the first given of search, read, export is used. */
export interface ProtectedRequestsConfig {
  /** A search, e.g. `Patient?_count=1`; other types are searched as `{type}?_count=1`. */
  readonly search?: string;
  /** A read, e.g. `Patient/123`: used for that type only (a read needs an id, so it is never derived). */
  readonly read?: string;
  /** A Bulk Data kick-off, e.g. `$export`, `Patient/$export`, `Group/123/$export`; `_type` is set per type. */
  readonly export?: string;
}

/** `resource`: the config's protectedResource, judged by RFC 6750 alone (no FHIR semantics). */
export type ProtectedKind = "search" | "read" | "export" | "resource";

/** One protected request for one resource type. */
export interface ProtectedRequest {
  readonly kind: ProtectedKind;
  /** The resource type it asks for (kind resource: none, ""). */
  readonly type: string;
  /** Relative to the FHIR base; for kind resource, the absolute URL. */
  readonly path: string;
  /** HTTP method; default GET. */
  readonly method?: string;
  /** Request body (kind resource, when the config gives one). */
  readonly body?: string;
  readonly headers: Readonly<Record<string, string>>;
  /** For labels and messages: "search Patient", "read Patient/123", "$export kick-off (_type=Patient)". */
  readonly what: string;
  /** Where it came from: the config, the CapabilityStatement, or the default search when neither says. */
  readonly source: "config" | "CapabilityStatement" | "default";
}

/** What a CapabilityStatement says the server offers. */
export interface Capabilities {
  /** Resource types it lists and the interactions each supports. */
  readonly types: ReadonlyMap<string, ReadonlySet<string>>;
  /** Kick-off paths of the Bulk Data exports it advertises that need no id (`$export`, `Patient/$export`). */
  readonly exports: readonly string[];
}

/** Bulk Data kick-off headers (Bulk Data IG §kick-off request). */
export const EXPORT_HEADERS: Readonly<Record<string, string>> = {
  accept: "application/fhir+json",
  prefer: "respond-async",
};

const SEARCH_HEADERS: Readonly<Record<string, string>> = { accept: "application/fhir+json" };

interface CsOperation {
  name?: unknown;
  definition?: unknown;
}

function isExport(op: CsOperation): boolean {
  return (
    op.name === "export" ||
    (typeof op.definition === "string" &&
      /\/OperationDefinition\/(patient-|group-)?export$/.test(op.definition))
  );
}

/** The capabilities a CapabilityStatement states, or undefined when `body` is none. */
export function parseCapabilityStatement(body: unknown): Capabilities | undefined {
  const cs = body as
    | {
        resourceType?: unknown;
        rest?: {
          mode?: unknown;
          operation?: CsOperation[];
          resource?: { type?: unknown; interaction?: { code?: unknown }[]; operation?: CsOperation[] }[];
        }[];
      }
    | undefined;
  if (cs?.resourceType !== "CapabilityStatement" || !Array.isArray(cs.rest)) return undefined;
  const types = new Map<string, Set<string>>();
  const exports: string[] = [];
  for (const rest of cs.rest) {
    if (rest.mode !== undefined && rest.mode !== "server") continue;
    if ((rest.operation ?? []).some(isExport)) exports.push("$export");
    for (const r of rest.resource ?? []) {
      if (typeof r.type !== "string") continue;
      const codes = (r.interaction ?? [])
        .map((i) => i.code)
        .filter((c): c is string => typeof c === "string");
      types.set(r.type, new Set([...(types.get(r.type) ?? []), ...codes]));
      if (r.type === "Patient" && (r.operation ?? []).some(isExport)) exports.push("Patient/$export");
    }
  }
  return { types, exports };
}

function typeOfPath(path: string): string {
  return /^[A-Za-z]+/.exec(path)?.[0] ?? "";
}

/** A kick-off path with `_type` set to `type`. */
function withType(path: string, type: string): string {
  const q = path.indexOf("?");
  const params = new URLSearchParams(q >= 0 ? path.slice(q + 1) : "");
  params.set("_type", type);
  return `${q >= 0 ? path.slice(0, q) : path}?${params.toString()}`;
}

function search(type: string, path: string, source: ProtectedRequest["source"]): ProtectedRequest {
  return { kind: "search", type, path, headers: SEARCH_HEADERS, what: `search ${type}`, source };
}

function kickOff(type: string, path: string, source: ProtectedRequest["source"]): ProtectedRequest {
  return {
    kind: "export",
    type,
    path: withType(path, type),
    headers: EXPORT_HEADERS,
    what: `${path.split("?")[0] ?? path} kick-off (_type=${type})`,
    source,
  };
}

/**
 * The protected request that asks for data of `type`: the config's when it names any (undefined when its
 * only request is a read of another type), else what the CapabilityStatement offers for the type, else a
 * search (a server that states nothing is asked as most servers are).
 */
export function protectedRequestFor(
  type: string,
  config: ProtectedRequestsConfig | undefined,
  capabilities: Capabilities | undefined,
): ProtectedRequest | undefined {
  if (config?.search !== undefined)
    return search(type, typeOfPath(config.search) === type ? config.search : `${type}?_count=1`, "config");
  if (config?.read !== undefined) {
    if (typeOfPath(config.read) !== type) return undefined;
    return {
      kind: "read",
      type,
      path: config.read,
      headers: SEARCH_HEADERS,
      what: `read ${config.read}`,
      source: "config",
    };
  }
  if (config?.export !== undefined) return kickOff(type, config.export, "config");
  if (capabilities?.types.get(type)?.has("search-type"))
    return search(type, `${type}?_count=1`, "CapabilityStatement");
  const exportPath = capabilities?.exports[0];
  if (exportPath !== undefined) return kickOff(type, exportPath, "CapabilityStatement");
  return search(type, `${type}?_count=1`, "default");
}

/** Config `protectedResource` as the loader gives it (harness/config.ts). */
export interface ProtectedResource {
  readonly url: string;
  readonly method: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The request to the config's protectedResource: its URL, method, body and headers as written. */
export function resourceRequest(resource: ProtectedResource): ProtectedRequest {
  return {
    kind: "resource",
    type: "",
    path: resource.url,
    method: resource.method,
    ...(resource.body !== undefined ? { body: resource.body } : {}),
    headers: {
      ...(resource.contentType !== undefined ? { "content-type": resource.contentType } : {}),
      ...resource.headers,
    },
    what: `${resource.method} ${resource.url}`,
    source: "config",
  };
}

/**
 * Whether the target served the request: a searchset Bundle, the resource read, a kick-off accepted (202),
 * or for the config's protectedResource any 2xx (RFC 6750 says nothing of what a resource answers).
 */
export function served(ex: Exchange, request: ProtectedRequest): string | undefined {
  const status = ex.response.status;
  const body = jsonBody(ex) as { resourceType?: unknown } | undefined;
  switch (request.kind) {
    case "resource":
      return status >= 200 && status < 300 ? undefined : `got HTTP ${status}`;
    case "search":
      if (status !== 200) return `got HTTP ${status}`;
      return body?.resourceType === "Bundle"
        ? undefined
        : `got resourceType ${JSON.stringify(body?.resourceType)}`;
    case "read":
      if (status !== 200) return `got HTTP ${status}`;
      return body?.resourceType === request.type
        ? undefined
        : `got resourceType ${JSON.stringify(body?.resourceType)}`;
    case "export":
      return status === 202 ? undefined : `got HTTP ${status}`;
  }
}

/**
 * What the response to `request` handed out, or undefined when nothing: for the config's protectedResource,
 * any 2xx answer (the resource was served); else {@link handedOut} of the request's resource type.
 */
export function handedOutBy(ex: Exchange, request: ProtectedRequest): string | undefined {
  if (request.kind !== "resource") return handedOut(ex, request.type);
  const status = ex.response.status;
  return status >= 200 && status < 300 ? `HTTP ${status}: ${request.what} was served` : undefined;
}

/**
 * What of `type` the response handed out, or undefined when nothing: a resource of the type, a Bundle
 * entry of it, or an export kick-off accepted (202, the files to follow). An empty Bundle, an
 * OperationOutcome or any refusal (401, 403, 404, AMB-14) hands out nothing.
 */
export function handedOut(ex: Exchange, type: string): string | undefined {
  const status = ex.response.status;
  if (status < 200 || status >= 300) return undefined;
  if (status === 202) return `HTTP 202: the export of ${type} was accepted`;
  const body = jsonBody(ex) as
    { resourceType?: unknown; entry?: { resource?: { resourceType?: unknown } }[] } | undefined;
  if (body?.resourceType === type) return `HTTP ${status} with a ${type}`;
  if (body?.resourceType === "Bundle" && Array.isArray(body.entry)) {
    const n = body.entry.filter((e) => e.resource?.resourceType === type).length;
    if (n > 0) return `HTTP ${status} with a Bundle of ${n} ${type} resource(s)`;
  }
  return undefined;
}
