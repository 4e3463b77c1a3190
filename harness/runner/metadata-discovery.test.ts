/**
 * Discovery without SMART (oauth-jwt): a server that serves no SMART configuration but RFC 8414 or OpenID
 * metadata has its token endpoint and signing algorithms read from that metadata, so the algorithm tests
 * judge it instead of ending broken; a server with no metadata at all runs them from the config's
 * acceptedAlgorithms, or skips them with the reason, and the run still exits 0 when nothing failed.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Fault, ReferenceServerOptions } from "../../fixtures/reference-server/options.ts";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import { metadataUrls } from "../auth-server-metadata.ts";
import { generateClientKey, publicJwks } from "../keys.ts";
import { runConformanceCli } from "./run-suite.ts";
import type { Summary, SummaryTest } from "./summary-reporter.ts";
import { budgetMs } from "./budget.ts";

test("RFC 8414 inserts the well-known segment before the issuer's path; OpenID appends it", () => {
  expect(metadataUrls("https://as.example")).toEqual([
    "https://as.example/.well-known/oauth-authorization-server",
    "https://as.example/.well-known/openid-configuration",
  ]);
  expect(metadataUrls("https://as.example/tenant/one/")).toEqual([
    "https://as.example/.well-known/oauth-authorization-server/tenant/one",
    "https://as.example/tenant/one/.well-known/openid-configuration",
  ]);
});

const NOT_ADVERTISED = [
  "rejects an RS256-signed assertion when RS256 is not advertised",
  "rejects an PS384-signed assertion when PS384 is not advertised",
];
const ACCEPTS_ADVERTISED = "accepts every advertised signing algorithm the configured keys can produce";

test("under oauth-jwt the algorithm tests read RFC 8414 or OpenID metadata, else the config's list, else skip with the reason", async () => {
  test.setTimeout(budgetMs(80_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-metadata-"));
  const servers: ReferenceServer[] = [];
  try {
    const keys = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
    await writeFile(join(dir, "keys.json"), JSON.stringify({ keys: keys.map((k) => k.privateJwk) }));
    const scope = "system/Patient.rs";

    /** A reference server with `options`, a config for it (`config` adds to it) and an oauth-jwt run. */
    const run = async (
      name: string,
      metadata: NonNullable<ReferenceServerOptions["metadata"]>,
      config: (server: ReferenceServer) => Record<string, unknown>,
      faults: Fault[] = [],
    ) => {
      const server = await startReferenceServer({
        clients: [{ clientId: "inline-client", scope, jwks: publicJwks(keys.map((k) => k.key)) }],
        metadata,
        faults,
      });
      servers.push(server);
      const target = join(dir, `${name}.json`);
      await writeFile(
        target,
        JSON.stringify({
          fhirBaseUrl: server.fhirBaseUrl,
          client: { clientId: "inline-client", privateJwksPath: "keys.json", scope },
          ...config(server),
        }),
      );
      const reports = join(dir, name);
      const { status, output } = await runConformanceCli(
        ["--profile", "oauth-jwt", "--target", target, "--grep", "signing algorithm|is not advertised"],
        { SMART_REPORTS_DIR: reports, SMART_QUIET: "1" },
      );
      const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
      const byTitle = (title: string): SummaryTest | undefined =>
        summary.tests.find((t) => t.title === title);
      return { status, output, summary, byTitle };
    };
    const [rfc8414, openid, listed, unstated, accepting] = await Promise.all([
      // Only the issuer: the token endpoint too comes from the metadata.
      run("rfc8414", "rfc8414", (s) => ({ issuer: s.origin })),
      run("openid", "openid", (s) => ({ tokenEndpoint: s.tokenUrl })),
      run("listed", "none", (s) => ({ tokenEndpoint: s.tokenUrl, acceptedAlgorithms: ["RS384", "ES384"] })),
      run("unstated", "none", (s) => ({ tokenEndpoint: s.tokenUrl })),
      run("accepting", "rfc8414", (s) => ({ issuer: s.origin }), ["accept-unadvertised-algs"]),
    ]);

    for (const judged of [rfc8414, openid, listed]) {
      expect(judged.status, judged.output).toBe(0);
      expect(judged.summary.tests.length).toBeGreaterThan(5);
      expect(judged.summary.tests.filter((t) => t.status === "broken" || t.status === "failed")).toEqual([]);
      for (const title of NOT_ADVERTISED) expect(judged.byTitle(title)?.status, title).toBe("passed");
      // Judged where the profile runs it (a SMART-only requirement is skipped saying so), never broken.
      const accepts = judged.byTitle(ACCEPTS_ADVERTISED);
      if (accepts?.status === "skipped") expect(accepts.message).toMatch(/oauth-jwt/);
      else expect(accepts?.status).toBe("passed");
    }

    // Neither metadata nor acceptedAlgorithms: skipped with the reason, not broken, and the run exits 0.
    expect(unstated.status, unstated.output).toBe(0);
    expect(unstated.summary.tests.filter((t) => t.status === "broken" || t.status === "failed")).toEqual([]);
    for (const title of [...NOT_ADVERTISED, ACCEPTS_ADVERTISED]) {
      const t = unstated.byTitle(title);
      expect(t?.status, title).toBe("skipped");
      if (title !== ACCEPTS_ADVERTISED || !/SMART-only/.test(t?.message ?? "")) {
        expect(t?.message).toMatch(/nothing states the signing algorithms the server accepts/);
        expect(t?.message).toMatch(/no RFC 8414 or OpenID metadata for the issuer http:\/\/127\.0\.0\.1:\d+/);
        expect(t?.message).toMatch(/no acceptedAlgorithms in the config/);
      }
    }
    // The other algorithm tests need no advertised list and still judge the server.
    expect(unstated.summary.tests.filter((t) => t.status === "passed").length).toBeGreaterThan(5);

    // Read from RFC 8414 metadata, the tests judge: a server accepting what it does not advertise fails them.
    // (SHOULD findings: the run still exits 0.)
    expect(accepting.status, accepting.output).toBe(0);
    expect(accepting.summary.failedByLevel).toEqual({ SHOULD: 2 });
    for (const title of NOT_ADVERTISED) expect(accepting.byTitle(title)?.status, title).toBe("failed");
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  }
});
