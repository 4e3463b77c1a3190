/**
 * The server's own assertion rules (config `assertion`) and scope strings, under --profile oauth-jwt: a
 * reference target that requires aud = its issuer, a client_id parameter and assertions living at most
 * 60 s, and that grants scope strings of its own (vendor:api/read), is judged without a false failure;
 * the suite's valid assertions follow those rules; and the tests that judge them still catch the seeded
 * faults they guard.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Fault } from "../../fixtures/reference-server/options.ts";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import { generateClientKey, publicJwks } from "../keys.ts";
import { runConformanceCli } from "./run-suite.ts";
import type { Summary, SummaryTest } from "./summary-reporter.ts";
import { budgetMs } from "./budget.ts";

const OTHER_IDENTIFIER =
  "rejects a client assertion whose aud is the issuer or token URL, whichever it does not require";
const ARRAY_OF_TOKEN_URL = "accepts aud as an array holding only the token URL";
const LIFETIME_WITHIN =
  "accepts an assertion that expires 10 seconds within the lifetime limit the server states";
const LIFETIME_HOUR = "rejects an assertion that expires an hour from now";
const BEYOND_REGISTRATION =
  "grants nothing beyond the registration to a request that adds an unregistered scope";
const STATES_DIFFERING_GRANT =
  "states the granted scope in the token response when it differs from the request";
const UNKNOWN_SCOPE = "answers a scope it does not define with invalid_scope or a grant without it";
const NO_MORE_THAN_REQUESTED = "grants no more than was requested";
const REPLAYED = "refuses the same assertion presented a second time";
const OWN_CLIENT_ID = "accepts a client_id parameter that names the assertion's own client";
const OTHER_CLIENT_ID = "refuses a client_id parameter that names a different client than the assertion";

/** The suites these rules touch, by title: the token requests, the assertion claims and the scopes. */
const GREP = [
  "aud",
  "exp",
  "jti",
  "assertion presented a second time",
  "client_id",
  "scope",
  "grants",
  "token request",
].join("|");

const REGISTERED = "vendor:api/read vendor:api/write";

/** A --grep pattern matching these titles (each unique among the titles). */
const only = (...titles: string[]): string =>
  titles.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

test("under oauth-jwt the suite follows the server's own assertion rules and scope strings, and judges by them", async () => {
  test.setTimeout(budgetMs(100_000));
  const dir = await mkdtemp(join(tmpdir(), "smart-assertion-rules-"));
  const servers: ReferenceServer[] = [];
  try {
    const keys = await Promise.all([generateClientKey("RS384"), generateClientKey("ES384")]);
    await writeFile(join(dir, "keys.json"), JSON.stringify({ keys: keys.map((k) => k.privateJwk) }));

    /** A reference target with the rules above (and `faults`), a config stating them, an oauth-jwt run. */
    const run = async (name: string, grep: string, faults: Fault[] = [], stated = true) => {
      const server = await startReferenceServer({
        clients: [{ clientId: "inline-client", scope: REGISTERED, jwks: publicJwks(keys.map((k) => k.key)) }],
        metadata: "rfc8414",
        ownScopes: [...REGISTERED.split(" "), "vendor:api/admin"],
        assertionRules: { aud: "issuer", requireClientIdParameter: true, maxLifetimeSeconds: 60 },
        faults,
      });
      servers.push(server);
      const target = join(dir, `${name}.json`);
      await writeFile(
        target,
        JSON.stringify({
          name,
          issuer: server.origin,
          client: {
            clientId: "inline-client",
            privateJwksPath: "keys.json",
            scope: REGISTERED,
            unregisteredScope: "vendor:api/admin",
          },
          assertion: stated
            ? {
                aud: "issuer",
                clientIdParameter: true,
                lifetimeSeconds: 60,
                maxLifetimeSeconds: 60,
                replayProtection: true,
              }
            : { clientIdParameter: true },
        }),
      );
      const reports = join(dir, name);
      const { status, output } = await runConformanceCli(
        ["--profile", "oauth-jwt", "--target", target, "--grep", grep],
        { SMART_REPORTS_DIR: reports, SMART_QUIET: "1" },
        240_000,
      );
      const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
      const byTitle = (title: string): SummaryTest | undefined =>
        summary.tests.find((t) => t.title === title);
      return { status, output, summary, byTitle };
    };

    const [conformant, unstated, faulty, withoutScope] = await Promise.all([
      run("conformant", GREP),
      // The config does not say which aud the server requires: RFC 7523 lets it accept either.
      run("unstated", only(OTHER_IDENTIFIER), ["skip-aud-check"], false),
      // Two faults that touch different tests: each failure below has one cause.
      run("faulty", only(OTHER_IDENTIFIER, BEYOND_REGISTRATION, UNKNOWN_SCOPE), [
        "skip-aud-check",
        "ignores-pre-authorization",
      ]),
      run("without-scope", only(STATES_DIFFERING_GRANT, BEYOND_REGISTRATION), [
        "token-response-without-scope",
      ]),
    ]);

    // Conformant: nothing in the areas these rules touch fails or breaks; the valid assertions (aud = the
    // issuer, exp 60 s ahead, a client_id parameter) are accepted, which the token tests need throughout.
    const mine = (s: Summary) =>
      s.tests.filter((t) => /^(client-assertion|scopes|token-request)\//.test(t.id));
    const notJudged = mine(conformant.summary).filter((t) => t.status === "failed" || t.status === "broken");
    expect(
      notJudged.map((t) => `${t.status}: ${t.id}: ${t.message ?? ""}`),
      conformant.output,
    ).toEqual([]);
    expect(mine(conformant.summary).filter((t) => t.status === "passed").length).toBeGreaterThan(20);
    for (const title of [
      OTHER_IDENTIFIER,
      REPLAYED,
      OWN_CLIENT_ID,
      OTHER_CLIENT_ID,
      BEYOND_REGISTRATION,
      STATES_DIFFERING_GRANT,
      UNKNOWN_SCOPE,
      NO_MORE_THAN_REQUESTED,
      // The server's own 60 s limit (config assertion.maxLifetimeSeconds): 50 s accepted, an hour refused.
      LIFETIME_WITHIN,
      LIFETIME_HOUR,
    ])
      expect(conformant.byTitle(title)?.status, title).toBe("passed");
    // What does not apply to this server says why.
    expect(conformant.byTitle(ARRAY_OF_TOKEN_URL)?.message ?? "").toMatch(
      /requires aud "http:\/\/127\.0\.0\.1:\d+"/,
    );

    // Unstated aud: the other identifier is not judged, whatever the server accepts.
    expect(unstated.byTitle(OTHER_IDENTIFIER)?.status).toBe("skipped");
    expect(unstated.byTitle(OTHER_IDENTIFIER)?.message ?? "").toMatch(/RFC 7523 §3 item 3/);

    // Stated, the seeded faults are caught by the tests that guard them.
    expect(faulty.byTitle(OTHER_IDENTIFIER)?.status, faulty.output).toBe("failed");
    expect(faulty.byTitle(BEYOND_REGISTRATION)?.status, faulty.output).toBe("failed");
    expect(faulty.byTitle(UNKNOWN_SCOPE)?.status).toBe("passed");
    for (const title of [STATES_DIFFERING_GRANT, BEYOND_REGISTRATION])
      expect(withoutScope.byTitle(title)?.status, title).toBe("failed");
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  }
});
