/**
 * Signing variations with the configured keys (oauth-jwt): against reference targets that accept only the
 * client's own algorithms (PS256 alone; RS256 and ES256), the signature and algorithm tests sign with those
 * keys and pass, or skip saying the variation does not apply to the client's key types, never end broken;
 * the not-advertised tests read RFC 8414 metadata or the config's acceptedAlgorithms. Seeded faults show
 * that the tests still catch what they guard when the keys are not SMART's.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { AssertionAlg, Fault } from "../../fixtures/reference-server/options.ts";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import { generateClientKey, publicJwks } from "../keys.ts";
import { runConformanceCli } from "./run-suite.ts";
import type { Summary, SummaryTest } from "./summary-reporter.ts";
import { budgetMs } from "./budget.ts";

const GREP =
  "Assertion signature|Assertion signing algorithm|Valid token request|accepts every advertised signing algorithm";
/** A --grep pattern matching exactly these titles. */
const only = (titles: readonly string[]): string =>
  titles.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

const PAYLOAD = (name: string) => `rejects an ${name} assertion whose payload was changed after signing`;
const BIT_FLIPPED = (name: string) => `rejects an ${name} assertion with one signature bit flipped`;
const FOREIGN_KEY = (name: string) =>
  `rejects an ${name} assertion signed by an unregistered key under a registered kid`;
const EMPTY = (name: string) => `rejects an ${name} assertion whose signature segment is empty`;
const SIGNATURE = (name: string) => [PAYLOAD, BIT_FLIPPED, FOREIGN_KEY, EMPTY].map((f) => f(name));
const DER = "rejects an ECDSA signature in ASN.1 DER instead of R||S";
const MISMATCH = [
  "rejects an assertion whose alg ECDSA names an RSA key (signed by that key with RSA)",
  "rejects an assertion whose alg RSA names an EC key (signed by that key with ECDSA)",
];
const NOT_ADVERTISED = (alg: string) => `rejects an ${alg}-signed assertion when ${alg} is not advertised`;
const LOWER_CASE = "rejects the client's alg in lower case (algorithm names are case-sensitive)";
const HMAC_RSA = [
  "rejects HS256 keyed with the client's RSA public key (its PEM SubjectPublicKeyInfo)",
  "rejects HS384 keyed with the client's RSA public key (its PEM PKCS#1 form)",
  "rejects HS256 keyed with the client's RSA public key (its JWK as JSON text)",
];
const HMAC_EC = "rejects HS256 keyed with the client's EC public key (its PEM SubjectPublicKeyInfo)";
/** The tests that use the configured keys (the grep also runs other algorithm tests, e.g. of metadata). */
const MINE = [
  ...["RSA", "ECDSA", "EdDSA"].flatMap(SIGNATURE),
  DER,
  ...MISMATCH,
  NOT_ADVERTISED("RS256"),
  NOT_ADVERTISED("PS384"),
  LOWER_CASE,
  ...HMAC_RSA,
  HMAC_EC,
  ...["RSA", "ECDSA", "EdDSA"].map(
    (n) => `issues an access token for a valid client_credentials request signed ${n}`,
  ),
];

