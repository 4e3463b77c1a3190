/**
 * The client judge's proof: the harness's own assertion builder plays the client (sample-client.ts). The
 * conformant client passes every client check; each mutant — one deliberate deviation, or a registration
 * with one flaw — fails exactly the checks named for it, no more, no fewer; and a client signing with any
 * algorithm of the oauth-jwt profile passes a judge of that profile, while a SMART judge holds it to RS384
 * or ES384. Every session is recorded once, side by side (each against its own judge), and the checks run
 * over it as plain functions (client-checks.ts): the proof takes the few seconds the sessions take.
 * Each sample-client mutant plays again against a --lenient judge: it fails the same checks, and
 * LENIENT_ADDS says exactly what that judge sees besides (lenient.test.ts: three defects in one run).
 *
 * A second test shows the Playwright client checks are those functions: suites/client/ lists one test per
 * check, and a Playwright run over a few recorded sessions reaches the same verdicts, skip reasons and
 * findings.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { expect, test } from "@playwright/test";
import { Agent } from "undici";
import {
  generateClientKey,
  publicJwks,
  SIGNING_ALGS,
  SMART_SIGNING_ALGS,
  type ClientKey,
  type SigningAlg,
} from "../keys.ts";
import { budgetMs } from "../runner/budget.ts";
import { bin, runProcess } from "../runner/run-suite.ts";
import type { Summary } from "../runner/summary-reporter.ts";
import type { ClientVerdict } from "./client-check.ts";
import {
  CLIENT_CHECK_FAMILIES,
  CLIENT_CHECKS,
  judgeClientSession,
  type ClientCheckName,
  BULK_DATA_CHECKS,
} from "./client-checks.ts";
import { clientSigningAlgs, type ClientProfile } from "./client-profile.ts";
import { startJudge } from "./judge.ts";
import { JudgedSession } from "./judged-session.ts";
import { MUTANTS, runSampleClient, type Mutant } from "./sample-client.ts";
import type { ClientSession } from "./session.ts";

/** What each mutant of the sample client must fail (and nothing else). */
const MUTANT_FAILS: Record<Mutant, readonly ClientCheckName[]> = {
  "alg-rs256": ["alg"],
  "no-kid": ["kid", "signature"],
  "unknown-kid": ["kid", "signature"],
  "no-typ": ["typ"],
  "foreign-jku": ["jku"],
  "der-ecdsa": ["der", "signature"],
  "wrong-aud": ["aud"],
  "iss-not-client": ["issSub"],
  "no-sub": ["issSub"],
  "exp-ten-minutes": ["exp"],
  "exp-fractional": ["exp"],
  "no-jti": ["jti"],
  "reused-jti": ["oneTime"],
  "reused-assertion": ["oneTime"],
  // Sent as JSON, the parameters are not form parameters at all.
  "json-body": ["form", "grant"],
  "repeated-scope": ["once"],
  "basic-auth": ["basic"],
  "no-assertion-type": ["grant"],
  "wrong-grant-type": ["grant"],
  "non-system-scope": ["scopes"],
  "discovery-without-accept": ["accept"],
  "no-discovery": ["discovery"],
  // Discovery answered 404, so, like a real client, it gives up before any token request.
  "root-discovery": ["discovery", "tokenRequest"],
  "token-in-query": ["bearer"],
  "token-in-query-and-header": ["bearer"],
  "token-to-foreign": ["foreign"],
  "keeps-expired-token": ["renewal"],
  "strict-token-response": ["unknownMembers"],
  // transport: judged by a --tls judge (TLS_MUTANTS); it reads the search result on the untrusted origin.
  "accepts-any-certificate": ["untrustedOrigin"],
  // bulk data export: each deviates in one request of its two exports.
  "kickoff-without-accept": ["kickOffAccept"],
  "kickoff-without-prefer": ["kickOffPrefer"],
  "ignores-retry-after": ["retryAfter"],
  "status-fhir-accept": ["statusAccept"],
  // Refused (401) at its first poll, like a real client it gives up: no manifest, no file.
  "status-without-token": ["statusToken"],
  // Refused (401) at the first file of the export that requires the token.
  "files-without-token": ["fileToken"],
  "token-to-storage": ["storageToken"],
};

