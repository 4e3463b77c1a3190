/**
 * Profiles change how ambiguities are judged, and nothing else: under interop a wrong error code for a
 * client-authentication failure is a SHOULD finding, but accepting the assertion is still a SHALL
 * violation; under strict, typ checking is a SHALL.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { exportJWK, generateKeyPair } from "jose";
import { loadTargetConfig } from "./config.ts";
import { judgedBy, profileConfigSkip, profileLevel, profileSkip } from "./profiles.ts";
import { isGeneric } from "./requirement-bases.ts";
import { isRequirementId, requirements } from "./requirements.ts";
import { runConformanceCli } from "./runner/run-suite.ts";
import type { Summary } from "./runner/summary-reporter.ts";
import { budgetMs } from "./runner/budget.ts";

/** The conformance command against the embedded target with `fault`, run into `reports`. */
async function judged(
  reports: string,
  fault: string,
  grep: string,
  profile?: string,
): Promise<{ status: number | null; output: string; summary: Summary }> {
  const { status, output } = await runConformanceCli(
    ["--grep", grep, ...(profile ? ["--profile", profile] : [])],
    { SMART_REPORTS_DIR: reports, SMART_REFERENCE_FAULTS: fault, SMART_QUIET: "1" },
  );
  const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
  return { status, output, summary };
}

