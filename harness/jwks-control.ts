/**
 * Test-side control of the harness's JWKS host (which runs in the runner process): set what a path
 * serves and read the log of fetches the target made.
 */
import { request } from "undici";
import { HarnessError } from "./errors.ts";
import type { FetchLogEntry, HostedRoute } from "./jwks-host.ts";

export class JwksControl {
  constructor(
    private readonly controlUrl: string,
    /** Origin of the host, for building URLs of other paths (e.g. an attacker's jku). */
    readonly origin: string,
  ) {}

  async setRoute(path: string, route: HostedRoute): Promise<void> {
    const res = await request(`${this.controlUrl}/route`, {
      method: "POST",
      body: JSON.stringify({ path, route }),
    });
    await res.body.dump();
    if (res.statusCode !== 204)
      throw new HarnessError(
        "ERR_HARNESS_INTERNAL",
        `JWKS host refused a route change (HTTP ${res.statusCode})`,
      );
  }

  /**
   * Waits for a lease on the key sets (shared: signing with a client's standing keys; exclusive: changing
   * them) and returns its id for {@link unlock}.
   */
  async lock(mode: "shared" | "exclusive"): Promise<string> {
    const res = await request(`${this.controlUrl}/lock?mode=${mode}`, {
      method: "POST",
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new HarnessError("ERR_HARNESS_INTERNAL", `JWKS host refused a lock (HTTP ${res.statusCode})`);
    }
    return ((await res.body.json()) as { id: string }).id;
  }

  async unlock(id: string): Promise<void> {
    const res = await request(`${this.controlUrl}/unlock?id=${encodeURIComponent(id)}`, { method: "POST" });
    await res.body.dump();
  }

  async log(): Promise<FetchLogEntry[]> {
    const res = await request(`${this.controlUrl}/log`);
    return (await res.body.json()) as FetchLogEntry[];
  }

  /** Fetches of `path` after `since` (an ISO time; default: since the host started, i.e. the whole run). */
  async fetchesOf(path: string, since = ""): Promise<FetchLogEntry[]> {
    return (await this.log()).filter((e) => e.path === path && e.at >= since);
  }

  /**
   * Why the target answered without fetching the key set a test changed at `since` (undefined when it did
   * fetch it): it never fetched the URL at all in this run, or it fetched it earlier and answered from its
   * cache.
   */
  async unfetchedChange(path: string, url: string, since: string): Promise<string | undefined> {
    const all = await this.fetchesOf(path);
    if (all.some((e) => e.at >= since)) return undefined;
    const last = all.at(-1);
    if (!last) return neverFetchedReason(url);
    return (
      `the target answered without fetching the changed key set at ${url}: it fetched that URL ` +
      `${all.length} time(s) earlier in this run (last at ${last.at}), then answered from its cache, so ` +
      "this variation never reached it (whether that caching is allowed is judged by the no-store and max-age tests)"
    );
  }
}

/**
 * Why no test of the client registered by JWKS URL can be judged when the harness's JWKS host saw no fetch
 * of that URL in the whole run, with the likely causes.
 */
export function neverFetchedReason(
  url: string,
  evidence = "",
  owner: "client" | "jwksUrlClient" = "jwksUrlClient",
): string {
  return (
    `the target never fetched the JWKS URL ${url} during this run${evidence ? ` (${evidence})` : ""}, so no ` +
    "test of the client registered by that URL can be judged. Likely causes: the URL is not reachable from the " +
    "server (the harness serves it on the machine it runs on, so by default the server must run on the same " +
    `host; otherwise set ${owner}.listen and advertise a URL that reaches the harness through a tunnel ` +
    "or reverse proxy); an SSRF guard in the server refuses to fetch loopback or private addresses; the " +
    "client's registration names another JWKS URL"
  );
}