/** Mutants whose deviation only a judge serving https (--tls) can see. */
const TLS_MUTANTS: ReadonlySet<Mutant> = new Set<Mutant>(["accepts-any-certificate"]);

type JwksRoute = "url" | "url-no-cache-control" | "url-missing";

interface Case {
  readonly name: string;
  readonly mutant?: Mutant;
  /** The profile the judge judges under (default smart-v2: RS384 and ES384 only). */
  readonly profile?: ClientProfile;
  /** The one algorithm the client signs with (default: an ES384 and an RS384 key, ES384 first). */
  readonly alg?: SigningAlg;
  /** How the client registers (default: the public keys, inline). */
  readonly registration?: "private-members" | "duplicate-kid" | "key-without-kid" | "rsa-1024" | JwksRoute;
  /** The judge serves https (--tls); the client is given its CA. */
  readonly tls?: boolean;
  /** No client at all: the command "ran" and exited 1 without a request. */
  readonly silent?: boolean;
  /** The judge runs --lenient: a token whenever the assertion's signature verifies (see LENIENT_ADDS). */
  readonly lenient?: boolean;
  /** Rewrites the recorded session (for what a loopback run cannot show: a plain-http remote JWKS URL). */
  readonly rewrite?: (session: ClientSession) => ClientSession;
  readonly fails: readonly ClientCheckName[];
}

const NON_SMART_ALGS = SIGNING_ALGS.filter((alg) => !SMART_SIGNING_ALGS.includes(alg));

const CASES: readonly Case[] = [
  { name: "conformant", fails: [] },
  ...(Object.keys(MUTANT_FAILS) as Mutant[]).map((mutant) => ({
    name: mutant,
    mutant,
    ...(TLS_MUTANTS.has(mutant) ? { tls: true } : {}),
    fails: MUTANT_FAILS[mutant],
  })),
  // A --tls judge: the client trusts the judge's CA, refuses the foreign origin's certificate, and the
  // judge still fetches a client's JWKS URL.
  { name: "tls", tls: true, fails: [] },
  { name: "tls-jwks-url", tls: true, registration: "url", fails: [] },
  { name: "silent", silent: true, fails: ["tokenRequest"] },
  { name: "registers-private-members", registration: "private-members", fails: ["privateMembers"] },
  { name: "duplicate-kid", registration: "duplicate-kid", fails: ["kids"] },
  { name: "key-without-kid", registration: "key-without-kid", fails: ["kids"] },
  { name: "rsa-1024", registration: "rsa-1024", fails: ["rsaSize"] },
  { name: "jwks-url", registration: "url", fails: [] },
  { name: "jwks-url-no-cache-control", registration: "url-no-cache-control", fails: ["cacheControl"] },
  // Nothing to verify with: the kid names no key of a set that never arrived.
  { name: "jwks-url-missing", registration: "url-missing", fails: ["jwksGet", "kid", "signature"] },
  {
    name: "jwks-url-plain-http",
    registration: "url",
    rewrite: (s) => ({
      ...s,
      registration: { ...s.registration, jwksUrl: "http://keys.client.example/jwks.json" },
    }),
    fails: ["jwksTls"],
  },
  // The oauth-jwt profile: every algorithm it supports is registered, accepted and judged.
  ...SIGNING_ALGS.map((alg): Case => ({ name: `oauth-jwt-${alg}`, profile: "oauth-jwt", alg, fails: [] })),
  ...(["ES256", "ES512"] as const).map((alg): Case => ({
    name: `oauth-jwt-der-${alg}`,
    profile: "oauth-jwt",
    alg,
    mutant: "der-ecdsa",
    fails: ["der", "signature"],
  })),
  // The SMART profile still requires RS384 or ES384: the judge refuses the rest, and the check says why.
  ...NON_SMART_ALGS.map((alg): Case => ({ name: `smart-${alg}`, alg, fails: ["alg"] })),
];

