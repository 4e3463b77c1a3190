/**
 * A loopback port for a server that another process binds later (the harness's JWKS host inside a suite
 * run, whose URL a config or a registration must name before the run starts).
 *
 * Asking the system for port 0 and releasing it is a race on a shared machine: the system hands the same
 * port to the next `listen(0)` or outgoing connection of any process, and the later bind fails with
 * EADDRINUSE. So the port is drawn at random from below the system's ephemeral range, which `listen(0)`
 * and outgoing connections never use, and tried on 127.0.0.1 before it is returned (a port somebody
 * already listens at is skipped). Only another caller of this function could still take it, one chance in
 * some twenty thousand.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Lowest port we draw from: above the registered ports most local services use. */
const LOWEST = 10_000;

/** The first port of the system's ephemeral range (Linux: /proc; elsewhere the IANA default 49152). */
function ephemeralStart(): number {
  try {
    const [first] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    const port = Number(first);
    if (Number.isInteger(port) && port > LOWEST + 1000) return port;
  } catch {
    // not Linux: fall through
  }
  return 49_152;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function unclaimedLoopbackPort(): Promise<number> {
  const end = ephemeralStart();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (end - LOWEST));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port between ${LOWEST} and ${end - 1} after 50 tries`);
}
