/**
 * Live views: the objects the inline engine hands to the harness (TestInfo) and to the reporters
 * (TestResult, TestStep) read some fields from the running test's record at the moment they are read, as
 * Playwright's own objects do (a result's status is "passed" until the test fails).
 */

/** Defines on `view` a getter for each of `keys` that reads the current value from `source`. */
export function live<S extends object, K extends keyof S>(view: object, source: S, keys: readonly K[]): void {
  for (const key of keys) Object.defineProperty(view, key, { get: () => source[key], enumerable: true });
}
