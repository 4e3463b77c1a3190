/**
 * `npm run client-check -- --tls`: the judge serves https, the command gets the run's CA as SMART_CA_FILE
 * and NODE_EXTRA_CA_CERTS (Node's own fetch trusts the judge without being told), the conformant sample
 * client refuses the foreign origin's certificate and passes BS-CLI-11, the accepts-any-certificate mutant
 * fails exactly that check, and the judge still fetches a JWKS URL served over https. The CA file is gone
 * after the run, and no private key is in the report. Each case is one client-check run (~12 s idle: the
 * sample client's Bulk Data exports take ~3.5 s of it).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "@playwright/test";
import { generateClientKey, publicJwks } from "../keys.ts";
import { budgetMs } from "../runner/budget.ts";
import { bin, runProcess } from "../runner/run-suite.ts";
import type { Summary } from "../runner/summary-reporter.ts";
import { scanForSecrets } from "../secret-scan.ts";
import { certificateAuthority, serverCertificate } from "../x509.ts";
import { TRANSPORT_CHECKS } from "./client-checks.ts";
import { makeJudgeTls, nodeExtraCaCerts } from "./judge-tls.ts";

const SAMPLE_CLIENT = resolve("fixtures/clients/sample-client.ts");
const BS_CLI_11 = TRANSPORT_CHECKS.untrustedOrigin.title;

let dir: string;
let privateD: string;
/** The client's public key set, served over https by a host whose CA only the judge's process trusts. */
let jwksHost: Server;
let jwksUrl: string;
let jwksCaFile: string;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-client-tls-"));
  const generated = await generateClientKey("ES384");
  privateD = String((generated.privateJwk as Record<string, unknown>).d);
  await writeFile(join(dir, "private.jwks.json"), JSON.stringify({ keys: [generated.privateJwk] }));
  await writeFile(join(dir, "public.jwks.json"), JSON.stringify(publicJwks([generated.key])));
  const ca = certificateAuthority("client-tls test: the client's JWKS host CA");
  jwksCaFile = join(dir, "jwks-host-ca.pem");
  await writeFile(jwksCaFile, ca.pem);
  const body = JSON.stringify(publicJwks([generated.key]));
  jwksHost = createServer(serverCertificate(ca, ["127.0.0.1"]), (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60" }).end(body);
  });
  await new Promise<void>((done) => jwksHost.listen(0, "127.0.0.1", () => done()));
  jwksUrl = `https://127.0.0.1:${(jwksHost.address() as AddressInfo).port}/jwks.json`;
  // Before the sample client runs, Node's own fetch (no CA configured) reads discovery: it trusts the
  // judge only through NODE_EXTRA_CA_CERTS. It also reads the JWKS host, whose CA is the one the caller's
  // own NODE_EXTRA_CA_CERTS names: --tls adds the run's CA to the user's, it does not replace them.
  // Exit 9 says a CA did not reach the command.
  await writeFile(
    join(dir, "client.mjs"),
    `if (!process.env.SMART_CA_FILE || !process.env.NODE_EXTRA_CA_CERTS) process.exit(9);
const read = (url) =>
  fetch(url, { headers: { accept: "application/json" } }).catch(
    (err) => (console.error("fetch without a CA option:", url, err.cause?.code ?? err.message), process.exit(9)),
  );
if ((await read(process.env.SMART_FHIR_BASE_URL + "/.well-known/smart-configuration")).status !== 200) process.exit(9);
if ((await read(${JSON.stringify(jwksUrl)})).status !== 200) process.exit(9);
console.error("NODE_EXTRA_CA_CERTS: Node's fetch trusts the judge and the caller's own CA");
await import(${JSON.stringify(SAMPLE_CLIENT)});
`,
  );
});

test.afterAll(async () => {
  await new Promise<void>((done) => jwksHost.close(() => done()));
  await rm(dir, { recursive: true, force: true });
});

async function clientCheck(name: string, flags: readonly string[], env: Record<string, string>) {
  const reports = join(dir, name);
  const limit = budgetMs(15_000);
  const run = await runProcess(
    bin("tsx"),
    [
      "harness/cli/client-check.ts",
      "--tls",
      "--client-id",
      "tls-client",
      "--scope",
      "system/Patient.rs",
      "--token-ttl",
      "2",
      "--timeout",
      "60",
      ...flags,
    ],
    {
      SMART_REPORTS_DIR: reports,
      SMART_QUIET: "1",
      SAMPLE_CLIENT_JWKS: join(dir, "private.jwks.json"),
      ...env,
    },
    limit,
  );
  const summary = JSON.parse(
    await readFile(join(reports, "summary.json"), "utf8").catch(() => {
      throw new Error(`client-check wrote no summary:\n${run.output}`);
    }),
  ) as Summary;
  const titles = (status: string) =>
    summary.tests
      .filter((t) => t.status === status)
      .map((t) => t.title)
      .sort();
  // The run's CA file, named on the console, is removed with the judge.
  const caFile = /SMART_CA_FILE and NODE_EXTRA_CA_CERTS\n\s+\((\/[^)]+)\)/.exec(run.output)?.[1];
  expect(caFile, run.output).toBeDefined();
  expect(existsSync(caFile ?? ""), "the CA file is removed at the end").toBe(false);
  expect(run.output).toMatch(/Judge: FHIR base https:\/\/127\.0\.0\.1:\d+\/fhir/);
  expect(scanForSecrets(reports, [privateD])).toEqual([]);
  return { ...run, reports, summary, titles };
}

