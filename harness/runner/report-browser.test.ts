/**
 * The HTML report works in a real browser: a small run against the embedded reference target with a seeded
 * fault (skip-aud-check, so the aud tests fail) writes the Allure report, and Debian's Chromium, driven by
 * playwright-core, opens it from file:// with every non-file request blocked. The tree groups the tests by
 * spec area of their file and shows the failing ones; a failing test shows what the spec expects and what
 * came back, its category, its requirement links, and, open without expanding anything, the failed check,
 * the HTTP exchange it judged, the decoded client assertion and the command that re-runs it; its
 * attachments stand at the top level (no "After Hooks", no error-context, no "unknown" metadata step), an
 * HTTP exchange opens with its request line and a curl line said not to be replayable. The two failing
 * tests share one cause, shown once with its count in the console (before the failed list), summary.json
 * and the report's categories. A full-page screenshot of the failing test goes to reports/report-browser.png.
 *
 * Chromium cannot be downloaded here: the test needs /usr/bin/chromium (`apt-get install -y chromium`,
 * which .ci/run does) and fails, not skips, without it.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "@playwright/test";
import { chromium, type Browser, type Page } from "playwright-core";
import { requirements, type RequirementId } from "../requirements.ts";
import { runConformanceCli } from "./run-suite.ts";
import { CHROMIUM_ARGS, chromiumPath } from "../launch/browser.ts";
import type { Summary } from "./summary-reporter.ts";
import { budgetMs } from "./budget.ts";

// The launch driver's Chromium: SMART_CHROMIUM, else Debian's, with the same flags.
const CHROMIUM = chromiumPath();
/**
 * Two aud tests that fail under skip-aud-check, one that still passes, two discovery tests, and a kid test
 * whose first requirement id (BS-JWTH-01) is a client assertion's but whose file is key resolution's.
 */
// Not the code-exchange twins of these tests (app-launch/), whose titles end "at the code exchange".
const GREP =
  "(aud is not a URL|assertion without aud|accepts aud as an array|names an absolute token_endpoint|lists client_credentials in grant|assertion without kid)(?!.*at the code exchange)";
/** What both failing tests failed on first: the cause they are grouped under. */
const CAUSE =
  "RFC 6749 §5.1/§5.2: expected the request to be refused, with no access token issued; got HTTP 200 with an access_token";
const FAILING = [
  "rejects a client assertion whose aud is not a URL",
  "rejects a client assertion without aud",
];
const OPENED = "rejects a client assertion without aud";
const SCREENSHOT = resolve("reports", "report-browser.png");
const VIEWPORT = { width: 1400, height: 1000 };

/** Schemes that never leave the machine; anything else the report asks for is blocked and recorded. */
const LOCAL_SCHEMES = new Set(["file:", "data:", "blob:", "about:"]);
const isLocal = (url: string): boolean => URL.canParse(url) && LOCAL_SCHEMES.has(new URL(url).protocol);

/**
 * Takes a full-page screenshot of the report: Allure scrolls its base layout, not the document, so the
 * viewport is first made as tall as that layout's content (capped) and restored afterwards.
 */
async function fullPageScreenshot(page: Page, path: string): Promise<void> {
  const layout = page.getByTestId("base-layout");
  const [scrollHeight, clientHeight] = await layout.evaluate(
    (el: { scrollHeight: number; clientHeight: number }) => [el.scrollHeight, el.clientHeight] as const,
  );
  const extra = Math.max(0, scrollHeight - clientHeight);
  await page.setViewportSize({ ...VIEWPORT, height: Math.min(VIEWPORT.height + extra, 12_000) });
  await page.screenshot({ path, fullPage: true });
  await page.setViewportSize(VIEWPORT);
}

