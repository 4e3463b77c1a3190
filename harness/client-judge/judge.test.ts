/**
 * The client judge's proof: the harness's own assertion builder plays the client (sample-client.ts). The
 * conformant client passes every client check; each mutant — one deliberate deviation, or a registration
 * with one flaw — fails exactly the checks named for it, no more, no fewer. All sessions are recorded
 * side by side (each against its own judge) and judged in one Playwright run, a project per session.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { generateClientKey, publicJwks, type ClientKey } from "../keys.ts";
import { budgetMs } from "../runner/budget.ts";
import { bin, runProcess } from "../runner/run-suite.ts";
import type { Summary } from "../runner/summary-reporter.ts";
import { startJudge } from "./judge.ts";
import { MUTANTS, runSampleClient, type Mutant } from "./sample-client.ts";
import type { ClientSession } from "./session.ts";

const T = {
  tokenRequest: "requests an access token from the token endpoint",
  form: "POSTs the token request as an HTML form",
  once: "sends each token request parameter once",
  grant: "sends grant_type client_credentials with a JWT-bearer client assertion",
  basic: "authenticates with the assertion alone, never HTTP Basic or a secret",
  scopes: "requests system/ scopes within its registration",
  alg: "signs with RS384 or ES384",
  kid: "names a registered key in kid",
  typ: "declares typ JWT",
  jku: "sends no jku, or exactly the registered JWKS URL",
  issSub: "sets iss and sub to its client id",
  aud: "sets aud to exactly the token URL",
  exp: "sets exp to an integer at most five minutes ahead",
  jti: "sends a jti",
  oneTime: "uses a new assertion with a new jti for every token request",
  signature: "signs with the registered key its kid names",
  der: "encodes ECDSA signatures as JOSE R‖S, not DER",
  rsaSize: "uses RSA keys of at least 2048 bits",
  privateMembers: "publishes no private key members",
  kids: "gives every key a kty and a kid unique in the set",
  jwksGet: "serves its key set to an anonymous GET as JSON",
  cacheControl: "serves its JWKS URL with Cache-Control",
  jwksTls: "serves its JWKS URL over TLS",
  bearer: "presents its token only in an Authorization: Bearer header",
  foreign: "keeps its token from servers other than the one that issued it",
  unknownMembers: "uses a token response that carries members it does not know",
  renewal: "gets a new token with a new assertion once its token expired",
  discovery: "discovers the token endpoint before its first token request",
  accept: "asks for JSON when it fetches discovery",
} as const;
type Title = (typeof T)[keyof typeof T];

/** What each mutant of the sample client must fail (and nothing else). */
const MUTANT_FAILS: Record<Mutant, readonly Title[]> = {
  "alg-rs256": [T.alg],
  "no-kid": [T.kid, T.signature],
  "unknown-kid": [T.kid, T.signature],
  "no-typ": [T.typ],
  "foreign-jku": [T.jku],
  "der-ecdsa": [T.der, T.signature],
  "wrong-aud": [T.aud],
  "iss-not-client": [T.issSub],
  "no-sub": [T.issSub],
  "exp-ten-minutes": [T.exp],
  "exp-fractional": [T.exp],
  "no-jti": [T.jti],
  "reused-jti": [T.oneTime],
  "reused-assertion": [T.oneTime],
  // Sent as JSON, the parameters are not form parameters at all.
  "json-body": [T.form, T.grant],
  "repeated-scope": [T.once],
  "basic-auth": [T.basic],
  "no-assertion-type": [T.grant],
  "wrong-grant-type": [T.grant],
  "non-system-scope": [T.scopes],
  "discovery-without-accept": [T.accept],
  "no-discovery": [T.discovery],
  // Discovery answered 404, so, like a real client, it gives up before any token request.
  "root-discovery": [T.discovery, T.tokenRequest],
  "token-in-query": [T.bearer],
  "token-in-query-and-header": [T.bearer],
  "token-to-foreign": [T.foreign],
  "keeps-expired-token": [T.renewal],
  "strict-token-response": [T.unknownMembers],
};

interface Case {
  readonly name: string;
  readonly mutant?: Mutant;
  /** How the client registers (default: the public keys, inline). */
  readonly registration?: "private-members" | "duplicate-kid" | "key-without-kid" | "rsa-1024" | JwksRoute;
  /** No client at all: the command "ran" and exited 1 without a request. */
  readonly silent?: boolean;
  /** Rewrites the recorded session (for what a loopback run cannot show: a plain-http remote JWKS URL). */
  readonly rewrite?: (session: ClientSession) => ClientSession;
  readonly fails: readonly Title[];
}
type JwksRoute = "url" | "url-no-cache-control" | "url-missing";

const CASES: readonly Case[] = [
  { name: "conformant", fails: [] },
  ...(Object.keys(MUTANT_FAILS) as Mutant[]).map((mutant) => ({
    name: mutant,
    mutant,
    fails: MUTANT_FAILS[mutant],
  })),
  { name: "silent", silent: true, fails: [T.tokenRequest] },
  { name: "registers-private-members", registration: "private-members", fails: [T.privateMembers] },
  { name: "duplicate-kid", registration: "duplicate-kid", fails: [T.kids] },
  { name: "key-without-kid", registration: "key-without-kid", fails: [T.kids] },
  { name: "rsa-1024", registration: "rsa-1024", fails: [T.rsaSize] },
  { name: "jwks-url", registration: "url", fails: [] },
  { name: "jwks-url-no-cache-control", registration: "url-no-cache-control", fails: [T.cacheControl] },
  // Nothing to verify with: the kid names no key of a set that never arrived.
  { name: "jwks-url-missing", registration: "url-missing", fails: [T.jwksGet, T.kid, T.signature] },
  {
    name: "jwks-url-plain-http",
    registration: "url",
    rewrite: (s) => ({
      ...s,
      registration: { ...s.registration, jwksUrl: "http://keys.client.example/jwks.json" },
    }),
    fails: [T.jwksTls],
  },
];