test("under oauth-jwt the signing variations use the configured keys, or say they do not apply to them", async () => {
  test.setTimeout(budgetMs(200_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-signing-keys-"));
  const servers: ReferenceServer[] = [];
  try {
    const scope = "system/Patient.rs";
    const keySets = {
      ps256: await Promise.all([generateClientKey("PS256")]),
      "rs256-es256": await Promise.all([generateClientKey("RS256"), generateClientKey("ES256")]),
    };
    for (const [name, keys] of Object.entries(keySets)) {
      await writeFile(
        join(dir, `${name}.jwks.json`),
        JSON.stringify({ keys: keys.map((k) => k.privateJwk) }),
      );
    }

    /**
     * A reference target accepting only `keySet`'s algorithms, a config for it and an oauth-jwt run of the
     * signature and algorithm tests. `stated`: the algorithms come from RFC 8414 metadata or the config.
     */
    const run = async (
      keySet: keyof typeof keySets,
      stated: "rfc8414" | "config",
      faults: Fault[] = [],
      grep = GREP,
    ) => {
      const keys = keySets[keySet];
      const algs: AssertionAlg[] = keys.map((k) => k.key.alg);
      const server = await startReferenceServer({
        clients: [{ clientId: "inline-client", scope, jwks: publicJwks(keys.map((k) => k.key)) }],
        metadata: stated === "rfc8414" ? "rfc8414" : "none",
        signingAlgorithms: algs,
        faults,
      });
      servers.push(server);
      const name = `${keySet}-${stated}${faults.length > 0 ? `-${faults.join("-")}` : ""}`;
      const target = join(dir, `${name}.json`);
      await writeFile(
        target,
        JSON.stringify({
          fhirBaseUrl: server.fhirBaseUrl,
          client: { clientId: "inline-client", privateJwksPath: `${keySet}.jwks.json`, scope },
          ...(stated === "rfc8414"
            ? { issuer: server.origin }
            : { tokenEndpoint: server.tokenUrl, acceptedAlgorithms: algs }),
        }),
      );
      const reports = join(dir, name);
      const { status, output } = await runConformanceCli(
        ["--profile", "oauth-jwt", "--target", target, "--grep", grep, "--workers", "1"],
        { SMART_REPORTS_DIR: reports, SMART_QUIET: "1" },
      );
      const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
      const byTitle = (title: string): SummaryTest => {
        const found = summary.tests.find((t) => t.title === title);
        expect(found, `${name}: ${title}`).toBeDefined();
        return found as SummaryTest;
      };
      const expectStatus = (titles: readonly string[], status: SummaryTest["status"], message?: RegExp) => {
        for (const title of titles) {
          const t = byTitle(title);
          expect(t.status, `${name}: ${title} (${t.message ?? ""})`).toBe(status);
          if (message) expect(t.message, `${name}: ${title}`).toMatch(message);
        }
      };
      return { name, status, output, summary, expectStatus };
    };

    // Conformant targets: every test passes, or skips saying why (never broken, never failed).
    const conformant = await Promise.all([run("ps256", "rfc8414"), run("rs256-es256", "config")]);
    for (const r of conformant) {
      expect(r.status, r.output).toBe(0);
      expect(r.summary.tests.length, r.name).toBeGreaterThan(20);
      const bad = r.summary.tests.filter((t) => t.status === "broken" || t.status === "failed");
      expect(bad, r.name).toEqual([]);
      for (const t of r.summary.tests.filter((s) => s.status === "skipped" && MINE.includes(s.title))) {
        expect(t.message, `${r.name}: ${t.title}`).toMatch(
          // Ours, the not-advertised rule's own, or the profile's (a SMART-only rule, naming oauth-jwt).
          /^does not apply: the client's keys are |^the server advertises |oauth-jwt/,
        );
      }
    }
    const [ps256, rsEs] = conformant;

    // PS256 only: the RSA variations run with PS256; EC-only variations say plainly they do not apply.
    ps256.expectStatus(
      [...SIGNATURE("RSA"), NOT_ADVERTISED("RS256"), NOT_ADVERTISED("PS384"), LOWER_CASE, ...HMAC_RSA],
      "passed",
    );
    ps256.expectStatus(
      [DER],
      "skipped",
      /^does not apply: the client's keys are all RSA \(PS256\); DER encoding only exists for ECDSA signatures$/,
    );
    ps256.expectStatus(
      [...SIGNATURE("ECDSA"), ...SIGNATURE("EdDSA"), ...MISMATCH, HMAC_EC],
      "skipped",
      /^does not apply: the client's keys are all RSA \(PS256\); /,
    );

    // RS256 and ES256: both families run; RS256 is advertised, so only PS384 is a not-advertised case.
    rsEs.expectStatus(
      [
        ...SIGNATURE("RSA"),
        ...SIGNATURE("ECDSA"),
        DER,
        ...MISMATCH,
        NOT_ADVERTISED("PS384"),
        LOWER_CASE,
        ...HMAC_RSA,
        HMAC_EC,
      ],
      "passed",
    );
    rsEs.expectStatus([NOT_ADVERTISED("RS256")], "skipped", /the server advertises RS256/);
    rsEs.expectStatus(
      SIGNATURE("EdDSA"),
      "skipped",
      /^does not apply: the client's keys are RSA \(RS256\) and EC \(ES256\); it needs an EdDSA key$/,
    );

    // Each seeded fault still fails the tests that guard it, with keys other than SMART's.
    const caught: readonly [keyof typeof keySets, Fault, readonly string[]][] = [
      ["rs256-es256", "skip-signature-check", [...SIGNATURE("RSA"), ...SIGNATURE("ECDSA"), DER]],
      ["rs256-es256", "accepts-der-ecdsa", [DER]],
      ["rs256-es256", "alg-from-key", MISMATCH],
      ["rs256-es256", "alg-case-insensitive", [LOWER_CASE]],
      ["rs256-es256", "hmac-with-public-key", [...HMAC_RSA, HMAC_EC]],
      ["ps256", "accept-unadvertised-algs", [NOT_ADVERTISED("RS256"), NOT_ADVERTISED("PS384")]],
      ["ps256", "skip-signature-check", SIGNATURE("RSA")],
    ];
    // Three targets at a time: each run is a child process, and the machine may have two cores.
    for (let i = 0; i < caught.length; i += 3) {
      await Promise.all(
        caught.slice(i, i + 3).map(async ([keySet, fault, titles]) => {
          const faulty = await run(keySet, keySet === "ps256" ? "rfc8414" : "config", [fault], only(titles));
          faulty.expectStatus(titles, "failed");
        }),
      );
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  }
});
