/**
 * The inline engine's test API: the part of Playwright's `test` the suite uses (test(), test.describe(),
 * test.describe.configure(), test.skip(), test.afterEach(), test.beforeEach(), test.info(), test.step(),
 * test.setTimeout(), test.extend()), collecting declarations while a suite file loads and answering
 * info()/skip()/step() for the running test (found through AsyncLocalStorage: tests run concurrently in one
 * process). Semantics follow Playwright's; where the suite does not use a feature it is refused loudly.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestDetails, TestInfo } from "@playwright/test";
import type { BaseTest } from "../../test-api.ts";

export type FixtureScope = "test" | "worker";

/** A fixture as test.extend() declares it: a function of its dependencies, or an option's value. */
export interface FixtureDef {
  readonly name: string;
  readonly scope: FixtureScope;
  readonly fn?: (
    deps: Record<string, unknown>,
    use: (value: unknown) => Promise<void>,
    info: unknown,
  ) => unknown;
  readonly value?: unknown;
  readonly deps: readonly string[];
  readonly auto: boolean;
}

export type Fixtures = ReadonlyMap<string, FixtureDef>;

export type TestBody = (fixtures: Record<string, unknown>, info: TestInfo) => unknown;

export interface Hook {
  readonly fn: TestBody;
  readonly deps: readonly string[];
  readonly fixtures: Fixtures;
}

export interface Group {
  readonly title: string;
  readonly parent: Group | undefined;
  readonly file: string;
  readonly beforeEach: Hook[];
  readonly afterEach: Hook[];
  /** Reasons of test.skip(true, reason) called in the group's body (they skip every test in it). */
  readonly skips: string[];
  readonly entries: (Group | DeclaredTest)[];
}

export interface DeclaredTest {
  readonly kind: "test";
  readonly title: string;
  readonly group: Group;
  /** Path of the suite file relative to the suite's root (as Playwright's title path names it). */
  readonly file: string;
  readonly absoluteFile: string;
  readonly location: { readonly file: string; readonly line: number; readonly column: number };
  readonly tags: readonly string[];
  readonly annotations: readonly { type: string; description?: string }[];
  readonly body: TestBody;
  readonly deps: readonly string[];
  readonly fixtures: Fixtures;
}

/**
 * Thrown by test.skip(true, reason) inside a test: the test ends skipped. Like Playwright's TestSkipError,
 * a plain Error to whoever serialises it ("Error: Test is skipped: <reason>" on the step it ends).
 */
export class SkipError extends Error {
  constructor(description: string | undefined) {
    super(`Test is skipped: ${description ?? ""}`);
  }
}

/** A running test's state that info()/skip()/step() reach. */
export interface RunningTest {
  readonly info: TestInfo;
  /** A step began or ended (the engine records them for the reporters). */
  step<T>(title: string, body: () => T | Promise<T>): Promise<T>;
}

export const running = new AsyncLocalStorage<RunningTest>();

interface Loading {
  readonly root: string;
  readonly absoluteFile: string;
  group: Group;
}

let loading: Loading | undefined;

export function newGroup(title: string, parent: Group | undefined, file: string): Group {
  return { title, parent, file, beforeEach: [], afterEach: [], skips: [], entries: [] };
}

/** Declares the tests of one suite file (its module is imported inside `load`). */
export async function collectFile(
  root: string,
  absoluteFile: string,
  load: () => Promise<unknown>,
): Promise<Group> {
  const file = relative(root, absoluteFile).replace(/\\/g, "/");
  const group = newGroup(file, undefined, file);
  loading = { root, absoluteFile, group };
  try {
    await load();
  } finally {
    loading = undefined;
  }
  return group;
}

/**
 * The names a fixture or test function asks for: the properties its first parameter destructures, read
 * from its source as Playwright does (`async ({ t, http }, use) => …`).
 */
export function fixtureParameterNames(fn: (...args: never[]) => unknown): string[] {
  const text = fn.toString();
  // "async ({ t }) => …", "async({t})=>…" (as tsx prints it), "function name({ t }) {…}"
  const first = text.slice(text.indexOf("(") + 1).trimStart();
  if (!first.startsWith("{")) return [];
  let depth = 0;
  let end = 0;
  for (let i = 0; i < first.length; i++) {
    const c = first[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      end = i;
      break;
    }
  }
  return first
    .slice(1, end)
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0 && !part.startsWith("..."))
    .map((part) => (/^[\w$]+/.exec(part) ?? [""])[0])
    .filter((name) => name.length > 0);
}

/**
 * Where test() was called: its caller's file, line and column, as Playwright records them (one short
 * stack, source-mapped by Node to the TypeScript source).
 */
function callerLocation(absoluteFile: string): DeclaredTest["location"] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 3;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  // "Error", then callerLocation, declare, and the caller's frame.
  const frame = stack.split("\n")[3] ?? "";
  const m = /\(?([^()\s]+):(\d+):(\d+)\)?$/.exec(frame.trim());
  if (!m?.[1]) return { file: absoluteFile, line: 0, column: 0 };
  const file = m[1].startsWith("file://") ? fileURLToPath(m[1]) : m[1];
  return { file, line: Number(m[2]), column: Number(m[3]) };
}