test("the HTML report renders in Chromium: tree, failing test, attachments, requirement links", async () => {
  test.setTimeout(budgetMs(40_000));
  expect(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing. This test opens the generated report in Debian's Chromium (browsers cannot be ` +
      "downloaded here): install it with `apt-get install -y chromium` (.ci/run does).",
  ).toBe(true);

  const dir = await mkdtemp(join(tmpdir(), "smart-report-browser-"));
  let browser: Browser | undefined;
  try {
    const summary = await test.step("a run against a target that ignores aud writes the report", async () => {
      const run = await runConformanceCli(["--grep", GREP], {
        SMART_REPORTS_DIR: dir,
        SMART_REFERENCE_FAULTS: "skip-aud-check",
        SMART_QUIET: "1",
      });
      expect(run.status, `the run should exit 1 (a SHALL test failed):\n${run.output}`).toBe(1);
      const result = JSON.parse(await readFile(join(dir, "summary.json"), "utf8")) as Summary;
      expect(result.tests.filter((t) => t.status === "failed").map((t) => t.title)).toEqual(
        expect.arrayContaining(FAILING),
      );
      expect(result.totals).toEqual({ passed: 4, failed: 2, skipped: 0, broken: 0, notRun: 0 });
      // One cause, once, with its count and its tests: in summary.json and, before the failed list, the console.
      expect(result.causes).toEqual([
        expect.objectContaining({ cause: CAUSE, status: "failed", count: 2, tests: expect.any(Array) }),
      ]);
      expect(result.causes?.[0]?.tests.map((id) => id.split(" › ").at(-1)).sort()).toEqual(
        [...FAILING].sort(),
      );
      const causes = run.output.indexOf("Causes (");
      expect(causes, `the console shows no Causes block:\n${run.output}`).toBeGreaterThan(-1);
      expect(run.output.indexOf(`2 failed: ${CAUSE}`)).toBeGreaterThan(causes);
      expect(run.output.indexOf("Failed tests;")).toBeGreaterThan(causes);
      expect(result.tests.find((t) => t.title === "rejects a client assertion without kid")?.area).toBe(
        "Key resolution",
      );
      return result;
    });
    const opened = summary.tests.find((t) => t.title === OPENED);
    expect(opened?.message, `summary.json has no message for "${OPENED}"`).toBeTruthy();

    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    const context = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: "block" });
    const blocked = new Set<string>();
    const succeeded = new Set<string>();
    const pageErrors: string[] = [];
    await context.route(
      (url) => !LOCAL_SCHEMES.has(url.protocol),
      (route) => {
        blocked.add(route.request().url());
        return route.abort("blockedbyclient");
      },
    );
    context.on("request", (request) => {
      if (!isLocal(request.url())) blocked.add(request.url());
    });
    context.on("requestfinished", (request) => {
      if (!isLocal(request.url())) succeeded.add(request.url());
    });
    const page = await context.newPage();
    const index = pathToFileURL(join(dir, "allure-report", "index.html")).href;
    page.on("websocket", (ws) => blocked.add(ws.url()));
    page.on("pageerror", (error) => pageErrors.push(error.message));

    await test.step("the tree groups the tests by spec area and shows the failing ones", async () => {
      await page.goto(index);
      await expect(page.getByTestId("report-title")).toHaveText("SMART Backend Services conformance");
      const section = (title: string) =>
        page.getByTestId("tree-section-title").filter({ hasText: new RegExp(`^${title}$`) });
      for (const title of ["Client assertion", "Discovery", "Client assertion aud", "Key resolution"])
        await expect(section(title)).toBeVisible();
      await expect(page.getByTestId("tab-failed")).toContainText("2");
      await expect(page.getByTestId("tab-passed")).toContainText("4");
      for (const title of FAILING) {
        const leaf = page.getByTestId("tree-leaf").filter({ hasText: title });
        await expect(leaf).toBeVisible();
        await expect(leaf.getByTestId("tree-leaf-status-failed")).toBeVisible();
      }
      // A collapsed area opens on click, then its describe block, and shows the passing tests.
      await section("Discovery").click();
      await section("SMART configuration document").click();
      const passed = page.getByTestId("tree-leaf").filter({ hasText: "names an absolute token_endpoint" });
      await expect(passed.getByTestId("tree-leaf-status-passed")).toBeVisible();
      // The kid test stands under its file's area, not under its first requirement id's (Client assertion).
      const kid = page.getByTestId("tree-leaf").filter({ hasText: "rejects a client assertion without kid" });
      await expect(kid).toBeHidden();
      await section("Key resolution").click();
      await section("Key selection by kid").click();
      await expect(kid.getByTestId("tree-leaf-status-passed")).toBeVisible();
    });

    await test.step("a failing test shows its error, category and requirement links", async () => {
      await page.getByTestId("tree-leaf").filter({ hasText: OPENED }).click();
      await expect(page.getByTestId("test-result-info-title")).toHaveText(OPENED);
      await expect(page.getByTestId("test-result-status-failed")).toBeVisible();
      await expect(page.getByText("Category: SHALL violation")).toBeVisible();
      // The test's own error comes first; each failing step repeats its line of it further down.
      const error = page.getByTestId("test-result-error-message").first();
      await expect(error).toBeVisible();
      // Each failing check says what the spec expects and what came back; all of them are shown.
      await expect(error).toContainText(/expected error=invalid_client; got HTTP 200 with an access_token/);
      await expect(error).toContainText(
        /expected HTTP status 400 \(or 401 for invalid_client\); got HTTP 200/,
      );
      for (const line of (opened?.message ?? "").split("\n")) await expect(error).toContainText(line);

      // Without expanding anything: the failed check, the exchange it judged, the decoded assertion and the
      // re-run command open the test's description.
      const description = page.frameLocator('[data-testid="test-result-description-frame"]').locator("body");
      await expect(description).toContainText("Why this test failed");
      await expect(description).toContainText(/Failed check( \d+ of \d+)?: RFC 6749 §5\.1\/§5\.2/);
      await expect(description).toContainText("got HTTP 200 with an access_token");
      const blocks = description.locator("pre");
      const exchangeBlock = blocks.filter({ hasText: /^POST https:\/\/127\.0\.0\.1:\d+\/auth\/token$/m });
      await expect(exchangeBlock).toBeVisible();
      await expect(exchangeBlock).toContainText(/^HTTP 200 +\(\d+ ms\)$/m);
      await expect(exchangeBlock).toContainText("<signature removed");
      const decodedBlock = blocks.filter({ hasText: /"claims": \{/ });
      await expect(decodedBlock).toBeVisible();
      await expect(decodedBlock).toContainText(/"header": \{\s+"alg": "(RS|ES)384"/);
      await expect(decodedBlock).toContainText("characters (not shown)");
      const rerunBlock = blocks.filter({ hasText: "npm run conformance --" });
      await expect(rerunBlock).toBeVisible();
      await expect(rerunBlock).toContainText(`${OPENED}(?: @|$)/'`);

      // The steps hold the checks and, at the top level (not in "After Hooks"), the attachments; no
      // annotation step without a duration ("unknown") and no Playwright error-context.
      const steps = page.getByTestId("test-result-steps-root");
      await expect(steps).toContainText("re-run this test");
      await expect(steps).not.toContainText("After Hooks");
      await expect(steps).not.toContainText("unknown");
      await expect(steps).not.toContainText("error-context");
      await expect(steps).not.toContainText("requirement: BS-");
      await expect(
        page.getByTestId("test-result-steps-root").getByTestId("test-result-error-message").first(),
      ).toContainText(/expected .+; got HTTP 200/);

      const links = page.getByTestId("test-result-meta-links");
      for (const id of ["BS-AUD-01", "BS-ERR-03"] satisfies RequirementId[]) {
        const r = requirements[id];
        const link = links.getByRole("link", { name: `${id} (${r.level}): ${r.title}`, exact: true });
        await expect(link).toBeVisible();
        await expect(link).toHaveAttribute("href", r.url);
        expect(r.url).toMatch(/^https:\/\/(hl7\.org\/fhir\/|www\.rfc-editor\.org\/rfc\/)/);
      }
    });

    await test.step("the failing test view is saved as a full-page screenshot", async () => {
      await mkdir(resolve("reports"), { recursive: true });
      await fullPageScreenshot(page, SCREENSHOT);
      expect(existsSync(SCREENSHOT)).toBe(true);
    });

    await test.step("its attachments are listed and an HTTP exchange opens with a curl line", async () => {
      await page.getByTestId("test-result-tab-attachments").click();
      const attachment = (name: RegExp) =>
        page.getByTestId("test-result-attachment").filter({
          has: page.getByTestId("test-result-attachment-header").filter({ hasText: name }),
        });
      await expect(attachment(/error-context/)).toHaveCount(0);
      const exchange = attachment(/\d\d token request: HTTP 200/);
      const decoded = attachment(/\d\d assertion: decoded header and claims/);
      await expect(exchange).toHaveCount(1);
      await expect(decoded).toHaveCount(1);

      await decoded.getByTestId("test-result-attachment-header").click();
      await expect(decoded.getByTestId("code-attachment-content")).toContainText(/"claims":\s*\{/);

      await exchange.getByTestId("test-result-attachment-header").click();
      const content = exchange.getByTestId("code-attachment-content");
      await expect(content).toBeVisible();
      await expect(content).toContainText(/^POST https:\/\/127\.0\.0\.1:\d+\/auth\/token$/m);
      await expect(content).toContainText(/^HTTP 200\b/m);
      await expect(content).toContainText(/^curl -i -X POST 'https:\/\/127\.0\.0\.1:\d+\/auth\/token'/m);
      await expect(content).toContainText(/^# the request as sent, .*not replayable/m);

      // The command that re-runs just this test, as the console and summary.json give it.
      const rerun = attachment(/re-run this test/);
      await expect(rerun).toHaveCount(1);
      await rerun.getByTestId("test-result-attachment-header").click();
      await expect(rerun.getByTestId("code-attachment-content")).toContainText(
        `SMART_REFERENCE_FAULTS=skip-aud-check npm run conformance -- --grep '/(?:^| )client-assertion/aud\\.spec\\.ts `,
      );
      await expect(rerun.getByTestId("code-attachment-content")).toContainText(`${OPENED}(?: @|$)/'`);
    });

    await test.step("the failing tests are filed under the SHALL violation category", async () => {
      await page.goto(index);
      await page.getByTestId("nav-tab-categories").click();
      const title = page.getByTestId("tree-section-title").filter({ hasText: /^SHALL violation$/ });
      await expect(title).toBeVisible();
      await title.click();
      // Allure 3.18 wraps each category's header and content in a container with id "cat:<hash>".
      const category = page.locator('[id^="cat:"]').filter({ has: title });
      for (const failing of FAILING)
        await expect(category.getByTestId("tree-leaf-title").filter({ hasText: failing })).toBeVisible();
      // Within the category, the tests are grouped by cause: the cause once, with its count.
      const cause = category.getByTestId("tree-section-title").filter({ hasText: CAUSE });
      await expect(cause).toHaveCount(1);
      await expect(cause).toContainText(/^cause/);
    });

    expect([...succeeded], "the report fetched something from the network").toEqual([]);
    expect([...blocked], "the report tried to reach the network").toEqual([]);
    expect(pageErrors, "the report threw in the page").toEqual([]);
  } finally {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