test("--tls: the CA reaches the command; a validating client passes BS-CLI-11 and a https JWKS URL is read", async () => {
  test.setTimeout(budgetMs(15_000) + 30_000);
  const { status, output, reports, summary, titles } = await clientCheck(
    "conformant",
    ["--jwks-url", jwksUrl, "--", bin("tsx"), join(dir, "client.mjs")],
    // The judge's own process trusts the JWKS host's CA (as it would a public one); the client does not.
    { NODE_EXTRA_CA_CERTS: jwksCaFile },
  );
  expect(output).toContain("NODE_EXTRA_CA_CERTS: Node's fetch trusts the judge and the caller's own CA");
  expect(output).toMatch(
    /sample-client: foreign: GET https:\/\/127\.0\.0\.1:\d+\/fhir\/Patient\/\S+ failed: .*\(left aside\)/,
  );
  expect({ status, failed: titles("failed") }, output).toEqual({ status: 0, failed: [] });
  const passed = titles("passed");
  for (const title of [
    BS_CLI_11,
    "serves its key set to an anonymous GET as JSON",
    "serves its JWKS URL over TLS",
    "gets a new token with a new assertion once its token expired",
  ])
    expect(passed, title).toContain(title);
  // The report shows the refused handshake beside the check.
  const test11 = summary.tests.find((t) => t.title === BS_CLI_11);
  expect(test11?.requirements).toEqual(["BS-CLI-11"]);
  const results = join(reports, "allure-results");
  const allureResults = await Promise.all(
    (await readdir(results))
      .filter((f) => f.endsWith("-result.json"))
      .map(async (f) => JSON.parse(await readFile(join(results, f), "utf8")) as Record<string, unknown>),
  );
  const transport = allureResults.find((r) => r.name === BS_CLI_11) as
    { steps: { attachments: { name: string; source: string }[] }[] } | undefined;
  const evidence = transport?.steps
    .flatMap((s) => s.attachments)
    .find((a) => a.name === "TLS connections the client gave up on");
  expect(evidence, JSON.stringify(transport)).toBeDefined();
  expect(await readFile(join(results, evidence?.source ?? "missing"), "utf8")).toMatch(
    /^https:\/\/127\.0\.0\.1:\d+ \(foreign\), at \d+\.\d s: /m,
  );
});

test("--tls: a client that accepts any certificate fails exactly BS-CLI-11", async () => {
  test.setTimeout(budgetMs(15_000) + 30_000);
  const { status, output, titles } = await clientCheck(
    "accepts-any-certificate",
    ["--jwks", join(dir, "public.jwks.json"), "--", bin("tsx"), SAMPLE_CLIENT],
    { SAMPLE_CLIENT_MUTANT: "accepts-any-certificate" },
  );
  expect(output).toMatch(
    /sample-client: foreign: GET https:\/\/127\.0\.0\.1:\d+\/fhir\/Patient\/\S+ without the token -> 200/,
  );
  expect({ status, failed: titles("failed") }, output).toEqual({ status: 1, failed: [BS_CLI_11] });
  expect(output).toContain(`FAILED [SHALL] ${BS_CLI_11} (BS-CLI-11)`);
});

test("--tls keeps the user's own NODE_EXTRA_CA_CERTS: the command's file holds their CAs, then the run's", async () => {
  const tls = makeJudgeTls();
  let merged = "";
  try {
    expect(nodeExtraCaCerts(tls.caFile, undefined)).toBe(tls.caFile);
    expect(nodeExtraCaCerts(tls.caFile, join(dir, "no-such-file.pem"))).toBe(tls.caFile);
    const theirs = certificateAuthority("client-tls test: the user's own extra CA").pem;
    const userFile = join(dir, "user-extra-ca.pem");
    await writeFile(userFile, theirs);
    merged = nodeExtraCaCerts(tls.caFile, userFile);
    expect(merged).not.toBe(tls.caFile);
    const text = await readFile(merged, "utf8");
    const pems = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    expect(pems).toEqual([theirs.trim(), tls.caPem.trim()]);
  } finally {
    tls.dispose();
  }
  expect(existsSync(merged), "the merged file goes with the judge's directory").toBe(false);
});
