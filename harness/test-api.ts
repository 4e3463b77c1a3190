/**
 * Which test runner's API the harness speaks to: Playwright's (a `playwright test` run, the default) or the
 * inline engine's (harness/runner/inline/, `--engine inline`: the suite's tests run as plain async
 * functions in the CLI's own process). The inline engine registers itself before it loads any suite file;
 * everything here is decided at call time, so a module loaded earlier (by the CLI) still reaches it.
 *
 * Playwright is required, not imported: a run of the inline engine never loads it.
 */
import { createRequire } from "node:module";
import type { TestInfo, TestType } from "@playwright/test";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- Playwright's own spelling of "no fixtures"
export type BaseTest = TestType<{}, {}>;

/** What the inline engine gives the harness: its root test type (info(), skip(), step() are on it). */
export interface InlineEngine {
  readonly test: BaseTest;
}

const ENGINE = Symbol.for("smart-conformance.inline-engine");
const require = createRequire(import.meta.url);

/** Called by the inline engine, before the suite files load. */
export function registerInlineEngine(engine: InlineEngine | undefined): void {
  (globalThis as Record<symbol, unknown>)[ENGINE] = engine;
}

export function inlineEngine(): InlineEngine | undefined {
  return (globalThis as Record<symbol, unknown>)[ENGINE] as InlineEngine | undefined;
}

let playwright: BaseTest | undefined;

/** The root test type of the running engine: Playwright's `_baseTest` (no page or tracing fixtures). */
export function baseTest(): BaseTest {
  const inline = inlineEngine();
  if (inline) return inline.test;
  playwright ??= (require("@playwright/test") as { _baseTest: BaseTest })._baseTest;
  return playwright;
}

/** The running test's info; throws outside a test, as Playwright's test.info() does. */
export function testInfo(): TestInfo {
  return baseTest().info();
}

/** Skips the running test with the reason (throws), as Playwright's test.skip(true, reason) does. */
export function skipTest(reason: string): never {
  baseTest().skip(true, reason);
  throw new Error(reason); // not reached: skip() throws
}

/** A report step around `body`, as Playwright's test.step. */
export function testStep<T>(title: string, body: () => T | Promise<T>): Promise<T> {
  return baseTest().step(title, body);
}
