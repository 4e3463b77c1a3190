/**
 * The judge's --lenient (issue 19, part 2). A client with three defects — one a strict judge refuses at
 * its first token request (aud is the FHIR base URL), two that show only once it holds a token (it sends
 * the token to the foreign origin a search result points at; it keeps presenting its expired token) —
 * gets from the strict judge the first finding alone, the other two checks skipped as not observed, and
 * from the lenient judge all three findings in one run, every other check as for the conformant client.
 * The lenient judge still refuses an assertion whose signature does not verify with a registered key. One
 * CLI run shows the flag end to end: the findings, the summary and the report's environment panel naming
 * the mode. (judge.test.ts shows every mutant fails the same checks under either judge.)
 */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { request } from "undici";
import {
  baselineAssertion,
  build,
  emptySigner,
  hmacSigner,
  keySigner,
  signedBy,
  tamperedClaim,
  withAudience,
  withHeader,
  withoutHeader,
  type Mutation,
} from "../assertion.ts";
import { tokenRequestParams } from "../conformance.ts";
import { encodeForm } from "../http.ts";
import { generateClientKey, publicJwks, type ClientKey } from "../keys.ts";
import { budgetMs } from "../runner/budget.ts";
import { bin, runProcess } from "../runner/run-suite.ts";
import type { Summary } from "../runner/summary-reporter.ts";
import { parseClientCheckArgs } from "../cli/client-check.ts";
import type { ClientVerdict } from "./client-check.ts";
import { CLIENT_CHECKS, judgeClientSession, type ClientCheckName } from "./client-checks.ts";
import { startJudge } from "./judge.ts";
import { JudgedSession } from "./judged-session.ts";
import { runSampleClient, type Mutant } from "./sample-client.ts";
import type { ClientSession } from "./session.ts";

/** Refused by a strict judge at the first token request; then two defects that need a token to show. */
const THREE_DEFECTS: readonly Mutant[] = ["wrong-aud", "token-to-foreign", "keeps-expired-token"];
/** What each defect fails, by itself (judge.test.ts MUTANT_FAILS). */
const FIRST: ClientCheckName = "aud";
const AFTER_A_TOKEN: readonly ClientCheckName[] = ["foreign", "renewal"];

const CLIENT_ID = "lenient-sample";
const SCOPE = "system/Patient.rs system/Observation.rs";

type Verdicts = Record<ClientCheckName, ClientVerdict>;

/** A token endpoint's answer, as the forged-signature test compares them. */
interface Answer {
  readonly status: number;
  readonly error?: string;
  readonly token: boolean;
}

async function keyPair(): Promise<{ keys: ClientKey[]; privateJwks: Record<string, unknown>[] }> {
  const generated = await Promise.all([generateClientKey("ES384"), generateClientKey("RS384")]);
  return {
    keys: generated.map((g) => g.key),
    privateJwks: generated.map((g) => g.privateJwk as Record<string, unknown>),
  };
}

/** Plays the sample client (with `mutants`) against a judge of its own; the recorded session's verdicts. */
async function judged(keys: readonly ClientKey[], mutants: readonly Mutant[], lenient: boolean) {
  const judge = await startJudge({
    clientId: CLIENT_ID,
    scope: SCOPE,
    jwks: publicJwks(keys),
    tokenLifetimeSeconds: 2,
    ...(lenient ? { lenient: true } : {}),
  });
  let error: Error | undefined;
  try {
    await runSampleClient({
      fhirBaseUrl: judge.fhirBaseUrl,
      clientId: CLIENT_ID,
      keys,
      scope: "system/Patient.rs",
      ...(mutants.length > 0 ? { mutant: mutants } : {}),
    });
  } catch (err) {
    error = err as Error;
  }
  const session: ClientSession = judge.session({
    argv: ["sample-client", ...mutants],
    exitCode: error ? 1 : 0,
    signal: null,
    timedOut: false,
    stderrTail: error?.message ?? "",
  });
  await judge.close();
  return { session, verdicts: await judgeClientSession(session) };
}

const failed = (v: Verdicts) =>
  (Object.keys(v) as ClientCheckName[]).filter((n) => v[n].status === "failed").sort();
const findings = (v: ClientVerdict) => (v.status === "failed" ? v.findings.join(" | ") : v.status);

