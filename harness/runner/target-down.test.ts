/**
 * When the target breaks: a target that stops answering in the middle of a run (seeded fault
 * "exits-on-missing-aud": the reference target closes its port and drops every connection on an assertion
 * without aud, as a crashed process would) fails the test it went down during at SHALL (BS-ERR-07) and
 * stops the run, every test not yet judged reported "not run"; and a base URL that answers a page where the
 * discovery document belongs stops the run before any test, like an unreachable target.
 */
import { budgetMs } from "./budget.ts";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { TargetConfig } from "../config.ts";
import type { Exchange } from "../http.ts";
import { exitStatus, junitXml } from "../gate.ts";
import { generateClientKey } from "../keys.ts";
import { wrongBaseUrl } from "./global-setup.ts";
import { runConformanceCli } from "./run-suite.ts";
import { summaryOf } from "./summary-fixture.ts";
import type { Summary } from "./summary-reporter.ts";

const AUDLESS = "rejects a client assertion without aud";
/** Its code-exchange twin (app-launch/): whichever reaches the target first takes it down. */
const AUDLESS_TWIN = "refuses a client assertion without aud at the code exchange";

let dir: string;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-target-down-"));
});

test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("a target that goes down during a test fails that test at SHALL and stops the run", async () => {
  // The whole suite, as `npm run conformance` runs it (six tests at once): about 20 s idle, report included.
  const limit = budgetMs(30_000);
  test.setTimeout(2 * limit);
  const reports = join(dir, "down-reports");
  const started = Date.now();
  const { status, output } = await runConformanceCli([], {
    SMART_REPORTS_DIR: reports,
    SMART_REFERENCE_FAULTS: "exits-on-missing-aud",
    SMART_QUIET: "1",
  });
  const elapsed = Date.now() - started;
  expect(status, output).toBe(1);
  expect(elapsed, "the run ends in a few times its idle duration, report included").toBeLessThan(limit);

  const summary = JSON.parse(readFileSync(join(reports, "summary.json"), "utf8")) as Summary;
  // The test the target went down during: the one whose request failed first among those in flight. With
  // tests running at once another test's request may have been in flight beside the one that brought the
  // target down (an assertion without aud: the backend test or its code-exchange twin), and fail first;
  // the verdict then names the assertion without aud among the tests that may have brought it down.
  const audless = summary.tests.find((t) => t.status === "failed");
  const culprits = summary.tests.filter((t) => t.title === AUDLESS || t.title === AUDLESS_TWIN);
  const named = culprits.some((c) => c.id === audless?.id || audless?.message?.includes(`"${c.title}"`));
  expect(
    named,
    `an assertion without aud is the test blamed or named beside it: ${JSON.stringify([audless, ...culprits].map((t) => [t?.title, t?.status, t?.message]))}`,
  ).toBe(true);
  expect(audless?.level).toBe("SHALL");
  expect(audless?.requirements).toContain("BS-ERR-07");
  expect(audless?.message).toMatch(/BS-ERR-07 \(SHALL\).*the target stopped answering after this request/);
  expect(summary.failedByLevel).toEqual({ SHALL: 1 });
  expect(summary.targetDown?.message).toBe(`target went down during "${audless?.title ?? AUDLESS}"`);
  expect(summary.targetDown?.request).toMatch(/^POST https:\/\/127\.0\.0\.1:\d+\/auth\/token$/);

  // Everything else either finished before the target went down or was not run, with the reason.
  const others = summary.tests.filter((t) => t.id !== audless?.id);
  const wrong = others
    .filter((t) => t.status !== "passed" && t.status !== "notRun")
    .map((t) => `${t.status}: ${t.title}: ${t.message ?? ""}`);
  expect(wrong, "tests neither passed before the target went down nor reported not run").toEqual([]);
  const notRun = others.filter((t) => t.status === "notRun");
  expect(notRun.length).toBeGreaterThan(150);
  expect(summary.totals.notRun).toBe(notRun.length);
  expect(summary.targetDown?.notRun).toBe(notRun.length);
  for (const t of notRun) {
    expect(t.message).toBe(
      `[ERR_TARGET_DOWN] not run: the target went down during "${audless?.title ?? AUDLESS}" (${audless?.id}) and stayed down`,
    );
  }

  // The console and JUnit say it too.
  expect(output).toContain(`The target went down during "${audless?.title ?? AUDLESS}"`);
  expect(output).toMatch(
    new RegExp(`Result: \\d+ passed, 1 failed \\(1 SHALL\\), 0 skipped, 0 broken, ${notRun.length} not run`),
  );
  const junit = readFileSync(join(reports, "junit.xml"), "utf8");
  expect(junit.match(/<property name="status" value="notRun"\/>/g)?.length).toBe(notRun.length);
  expect(junit).toContain("[ERR_TARGET_DOWN] not run: the target went down during");
});

