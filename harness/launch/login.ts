/**
 * The authorization as a browser lives it: open the authorize URL, get through the server's login and
 * consent pages by the config's steps, and stop at the navigation to the redirect URI, which is
 * intercepted in the browser (nothing needs to listen there, and nothing is sent to it).
 *
 * Playwright's page.route is not called for the hops of an HTTP redirect, and the server's answer to the
 * authorization is exactly such a hop, so the interception is Chromium's own (CDP Fetch, request stage).
 *
 * Every page is screenshotted before anything is filled, with password inputs and every field a step fills
 * masked; filled values are read from the config (or the environment) only to be typed, and are scrubbed
 * from any page text the evidence keeps. Waits are the config's requestTimeoutMs, per page and per action.
 */
import type { BrowserContext, CDPSession, Page, Response } from "playwright-core";
import type { LoginStep, RawFillValue } from "../config.ts";
import { HarnessError } from "../errors.ts";
import type { ConnectionFailure } from "../http.ts";
import { isRedirectTo, redirectOutcome, type AuthorizeOutcome } from "./authorize-request.ts";

/** A page the flow went through, for the evidence. */
export interface VisitedPage {
  readonly url: string;
  readonly status: number | undefined;
  /** The step applied to it (`launch.login[0]`), when one was. */
  readonly step?: string;
}

/** The flow's result: the outcome, and what the evidence shows of how it came about. */
export interface AuthorizationRun {
  readonly outcome: AuthorizeOutcome;
  readonly pages: readonly VisitedPage[];
  /** The response that sent the browser to the redirect URI, when an HTTP redirect did. */
  readonly redirectedBy?: { readonly method: string; readonly url: string; readonly status: number };
  /** The HTML of the page that ended a `page` outcome, filled values scrubbed. */
  readonly pageBody?: string;
  readonly pageContentType?: string;
  readonly durationMs: number;
}

/** A login that could not go on: the page matched no step, a field was missing, a click led nowhere. */
export class LoginStuck extends Error {
  override readonly name = "LoginStuck";
  constructor(
    message: string,
    readonly url: string,
    readonly screenshot: Buffer | undefined,
    readonly pages: readonly VisitedPage[],
  ) {
    super(message);
  }
}

export interface AuthorizationOptions {
  readonly context: BrowserContext;
  readonly authorizeUrl: string;
  readonly redirectUri: string;
  readonly steps: readonly LoginStep[];
  /** Wait per navigation and per action (ms): the config's requestTimeoutMs. */
  readonly timeoutMs: number;
  /**
   * A negative test expects a refusal: a page on which the flow cannot go on (no step applies, a field is
   * missing) is then the outcome (`page`), not a broken login.
   */
  readonly refusalExpected?: boolean;
  /** Told of a page the browser could not reach before the error is thrown (the target-down watch). */
  readonly onConnectionFailure?: (failure: ConnectionFailure) => Promise<void>;
  /** Receives each page's screenshot (PNG); absent in lean runs, where only a stuck page is screenshotted. */
  readonly onScreenshot?: (name: string, png: Buffer) => Promise<void>;
  readonly env?: NodeJS.ProcessEnv;
}

/** The value a step fills, read now from the config or the environment. */
export function fillValue(value: RawFillValue, field: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof value === "string") return value;
  const read = env[value.env];
  if (read === undefined)
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      `${field}: the environment variable ${value.env} is not set`,
    );
  return read;
}