test("three defects: the strict judge sees the first, the lenient judge all three in one run", async () => {
  // ~4 s idle: three sessions side by side, each waiting out one 2 s token.
  test.setTimeout(budgetMs(8_000));
  const { keys } = await keyPair();
  const [conformant, strict, lenient, withoutFirst] = await Promise.all([
    judged(keys, [], true),
    judged(keys, THREE_DEFECTS, false),
    judged(keys, THREE_DEFECTS, true),
    // The same client without the defect a strict judge refuses: what a strict judge sees of the other two.
    judged(keys, THREE_DEFECTS.slice(1), false),
  ]);
  const why = (v: Verdicts) =>
    (Object.keys(v) as ClientCheckName[]).map((n) => `${n}: ${findings(v[n])}`).join("\n");

  // The lenient judge fails nothing a conformant client does, and says it judged leniently.
  expect(failed(conformant.verdicts), why(conformant.verdicts)).toEqual([]);
  expect(lenient.session.judge.lenient).toBe(true);
  expect(strict.session.judge.lenient).toBeUndefined();

  // Strict: refused at the first token request, the client stops; what it does with a token is unseen.
  expect(failed(strict.verdicts), why(strict.verdicts)).toEqual([FIRST]);
  expect(new JudgedSession(strict.session).issued).toEqual([]);
  for (const name of AFTER_A_TOKEN) expect(strict.verdicts[name].status, name).toBe("skipped");

  // Lenient: all three findings, each naming what the client did.
  expect(failed(lenient.verdicts), why(lenient.verdicts)).toEqual([FIRST, ...AFTER_A_TOKEN].sort());
  expect(findings(lenient.verdicts.aud)).toContain(`aud "${lenient.session.judge.fhirBaseUrl}"`);
  expect(findings(lenient.verdicts.foreign)).toMatch(/sent the token issued in request \d+/);
  expect(findings(lenient.verdicts.renewal)).toMatch(/after it expired .* never asked for a new one/);
  // Every other check as before: what a strict judge says of the client without its refused defect
  // (passed, or skipped for the same reason: it never renews, so there is no second assertion to compare).
  expect(failed(withoutFirst.verdicts), why(withoutFirst.verdicts)).toEqual([...AFTER_A_TOKEN].sort());
  const others = (Object.keys(CLIENT_CHECKS) as ClientCheckName[]).filter((n) => n !== FIRST);
  const verdictsOf = (v: Verdicts) =>
    Object.fromEntries(others.map((n) => [n, v[n].status === "failed" ? "failed" : v[n]]));
  expect(verdictsOf(lenient.verdicts)).toEqual(verdictsOf(withoutFirst.verdicts));
});

test("the lenient judge refuses an assertion whose signature does not verify with a registered key", async () => {
  test.setTimeout(budgetMs(5_000));
  const { keys } = await keyPair();
  const [ec, rsa] = keys as [ClientKey, ClientKey];
  const judge = await startJudge({
    clientId: CLIENT_ID,
    scope: SCOPE,
    jwks: publicJwks(keys),
    lenient: true,
  });
  try {
    const intruder = (await generateClientKey("ES384")).key;
    const rsaPem = String(createPublicKey(rsa.privateKey).export({ type: "spki", format: "pem" }));
    const embedded = generateKeyPairSync("ec", { namedCurve: "P-384" });
    /** A token request carrying the sample client's assertion (aud wrong: only the signature counts). */
    const post = async (key: ClientKey, ...mutations: Mutation[]) => {
      const draft = baselineAssertion({ clientId: CLIENT_ID, tokenUrl: judge.tokenUrl, key });
      const assertion = build(draft, withAudience(judge.fhirBaseUrl), withoutHeader("typ"), ...mutations);
      const res = await request(judge.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: encodeForm(tokenRequestParams(assertion, "system/Patient.rs")),
      });
      const body = (await res.body.json()) as { error?: string; access_token?: string };
      return {
        status: res.statusCode,
        ...(body.error ? { error: body.error } : {}),
        token: typeof body.access_token === "string",
      };
    };
    const issued: Partial<Answer> = { status: 200, token: true };
    const refused: Answer = { status: 400, error: "invalid_client", token: false };
    const cases: [string, Promise<Answer>, Partial<Answer>][] = [
      // The contrast: a flawed assertion signed with a registered key gets its token, even under another kid.
      ["signed with a registered key", post(ec), issued],
      ["a kid naming no key", post(rsa, withHeader("kid", "no-such-key")), issued],
      // Decided: the registered key's own alg member does not bind it (RS256 with the RS384 key), and
      // ECDSA may come DER-encoded: the key made the signature; the checks alg and der say what is wrong.
      [
        "RS256 with the registered RSA key",
        post(rsa, withHeader("alg", "RS256"), signedBy(keySigner("RS256", rsa.privateKey))),
        issued,
      ],
      ["ES384 DER-encoded", post(ec, signedBy(keySigner("ES384", ec.privateKey, "der"))), issued],
      [
        "signed with an unregistered key under a registered kid",
        post(intruder, withHeader("kid", ec.kid)),
        refused,
      ],
      ["a claim changed after signing", post(ec, tamperedClaim("sub", "someone-else")), refused],
      ["alg none, no signature", post(ec, withHeader("alg", "none"), signedBy(emptySigner)), refused],
      [
        "HS256 keyed with the registered public key",
        post(rsa, withHeader("alg", "HS256"), signedBy(hmacSigner("sha256", rsaPem))),
        refused,
      ],
      [
        "signed with the key its jwk header carries (CVE-2018-0114)",
        post(
          ec,
          withHeader("jwk", embedded.publicKey.export({ format: "jwk" })),
          signedBy(keySigner("ES384", embedded.privateKey)),
        ),
        refused,
      ],
    ];
    const answers = await Promise.all(cases.map(async ([name, answer]) => [name, await answer] as const));
    expect(Object.fromEntries(answers)).toEqual(
      Object.fromEntries(cases.map(([name, , want]) => [name, want])),
    );
  } finally {
    await judge.close();
  }
});