/** A loopback server that answers every request with `status` and an HTML page. */
async function htmlServer(status: number): Promise<{ origin: string; close: () => Promise<void> }> {
  const page =
    '<!DOCTYPE html>\n<html><head><title>Sign in · Example SSO</title></head><body><form method="post"></form></body></html>';
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

test("a base URL that answers an HTML page stops the run before any test, with exit status 2", async () => {
  const server = await htmlServer(200);
  try {
    const key = await generateClientKey("ES384");
    const keysPath = join(dir, "client.private.jwks.json");
    await writeFile(keysPath, JSON.stringify({ keys: [key.privateJwk] }), { mode: 0o600 });
    const configPath = join(dir, "html-target.json");
    await writeFile(
      configPath,
      JSON.stringify({
        name: "a login page",
        fhirBaseUrl: `${server.origin}/fhir`,
        tokenEndpoint: `${server.origin}/auth/token`,
        client: { clientId: "c1", privateJwksPath: keysPath, scope: "system/Patient.rs" },
      }),
    );
    const reports = join(dir, "html-reports");
    const { status, output } = await runConformanceCli(["--target", configPath], {
      SMART_REPORTS_DIR: reports,
      SMART_QUIET: "1",
    });
    expect(status, output).toBe(2);
    const url = `${server.origin}/fhir/.well-known/smart-configuration`;
    expect(output).toContain(
      `${url} answered HTTP 200 (text/html; charset=utf-8; title "Sign in · Example SSO"`,
    );
    expect(output).toContain("not a JSON document");
    expect(output).toContain(`curl -i '${url}'`);
    expect(output).toContain("No test was run.");
    expect(output).not.toMatch(/\d+ passed/);
    const summaryPath = join(reports, "summary.json");
    if (existsSync(summaryPath)) {
      expect((JSON.parse(readFileSync(summaryPath, "utf8")) as Summary).tests).toEqual([]);
    }
  } finally {
    await server.close();
  }
});

function answer(status: number, contentType: string | undefined, body: string): Exchange {
  return {
    label: "reachability probe",
    request: { method: "GET", url: "https://as.example/fhir/.well-known/smart-configuration", headers: {} },
    response: { status, headers: contentType ? { "content-type": contentType } : {}, body },
    startedAt: new Date().toISOString(),
    durationMs: 1,
  };
}

test("only a discovery answer that is not JSON at all, where no test could go on, stops the run", () => {
  const withToken = { fhirBaseUrl: "https://as.example/fhir", tokenEndpoint: "https://as.example/token" };
  const withoutToken = { fhirBaseUrl: "https://as.example/fhir" };
  const stops = (config: object, ex: Exchange) => wrongBaseUrl(config as TargetConfig, ex) !== undefined;
  const html = "<html><head><title>Not Found</title></head></html>";
  // JSON of any status and media type is for the discovery tests to judge.
  expect(stops(withoutToken, answer(401, "application/json", '{"error":"unauthorized"}'))).toBe(false);
  expect(stops(withoutToken, answer(200, "application/fhir+json", '{"token_endpoint":"x"}'))).toBe(false);
  expect(stops(withoutToken, answer(404, "application/json", '{"error":"not found"}'))).toBe(false);
  // A page with a 2xx status: the base URL serves a website or a login page.
  expect(stops(withToken, answer(200, "text/html", html))).toBe(true);
  expect(stops(withToken, answer(200, "text/plain", "OK"))).toBe(true);
  expect(stops(withToken, answer(204, undefined, ""))).toBe(true);
  // Not found (or another error page): a server without SMART discovery runs when tokenEndpoint is set.
  expect(stops(withToken, answer(404, "text/html", html))).toBe(false);
  expect(stops(withToken, answer(302, "text/html", ""))).toBe(false);
  expect(stops(withoutToken, answer(404, "text/html", html))).toBe(true);
  expect(wrongBaseUrl(withoutToken as TargetConfig, answer(404, "text/html", html))).toMatch(
    /answered HTTP 404 \(text\/html; title "Not Found", beginning "<html>.*no tokenEndpoint in the config/s,
  );
});

test("tests not run make the run unjudged (exit 2) unless a gated failure says 1; JUnit skips them", () => {
  const reason = '[ERR_TARGET_DOWN] not run: the target went down during "x" (f › x) and stayed down';
  const notRun = summaryOf([{ status: "passed" }, { status: "notRun", message: reason }]);
  expect(exitStatus(notRun, "shall")).toBe(2);
  expect(exitStatus(notRun, "never")).toBe(2);
  expect(exitStatus(summaryOf([{ status: "failed" }, { status: "notRun", message: reason }]), "shall")).toBe(
    1,
  );
  const junit = junitXml(notRun);
  expect(junit).toContain('skipped="1"');
  expect(junit).toContain('<property name="status" value="notRun"/>');
  expect(junit).toContain(
    '<skipped message="[ERR_TARGET_DOWN] not run: the target went down during &#34;x&#34;',
  );
});
