/**
 * The judge's Bulk Data side (FHIR Bulk Data Access IG 2.0.0, export.html): a small, correct export beside
 * the reads and searches the reference server answers, served by the judge itself so it can time the
 * export against the token lifetime and put files on a second origin.
 *
 * - Kick-off: GET (or POST with a Parameters body) `{fhir}/$export`, `{fhir}/Patient/$export` and
 *   `{fhir}/Group/{@link BULK_GROUP_ID}/$export`, with the bearer token: 202 with an absolute Content-Location.
 *   A kick-off without Accept or Prefer is processed as if they had been sent (the IG lets the server do
 *   so; the client checks judge the headers). `_type`, `_since` and `_outputFormat` are honoured.
 * - Status URL (the token required): 202 with `Retry-After` ({@link RETRY_AFTER_SECONDS}) and `X-Progress`
 *   until the export is ready, then 200 with the manifest (application/json). An export takes the token
 *   lifetime + 0.5 s when tokens live {@link RENEWAL_TTL_SECONDS} s or less — the token the client kicked
 *   off with has expired before the manifest is ready, so it must renew mid-export — and 1.5 s otherwise
 *   (at least one in-progress answer, and no long wait under the default 300 s tokens). DELETE: 202, then
 *   404 with an OperationOutcome.
 * - Files, a few NDJSON lines each (application/fhir+ndjson): the session's first export says
 *   `requiresAccessToken: true` and lists files on the judge's origin that answer 401 without a valid
 *   token; every later export says `requiresAccessToken: false` and lists files on the storage origin
 *   (like bucket URLs: served without a token, and the judge records what it was sent).
 *
 * A token is valid here while the judge saw it issued and it has not expired, timed from the arrival of the
 * token request that obtained it (as the client checks time it); its granted scope limits the types.
 */
import { randomBytes } from "node:crypto";
import {
  allOfType,
  findResource,
  isResourceType,
  type FhirResource,
  type ResourceType,
} from "../../fixtures/reference-server/data.ts";
import {
  admits,
  applicableScopes,
  parseScope,
  type SystemScope,
} from "../../fixtures/reference-server/scopes.ts";
import { firstHeader, type RawHeaders } from "./session.ts";

/** The Group the judge can export (the reference data's one Group, of its three patients). */
export const BULK_GROUP_ID = "g1";
/** The Retry-After of every in-progress status answer, in seconds. */
const BULK_DATA = "http://hl7.org/fhir/uv/bulkdata";

/**
 * The reference server's CapabilityStatement as the judge serves it: it states the Bulk Data operations the
 * judge serves (Bulk Data IG §server capability documentation: the CapabilityStatement SHOULD reflect them),
 * so a client that looks there before its kick-off finds them.
 */
export function withBulkOperations(statement: Record<string, unknown>): Record<string, unknown> {
  const rest = Array.isArray(statement.rest) ? (statement.rest as Record<string, unknown>[]) : [];
  const operation = (name: string, id: string) => ({
    name,
    definition: `${BULK_DATA}/OperationDefinition/${id}`,
  });
  return {
    ...statement,
    instantiates: [`${BULK_DATA}/CapabilityStatement/bulk-data`],
    rest: rest.map((r, i) => {
      if (i > 0) return r;
      const resources = Array.isArray(r.resource) ? (r.resource as Record<string, unknown>[]) : [];
      const withGroup = resources.some((res) => res.type === "Group")
        ? resources
        : [...resources, { type: "Group" }];
      return {
        ...r,
        resource: withGroup.map((res) =>
          res.type === "Patient"
            ? { ...res, operation: [operation("export", "patient-export")] }
            : res.type === "Group"
              ? { ...res, operation: [operation("export", "group-export")] }
              : res,
        ),
        operation: [operation("export", "export")],
      };
    }),
  };
}

export const RETRY_AFTER_SECONDS = 1;
/** Tokens living this long or less make an export outlast the token it was kicked off with. */
export const RENEWAL_TTL_SECONDS = 10;
/** Where the judge's own export paths live under the FHIR base. */
export const STATUS_SEGMENT = "bulk-status";
export const FILES_SEGMENT = "bulk-files";
/** Where the storage origin serves files. */
export const STORAGE_PREFIX = "/exports";

/**
 * How long an export takes, from its kick-off (see the module comment).
 * @example exportDurationMs(2) // 2500
 */
export function exportDurationMs(tokenLifetimeSeconds: number): number {
  return tokenLifetimeSeconds <= RENEWAL_TTL_SECONDS ? tokenLifetimeSeconds * 1000 + 500 : 1500;
}

/** An answer the judge sends as it is (and records). */
export interface BulkAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface KnownToken {
  readonly expiresAtMs: number;
  readonly scopes: readonly SystemScope[];
}