test("interop softens AMB-02 to a SHOULD finding, strict hardens typ, and neither excuses acceptance", async () => {
  test.setTimeout(budgetMs(60_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-profiles-"));
  try {
    const run = (name: string, fault: string, grep: string, profile?: string) =>
      judged(join(dir, name), fault, grep, profile);
    const noAud = "rejects a client assertion without aud";
    const typ = "rejects an assertion typed as an access token";
    const [grantDefault, grantInterop, acceptInterop, typDefault, typStrict] = await Promise.all([
      run("grant-default", "invalid-grant-for-auth-failures", noAud),
      run("grant-interop", "invalid-grant-for-auth-failures", noAud, "interop"),
      run("accept-interop", "skip-aud-check", noAud, "interop"),
      run("typ-default", "ignore-typ", typ),
      run("typ-strict", "ignore-typ", typ, "strict"),
    ]);
    expect(grantDefault.status, grantDefault.output).toBe(1);
    expect(grantDefault.summary.failedByLevel).toEqual({ SHALL: 1 });

    expect(grantInterop.status, grantInterop.output).toBe(0);
    expect(grantInterop.summary.profile).toBe("interop");
    expect(grantInterop.summary.failedByLevel).toEqual({ SHOULD: 1 });
    expect(grantInterop.summary.tests[0]?.message).toContain(
      "a SHOULD finding under the interop profile: AMB-02",
    );

    expect(acceptInterop.status, acceptInterop.output).toBe(1);
    expect(acceptInterop.summary.failedByLevel).toEqual({ SHALL: 1 });

    expect(typDefault.status, typDefault.output).toBe(0);
    expect(typDefault.summary.failedByLevel).toEqual({ SHOULD: 1 });
    expect(typStrict.status, typStrict.output).toBe(1);
    expect(typStrict.summary.failedByLevel).toEqual({ SHALL: 1 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("smart-v1 requests v1 scopes, holds v1 scopes to SHALL, discovery to SHOULD, and skips what v1 lacks", async () => {
  test.setTimeout(budgetMs(60_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-profile-v1-"));
  try {
    const run = (name: string, fault: string, grep: string, profile?: string) =>
      judged(join(dir, name), fault, grep, profile);
    const v1Scope = "honours a v1 scope";
    const grantTypes = "lists client_credentials in grant_types_supported";
    const [v1Default, v1Profile, discDefault, discV1, skipped] = await Promise.all([
      run("v1-default", "v2-only-scopes", v1Scope),
      run("v1-profile", "v2-only-scopes", v1Scope, "smart-v1"),
      run("disc-default", "discovery-without-client-credentials", grantTypes),
      run("disc-v1", "discovery-without-client-credentials", grantTypes, "smart-v1"),
      run("skipped", "", "introspect|kid matches two keys", "smart-v1"),
    ]);
    // A server that refuses v1 scopes: a SHOULD finding for SMART 2, a SHALL violation for Bulk Data 1.0.
    expect(v1Default.summary.failedByLevel, v1Default.output).toEqual({ SHOULD: 1 });
    expect(v1Profile.status, v1Profile.output).toBe(1);
    expect(v1Profile.summary.failedByLevel).toEqual({ SHALL: 1 });
    // Discovery is SHALL in SMART 2, SHOULD in Bulk Data 1.0.
    expect(discDefault.status, discDefault.output).toBe(1);
    expect(discV1.status, discV1.output).toBe(0);
    expect(discV1.summary.failedByLevel).toEqual({ SHOULD: 1 });
    // Introspection and the one-key-per-kid rule are not part of Bulk Data 1.0.
    expect(skipped.summary.tests.length).toBeGreaterThanOrEqual(4);
    expect(skipped.summary.tests.filter((t) => t.status !== "skipped").map((t) => t.title)).toEqual([]);
    expect(skipped.summary.tests.every((t) => /\(profile smart-v1\)/.test(t.message ?? ""))).toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("oauth-jwt runs the RFC checks only, each skipped test says why, and signs with the keys' own algorithm", async () => {
  test.setTimeout(budgetMs(40_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-profile-oauth-"));
  try {
    const reports = join(dir, "reports");
    const { status, output } = await runConformanceCli(
      ["--profile", "oauth-jwt", "--grep", "token-request/|client-assertion/aud|discovery/|scopes/"],
      { SMART_REPORTS_DIR: reports, SMART_QUIET: "1" },
    );
    expect(status, output).toBe(0);
    const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
    const passed = summary.tests.filter((t) => t.status === "passed");
    const skipped = summary.tests.filter((t) => t.status === "skipped");
    expect(passed.length).toBeGreaterThan(20);
    // What ran judges a rule with an RFC basis (its first requirement); RFC 8414 metadata is such a rule.
    const smartOnly = passed.filter((t) => {
      const primary = t.requirements[0];
      return !primary || !isRequirementId(primary) || !requirements[primary].bases.some(isGeneric);
    });
    expect(smartOnly.map((t) => t.title)).toEqual([]);
    expect(passed.map((t) => t.title)).toEqual(
      expect.arrayContaining(["names in its metadata the issuer the metadata URL was built from"]),
    );
    expect(skipped.map((t) => t.area)).toEqual(expect.arrayContaining(["Discovery", "Scopes"]));
    // Every skip says why; SMART's discovery document is SMART-only, so all of it is skipped as such.
    expect(skipped.filter((t) => !t.message).map((t) => t.title)).toEqual([]);
    const discovery = skipped.filter((t) => t.area === "Discovery");
    expect(discovery.length).toBeGreaterThan(10);
    expect(discovery.filter((t) => !/oauth-jwt profile|profile oauth-jwt/.test(t.message ?? ""))).toEqual([]);

    // A PS256 key: refused for SMART (with a hint), accepted under oauth-jwt.
    const { privateKey } = await generateKeyPair("PS256", { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: "ps256-key", alg: "PS256" };
    await writeFile(join(dir, "ps256.jwks.json"), JSON.stringify({ keys: [jwk] }));
    const config = join(dir, "target.json");
    await writeFile(
      config,
      JSON.stringify({
        fhirBaseUrl: "http://127.0.0.1:9/fhir",
        client: { clientId: "c", privateJwksPath: "ps256.jwks.json", scope: "org.example.report" },
      }),
    );
    const previous = process.env.SMART_PROFILE;
    try {
      delete process.env.SMART_PROFILE;
      await expect(loadTargetConfig(config)).rejects.toThrow(
        /"PS256"; expected "RS384" or "ES384" \(or run with --profile oauth-jwt\)/,
      );
      process.env.SMART_PROFILE = "oauth-jwt";
      const loaded = await loadTargetConfig(config);
      expect(loaded.client.keys.map((k) => k.alg)).toEqual(["PS256"]);
    } finally {
      if (previous === undefined) delete process.env.SMART_PROFILE;
      else process.env.SMART_PROFILE = previous;
    }
    // Without SMART discovery the token endpoint must be named.
    const cli = await runConformanceCli(["--profile", "oauth-jwt", "--target", config], {
      SMART_REPORTS_DIR: join(dir, "r2"),
    });
    expect(cli.status).toBe(2);
    expect(cli.output).toContain("tokenEndpoint: is required with --profile oauth-jwt");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("oauth-jwt classifies by the rule a test judges: its RFC basis, level and conditions", () => {
  const previous = process.env.SMART_PROFILE;
  try {
    process.env.SMART_PROFILE = "oauth-jwt";
    // The first requirement decides: kid is SMART's rule, even though the refusal is RFC 7523's invalid_client.
    expect(profileSkip(["BS-JWTH-01", "BS-ERR-03"])).toMatch(/BS-JWTH-01 is SMART-only .*oauth-jwt profile/);
    expect(profileSkip(["BS-SIG-01", "BS-ERR-03"])).toBeUndefined();
    expect(profileSkip(["BS-TRESP-05"], "the 300-second ceiling is SMART's")).toMatch(/300-second/);
    // The RFC's level, never stronger than the test's own: expires_in is only RECOMMENDED by RFC 6749.
    expect(profileLevel(["BS-TRESP-04"], "SHALL")).toBe("SHOULD");
    expect(profileLevel(["BS-SIG-01", "BS-ERR-03"], "SHALL")).toBe("SHALL");
    expect(judgedBy(["BS-SIG-01", "BS-ERR-03"])).toBe("RFC 7523 §3 item 9 (BS-SIG-01)");
    // Replay protection is the server's promise (RFC 7523 §3 item 7, MAY); bearer tests need a resource.
    const none = { replayProtection: false, maxLifetime: false, protectedResource: false };
    expect(profileConfigSkip(["BS-JTI-02", "BS-ERR-03"], none)).toMatch(
      /RFC 7523 §3 item 7 .*replayProtection/,
    );
    expect(profileConfigSkip(["BS-JTI-02"], { ...none, replayProtection: true })).toBeUndefined();
    // So is a limit on the assertion lifetime (RFC 7523 §3 item 4, MAY).
    expect(profileConfigSkip(["BS-EXP-03", "BS-TREQ-01"], none)).toMatch(/maxLifetimeSeconds/);
    expect(profileConfigSkip(["BS-EXP-03"], { ...none, maxLifetime: true })).toBeUndefined();
    expect(profileConfigSkip(["BS-RS-01"], none)).toMatch(/no protectedResource in the config/);
    expect(profileConfigSkip(["BS-RS-01"], { ...none, protectedResource: true })).toBeUndefined();
    process.env.SMART_PROFILE = "smart-v2";
    expect(profileSkip(["BS-JWTH-01"])).toBeUndefined();
    expect(profileConfigSkip(["BS-JTI-02"], none)).toBeUndefined();
    expect(judgedBy(["BS-SIG-01"])).toBeUndefined();
  } finally {
    if (previous === undefined) delete process.env.SMART_PROFILE;
    else process.env.SMART_PROFILE = previous;
  }
});

test("every requirement records at least one basis, and every RFC basis names a section", () => {
  for (const r of Object.values(requirements)) {
    expect(r.bases.length, r.id).toBeGreaterThan(0);
    for (const b of r.bases.filter(isGeneric)) expect(b.section, `${r.id} ${b.spec}`).toMatch(/§\d/);
  }
});
