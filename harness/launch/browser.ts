/**
 * The browser the launch flow drives: Debian's Chromium (`/usr/bin/chromium`, or SMART_CHROMIUM) through
 * playwright-core, headless, with the flags that keep it quiet and off the network on its own account.
 * One per Playwright worker, started by the first test that needs it; a missing browser is a
 * prerequisite of the harness (broken, with the command that installs it), never a verdict.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type * as PlaywrightCore from "playwright-core";
import type { Browser } from "playwright-core";
import { HarnessError } from "../errors.ts";

/**
 * Required, not imported: an ES import of this CommonJS package makes Node scan its 3.6 MB bundle for
 * export names, 0.2 s of CPU in every worker, although @playwright/test has already loaded it (README
 * "Speed").
 */
const { chromium } = createRequire(import.meta.url)("playwright-core") as typeof PlaywrightCore;

/** The environment variable naming another Chromium executable. */
export const CHROMIUM_ENV = "SMART_CHROMIUM";

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The Chromium executable: SMART_CHROMIUM when set, else Debian's. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env[CHROMIUM_ENV]?.trim() || DEFAULT_CHROMIUM;
}

/** Starts Chromium; a missing or failing executable is an ERR_HARNESS_BROWSER error that says what to do. */
export async function launchChromium(timeoutMs: number, path = chromiumPath()): Promise<Browser> {
  if (!existsSync(path))
    throw new HarnessError(
      "ERR_HARNESS_BROWSER",
      `no Chromium at ${path}: the app-launch tests drive the server's login page in a browser. Install Debian's with \`apt-get install -y chromium\`, or set ${CHROMIUM_ENV} to a Chromium executable`,
    );
  try {
    return await chromium.launch({ executablePath: path, args: [...CHROMIUM_ARGS], timeout: timeoutMs });
  } catch (cause) {
    const first = ((cause as Error).message ?? String(cause)).split("\n")[0] ?? "";
    throw new HarnessError(
      "ERR_HARNESS_BROWSER",
      `Chromium at ${path} did not start within ${timeoutMs} ms: ${first}`,
      { cause },
    );
  }
}

/**
 * A worker's browser, started on first use and closed with the worker. A start that failed is not retried
 * (every later test gets the same error at once).
 */
export class BrowserHolder {
  private started: Promise<Browser> | undefined;

  constructor(
    /** How long a start may take (ms). */
    private readonly timeoutMs: number,
    private readonly path = chromiumPath(),
  ) {}

  browser(): Promise<Browser> {
    this.started ??= launchChromium(this.timeoutMs, this.path);
    return this.started;
  }

  async close(): Promise<void> {
    const browser = await this.started?.catch(() => undefined);
    await browser?.close();
  }
}