function titleTags(title: string): string[] {
  return title.match(/@[\S]+/g) ?? [];
}

function currentRunning(what: string): RunningTest {
  const current = running.getStore();
  if (!current) throw new Error(`${what} can only be called inside a test`);
  return current;
}

function toFixtureDefs(extension: Record<string, unknown>, base: Fixtures): Map<string, FixtureDef> {
  const fixtures = new Map(base);
  for (const [name, entry] of Object.entries(extension)) {
    const [value, options] = Array.isArray(entry)
      ? (entry as [unknown, Record<string, unknown>?])
      : [entry, undefined];
    const scope = (options?.scope as FixtureScope | undefined) ?? base.get(name)?.scope ?? "test";
    const auto = options?.auto === true;
    if (typeof value === "function" && options?.option !== true) {
      const fn = value as NonNullable<FixtureDef["fn"]>;
      fixtures.set(name, { name, scope, fn, deps: fixtureParameterNames(fn), auto });
    } else {
      fixtures.set(name, { name, scope, value, deps: [], auto });
    }
  }
  return fixtures;
}

/** A test type over `fixtures`: what `base.extend({...})` returns in the inline engine. */
export function testType(fixtures: Fixtures): BaseTest {
  const declare = (title: string, detailsOrBody: TestDetails | TestBody, maybeBody?: TestBody) => {
    const now = loading;
    if (!now)
      throw new Error(`test("${title}") was called outside a suite file the inline engine is loading`);
    const details = typeof detailsOrBody === "function" ? {} : detailsOrBody;
    const body = typeof detailsOrBody === "function" ? detailsOrBody : maybeBody;
    if (!body) throw new Error(`test("${title}") has no body`);
    const tags = [...titleTags(title), ...[details.tag ?? []].flat<(string | string[])[]>()];
    const annotations = [details.annotation ?? []].flat().map((a) => ({ ...a }));
    const test: DeclaredTest = {
      kind: "test",
      title,
      group: now.group,
      file: now.group.file,
      absoluteFile: now.absoluteFile,
      location: callerLocation(now.absoluteFile),
      tags,
      annotations,
      body,
      deps: fixtureParameterNames(body),
      fixtures,
    };
    now.group.entries.push(test);
  };
  const describe = (title: string, fn: () => void) => {
    const now = loading;
    if (!now) throw new Error(`test.describe("${title}") was called outside a suite file`);
    const group = newGroup(title, now.group, now.group.file);
    now.group.entries.push(group);
    now.group = group;
    try {
      fn();
    } finally {
      now.group = group.parent ?? group;
    }
  };
  const configure = (options: { mode?: string }) => {
    // Every test is independent (fullyParallel): "default" and "parallel" change nothing here.
    if (options.mode === "serial")
      throw new Error("test.describe.configure({ mode: 'serial' }) is not supported inline");
  };
  const hook = (kind: "beforeEach" | "afterEach") => (fn: TestBody) => {
    const now = loading;
    if (!now) throw new Error(`test.${kind}() was called outside a suite file`);
    now.group[kind].push({ fn, deps: fixtureParameterNames(fn), fixtures });
  };
  const skip = (...args: unknown[]) => {
    const [condition, reason] = args;
    if (typeof condition === "string") throw new Error("test.skip(title, body) is not supported inline");
    if (typeof condition === "function") throw new Error("test.skip(fixtures => …) is not supported inline");
    const skipping = args.length === 0 || Boolean(condition);
    const description = typeof reason === "string" ? reason : undefined;
    const current = running.getStore();
    if (current) {
      if (!skipping) return;
      current.info.annotations.push({ type: "skip", ...(description !== undefined ? { description } : {}) });
      throw new SkipError(description);
    }
    if (!loading) throw new Error("test.skip() was called outside a test and outside a suite file");
    if (skipping) loading.group.skips.push(description ?? "");
  };
  const api = Object.assign(declare, {
    describe: Object.assign(describe, { configure }),
    beforeEach: hook("beforeEach"),
    afterEach: hook("afterEach"),
    skip,
    info: () => currentRunning("test.info()").info,
    step: <T>(title: string, body: () => T | Promise<T>) => currentRunning("test.step()").step(title, body),
    setTimeout: (ms: number) => currentRunning("test.setTimeout()").info.setTimeout(ms),
    extend: (extension: Record<string, unknown>) => testType(toFixtureDefs(extension, fixtures)),
  });
  return api as unknown as BaseTest;
}

/** The inline engine's root test type: no fixtures of its own. */
export const inlineBaseTest: BaseTest = testType(new Map());

/** Every test of a file's group tree, in declaration order. */
export function testsOf(group: Group): DeclaredTest[] {
  return group.entries.flatMap((e) => ("kind" in e ? [e] : testsOf(e)));
}

/** The describe titles from the file down to the test's group. */
export function describeTitles(group: Group): string[] {
  const titles: string[] = [];
  for (let g: Group | undefined = group; g?.parent; g = g.parent) titles.unshift(g.title);
  return titles;
}