test("client-check --lenient: all three findings in one CLI run, the mode in the summary and report", async () => {
  // ~12 s idle: the judge, the sample client (one 2 s token), 29+ checks in Playwright, the HTML report.
  const limit = budgetMs(15_000);
  test.setTimeout(limit + 30_000);
  const dir = await mkdtemp(join(tmpdir(), "smart-client-lenient-"));
  try {
    const { keys, privateJwks } = await keyPair();
    await writeFile(join(dir, "private.jwks.json"), JSON.stringify({ keys: privateJwks }));
    await writeFile(join(dir, "public.jwks.json"), JSON.stringify(publicJwks(keys)));
    expect(
      parseClientCheckArgs(["--client-id", "c", "--jwks", join(dir, "public.jwks.json"), "--lenient"]),
    ).toMatchObject({ lenient: true });
    expect(parseClientCheckArgs(["--client-id", "c", "--jwks", join(dir, "public.jwks.json")])).toMatchObject(
      { lenient: false },
    );
    const reports = join(dir, "reports");
    const { status, output } = await runProcess(
      bin("tsx"),
      [
        "harness/cli/client-check.ts",
        "--client-id",
        CLIENT_ID,
        "--jwks",
        join(dir, "public.jwks.json"),
        "--token-ttl",
        "2",
        "--lenient",
        "--timeout",
        "60",
        "--",
        bin("tsx"),
        "fixtures/clients/sample-client.ts",
      ],
      {
        SMART_REPORTS_DIR: reports,
        SMART_QUIET: "1",
        SAMPLE_CLIENT_JWKS: join(dir, "private.jwks.json"),
        SAMPLE_CLIENT_MUTANT: THREE_DEFECTS.join(","),
      },
      limit,
    );
    // aud is a SHALL: exit 1.
    expect(status, output).toBe(1);
    expect(output).toContain("mode lenient (--lenient)");
    expect(output).toContain("Judge: lenient (--lenient)");
    const summary = JSON.parse(await readFile(join(reports, "summary.json"), "utf8")) as Summary;
    expect(summary.target).toBe(`client ${CLIENT_ID} (judged by the lenient reference server)`);
    expect(
      summary.tests
        .filter((t) => t.status === "failed")
        .map((t) => t.title)
        .sort(),
    ).toEqual([FIRST, ...AFTER_A_TOKEN].map((n) => CLIENT_CHECKS[n].title).sort());
    for (const name of [FIRST, ...AFTER_A_TOKEN])
      expect(output).toContain(`] ${CLIENT_CHECKS[name].title} (`);

    // The report's environment panel names the mode.
    const html = await readFile(join(reports, "allure-report", "index.html"), "utf8");
    const encoded = /d\("widgets\/allure_environment\.json","([^"]*)"\)/.exec(html)?.[1];
    const panel = Object.fromEntries(
      (
        JSON.parse(Buffer.from(encoded ?? "", "base64").toString("utf8")) as {
          name: string;
          values: string[];
        }[]
      ).map((e) => [e.name, e.values.join(" ")]),
    );
    expect(panel["Judge mode"]).toMatch(
      /^lenient \(--lenient\): a token whenever the assertion's signature verifies/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
