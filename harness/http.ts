/**
 * An undici HTTP client that records every exchange, so a report can show exactly what was sent and
 * received. Network failures and timeouts become HarnessErrors (target unreachable / timed out), never
 * verdicts. No retries: a conformance check sends each request once.
 */
import { appendFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Agent, ProxyAgent, request, type Dispatcher } from "undici";
import { HarnessError } from "./errors.ts";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface RecordedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface Exchange {
  readonly label: string;
  readonly request: RecordedRequest;
  readonly response: RecordedResponse;
  readonly startedAt: string;
  readonly durationMs: number;
}

export interface SendOptions {
  readonly method?: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** A short description of why the request is sent, shown in the report. */
  readonly label?: string;
}

/** A file every request is appended to (JSON lines), for the benchmark's replay. */
export const REQUEST_LOG_ENV = "SMART_REQUEST_LOG";

export type FormParams = readonly (readonly [string, string])[];

/** A request that got no answer at the connection level: refused, reset or closed before a complete response. */
export interface ConnectionFailure {
  /** The error the request ends with unless the hook throws another (ERR_TARGET_UNREACHABLE). */
  readonly error: HarnessError;
  readonly request: RecordedRequest;
  readonly label: string;
  /** When the failure was seen (ms since the epoch). */
  readonly failedAt: number;
}

export interface HttpClientOptions {
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly dispatcher?: Dispatcher;
  /**
   * Called before a connection failure is thrown (never for timeouts, gateway statuses or oversized bodies);
   * it may throw instead, e.g. to judge a target that went down (harness/target-down.ts).
   */
  readonly onConnectionFailure?: (failure: ConnectionFailure) => Promise<void>;
}

const sharedAgent = new Agent({ keepAliveTimeout: 2_000, connect: { timeout: 5_000 } });

/** A dispatcher that trusts `ca` (PEM) in addition to the system's certificate authorities. */
export function trustingAgent(ca: string): Agent {
  return new Agent({ keepAliveTimeout: 2_000, connect: { timeout: 5_000, ca: [...rootCertificates, ca] } });
}

/**
 * The dispatcher for a target: through `proxy` when given (CONNECT for https targets), trusting `ca` for
 * the target's (and an https proxy's) certificate; undefined when the shared default will do.
 */
export function targetDispatcher(options: { ca?: string; proxy?: string }): Dispatcher | undefined {
  const tls = options.ca ? { ca: [...rootCertificates, options.ca] } : undefined;
  if (options.proxy) {
    return new ProxyAgent({
      uri: options.proxy,
      keepAliveTimeout: 2_000,
      connect: { timeout: 5_000 },
      ...(tls ? { requestTls: tls, proxyTls: tls } : {}),
    });
  }
  return options.ca ? trustingAgent(options.ca) : undefined;
}

/**
 * Statuses that say a gateway or an overloaded server stood in for the target: the target gave no answer
 * that could be judged, so the request counts as unreachable, never as the target's conformance verdict
 * (a negative test must not pass because a proxy answered 502).
 */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

export class HttpClient {
  readonly exchanges: Exchange[] = [];
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly dispatcher: Dispatcher;
  private readonly onConnectionFailure: HttpClientOptions["onConnectionFailure"];

  constructor(options: HttpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
    this.dispatcher = options.dispatcher ?? sharedAgent;
    this.onConnectionFailure = options.onConnectionFailure;
  }

  async send(options: SendOptions): Promise<Exchange> {
    const method = options.method ?? "GET";
    const headers = { ...options.headers };
    const recordedRequest: RecordedRequest = {
      method,
      url: options.url,
      headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
    };
    const label = options.label ?? `${method} ${new URL(options.url).pathname}`;
    const started = Date.now();
    let response: RecordedResponse;
    try {
      const res = await request(options.url, {
        method: method,
        headers,
        body: options.body,
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(this.timeoutMs),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      if (GATEWAY_STATUSES.has(res.statusCode)) {
        await res.body.dump().catch(() => undefined);
        throw new HarnessError(
          "ERR_TARGET_UNREACHABLE",
          `${method} ${options.url}: HTTP ${res.statusCode} (${flattenHeaders(res.headers)["content-type"] ?? "no content type"}): a gateway or an unavailable server answered, not the target`,
        );
      }
      response = {
        status: res.statusCode,
        headers: flattenHeaders(res.headers),
        body: await readLimited(res.body, this.maxBodyBytes),
      };
    } catch (cause) {
      const error = networkError(cause, method, options.url, this.timeoutMs);
      if (
        this.onConnectionFailure &&
        error.code === "ERR_TARGET_UNREACHABLE" &&
        !(cause instanceof HarnessError)
      )
        await this.onConnectionFailure({ error, request: recordedRequest, label, failedAt: Date.now() });
      throw error;
    }
    const exchange: Exchange = {
      label,
      request: recordedRequest,
      response,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
    };
    this.exchanges.push(exchange);
    // `npm run bench` replays every request of a run to measure what the requests alone cost.
    const log = process.env[REQUEST_LOG_ENV];
    if (log) appendFileSync(log, `${JSON.stringify(recordedRequest)}\n`);
    return exchange;
  }

  get(url: string, headers?: Record<string, string>, label?: string): Promise<Exchange> {
    return this.send({ method: "GET", url, ...(headers ? { headers } : {}), ...(label ? { label } : {}) });
  }

  /** POSTs form parameters exactly as given: repeated names stay repeated, omitted ones are absent. */
  postForm(
    url: string,
    params: FormParams,
    options: { headers?: Record<string, string>; label?: string } = {},
  ): Promise<Exchange> {
    return this.send({
      method: "POST",
      url,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        ...options.headers,
      },
      body: encodeForm(params),
      ...(options.label ? { label: options.label } : {}),
    });
  }
}

export function encodeForm(params: FormParams): string {
  return new URLSearchParams(params.map(([k, v]): [string, string] => [k, v])).toString();
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function readLimited(body: AsyncIterable<Buffer | Uint8Array>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      throw new HarnessError(
        "ERR_TARGET_PREREQUISITE",
        `the response body exceeds ${max} bytes; the harness stopped reading it`,
      );
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

function networkError(cause: unknown, method: string, url: string, timeoutMs: number): HarnessError {
  if (cause instanceof HarnessError) return cause;
  const err = cause as { code?: string; name?: string; message?: string };
  const timedOut =
    err.name === "TimeoutError" ||
    err.name === "AbortError" ||
    ["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"].includes(err.code ?? "");
  return timedOut
    ? new HarnessError(
        "ERR_TARGET_TIMEOUT",
        `${method} ${url}: no complete response within ${timeoutMs} ms`,
        { cause },
      )
    : new HarnessError(
        "ERR_TARGET_UNREACHABLE",
        `${method} ${url}: target unreachable (${err.code ?? err.message ?? String(cause)})`,
        { cause },
      );
}

/** The response body parsed as JSON, or undefined when it is not JSON. */
export function jsonBody(exchange: Exchange): unknown {
  try {
    return JSON.parse(exchange.response.body) as unknown;
  } catch {
    return undefined;
  }
}

/** The media type of a content-type header, lower-cased, without parameters. */
export function mediaType(headers: Readonly<Record<string, string>>): string | undefined {
  return headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
}