/** Every Bulk Data check: each judges the export a client runs once it holds a token. */
const BULK_EXPORT = Object.keys(BULK_DATA_CHECKS) as ClientCheckName[];
/**
 * What a --lenient judge sees that a strict one does not, per mutant: checks the strict judge skipped (it
 * refused a token request, so the client stopped) that pass under the lenient one (it issued the token).
 * Under both judges each mutant fails exactly its MUTANT_FAILS; a mutant not listed is judged alike by
 * both (the strict judge refuses nothing it sends, or it stops by itself: root-discovery). A check of what
 * a client does once it holds a token belongs in AFTER_THE_FIRST_TOKEN.
 */
const AFTER_THE_FIRST_TOKEN: readonly ClientCheckName[] = [
  "oneTime",
  "bearer",
  "foreign",
  "unknownMembers",
  "renewal",
  ...BULK_EXPORT, // the Bulk Data export it runs with its token
];
const REFUSED_AT_THE_FIRST_TOKEN_REQUEST: readonly Mutant[] = [
  "alg-rs256",
  "no-kid",
  "unknown-kid",
  "no-typ",
  "foreign-jku",
  "der-ecdsa",
  "wrong-aud",
  "iss-not-client",
  "no-sub",
  "exp-ten-minutes",
  "no-jti",
  "json-body",
  "repeated-scope",
  "basic-auth",
  "no-assertion-type",
  "wrong-grant-type",
  "non-system-scope",
];
/**
 * What a client does once it renewed its token: the sample client renews right before its exports (they
 * outlast a 2 s token), so a refused renewal stops it before any export, whatever the machine's load.
 */
const RENEWED: readonly ClientCheckName[] = ["renewal", ...BULK_EXPORT];
const LENIENT_ADDS: Partial<Record<Mutant, readonly ClientCheckName[]>> = {
  ...Object.fromEntries(REFUSED_AT_THE_FIRST_TOKEN_REQUEST.map((m) => [m, AFTER_THE_FIRST_TOKEN])),
  // Refused when it renews (a jti, or the whole assertion, used before): its exports, and what follows.
  "reused-jti": RENEWED,
  "reused-assertion": RENEWED,
};

/** Each mutant of the sample client again, under a --lenient judge: it must fail the same checks. */
const LENIENT_CASES: readonly Case[] = CASES.filter((c) => c.mutant !== undefined && c.name === c.mutant).map(
  (c) => ({ ...c, name: `lenient ${c.name}`, lenient: true }),
);
const JUDGED: readonly Case[] = [...CASES, ...LENIENT_CASES];

const CLIENT_ID = "sample-client";
const SCOPE = "system/Patient.rs system/Observation.rs";

function rsa1024Jwk(): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  return { ...publicKey.export({ format: "jwk" }), kid: "weak-1024", alg: "RS384" };
}

interface Material {
  /** The default client's keys (ES384 first, then RS384) and their private JWKs. */
  readonly keys: readonly ClientKey[];
  readonly privateJwks: readonly Record<string, unknown>[];
  /** A key of each algorithm, for the one-algorithm cases. */
  readonly byAlg: ReadonlyMap<SigningAlg, ClientKey>;
  readonly weak: Record<string, unknown>;
  /** Origin of the JWKS URLs of the URL-registered cases (the default client's public keys). */
  readonly hostOrigin: string;
  readonly close: () => Promise<void>;
}