interface Job {
  readonly request: string;
  readonly transactionTime: string;
  readonly readyAtMs: number;
  readonly requiresAccessToken: boolean;
  /** Per type, the token's scopes that let it read the type. */
  readonly scopes: ReadonlyMap<ResourceType, readonly SystemScope[]>;
  /** Patient-level and Group-level exports: the patients whose compartments are exported. */
  readonly patients?: ReadonlySet<string>;
  readonly since?: number;
}

export interface BulkExport {
  /** Notes a token the judge's token endpoint issued (the 200 response's JSON body). */
  noteTokenResponse(body: Record<string, unknown>, requestAtMs: number): void;
  /** Answers a request to the judge's origin when it is a Bulk Data route; undefined otherwise. */
  handle(
    method: string,
    url: string,
    headers: RawHeaders,
    body: string,
    atMs: number,
  ): BulkAnswer | undefined;
  /** Answers a request to the storage origin. */
  storage(method: string, url: string): BulkAnswer;
}

const NDJSON_FORMATS = new Set(["application/fhir+ndjson", "application/ndjson", "ndjson"]);
/** The types a Patient-level or Group-level export draws from the patients' compartments. */
const COMPARTMENT_TYPES: readonly ResourceType[] = ["Patient", "Observation"];

function fhirAnswer(status: number, body: unknown, headers: Record<string, string> = {}): BulkAnswer {
  return {
    status,
    headers: { "content-type": "application/fhir+json", ...headers },
    body: JSON.stringify(body),
  };
}

function outcome(status: number, severity: string, code: string, text: string, headers = {}): BulkAnswer {
  return fhirAnswer(
    status,
    { resourceType: "OperationOutcome", issue: [{ severity, code, diagnostics: text }] },
    headers,
  );
}

/** The kick-off parameters, from the query or a POSTed Parameters resource (valueString/valueInstant…). */
function kickOffParams(method: string, query: URLSearchParams, body: string): [string, string][] | string {
  if (method === "GET") return [...query];
  let parsed: unknown;
  try {
    parsed = body.trim() === "" ? { resourceType: "Parameters" } : JSON.parse(body);
  } catch {
    return "the POST body is not JSON";
  }
  const resource = parsed as { resourceType?: unknown; parameter?: unknown };
  if (resource.resourceType !== "Parameters") return "a POST kick-off carries a Parameters resource";
  const list = Array.isArray(resource.parameter) ? (resource.parameter as Record<string, unknown>[]) : [];
  return list.flatMap((p) => {
    const value = Object.entries(p).find(([k]) => k.startsWith("value"))?.[1];
    return typeof p.name === "string" && typeof value === "string"
      ? [[p.name, value] as [string, string]]
      : [];
  });
}

