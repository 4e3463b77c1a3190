/**
 * Reproducing one verdict: the command that re-runs exactly one test against the same target, printed by
 * the conformance command for each failed test, attached to it in the report and given in summary.json.
 * A curl line cannot do this for a token request (its assertion is single-use); re-running the test builds
 * a fresh one.
 */
import { isAbsolute, relative } from "node:path";
import { DEFAULT_PROFILE, PROFILE_ENV } from "./profiles.ts";

/** Environment variables that change what the embedded reference target does (or how long tests wait). */
const CARRIED_ENV = /^SMART_(REFERENCE_[A-Z_]+|SLOW_TESTS)$/;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Single-quoted for a POSIX shell. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A `--grep` value that matches exactly one test: Playwright matches it against "<project> <file>
 * <describe…> <title> <tags…>" joined by spaces, case-insensitively unless it is written `/…/` — the form
 * used here, because titles may differ only in case (alg "none" / "NONE"). `titlePath` starts at the file,
 * as TestInfo.titlePath does.
 */
export function exactGrep(titlePath: readonly string[]): string {
  return `/(?:^| )${titlePath.map(escapeRegExp).join(" ")}(?: @|$)/`;
}

/**
 * `npm run conformance -- …` re-running the test at `titlePath` against the run's target with the run's
 * profile; for the embedded reference target, with the SMART_REFERENCE_* settings (seeded faults) it had.
 */
export function rerunCommand(titlePath: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const target = env.SMART_TARGET;
  const inside = target ? relative(process.cwd(), target) : "";
  const shown = inside && !inside.startsWith("..") && !isAbsolute(inside) ? inside : target;
  const profile = env[PROFILE_ENV];
  const prefix = target
    ? []
    : Object.entries(env)
        .filter(([name, value]) => CARRIED_ENV.test(name) && value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => `${name}=${shellQuote(value ?? "")}`);
  return [
    ...prefix,
    "npm run conformance --",
    ...(shown ? ["--target", shellQuote(shown)] : []),
    ...(profile && profile !== DEFAULT_PROFILE ? ["--profile", shellQuote(profile)] : []),
    "--grep",
    shellQuote(exactGrep(titlePath)),
  ].join(" ");
}

/** The title path from the test file on, out of a reporter's TestCase.titlePath() (root and project first). */
export function fromFile(titlePath: readonly string[]): string[] {
  const at = titlePath.findIndex((p) => p.endsWith(".spec.ts"));
  return at < 0 ? [...titlePath] : titlePath.slice(at);
}
