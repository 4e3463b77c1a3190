/**
 * The judge: the reference server in judging mode. A recording front on 127.0.0.1 (the origin the client
 * is given) passes every request to a strict reference server behind it and keeps both sides of each
 * exchange. It answers as a conformant server would (a bad assertion gets invalid_client), plus three
 * things a client must cope with: token responses carry an extra, unknown member (RFC 6749 §5.1: ignore
 * it); search Bundles carry an entry whose fullUrl is on a second, "foreign" origin the judge also serves
 * (SMART: do not send the token there); and tokens live as long as --token-ttl says. It accepts assertions
 * signed with the algorithms of the profile the client is judged under (SMART's RS384 and ES384 unless told
 * otherwise). The first token request also makes the judge fetch the client's JWKS URL itself and keep
 * what it served. Its FHIR base also serves a Bulk Data export (bulk-export.ts: system, Patient and Group
 * kick-off, status polling with Retry-After, NDJSON files that need the token or, from the second export on,
 * sit on a third, "storage" origin that needs none). With `tls` every origin serves https (judge-tls.ts):
 * the judge's and the storage origin with a certificate from a CA made for the run and handed to the
 * client, the foreign one with a certificate from a CA the client is not given.
 * With `lenient` (--lenient) its token endpoint issues a token whenever the assertion's signature verifies
 * with a registered key, whatever else is wrong, so a flawed client goes on and every finding shows in one
 * run; an assertion whose signature does not verify is still refused, and its FHIR endpoint stays strict.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Server } from "node:net";
import { Agent, request } from "undici";
import {
  startReferenceServer,
  TOKEN_PATH,
  type ReferenceServer,
} from "../../fixtures/reference-server/server.ts";
import { SMART_ALGS, type JsonWebKeySet } from "../../fixtures/reference-server/options.ts";
import type { SigningAlg } from "../keys.ts";
import { httpsServer, makeJudgeTls, settleHandshakes } from "./judge-tls.ts";
import { createBulkExport, withBulkOperations, type BulkAnswer, type BulkExport } from "./bulk-export.ts";
import {
  type AbortedHandshake,
  FOREIGN_ENTRY_ID,
  UNKNOWN_TOKEN_MEMBER,
  type ClientSession,
  type JwksFetch,
  type ObservedRequest,
  type RawHeaders,
} from "./session.ts";

export interface JudgeOptions {
  readonly clientId: string;
  /** Space-separated scopes the client may be granted. */
  readonly scope: string;
  /** Exactly one of jwks (inline registration) and jwksUrl. */
  readonly jwks?: JsonWebKeySet;
  readonly jwksUrl?: string;
  /** Lifetime of the access tokens the judge issues (default 300 s). */
  readonly tokenLifetimeSeconds?: number;
  /** Port of the judge's origin (default: any free port). */
  readonly port?: number;
  /**
   * The JWS algorithms it accepts for client assertions (default SMART's RS384 and ES384; the oauth-jwt
   * profile's are RS/PS/ES 256–512 and EdDSA, client-profile.ts). The client checks judge against them.
   */
  readonly algorithms?: readonly SigningAlg[];
  /**
   * --lenient: issue a token to every token request whose assertion's signature verifies with a key
   * registered for the client, whatever else is wrong with the assertion or the request (the reference
   * server's lenientTokenRequests), so a flawed client goes on and every check sees the whole session.
   * Default: strict, as a conformant SMART server.
   */
  readonly lenient?: boolean;
  /**
   * Serve https (--tls): the judge's origin with a certificate from a CA made for the run (Judge.tls names
   * its file), the foreign origin with one from a CA the client is not given (BS-CLI-11).
   */
  readonly tls?: boolean;
}

