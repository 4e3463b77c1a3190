/**
 * Typed harness errors. A conformance verdict must never be confused with a problem of the harness, its
 * configuration or the network, so every such problem is a {@link HarnessError} with a stable code; the
 * reporters map these codes to "broken" rather than "failed".
 *
 * Messages avoid the word "assert": Allure counts an error whose message contains it as a failed assertion.
 */
export type HarnessErrorCode =
  | "ERR_HARNESS_CONFIG" // the target config file is missing, unreadable or invalid
  | "ERR_HARNESS_KEYS" // a key file is unusable (public key where a private one is needed, no kid, ...)
  | "ERR_HARNESS_INTERNAL" // a bug in the harness itself
  | "ERR_HARNESS_BROWSER" // the browser the launch flow drives is missing or would not start
  | "ERR_TARGET_UNREACHABLE" // connection refused, DNS failure, reset before a response
  | "ERR_TARGET_TIMEOUT" // no complete response within the configured timeout
  | "ERR_TARGET_PREREQUISITE" // the target failed a step this test depends on but does not judge
  | "ERR_TARGET_DOWN"; // the target stopped answering during an earlier test: this one was not run

export class HarnessError extends Error {
  override readonly name = "HarnessError";
  constructor(
    readonly code: HarnessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`[${code}] ${message}`, options);
  }
}

export const BROKEN_CODES: readonly HarnessErrorCode[] = [
  "ERR_HARNESS_CONFIG",
  "ERR_HARNESS_KEYS",
  "ERR_HARNESS_INTERNAL",
  "ERR_HARNESS_BROWSER",
  "ERR_TARGET_UNREACHABLE",
  "ERR_TARGET_TIMEOUT",
  "ERR_TARGET_PREREQUISITE",
];

/** True when an error message (as a reporter sees it) comes from a HarnessError, not a verdict. */
export function isBrokenMessage(message: string | undefined): boolean {
  return message !== undefined && BROKEN_CODES.some((code) => message.includes(`[${code}]`));
}

/**
 * True when a skip reason (as a reporter sees it) says the test was not run because the target went down
 * during another test: neither a verdict nor "broken" (see harness/target-down.ts).
 */
export function isNotRunMessage(message: string | undefined): boolean {
  return message !== undefined && message.includes("[ERR_TARGET_DOWN]");
}