const SCOPE = "system/Patient.rs system/Observation.rs";

function rsa1024Jwk(): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  return { ...publicKey.export({ format: "jwk" }), kid: "weak-1024", alg: "RS384" };
}

test("every client check passes for a conformant client and fails for exactly its mutants", async () => {
  // ~45 s idle here (39 Playwright projects, a worker each), a few times that on a loaded machine.
  const runLimit = budgetMs(60_000);
  test.setTimeout(runLimit + 60_000);
  const generated = await Promise.all([generateClientKey("ES384"), generateClientKey("RS384")]);
  const keys: ClientKey[] = generated.map((g) => g.key);
  const publicSet = publicJwks(keys);
  const [first, second] = publicSet.keys as [Record<string, unknown>, Record<string, unknown>];
  const weak = rsa1024Jwk();

  // The JWKS URLs of the URL-registered cases.
  const host: Server = createServer((req, res) => {
    const body = JSON.stringify(publicSet);
    if (req.url === "/url")
      res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60" });
    else if (req.url === "/url-no-cache-control") res.writeHead(200, { "content-type": "application/json" });
    else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.end(body);
  });
  await new Promise<void>((done) => host.listen(0, "127.0.0.1", () => done()));
  const hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;

  const dir = await mkdtemp(join(tmpdir(), "smart-client-judge-"));
  try {
    const sessions: Record<string, string> = {};
    await Promise.all(
      CASES.map(async (c) => {
        const registration = c.registration;
        const inline =
          registration === "private-members"
            ? { keys: generated.map((g) => g.privateJwk as Record<string, unknown>) }
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
                  ? { keys: [...publicSet.keys, weak] }
                  : registration === undefined
                    ? publicSet
                    : undefined;
        const judge = await startJudge({
          clientId: "sample-client",
          scope: SCOPE,
          tokenLifetimeSeconds: 2,
          ...(inline ? { jwks: inline } : { jwksUrl: `${hostOrigin}/${registration as string}` }),
        });
        let error: Error | undefined;
        try {
          if (c.silent) error = new Error("the client gave up before any request");
          else
            await runSampleClient({
              fhirBaseUrl: judge.fhirBaseUrl,
              clientId: "sample-client",
              keys,
              scope: "system/Patient.rs",
              ...(c.mutant ? { mutant: c.mutant } : {}),
            });
        } catch (err) {
          error = err as Error;
        }
        let session = judge.session({
          argv: ["sample-client", c.mutant ?? c.name],
          exitCode: error ? 1 : 0,
          signal: null,
          timedOut: false,
          stderrTail: error?.message ?? "",
        });
        await judge.close();
        if (c.rewrite) session = c.rewrite(session);
        const path = join(dir, `${c.name}.json`);
        await writeFile(path, JSON.stringify(session));
        sessions[c.name] = path;
      }),
    );

    const reports = join(dir, "reports");
    const { output } = await runProcess(
      bin("playwright"),
      ["test", "-c", "playwright.client.config.ts", "--reporter=./harness/runner/summary-reporter.ts"],
      {
        SMART_CLIENT_SESSIONS: JSON.stringify(sessions),
        SMART_REPORTS_DIR: reports,
        SMART_VERDICTS: "record",
        SMART_WORKERS: "2",
      },
      runLimit,
    );
    const summary = JSON.parse(
      await readFile(join(reports, "summary.json"), "utf8").catch(() => {
        throw new Error(`the client checks wrote no summary:\n${output}`);
      }),
    ) as Summary;

    const checks = new Set(summary.tests.map((t) => t.title));
    expect([...checks].sort()).toEqual(Object.values(T).sort());
    const verdicts = Object.fromEntries(
      CASES.map((c) => {
        const tests = summary.tests.filter((t) => t.project === c.name);
        return [
          c.name,
          {
            failed: tests
              .filter((t) => t.status !== "passed" && t.status !== "skipped")
              .map((t) => t.title)
              .sort(),
            ran: tests.length,
          },
        ];
      }),
    );
    const expected = Object.fromEntries(
      CASES.map((c) => [c.name, { failed: [...c.fails].sort(), ran: checks.size }]),
    );
    // On a mismatch the diff names the case and the checks; the messages say why.
    const why = summary.tests
      .filter((t) => t.status !== "passed" && t.status !== "skipped")
      .map((t) => `${t.project ?? ""} / ${t.title}: ${t.message ?? ""}`)
      .join("\n");
    expect(verdicts, why).toEqual(expected);
    // Every check is shown able to fail by at least one case.
    const failing = new Set(CASES.flatMap((c) => c.fails));
    expect(Object.values(T).filter((title) => !failing.has(title))).toEqual([]);
    expect(Object.keys(MUTANTS).sort()).toEqual(Object.keys(MUTANT_FAILS).sort());
  } finally {
    await new Promise<void>((done) => host.close(() => done()));
    await rm(dir, { recursive: true, force: true });
  }
});