export interface Judge {
  readonly fhirBaseUrl: string;
  readonly tokenUrl: string;
  readonly foreignOrigin: string;
  /** The origin serving the files of exports whose manifest needs no token (bulk-export.ts). */
  readonly storageOrigin: string;
  /** With --tls: the CA the client is to trust, as a PEM file (removed by close()) and as text. */
  readonly tls?: { readonly caFile: string; readonly caPem: string };
  /** Requests seen so far (both origins). */
  requestCount(): number;
  /**
   * With --tls: resolves once the TLS connections the client opened have each been refused, used or
   * closed (at most 1 s), so that a client which has just ended has its last refusal on record. Call it
   * before session(); over plain http it resolves at once.
   */
  settled(): Promise<void>;
  /** The session so far, with the command that played the client, if any. */
  session(command?: ClientSession["command"]): ClientSession;
  close(): Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "content-length"]);

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function copyHeaders(headers: IncomingMessage["headers"]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function startJudge(options: JudgeOptions): Promise<Judge> {
  const started = Date.now();
  const requests: ObservedRequest[] = [];
  const jwksFetches: JwksFetch[] = [];
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 300;
  const algorithms = options.algorithms ?? SMART_ALGS;
  const upstream = new Agent({ connections: 16 });
  let reference: ReferenceServer | undefined = undefined;
  let origin = "";
  let foreignOrigin = "";
  let storageOrigin = "";
  /** The Bulk Data side (bulk-export.ts), made once the FHIR base URL is known. */
  let bulk: BulkExport | undefined = undefined;
  let jwksFetched: Promise<void> | undefined;
  const tls = options.tls ? makeJudgeTls() : undefined;
  const abortedHandshakes: AbortedHandshake[] = [];

  const record = (entry: Omit<ObservedRequest, "seq">): void => {
    requests.push({ seq: requests.length + 1, ...entry });
  };

  async function fetchClientJwks(url: string): Promise<void> {
    const atMs = Date.now() - started;
    try {
      const res = await request(url, {
        headers: { accept: "application/json" },
        headersTimeout: 5_000,
        bodyTimeout: 5_000,
      });
      const body = await res.body.text();
      jwksFetches.push({
        atMs,
        url,
        status: res.statusCode,
        headers: res.headers as RawHeaders,
        body: body.slice(0, BODY_LIMIT),
      });
    } catch (err) {
      jwksFetches.push({ atMs, url, error: (err as Error).message });
    }
  }

  /** What the judge changes in the reference server's answer (see the module comment). */
  function rewrite(path: string, status: number, text: string): string {
    if (status !== 200) return text;
    const json = jsonObject(text);
    if (!json) return text;
    if (path === TOKEN_PATH && typeof json.access_token === "string") {
      return JSON.stringify({
        ...json,
        [UNKNOWN_TOKEN_MEMBER]: { note: "an unknown member: clients ignore it (RFC 6749 §5.1)" },
      });
    }
    if (json.resourceType === "CapabilityStatement") return JSON.stringify(withBulkOperations(json));
    if (json.resourceType === "Bundle" && json.type === "searchset" && Array.isArray(json.entry)) {
      return JSON.stringify({
        ...json,
        ...(typeof json.total === "number" ? { total: json.total + 1 } : {}),
        entry: [
          ...(json.entry as unknown[]),
          {
            fullUrl: `${foreignOrigin}/fhir/Patient/${FOREIGN_ENTRY_ID}`,
            resource: { resourceType: "Patient", id: FOREIGN_ENTRY_ID },
            search: { mode: "match" },
          },
        ],
      });
    }
    return text;
  }

  async function front(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const atMs = Date.now() - started;
    const body = await readAll(req);
    const url = req.url ?? "/";
    const path = url.split("?")[0] ?? url;
    if (path === TOKEN_PATH && options.jwksUrl && !jwksFetched)
      jwksFetched = fetchClientJwks(options.jwksUrl);
    if (path === TOKEN_PATH) await jwksFetched;
    const headers = copyHeaders(req.headers);
    const own = bulk?.handle(req.method ?? "GET", url, headers, body.toString("utf8"), atMs);
    if (own) return sendOwn(req, res, { atMs, origin: "judge", headers, body }, own);
    const forwarded = Object.fromEntries(Object.entries(headers).filter(([n]) => !HOP_BY_HOP.has(n)));
    const answer = await upstream.request({
      origin: `http://127.0.0.1:${(reference as ReferenceServer).port}`,
      path: url.startsWith("/") ? url : `/${url}`,
      method: req.method ?? "GET",
      headers: forwarded,
      ...(body.length > 0 && req.method !== "GET" && req.method !== "HEAD" ? { body } : {}),
    });
    const text = rewrite(path, answer.statusCode, await answer.body.text());
    if (path === TOKEN_PATH && answer.statusCode === 200)
      bulk?.noteTokenResponse(jsonObject(text) ?? {}, atMs);
    const responseHeaders = Object.fromEntries(
      Object.entries(answer.headers).filter(([n, v]) => !HOP_BY_HOP.has(n) && v !== undefined),
    ) as Record<string, string | string[]>;
    record({
      atMs,
      origin: "judge",
      method: req.method ?? "?",
      url,
      headers,
      ...(body.length > 0 ? { body: body.toString("utf8") } : {}),
      response: { status: answer.statusCode, headers: responseHeaders, ...(text ? { body: text } : {}) },
    });
    res.writeHead(answer.statusCode, { ...responseHeaders, "content-length": Buffer.byteLength(text) });
    res.end(req.method === "HEAD" ? undefined : text);
  }

  /** Records and sends an answer the judge makes itself (its Bulk Data routes, the storage origin). */
  function sendOwn(
    req: IncomingMessage,
    res: ServerResponse,
    seen: { atMs: number; origin: ObservedRequest["origin"]; headers: RawHeaders; body: Buffer },
    answer: BulkAnswer,
  ): void {
    record({
      atMs: seen.atMs,
      origin: seen.origin,
      method: req.method ?? "?",
      url: req.url ?? "/",
      headers: seen.headers,
      ...(seen.body.length > 0 ? { body: seen.body.toString("utf8") } : {}),
      response: {
        status: answer.status,
        headers: answer.headers,
        ...(answer.body ? { body: answer.body } : {}),
      },
    });
    res.writeHead(answer.status, { ...answer.headers, "content-length": Buffer.byteLength(answer.body) });
    res.end(req.method === "HEAD" ? undefined : answer.body);
  }

  /** The storage origin: the files of exports that need no token, served to anyone (bulk-export.ts). */
  async function storage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const atMs = Date.now() - started;
    const body = await readAll(req);
    const answer = bulk?.storage(req.method ?? "GET", req.url ?? "/") ?? {
      status: 503,
      headers: { "content-type": "text/plain" },
      body: "the judge is starting",
    };
    sendOwn(req, res, { atMs, origin: "storage", headers: copyHeaders(req.headers), body }, answer);
  }

  /** The foreign origin: answers like an open FHIR server, and keeps what it was sent. */
  async function foreign(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const atMs = Date.now() - started;
    const body = await readAll(req);
    const url = req.url ?? "/";
    const text = JSON.stringify({ resourceType: "Patient", id: FOREIGN_ENTRY_ID });
    const responseHeaders = { "content-type": "application/fhir+json" };
    record({
      atMs,
      origin: "foreign",
      method: req.method ?? "?",
      url,
      headers: copyHeaders(req.headers),
      ...(body.length > 0 ? { body: body.toString("utf8") } : {}),
      response: { status: 200, headers: responseHeaders, body: text },
    });
    res.writeHead(200, { ...responseHeaders, "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  const guard =
    (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) =>
    (req: IncomingMessage, res: ServerResponse) => {
      handler(req, res).catch((err: unknown) => {
        // The judge never answers 5xx for the client's input; this is the judge failing, so say so.
        if (!res.headersSent) {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`the judge failed to relay this request: ${(err as Error).message}`);
        } else res.destroy();
      });
    };
  const keep = (handshake: AbortedHandshake) => abortedHandshakes.push(handshake);
  const frontServer = tls
    ? httpsServer(tls.judge, guard(front), { origin: "judge", sinceMs: started, keep })
    : createServer(guard(front));
  const foreignServer = tls
    ? httpsServer(tls.foreign, guard(foreign), { origin: "foreign", sinceMs: started, keep })
    : createServer(guard(foreign));
  // The storage origin stands for a legitimate file server: under --tls its certificate is trusted.
  const storageServer = tls
    ? httpsServer(tls.judge, guard(storage), { origin: "storage", sinceMs: started, keep })
    : createServer(guard(storage));
  const scheme = tls ? "https" : "http";
  let port: number;
  try {
    port = await listen(frontServer, options.port ?? 0);
    foreignOrigin = `${scheme}://127.0.0.1:${await listen(foreignServer, 0)}`;
    storageOrigin = `${scheme}://127.0.0.1:${await listen(storageServer, 0)}`;
  } catch (err) {
    tls?.dispose();
    throw err;
  }
  origin = `${scheme}://127.0.0.1:${port}`;
  reference = await startReferenceServer({
    publicOrigin: origin,
    tokenLifetimeSeconds,
    signingAlgorithms: algorithms,
    ...(options.lenient ? { lenientTokenRequests: true } : {}),
    clients: [
      {
        clientId: options.clientId,
        scope: options.scope,
        ...(options.jwks ? { jwks: options.jwks } : {}),
        ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : {}),
      },
    ],
  });
  const ref = reference;
  bulk = createBulkExport({ fhirBaseUrl: ref.fhirBaseUrl, storageOrigin, tokenLifetimeSeconds });

  return {
    fhirBaseUrl: ref.fhirBaseUrl,
    tokenUrl: ref.tokenUrl,
    foreignOrigin,
    storageOrigin,
    ...(tls ? { tls: { caFile: tls.caFile, caPem: tls.caPem } } : {}),
    requestCount: () => requests.length,
    settled: () => settleHandshakes([frontServer, foreignServer, storageServer]),
    session: (command) => ({
      version: 1,
      registration: {
        clientId: options.clientId,
        scope: options.scope,
        ...(options.jwks ? { jwks: options.jwks } : {}),
        ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : {}),
      },
      judge: {
        fhirBaseUrl: ref.fhirBaseUrl,
        tokenUrl: ref.tokenUrl,
        foreignOrigin,
        storageOrigin,
        tokenLifetimeSeconds,
        algorithms: [...algorithms],
        ...(options.lenient ? { lenient: true } : {}),
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
      },
      ...(command ? { command } : {}),
      requests: [...requests],
      jwksFetches: [...jwksFetches],
      ...(tls
        ? {
            tls: {
              trustedCa: tls.trustedCa,
              untrustedCa: tls.untrustedCa,
              abortedHandshakes: [...abortedHandshakes],
            },
          }
        : {}),
    }),
    close: async () => {
      await Promise.all(
        [frontServer, foreignServer, storageServer].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
      await ref.close();
      await upstream.close();
      tls?.dispose();
    },
  };
}
