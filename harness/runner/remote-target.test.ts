/**
 * Reaching a target the way a remote one is reached: through an HTTP proxy (config `proxy`, CONNECT
 * tunnels) and over https with a private CA (config `caFile`), with the clock skew read from the target's
 * Date header.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { startForwardProxy, type ForwardProxy } from "../../fixtures/forward-proxy/proxy.ts";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import { generateClientKey, publicJwks } from "../keys.ts";
import { makeLoopbackCertificate } from "./loopback-cert.ts";
import { runSuite } from "./run-suite.ts";

let dir: string;
let server: ReferenceServer;
let proxy: ForwardProxy;
let caFile: string;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-remote-"));
  const generated = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
  await writeFile(
    join(dir, "client.private.jwks.json"),
    JSON.stringify({ keys: generated.map((g) => g.privateJwk) }),
  );
  const tls = makeLoopbackCertificate(dir);
  test.skip(!tls, "openssl is not available to make a test certificate");
  caFile = tls?.certPath ?? "";
  server = await startReferenceServer({
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
    clients: [
      {
        clientId: "remote-client",
        scope: "system/Patient.rs",
        jwks: publicJwks(generated.map((g) => g.key)),
      },
    ],
  });
  proxy = await startForwardProxy();
});

test.afterAll(async () => {
  await proxy?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function config(name: string, extra: Record<string, unknown>): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(
    path,
    JSON.stringify({
      fhirBaseUrl: server.fhirBaseUrl,
      client: {
        clientId: "remote-client",
        privateJwksPath: "client.private.jwks.json",
        scope: "system/Patient.rs",
      },
      ...extra,
    }),
  );
  return path;
}

test("an https target with a private CA, through an HTTP proxy: every request tunnels, tests pass", async () => {
  const before = proxy.tunnels.length;
  const summary = await runSuite({
    target: await config("proxied", { caFile, proxy: proxy.url }),
    grep: "token-request/|fhir/bearer-token",
  });
  expect(summary.tests.length).toBeGreaterThan(20);
  expect(
    summary.tests
      .filter((t) => t.status !== "passed" && t.status !== "skipped")
      .map((t) => `${t.status}: ${t.title}: ${t.message}`),
  ).toEqual([]);
  const target = `127.0.0.1:${server.port}`;
  expect(proxy.tunnels.length - before).toBeGreaterThan(0);
  expect(proxy.tunnels.slice(before).every((t) => t === target)).toBe(true);
  expect(summary.clockSkewSeconds, "clock skew from the Date header").toBeDefined();
  expect(Math.abs(summary.clockSkewSeconds ?? 99)).toBeLessThanOrEqual(1);
});

test("an https target whose CA is not given is unreachable, not a verdict", async () => {
  const summary = await runSuite({ target: await config("untrusted", {}), grep: "token-request/" });
  expect(summary.tests).toEqual([]);
  expect(summary.errors.join("\n")).toMatch(/ERR_TARGET_UNREACHABLE.*(self.signed|certificate)/i);
});