function inCompartment(resource: FhirResource, patients: ReadonlySet<string>): boolean {
  if (resource.resourceType === "Patient") return patients.has(resource.id);
  const subject = (resource.subject as { reference?: unknown } | undefined)?.reference;
  return typeof subject === "string" && patients.has(subject.replace(/^Patient\//, ""));
}

function lastUpdated(resource: FhirResource): number {
  const meta = resource.meta as { lastUpdated?: unknown } | undefined;
  return typeof meta?.lastUpdated === "string" ? Date.parse(meta.lastUpdated) : Number.NaN;
}

/** The lines of one type's file. */
function lines(job: Job, type: ResourceType): string[] {
  const scopes = job.scopes.get(type) ?? [];
  return (
    allOfType(type)
      .filter((r) => admits(scopes, r))
      .filter((r) => job.patients === undefined || inCompartment(r, job.patients))
      // A resource without a last-updated time may be included whatever _since says (IG: _since).
      .filter((r) => job.since === undefined || !(lastUpdated(r) <= job.since))
      .map((r) => JSON.stringify(r))
  );
}

/**
 * The Bulk Data side of one judge: its exports, and the tokens it saw issued.
 *
 * @example
 * const bulk = createBulkExport({ fhirBaseUrl, storageOrigin, tokenLifetimeSeconds: 2 });
 * // 202 with Content-Location (or 401, …); undefined for a path that is not a Bulk Data route
 * const answer = bulk.handle("GET", "/fhir/$export", headers, "", atMs);
 */
export function createBulkExport(options: {
  readonly fhirBaseUrl: string;
  readonly storageOrigin: string;
  readonly tokenLifetimeSeconds: number;
}): BulkExport {
  const { fhirBaseUrl, storageOrigin } = options;
  const fhirUrl = new URL(fhirBaseUrl);
  const fhirPath = fhirUrl.pathname.replace(/\/+$/, "");
  const tokens = new Map<string, KnownToken>();
  const jobs = new Map<string, Job>();
  let exports = 0;

  const challenge = (status: 400 | 401 | 403, params: string, text: string) =>
    outcome(status, "error", status === 403 ? "forbidden" : "login", text, {
      "www-authenticate": `Bearer realm="${fhirBaseUrl}"${params}`,
    });

  /** RFC 6750 as the reference server checks it: the token in the Authorization header, valid now. */
  function authenticate(headers: RawHeaders, query: URLSearchParams, atMs: number): KnownToken | BulkAnswer {
    const header = firstHeader(headers, "authorization");
    if (query.has("access_token")) {
      const why = header ? "send the token one way only" : "send the token in the Authorization header";
      return challenge(400, `, error="invalid_request", error_description="${why}"`, why);
    }
    const match = /^bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!match) return challenge(401, "", "a bearer token is required");
    const token = tokens.get(match[1] ?? "");
    if (!token || token.expiresAtMs <= atMs) {
      const why = token ? "the access token has expired" : "the access token is not valid";
      return challenge(401, `, error="invalid_token", error_description="${why}"`, why);
    }
    return token;
  }

  function kickOff(
    level: "system" | "patient" | { readonly group: string },
    method: string,
    url: string,
    query: URLSearchParams,
    headers: RawHeaders,
    body: string,
    atMs: number,
  ): BulkAnswer {
    if (method !== "GET" && method !== "POST")
      return outcome(405, "error", "not-supported", `${method} is not supported here`, {
        allow: "GET, POST",
      });
    const token = authenticate(headers, query, atMs);
    if ("status" in token) return token;
    const params = kickOffParams(method, query, body);
    if (typeof params === "string") return outcome(400, "error", "invalid", params);
    const values = (name: string) => params.filter(([k]) => k === name).map(([, v]) => v);
    const format = values("_outputFormat")[0];
    if (format !== undefined && !NDJSON_FORMATS.has(format))
      return outcome(400, "error", "not-supported", `_outputFormat ${format} is not supported`);
    const sinceText = values("_since")[0];
    const since = sinceText === undefined ? undefined : Date.parse(sinceText);
    if (since !== undefined && Number.isNaN(since))
      return outcome(400, "error", "invalid", `_since ${sinceText ?? ""} is not a FHIR instant`);
    const named = values("_type").flatMap((v) => v.split(",").map((t) => t.trim()));
    const unknown = named.find((t) => !isResourceType(t));
    if (unknown !== undefined)
      return outcome(400, "error", "not-supported", `_type ${unknown} is not served here`);
    const offered = level === "system" ? (["Patient", "Observation", "Group"] as const) : COMPARTMENT_TYPES;
    const types = named.length > 0 ? [...new Set(named as ResourceType[])] : [...offered];
    const scopes = new Map<ResourceType, readonly SystemScope[]>();
    for (const type of types) {
      const applicable = applicableScopes(token.scopes, type, "r");
      if (applicable.length > 0) scopes.set(type, applicable);
      // A type the client named but may not read is refused; left unnamed, it is simply not exported.
      else if (named.length > 0)
        return challenge(
          403,
          `, error="insufficient_scope", scope="system/${type}.r"`,
          `the token's scope does not allow reading ${type}`,
        );
    }
    let patients: Set<string> | undefined;
    if (level === "patient") patients = new Set(allOfType("Patient").map((p) => p.id));
    if (typeof level === "object") {
      const group = findResource("Group", level.group);
      if (!group)
        return outcome(
          404,
          "error",
          "not-found",
          `no Group ${level.group} here (export Group/${BULK_GROUP_ID})`,
        );
      const members = (group.member as { entity?: { reference?: string } }[] | undefined) ?? [];
      patients = new Set(members.flatMap((m) => m.entity?.reference?.replace(/^Patient\//, "") ?? []));
    }
    const id = randomBytes(12).toString("base64url");
    jobs.set(id, {
      request: `${fhirUrl.origin}${method === "GET" ? url : url.split("?")[0]}`,
      transactionTime: new Date().toISOString(),
      readyAtMs: atMs + exportDurationMs(options.tokenLifetimeSeconds),
      requiresAccessToken: exports === 0,
      scopes,
      ...(patients ? { patients } : {}),
      ...(since !== undefined ? { since } : {}),
    });
    exports += 1;
    return outcome(202, "information", "informational", "export accepted", {
      "content-location": `${fhirBaseUrl}/${STATUS_SEGMENT}/${id}`,
    });
  }

  function manifest(id: string, job: Job): BulkAnswer {
    const output = [...job.scopes.keys()].flatMap((type) => {
      const count = lines(job, type).length;
      if (count === 0) return []; // IG: no output item for a type without data
      const url = job.requiresAccessToken
        ? `${fhirBaseUrl}/${FILES_SEGMENT}/${id}/${type}.ndjson`
        : `${storageOrigin}${STORAGE_PREFIX}/${id}/${type}.ndjson`;
      return [{ type, url, count }];
    });
    return {
      status: 200,
      headers: {
        "content-type": "application/json",
        expires: new Date(Date.now() + 3_600_000).toUTCString(),
      },
      body: JSON.stringify({
        transactionTime: job.transactionTime,
        request: job.request,
        requiresAccessToken: job.requiresAccessToken,
        output,
        error: [],
      }),
    };
  }

  function status(
    method: string,
    id: string,
    query: URLSearchParams,
    headers: RawHeaders,
    atMs: number,
  ): BulkAnswer {
    if (method !== "GET" && method !== "DELETE")
      return outcome(405, "error", "not-supported", `${method} is not supported here`, {
        allow: "GET, DELETE",
      });
    const token = authenticate(headers, query, atMs);
    if ("status" in token) return token;
    const job = jobs.get(id);
    if (!job) return outcome(404, "error", "not-found", "no such export (never started, or deleted)");
    if (method === "DELETE") {
      jobs.delete(id);
      return outcome(202, "information", "informational", "export deleted");
    }
    if (atMs < job.readyAtMs) {
      const total = exportDurationMs(options.tokenLifetimeSeconds);
      const done = Math.floor((100 * (total - (job.readyAtMs - atMs))) / total);
      return {
        status: 202,
        headers: { "retry-after": String(RETRY_AFTER_SECONDS), "x-progress": `${done}% complete` },
        body: "",
      };
    }
    return manifest(id, job);
  }

  function file(job: Job | undefined, name: string): BulkAnswer {
    const type = name.replace(/\.ndjson$/, "");
    if (!job || !isResourceType(type) || !job.scopes.has(type) || name === type)
      return outcome(404, "error", "not-found", `no file ${name} in this export`);
    const found = lines(job, type);
    return {
      status: 200,
      headers: { "content-type": "application/fhir+ndjson" },
      body: found.length > 0 ? `${found.join("\n")}\n` : "",
    };
  }

  return {
    noteTokenResponse(body, requestAtMs) {
      if (typeof body.access_token !== "string") return;
      const lifetime = typeof body.expires_in === "number" ? body.expires_in : options.tokenLifetimeSeconds;
      const granted = typeof body.scope === "string" ? body.scope.split(" ").filter(Boolean) : [];
      tokens.set(body.access_token, {
        expiresAtMs: requestAtMs + lifetime * 1000,
        scopes: granted.flatMap((text) => {
          const parsed = parseScope(text);
          return parsed.ok ? [parsed.scope] : [];
        }),
      });
    },

    handle(method, url, headers, body, atMs) {
      const [path = "", search = ""] = url.split(/\?(.*)/s);
      if (path !== fhirPath && !path.startsWith(`${fhirPath}/`)) return undefined;
      const segments = path.slice(fhirPath.length).split("/").filter(Boolean).map(decodeURIComponent);
      const query = new URLSearchParams(search);
      const [first, second, third, ...rest] = segments;
      if (first === "$export" && second === undefined)
        return kickOff("system", method, url, query, headers, body, atMs);
      if (first === "Patient" && second === "$export" && third === undefined)
        return kickOff("patient", method, url, query, headers, body, atMs);
      if (first === "Group" && second !== undefined && third === "$export" && rest.length === 0)
        return kickOff({ group: second }, method, url, query, headers, body, atMs);
      if (first === STATUS_SEGMENT && second !== undefined && third === undefined)
        return status(method, second, query, headers, atMs);
      if (first === FILES_SEGMENT && second !== undefined && third !== undefined && rest.length === 0) {
        if (method !== "GET")
          return outcome(405, "error", "not-supported", `${method} is not supported here`, { allow: "GET" });
        const token = authenticate(headers, query, atMs);
        if ("status" in token) return token;
        const job = jobs.get(second);
        return file(job?.requiresAccessToken ? job : undefined, third);
      }
      return undefined;
    },

    storage(method, url) {
      const [path = ""] = url.split("?");
      const [prefix, id, name, ...rest] = path.split("/").filter(Boolean).map(decodeURIComponent);
      if (method !== "GET" && method !== "HEAD")
        return {
          status: 405,
          headers: { allow: "GET, HEAD", "content-type": "text/plain" },
          body: "GET only",
        };
      if (`/${prefix ?? ""}` !== STORAGE_PREFIX || id === undefined || name === undefined || rest.length > 0)
        return { status: 404, headers: { "content-type": "text/plain" }, body: "no such file" };
      const job = jobs.get(id);
      const answer = file(job && !job.requiresAccessToken ? job : undefined, name);
      return answer.status === 200
        ? answer
        : { status: 404, headers: { "content-type": "text/plain" }, body: "no such file" };
    },
  };
}
