/**
 * Whether the server under test can reach the JWKS URL the harness serves, and what the tests say when it
 * does not. The harness may listen at another address than the URL it advertises (config
 * jwksUrlClient.listen, for a tunnel or reverse proxy); a server that never fetches the URL (an SSRF guard
 * refusing loopback) leaves every test of that client broken with that reason, none failed; a server that
 * fetched it once and then answers from its cache is told apart from one that never fetched it.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import { generateClientKey, publicJwks } from "../keys.ts";
import { runSuite } from "./run-suite.ts";
import type { SummaryTest } from "./summary-reporter.ts";
import { unclaimedLoopbackPort } from "./unclaimed-port.ts";
import { budgetMs } from "./budget.ts";

/** The tests of the client registered by JWKS URL (the inline client's jku test and the kid tests are not). */
const isUrlClientTest = (t: SummaryTest): boolean =>
  t.id.startsWith("key-resolution/jwks-url") ||
  (t.id.startsWith("key-resolution/jku") && !t.title.includes("inline JWK Set"));

const listening = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });

/** A TCP forwarder on 127.0.0.1 (port 0) to 127.0.0.1:`to`, as a tunnel or reverse proxy would be. */
async function startForwarder(
  to: number,
): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    count++;
    const outbound = connect(to, "127.0.0.1");
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.on("close", () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  const port = await listening(server);
  return {
    port,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test("a JWKS URL advertised on another host name and port reaches the harness at its listen address: every JWKS-URL test passes", async () => {
  test.setTimeout(budgetMs(60_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-jwks-listen-"));
  let server: ReferenceServer | undefined;
  let forwarder: Awaited<ReturnType<typeof startForwarder>> | undefined;
  try {
    const inline = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
    await writeFile(
      join(dir, "client.private.jwks.json"),
      JSON.stringify({ keys: inline.map((g) => g.privateJwk) }),
    );
    const listen = await unclaimedLoopbackPort();
    forwarder = await startForwarder(listen);
    // Another host name and another port than the harness listens at: only the forwarder connects them.
    const jwksUrl = `http://localhost:${forwarder.port}/keys/url-client.json`;
    server = await startReferenceServer({
      clients: [
        { clientId: "inline-client", scope: "system/Patient.rs", jwks: publicJwks(inline.map((g) => g.key)) },
        { clientId: "url-client", scope: "system/*.rs", jwksUrl },
      ],
    });
    const target = join(dir, "target.json");
    await writeFile(
      target,
      JSON.stringify({
        fhirBaseUrl: server.fhirBaseUrl,
        client: {
          clientId: "inline-client",
          privateJwksPath: "client.private.jwks.json",
          scope: "system/Patient.rs",
        },
        jwksUrlClient: {
          clientId: "url-client",
          jwksUrl,
          scope: "system/*.rs",
          listen: `127.0.0.1:${listen}`,
        },
      }),
    );
    const summary = await runSuite({ target, grep: "key-resolution/" });
    const urlTests = summary.tests.filter(isUrlClientTest);
    expect(urlTests.length, summary.errors.join("\n")).toBeGreaterThanOrEqual(19);
    expect(
      summary.tests.filter((t) => t.status !== "passed").map((t) => `${t.status}: ${t.title}: ${t.message}`),
    ).toEqual([]);
    expect(forwarder.connections(), "the target fetched the keys through the advertised URL").toBeGreaterThan(
      0,
    );
  } finally {
    await forwarder?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("a target whose SSRF guard refuses loopback URLs: every test of the JWKS-URL client is broken, saying the target never fetched the URL", async () => {
  test.setTimeout(budgetMs(60_000));
  const summary = await runSuite({
    grep: "key-resolution/",
    includeSlow: false,
    env: { SMART_REFERENCE_SSRF_GUARD: "1" },
  });
  const urlTests = summary.tests.filter(isUrlClientTest);
  expect(urlTests.length, summary.errors.join("\n")).toBeGreaterThanOrEqual(18);
  for (const t of urlTests) {
    expect(t.status, `${t.title}: ${t.message}`).toBe("broken");
    expect(t.message).toMatch(
      /the target never fetched the JWKS URL http:\/\/127\.0\.0\.1:\d+\/\S+ during this run/,
    );
    expect(t.message).toMatch(/not reachable from the server .* same host/);
    expect(t.message).toMatch(/SSRF guard .* refuses to fetch loopback or private addresses/);
    expect(t.message).toMatch(/registration names another JWKS URL/);
    expect(t.message).not.toMatch(/cache/);
  }
  // The tests that do not need the URL client still judge the target.
  const others = summary.tests.filter((t) => !isUrlClientTest(t));
  expect(others.length).toBeGreaterThan(0);
  expect(others.filter((t) => t.status !== "passed").map((t) => `${t.status}: ${t.title}`)).toEqual([]);
});

test("a target that fetched the JWKS URL once and then answers from its cache is told so, not 'never fetched'", async () => {
  test.setTimeout(budgetMs(60_000));
  const summary = await runSuite({
    grep: "key-resolution/jwks-url",
    includeSlow: false,
    faults: ["jwks-cached-forever"],
  });
  const broken = summary.tests.filter((t) => t.status === "broken");
  expect(broken.map((t) => t.title)).toEqual(
    expect.arrayContaining([
      "fails closed with invalid_client when the JWKS URL answers 500",
      "rejects an ES384 assertion verified by a P-256 key",
    ]),
  );
  for (const t of broken) {
    expect(t.message).toMatch(
      /answered without fetching the changed key set at \S+: it fetched that URL \d+ time\(s\) earlier in this run \(last at [^)]+\), then answered from its cache/,
    );
    expect(t.message).not.toMatch(/never fetched/);
  }
});
