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

  async log(): Promise<FetchLogEntry[]> {
    const res = await request(`${this.controlUrl}/log`);
    return (await res.body.json()) as FetchLogEntry[];
  }

  /** Fetches of `path` after `since` (an ISO time). */
  async fetchesOf(path: string, since: string): Promise<FetchLogEntry[]> {
    return (await this.log()).filter((e) => e.path === path && e.at >= since);
  }
}
