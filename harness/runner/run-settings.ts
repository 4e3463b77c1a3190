/**
 * Settings both engines of a conformance run share (playwright.config.ts for Playwright's, the conformance
 * command for the inline engine's), so that a test is given the same time and the same files either way.
 */

/** The suites' folder. */
export const SUITES_DIR = "suites";

/** Folders under SUITES_DIR that judge clients, not servers (`npm run client-check` runs them). */
export const CLIENT_SUITES = ["client"] as const;

/** A test's timeout; a test may give itself more (test.setTimeout) when it waits on purpose. */
export const TEST_TIMEOUT_MS = 30_000;

/** The whole run's timeout when neither --run-timeout nor the config's runTimeoutSeconds sets one. */
export const RUN_TIMEOUT_SECONDS = 1800;