/** Removes the values the steps fill from text the evidence keeps (values shorter than 3 characters stay). */
export function scrubFilled(
  text: string,
  steps: readonly LoginStep[],
  env: NodeJS.ProcessEnv = process.env,
): string {
  let out = text;
  const values = steps.flatMap((s) =>
    s.fill.map((f) => (typeof f.value === "string" ? f.value : (env[f.value.env] ?? ""))),
  );
  for (const value of values.filter((v) => v.length >= 3).sort((a, b) => b.length - a.length)) {
    for (const form of new Set([value, encodeURIComponent(value), escapeHtml(value)]))
      out = out.split(form).join("<filled value removed>");
  }
  return out;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A CDP URL pattern for the redirect URI and any query: `*` and `?` are wildcards, `\` escapes. */
function redirectPattern(redirectUri: string): string {
  const url = new URL(redirectUri);
  const base = `${url.origin}${url.pathname}`;
  return `${base.replace(/[\\*?]/g, (c) => `\\${c}`)}*`;
}

/** What the browser shows at the redirect URI: a page of ours that loads nothing from its origin. */
const REDIRECT_PAGE =
  '<!doctype html><html><head><link rel="icon" href="data:,"><title>redirect received</title></head><body><p>redirect received</p></body></html>';

interface Paused {
  readonly requestId: string;
  readonly request: { readonly url: string };
}

/** Where the browser was sent, once it heads for the redirect URI. */
class RedirectTrap {
  url: string | undefined;
  readonly reached: Promise<string>;
  private resolve!: (url: string) => void;

  constructor(
    private readonly cdp: CDPSession,
    private readonly redirectUri: string,
  ) {
    this.reached = new Promise((resolve) => (this.resolve = resolve));
    cdp.on("Fetch.requestPaused", (event: Paused) => {
      this.answers.push(this.paused(event));
    });
  }

  private readonly answers: Promise<void>[] = [];

  /**
   * Lets every paused request's answer finish, then stops intercepting: a page closed while Chromium still
   * holds a paused request can take until the browser gives up on it to close.
   */
  async disarm(): Promise<void> {
    await Promise.allSettled(this.answers);
    await this.cdp.send("Fetch.disable").catch(() => undefined);
    await this.cdp.detach().catch(() => undefined);
  }

  async arm(): Promise<void> {
    await this.cdp.send("Fetch.enable", {
      patterns: [{ urlPattern: redirectPattern(this.redirectUri), requestStage: "Request" }],
    });
  }

  private async paused(event: Paused): Promise<void> {
    const { url } = event.request;
    try {
      if (!isRedirectTo(url, this.redirectUri)) {
        await this.cdp.send("Fetch.continueRequest", { requestId: event.requestId });
        return;
      }
      this.url ??= url;
      this.resolve(this.url);
      // Answered here: nothing is sent to the redirect URI.
      await this.cdp.send("Fetch.fulfillRequest", {
        requestId: event.requestId,
        responseCode: 200,
        responseHeaders: [{ name: "content-type", value: "text/html; charset=utf-8" }],
        // The icon link keeps Chromium from asking the redirect URI's origin for /favicon.ico.
        body: Buffer.from(REDIRECT_PAGE).toString("base64"),
      });
    } catch {
      // The page or browser closed meanwhile: nothing left to answer.
    }
  }
}

/** The screenshot of a page with password inputs and every field a step fills masked. */
async function screenshot(page: Page, steps: readonly LoginStep[], timeoutMs: number): Promise<Buffer> {
  const masked = ["input[type=password]", ...steps.flatMap((s) => s.fill.map((f) => f.selector))];
  return page.screenshot({
    mask: masked.map((selector) => page.locator(selector)),
    animations: "disabled",
    timeout: timeoutMs,
  });
}

/**
 * The first step, in config order, whose url pattern matches the page and whose click element is on it
 * (waiting up to `timeoutMs` for one to appear, for pages drawn by script); undefined when none applies.
 */
async function applicableStep(
  page: Page,
  steps: readonly LoginStep[],
  timeoutMs: number,
): Promise<LoginStep | undefined> {
  const candidates = steps.filter((s) => s.pattern.test(page.url()));
  if (candidates.length === 0) return undefined;
  const present = async () => {
    for (const step of candidates) if ((await page.locator(step.click).count()) > 0) return step;
    return undefined;
  };
  const now = await present();
  if (now) return now;
  const any = candidates
    .map((s) => page.locator(s.click))
    .reduce((a, b) => a.or(b))
    .first();
  await any.waitFor({ state: "attached", timeout: timeoutMs }).catch(() => undefined);
  return present();
}

function describeLocation(url: string): string {
  if (!URL.canParse(url)) return url;
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

/** Runs one authorization in `context` (a new page, closed afterwards). */
export async function runAuthorization(options: AuthorizationOptions): Promise<AuthorizationRun> {
  const { context, redirectUri, steps, timeoutMs } = options;
  const env = options.env ?? process.env;
  const started = Date.now();
  const page = await context.newPage();
  const pages: VisitedPage[] = [];
  let lastDocument: Response | undefined;
  let redirectedBy: AuthorizationRun["redirectedBy"];
  page.on("response", (response) => {
    const request = response.request();
    if (!request.isNavigationRequest() || response.frame() !== page.mainFrame()) return;
    if (isRedirectTo(request.url(), redirectUri)) return;
    lastDocument = response;
    const location = response.headers().location;
    if (response.status() >= 300 && response.status() < 400 && location !== undefined) {
      const target = URL.canParse(location, response.url()) ? new URL(location, response.url()).href : "";
      if (isRedirectTo(target, redirectUri))
        redirectedBy = { method: request.method(), url: response.url(), status: response.status() };
    }
  });
  const trap = new RedirectTrap(await context.newCDPSession(page), redirectUri);
  await trap.arm();
  const finish = (outcome: AuthorizeOutcome, extra: Partial<AuthorizationRun> = {}): AuthorizationRun => ({
    outcome,
    pages,
    ...(redirectedBy ? { redirectedBy } : {}),
    ...extra,
    durationMs: Date.now() - started,
  });
  const stuck = async (message: string): Promise<never> => {
    const shot = await screenshot(page, steps, timeoutMs).catch(() => undefined);
    throw new LoginStuck(message, page.url(), shot, pages);
  };
  /** Waits for the next document of the main frame or the redirect, whichever comes first. */
  const settle = async <T>(action: Promise<T>, what: string): Promise<void> => {
    const outcome = await Promise.race([
      action.then(
        () => "done" as const,
        (err: unknown) => err as Error,
      ),
      trap.reached.then(() => "redirected" as const),
    ]);
    if (outcome instanceof Error && trap.url === undefined) {
      if (outcome.name === "TimeoutError")
        throw new HarnessError(
          "ERR_TARGET_TIMEOUT",
          `${what}: no page within ${timeoutMs} ms (${describeLocation(page.url())})`,
        );
      await unreachable(
        `${what}: ${(outcome.message.split("\n")[0] ?? "").replace(/^page\.goto: /, "")}`,
        what === "opening the authorization URL" ? options.authorizeUrl : page.url(),
      );
    }
  };
  /** A page the browser could not reach: the watch hears of it first (it may find the target down). */
  const unreachable = async (message: string, url: string): Promise<never> => {
    const error = new HarnessError("ERR_TARGET_UNREACHABLE", message);
    await options.onConnectionFailure?.({
      error,
      request: { method: "GET", url, headers: {} },
      label: "browser navigation",
      failedAt: Date.now(),
    });
    throw error;
  };

  try {
    await settle(
      page.goto(options.authorizeUrl, { timeout: timeoutMs, waitUntil: "load" }),
      "opening the authorization URL",
    );
    // Each step may be needed more than once (a login page shown again), but never without end.
    const maxPages = steps.length * 2 + 2;
    for (let n = 1; ; n++) {
      if (trap.url !== undefined) return finish(redirectOutcome(trap.url));
      const status = lastDocument?.status();
      const url = page.url();
      // Chromium's own error page: the last navigation (a form post, a redirect) reached no server.
      if (url.startsWith("chrome-error://")) {
        const last = pages.at(-1)?.url ?? options.authorizeUrl;
        await unreachable(`the browser reached no server after ${describeLocation(last)}`, last);
      }
      const name = `launch page ${n}: ${describeLocation(url)}`;
      if (status !== undefined && status >= 400) {
        pages.push({ url, status });
        await options.onScreenshot?.(`${name} (HTTP ${status})`, await screenshot(page, steps, timeoutMs));
        return finish({ kind: "page", status, url }, await pageEvidence(page, lastDocument, steps, env));
      }
      if (n > maxPages)
        return await stuck(
          `no redirect to ${redirectUri} after ${maxPages} pages (${pages.map((p) => `${describeLocation(p.url)} by ${p.step ?? "no step"}`).join(", ")}): a login page that keeps coming back (wrong credentials in the launch block?)`,
        );
      const step = await applicableStep(page, steps, timeoutMs);
      if (!step) {
        pages.push({ url, status });
        if (options.refusalExpected) {
          await options.onScreenshot?.(name, await screenshot(page, steps, timeoutMs));
          return finish(
            { kind: "page", status: status ?? 0, url },
            await pageEvidence(page, lastDocument, steps, env),
          );
        }
        return await stuck(
          `the page at ${url} (HTTP ${status ?? "?"}) matches no step of the config's launch.login (${steps.map((s) => `${s.field}: url /${s.url}/ with ${s.click}`).join("; ")}); add a step for it`,
        );
      }
      pages.push({ url, status, step: step.field });
      await options.onScreenshot?.(`${name} (${step.field})`, await screenshot(page, steps, timeoutMs));
      for (const { selector, value } of step.fill) {
        const field = `${step.field}.fill[${JSON.stringify(selector)}]`;
        const typed = fillValue(value, field, env);
        // The value never reaches a message: Playwright's own error would quote the call.
        const failed = await page
          .locator(selector)
          .first()
          .fill(typed, { timeout: timeoutMs })
          .then(
            () => false,
            () => true,
          );
        if (failed) {
          if (options.refusalExpected)
            return finish(
              { kind: "page", status: status ?? 0, url },
              await pageEvidence(page, lastDocument, steps, env),
            );
          return await stuck(`${field}: no fillable field ${selector} on the page at ${url}`);
        }
      }
      const loaded = page.waitForEvent("load", { timeout: timeoutMs });
      const clicked = page.locator(step.click).first().click({ timeout: timeoutMs });
      const clickFailed = await clicked.then(
        () => false,
        () => true,
      );
      if (clickFailed && trap.url === undefined) {
        loaded.catch(() => undefined);
        return await stuck(`${step.field}.click: could not click ${step.click} on the page at ${url}`);
      }
      await settle(loaded, `after ${step.field} clicked ${step.click} at ${describeLocation(url)}`);
    }
  } finally {
    await trap.disarm();
    await page.close().catch(() => undefined);
  }
}

/** The page that ended the flow as an answer: its HTML (filled values scrubbed) and content type. */
async function pageEvidence(
  page: Page,
  response: Response | undefined,
  steps: readonly LoginStep[],
  env: NodeJS.ProcessEnv,
): Promise<Partial<AuthorizationRun>> {
  const body = await page.content().catch(() => "");
  const contentType = response?.headers()["content-type"];
  return {
    pageBody: scrubFilled(body, steps, env),
    ...(contentType ? { pageContentType: contentType } : {}),
  };
}
