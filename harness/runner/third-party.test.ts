/**
 * Right about a server nobody here wrote: the whole suite runs against oidc-provider (OpenID Certified,
 * configured as a SMART Backend Services and standalone-launch server in fixtures/oidc-provider/) and every
 * verdict must match fixtures/oidc-provider/expected-verdicts.json, where each deviation of that server is
 * explained with the requirement it breaks. Tests not listed there must pass. The app-launch family drives
 * the library's own login and consent pages by the config's launch block alone: a login-page shape other
 * than the reference target's.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { OIDC_LAUNCH, oidcLaunchBlock } from "../../fixtures/oidc-provider/launch-block.ts";
import { startOidcTarget } from "../../fixtures/oidc-provider/server.ts";
import { generateClientKey, publicJwks } from "../keys.ts";
import { budgetMs } from "./budget.ts";
import { makeLoopbackCertificate } from "./loopback-cert.ts";
import { runSuite } from "./run-suite.ts";
import { unclaimedLoopbackPort } from "./unclaimed-port.ts";

interface Expected {
  readonly status: "failed" | "broken" | "skipped";
  readonly requirements: readonly string[];
  readonly why: string;
}

const EXPECTED = JSON.parse(
  readFileSync(new URL("../../fixtures/oidc-provider/expected-verdicts.json", import.meta.url), "utf8"),
) as Record<string, Expected>;

test("the suite's verdicts on oidc-provider are the expected ones, each deviation explained", async () => {
  // The whole suite with two workers, a browser login for most app-launch tests: measured 2.2 min at a
  // load of 17-20 on 2 cores (most of it waits on the network, not the CPU); 2 min idle is the estimate.
  test.setTimeout(budgetMs(120_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-oidc-"));
  const keySet = async (name: string) => {
    const generated = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
    const path = join(dir, `${name}.private.jwks.json`);
    await writeFile(path, JSON.stringify({ keys: generated.map((g) => g.privateJwk) }), { mode: 0o600 });
    return { path, jwks: publicJwks(generated.map((g) => g.key)) };
  };
  const [inline, byUrl] = await Promise.all([keySet("inline"), keySet("url")]);
  const jwksUrl = `http://127.0.0.1:${await unclaimedLoopbackPort()}/jwks/url-client.json`;
  const tls = makeLoopbackCertificate(dir);
  const target = await startOidcTarget({
    clients: [
      {
        clientId: "oidc-inline-client",
        scope: "system/Patient.rs system/Observation.rs",
        jwks: inline.jwks,
        redirectUris: [OIDC_LAUNCH.redirectUri],
      },
      { clientId: "oidc-url-client", scope: "system/*.rs", jwksUrl },
    ],
    tokenLifetimeSeconds: 10,
    launch: { codeLifetimeSeconds: OIDC_LAUNCH.codeLifetimeSeconds },
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
  });
  try {
    const configPath = join(dir, "target.json");
    await writeFile(
      configPath,
      JSON.stringify({
        name: "oidc-provider",
        fhirBaseUrl: target.fhirBaseUrl,
        // The provider is mounted at /oauth, its issuer: the RFC 8414 / OpenID metadata tests read it there.
        issuer: `${target.origin}/oauth`,
        client: {
          clientId: "oidc-inline-client",
          privateJwksPath: inline.path,
          scope: "system/Patient.rs system/Observation.rs",
        },
        jwksUrlClient: {
          clientId: "oidc-url-client",
          jwksUrl,
          privateJwksPath: byUrl.path,
          scope: "system/*.rs",
        },
        ...(tls ? { caFile: tls.certPath } : {}),
        launch: oidcLaunchBlock(OIDC_LAUNCH),
      }),
    );
    const summary = await runSuite({ target: configPath, workers: 2 });
    expect(summary.tests.length).toBeGreaterThan(150);
    const differences: string[] = [];
    for (const t of summary.tests) {
      const want = Object.hasOwn(EXPECTED, t.title) ? EXPECTED[t.title]?.status : "passed";
      if (t.status !== want) {
        differences.push(
          `${t.title}: expected ${want}, got ${t.status} ${(t.message ?? "").split("\n")[0] ?? ""}`,
        );
      }
    }
    const titles = new Set(summary.tests.map((t) => t.title));
    for (const title of Object.keys(EXPECTED)) {
      if (!titles.has(title)) differences.push(`${title}: listed in expected-verdicts.json but did not run`);
    }
    for (const [title, e] of Object.entries(EXPECTED)) {
      if (e.status === "failed" && (e.requirements.length === 0 || e.why.length < 20)) {
        differences.push(`${title}: an expected failure needs its requirement ids and an explanation`);
      }
    }
    expect(differences, "verdicts that differ from fixtures/oidc-provider/expected-verdicts.json").toEqual(
      [],
    );
  } finally {
    await target.close();
    await rm(dir, { recursive: true, force: true });
  }
});
