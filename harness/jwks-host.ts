/**
 * The harness's own JWKS server, on loopback unless the config's jwksUrlClient.listen (or client.listen)
 * says otherwise: it serves the public keys of the clients registered by URL, each at its own path (and,
 * for later tests, other paths such as an attacker's jku), logs every fetch the target makes, and can be
 * reconfigured from test workers through a control path that only the run knows.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { HarnessError } from "./errors.ts";

export interface HostedRoute {
  readonly status?: number;
  readonly body: string;
  readonly contentType?: string;
  readonly cacheControl?: string;
  /** Delay before answering, to simulate a stalled host. */
  readonly delayMs?: number;
}

export interface FetchLogEntry {
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly accept?: string;
}

export interface JwksHost {
  /** Where this machine reaches the host (a wildcard listen address becomes loopback). */
  readonly origin: string;
  /** Base URL of the control API (POST routes, GET log). */
  readonly controlUrl: string;
  setRoute(path: string, route: HostedRoute): void;
  log(): readonly FetchLogEntry[];
  close(): Promise<void>;
}

export function jwksRoute(jwks: unknown, cacheControl = "no-store"): HostedRoute {
  return { body: JSON.stringify(jwks), contentType: "application/json", cacheControl };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** The origin at which this machine reaches a server listening at `host`:`port`. */
export function localOrigin(host: string, port: number): string {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

/** Starts the host on `host` (default 127.0.0.1; IPv6 without brackets); `port` 0 picks one. */
export async function startJwksHost(port = 0, host = "127.0.0.1"): Promise<JwksHost> {
  const routes = new Map<string, HostedRoute>();
  const fetchLog: FetchLogEntry[] = [];
  const control = `/_harness/${randomBytes(12).toString("hex")}`;
  const lock = new KeySetLock();

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path.startsWith(control)) {
      const action = path.slice(control.length);
      if (req.method === "GET" && action === "/log") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(fetchLog));
        return;
      }
      if (req.method === "POST" && (action === "/lock" || action === "/unlock")) {
        req.resume();
        const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
        if (action === "/unlock") {
          lock.release(query.get("id") ?? "");
          res.writeHead(204).end();
          return;
        }
        const mode = query.get("mode") === "exclusive" ? "exclusive" : "shared";
        const cancel = lock.acquire(mode, (id) =>
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id })),
        );
        // A worker that went away while waiting (its test timed out) takes its place in the queue with it.
        res.on("close", () => {
          if (!res.writableEnded) cancel();
        });
        return;
      }
      if (req.method === "POST" && action === "/route") {
        readJson(req)
          .then((value) => {
            const { path: routePath, route } = value as { path: string; route: HostedRoute };
            routes.set(routePath, route);
            res.writeHead(204).end();
          })
          .catch(() => res.writeHead(400).end());
        return;
      }
      res.writeHead(404).end();
      return;
    }
    fetchLog.push({
      at: new Date().toISOString(),
      method: req.method ?? "?",
      path,
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
    });
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(route.status ?? 200, {
        "content-type": route.contentType ?? "application/json",
        ...(route.cacheControl ? { "cache-control": route.cacheControl } : {}),
      });
      res.end(route.body);
    };
    if (route.delayMs) setTimeout(answer, route.delayMs).unref();
    else answer();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(
        new HarnessError(
          "ERR_HARNESS_CONFIG",
          `cannot serve the JWKS URL on ${host.includes(":") ? `[${host}]` : host}:${port}: ${err.message}`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const origin = localOrigin(host, (server.address() as AddressInfo).port);
  return {
    origin,
    controlUrl: `${origin}${control}`,
    setRoute: (path, route) => routes.set(path, route),
    log: () => [...fetchLog],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A readers-writer lock on the key sets the host serves, taken by test workers through the control API:
 * a test that changes a client's key set holds it exclusively, a test that only signs with the client's
 * standing keys holds it shared, so no test sees another's changed set. First come, first served: a
 * waiting exclusive request holds back later shared ones.
 */
export class KeySetLock {
  #exclusive: string | undefined;
  readonly #shared = new Set<string>();
  readonly #queue: { id: string; mode: "shared" | "exclusive"; grant: (id: string) => void }[] = [];

  /** Calls `grant` with the lease id once granted; returns what withdraws the request or lease. */
  acquire(mode: "shared" | "exclusive", grant: (id: string) => void): () => void {
    const id = randomBytes(8).toString("hex");
    this.#queue.push({ id, mode, grant });
    this.#next();
    return () => {
      const i = this.#queue.findIndex((w) => w.id === id);
      if (i >= 0) this.#queue.splice(i, 1);
      this.release(id);
    };
  }

  release(id: string): void {
    if (this.#exclusive === id) this.#exclusive = undefined;
    this.#shared.delete(id);
    this.#next();
  }

  #next(): void {
    for (let head = this.#queue[0]; head; head = this.#queue[0]) {
      if (this.#exclusive !== undefined) return;
      if (head.mode === "exclusive" && this.#shared.size > 0) return;
      this.#queue.shift();
      if (head.mode === "exclusive") this.#exclusive = head.id;
      else this.#shared.add(head.id);
      head.grant(head.id);
    }
  }
}