async function material(algs: readonly SigningAlg[]): Promise<Material> {
  const generated = await Promise.all([generateClientKey("ES384"), generateClientKey("RS384")]);
  const keys = generated.map((g) => g.key);
  const byAlg = new Map(
    await Promise.all(algs.map(async (alg) => [alg, (await generateClientKey(alg)).key] as const)),
  );
  const publicSet = publicJwks(keys);
  const host: Server = createServer((req, res) => {
    if (req.url === "/url")
      res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60" });
    else if (req.url === "/url-no-cache-control") res.writeHead(200, { "content-type": "application/json" });
    else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.end(JSON.stringify(publicSet));
  });
  await new Promise<void>((done) => host.listen(0, "127.0.0.1", () => done()));
  return {
    keys,
    privateJwks: generated.map((g) => g.privateJwk as Record<string, unknown>),
    byAlg,
    weak: rsa1024Jwk(),
    hostOrigin: `http://127.0.0.1:${(host.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => host.close(() => done())),
  };
}

/** Plays one case against a judge of its own and returns the session the judge recorded. */
async function record(c: Case, m: Material): Promise<ClientSession> {
  const keys = c.alg ? [m.byAlg.get(c.alg) as ClientKey] : m.keys;
  const publicSet = publicJwks(keys);
  const [first, second] = publicSet.keys as [Record<string, unknown>, Record<string, unknown>];
  const registration = c.registration;
  const inline =
    registration === "private-members"
      ? { keys: [...m.privateJwks] }
      : registration === "duplicate-kid"
        ? { keys: [...publicSet.keys, { ...second, kid: first.kid }] }
        : registration === "key-without-kid"
          ? {
              keys: [
                ...publicSet.keys,
                Object.fromEntries(Object.entries(second).filter(([k]) => k !== "kid")),
              ],
            }
          : registration === "rsa-1024"
            ? { keys: [...publicSet.keys, m.weak] }
            : registration === undefined
              ? publicSet
              : undefined;
  const judge = await startJudge({
    clientId: CLIENT_ID,
    scope: SCOPE,
    tokenLifetimeSeconds: 2,
    ...(c.lenient ? { lenient: true } : {}),
    algorithms: clientSigningAlgs(c.profile),
    ...(inline ? { jwks: inline } : { jwksUrl: `${m.hostOrigin}/${registration as string}` }),
    ...(c.tls ? { tls: true } : {}),
  });
  // What fixtures/clients/sample-client.ts does with SMART_CA_FILE: the system roots and the judge's CA.
  const dispatcher = judge.tls
    ? new Agent({ connect: { ca: [...rootCertificates, judge.tls.caPem] } })
    : undefined;
  let error: Error | undefined;
  try {
    if (c.silent) error = new Error("the client gave up before any request");
    else
      await runSampleClient({
        fhirBaseUrl: judge.fhirBaseUrl,
        clientId: CLIENT_ID,
        keys,
        scope: "system/Patient.rs",
        ...(c.mutant ? { mutant: c.mutant } : {}),
        ...(dispatcher ? { dispatcher } : {}),
      });
  } catch (err) {
    error = err as Error;
  }
  await dispatcher?.close();
  await judge.settled();
  const session = judge.session({
    argv: ["sample-client", c.mutant ?? c.name],
    exitCode: error ? 1 : 0,
    signal: null,
    timedOut: false,
    stderrTail: error?.message ?? "",
  });
  await judge.close();
  return c.rewrite ? c.rewrite(session) : session;
}

/** Records the cases side by side. */
async function recordAll(cases: readonly Case[]): Promise<Map<string, ClientSession>> {
  const algs = [...new Set(cases.flatMap((c) => (c.alg ? [c.alg] : [])))];
  const m = await material(algs);
  try {
    return new Map(await Promise.all(cases.map(async (c) => [c.name, await record(c, m)] as const)));
  } finally {
    await m.close();
  }
}

const failedOf = (verdicts: Record<ClientCheckName, ClientVerdict>) =>
  (Object.keys(verdicts) as ClientCheckName[]).filter((n) => verdicts[n].status === "failed").sort();

test("every client check passes for a conformant client and fails for exactly its mutants", async () => {
  // ~4 s idle: the sessions run side by side, each through two exports that outlast a 2 s token (about
  // 3.5 s); judging them takes milliseconds.
  test.setTimeout(budgetMs(15_000));
  const sessions = await recordAll(JUDGED);
  const verdicts = new Map(
    await Promise.all(
      JUDGED.map(
        async (c) => [c.name, await judgeClientSession(sessions.get(c.name) as ClientSession)] as const,
      ),
    ),
  );
  const failed = Object.fromEntries(
    JUDGED.map((c) => [c.name, failedOf(verdicts.get(c.name) as Record<ClientCheckName, ClientVerdict>)]),
  );
  const expected = Object.fromEntries(JUDGED.map((c) => [c.name, [...c.fails].sort()]));
  // On a mismatch the diff names the case and the checks; the findings say why.
  const why = JUDGED.flatMap((c) =>
    Object.entries(verdicts.get(c.name) ?? {}).flatMap(([name, v]) =>
      v.status === "failed" ? [`${c.name} / ${name}: ${v.findings.join(" | ")}`] : [],
    ),
  ).join("\n");
  expect(failed, why).toEqual(expected);
  // --lenient: each mutant fails the same checks (above); what the lenient judge, issuing the tokens the
  // strict one refused, sees besides is exactly LENIENT_ADDS. Where the strict judge refused nothing, both
  // judge alike: nothing to add (a check skipped in one run and passed in the other would be timing).
  const statusOf = (name: string, check: ClientCheckName) => verdicts.get(name)?.[check].status;
  const checkNames = Object.keys(CLIENT_CHECKS) as ClientCheckName[];
  const refusedIn = (name: string) =>
    new JudgedSession(sessions.get(name) as ClientSession).tokenRequests.filter(
      (t) => t.request.response.status !== 200,
    ).length;
  const adds = (c: Case) => {
    const strict = c.name.replace(/^lenient /, "");
    if (refusedIn(strict) === 0) return "the strict judge refused nothing";
    return checkNames
      .filter((n) => statusOf(c.name, n) !== statusOf(strict, n))
      .map((n) => `${n}: ${statusOf(strict, n)} -> ${statusOf(c.name, n)}`);
  };
  expect(Object.fromEntries(LENIENT_CASES.map((c) => [c.name, adds(c)]))).toEqual(
    Object.fromEntries(
      LENIENT_CASES.map((c) => {
        const added = LENIENT_ADDS[c.mutant as Mutant];
        return [
          c.name,
          added ? added.map((n) => `${n}: skipped -> passed`) : "the strict judge refused nothing",
        ];
      }),
    ),
  );
  // ... and the lenient judge refused none of their token requests.
  expect(LENIENT_CASES.filter((c) => refusedIn(c.name) > 0).map((c) => c.name)).toEqual([]);

  // The judge of each profile accepted what the profile allows: every one-algorithm client got its token.
  for (const c of CASES.filter((x) => x.alg !== undefined && x.fails.length === 0)) {
    expect(verdicts.get(c.name)?.renewal, c.name).toEqual({ status: "passed" });
  }
  // Over http the conformant client reads the foreign search result anonymously (BS-CLI-14 allows it) and
  // BS-CLI-11 is not judged; over https it refuses that origin's certificate, and its refusal is on record.
  expect(verdicts.get("conformant")?.foreign).toEqual({ status: "passed" });
  expect(verdicts.get("conformant")?.untrustedOrigin).toMatchObject({ status: "skipped" });
  for (const name of ["tls", "tls-jwks-url"]) {
    expect(verdicts.get(name)?.untrustedOrigin, name).toEqual({ status: "passed" });
    expect(verdicts.get(name)?.renewal, name).toEqual({ status: "passed" });
    const refused = sessions.get(name)?.tls?.abortedHandshakes.filter((h) => h.origin === "foreign");
    expect(refused?.length, name).toBeGreaterThan(0);
  }
  expect(verdicts.get("tls-jwks-url")?.jwksGet).toEqual({ status: "passed" });
  // Every check is shown able to fail by at least one case, and every mutant has its expectation.
  const failing = new Set(CASES.flatMap((c) => c.fails));
  expect(Object.keys(CLIENT_CHECKS).filter((name) => !failing.has(name as ClientCheckName))).toEqual([]);
  expect(Object.keys(MUTANTS).sort()).toEqual(Object.keys(MUTANT_FAILS).sort());
  // Check names are unique across the families (a repeated one would silently replace another).
  const perFamily = Object.values(CLIENT_CHECK_FAMILIES).flatMap((family) => Object.keys(family));
  expect(perFamily.length).toBe(Object.keys(CLIENT_CHECKS).length);
});

/** Sessions the Playwright run judges: passes and skips, an EdDSA client, failures, no token at all. */
const PLAYWRIGHT_CASES = ["conformant", "oauth-jwt-EdDSA", "root-discovery", "jwks-url-missing"] as const;

test("the Playwright client checks run these functions: one test per check, the same verdicts", async () => {
  // ~10 s idle: four sessions (two exports each), then one Playwright run of 4 × 37 checks without a report.
  const limit = budgetMs(15_000);
  test.setTimeout(2 * limit);
  const cases = CASES.filter((c) => (PLAYWRIGHT_CASES as readonly string[]).includes(c.name));
  const sessions = await recordAll(cases);
  const dir = await mkdtemp(join(tmpdir(), "smart-client-judge-"));
  try {
    const paths: Record<string, string> = {};
    for (const [name, session] of sessions) {
      paths[name] = join(dir, `${name}.json`);
      await writeFile(paths[name], JSON.stringify(session));
    }
    const reports = join(dir, "reports");
    const { output } = await runProcess(
      bin("playwright"),
      ["test", "-c", "playwright.client.config.ts", "--reporter=./harness/runner/summary-reporter.ts"],
      {
        SMART_CLIENT_SESSIONS: JSON.stringify(paths),
        SMART_REPORTS_DIR: reports,
        SMART_VERDICTS: "record",
        SMART_WORKERS: "2",
      },
      limit,
    );
    const summary = JSON.parse(
      await readFile(join(reports, "summary.json"), "utf8").catch(() => {
        throw new Error(`the client checks wrote no summary:\n${output}`);
      }),
    ) as Summary;
    const titles = Object.values(CLIENT_CHECKS).map((c) => c.title);
    for (const name of PLAYWRIGHT_CASES) {
      const tests = summary.tests.filter((t) => t.project === name);
      expect(tests.map((t) => t.title).sort(), name).toEqual([...titles].sort());
      const verdicts = await judgeClientSession(sessions.get(name) as ClientSession);
      const want = (Object.keys(verdicts) as ClientCheckName[]).map((check) => {
        const v = verdicts[check];
        return {
          title: CLIENT_CHECKS[check].title,
          status: v.status,
          ...(v.status === "skipped" ? { message: v.reason } : {}),
        };
      });
      const got = tests.map((t) => ({
        title: t.title,
        status: t.status,
        ...(t.status === "skipped" ? { message: t.message } : {}),
      }));
      const byTitle = (a: { title: string }, b: { title: string }) => a.title.localeCompare(b.title);
      expect(got.sort(byTitle), name).toEqual(want.sort(byTitle));
      // A failure in the report carries each finding of the plain verdict.
      for (const check of Object.keys(verdicts) as ClientCheckName[]) {
        const v = verdicts[check];
        if (v.status !== "failed") continue;
        const message = tests.find((t) => t.title === CLIENT_CHECKS[check].title)?.message ?? "";
        for (const finding of v.findings) expect(message, `${name} / ${check}`).toContain(finding);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
