/**
 * The inline engine (`npm run conformance`'s default; `--engine playwright` runs Playwright's runner
 * instead): the suite files load into this process and their tests run as async functions, several at
 * once, with the fixtures, timeouts, global setup and reporters of a Playwright run (playwright.config.ts),
 * without Playwright's runner and worker processes, which cost most of a backend run's CPU (README "Speed"). The verdicts, summary.json and Allure results
 * are the same (harness/runner/inline/inline.test.ts compares the two engines test by test).
 */
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { FullResult, Reporter, TestError } from "@playwright/test/reporter";
import { setGlobalTestRuntime, MessageTestRuntime } from "allure-js-commons/sdk/runtime";
import { ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE } from "allure-js-commons/sdk/reporter";
import type { RuntimeMessage } from "allure-js-commons/sdk";
import { registerInlineEngine, testInfo, testStep } from "../../test-api.ts";
import { benchMark } from "../bench-marks.ts";
import { reportsDir } from "../paths.ts";
import { judgingReporters } from "../reporters.ts";
import { collectFile, describeTitles, inlineBaseTest, testsOf, type DeclaredTest } from "./declare.ts";
import { InlineWorker, serializeError, type InlineResult } from "./engine.ts";
import { resultView, shapeRun, StepViews, testIdFor } from "./reporter-objects.ts";

export interface InlineRunOptions {
  /** The suite's root (playwright.config.ts's testDir). */
  readonly testDir: string;
  /** Folders under testDir that hold no server suite (playwright.config.ts's testIgnore). */
  readonly ignore: readonly string[];
  readonly grep?: string;
  readonly grepInvert?: string;
  readonly workers: number;
  readonly timeoutMs: number;
  readonly globalTimeoutMs: number;
  /**
   * A costly worker fixture (the launch family's browser) only the first `workers` workers may set up:
   * its tests run at most that many at once, and no more of it is started.
   */
  readonly limited?: { readonly fixture: string; readonly workers: number };
}

/** allure-js-commons' runtime for the inline engine: messages become attachments of the running test. */
class InlineAllureRuntime extends MessageTestRuntime {
  async sendMessage(message: RuntimeMessage): Promise<void> {
    await testInfo().attach(`Allure Metadata (${message.type})`, {
      contentType: ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE,
      body: Buffer.from(JSON.stringify(message), "utf8"),
    });
  }

  override async step<T>(name: string, body: () => T | PromiseLike<T>): Promise<T> {
    return testStep(name, async () => await body());
  }
}

function specFiles(dir: string, root: string, ignore: readonly string[]): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      const rel = relative(root, path).replace(/\\/g, "/");
      if (ignore.some((i) => rel === i || rel.startsWith(`${i}/`))) return [];
      if (statSync(path).isDirectory()) return specFiles(path, root, ignore);
      return name.endsWith(".spec.ts") ? [path] : [];
    });
}

/** Whether the test asks for the fixture, directly or through the fixtures it asks for. */
function usesFixture(test: DeclaredTest, name: string): boolean {
  const seen = new Set<string>();
  const visit = (deps: readonly string[]): boolean =>
    deps.some((dep) => {
      if (dep === name) return true;
      if (seen.has(dep)) return false;
      seen.add(dep);
      return visit(test.fixtures.get(dep)?.deps ?? []);
    });
  return visit(test.deps);
}

/** The text --grep matches, as Playwright builds it: title path (file, describes, title) and tags. */
function grepTitle(test: DeclaredTest): string {
  return [test.file, ...describeTitles(test.group), test.title, ...test.tags].join(" ");
}

/** A --grep pattern as Playwright reads it: "/source/flags", else the text, case-insensitive. */
export function titleRegExp(pattern: string): RegExp {
  const literal = /^\/(.*)\/([gi]*)$/.exec(pattern);
  return literal ? new RegExp(literal[1] ?? "", literal[2]) : new RegExp(pattern, "gi");
}

interface LoadedReporter {
  readonly reporter: Reporter & Record<string, unknown>;
  readonly v2: boolean;
}

async function loadReporters(reports: string): Promise<LoadedReporter[]> {
  const loaded: LoadedReporter[] = [];
  for (const [name, options] of judgingReporters(reports)) {
    // Playwright's built-in dot reporter (SMART_QUIET): quiet-reporter.ts stands in for it.
    const path = name === "dot" ? "./harness/runner/inline/quiet-reporter.ts" : name;
    const module = (await import(pathToFileURL(resolve(path)).href)) as {
      default: new (options?: unknown) => Reporter & Record<string, unknown>;
    };
    const reporter = new module.default(options);
    const version = reporter.version as (() => string) | undefined;
    loaded.push({ reporter, v2: typeof version === "function" && version.call(reporter) === "v2" });
  }
  return loaded;
}

function call(reporter: LoadedReporter["reporter"], method: string, ...args: unknown[]): unknown {
  const fn = reporter[method];
  return typeof fn === "function" ? (fn as (...a: unknown[]) => unknown).apply(reporter, args) : undefined;
}

/** Runs the suite inline; the reporters write what they write after a Playwright run. */
export async function runInline(options: InlineRunOptions): Promise<FullResult["status"]> {
  registerInlineEngine({ test: inlineBaseTest });
  setGlobalTestRuntime(new InlineAllureRuntime());
  const started = new Date();
  const reporters = await loadReporters(reportsDir());
  const errors: TestError[] = [];
  const root = resolve(options.testDir);
  const declared: DeclaredTest[] = [];
  for (const file of specFiles(root, root, options.ignore)) {
    try {
      const group = await collectFile(root, file, () => import(pathToFileURL(file).href));
      declared.push(...testsOf(group));
    } catch (error) {
      errors.push({
        ...serializeError(error),
        message: `Error loading ${relative(process.cwd(), file)}: ${String((error as Error).message ?? error)}`,
      });
    }
  }
  const grep = options.grep ? titleRegExp(options.grep) : undefined;
  const grepInvert = options.grepInvert ? titleRegExp(options.grepInvert) : undefined;
  const matches = (re: RegExp, title: string) => {
    re.lastIndex = 0;
    return re.test(title);
  };
  const tests = declared.filter((t) => {
    const title = grepTitle(t);
    return (!grep || matches(grep, title)) && !(grepInvert && matches(grepInvert, title));
  });
  const require = createRequire(import.meta.url);
  const version = (require("@playwright/test/package.json") as { version: string }).version;
  const shapeOf = (selected: readonly DeclaredTest[], workers: number) =>
    shapeRun({
      rootDir: root,
      testDir: root,
      configFile: resolve("playwright.config.ts"),
      workers,
      timeoutMs: options.timeoutMs,
      globalTimeoutMs: options.globalTimeoutMs,
      tests: selected,
      version,
    });
  let shape = shapeOf(tests, options.workers);
  for (const { reporter, v2 } of reporters) if (v2) call(reporter, "onConfigure", shape.config);
  // As Playwright's runner, which refuses a run that selects no test.
  if (errors.length === 0 && tests.length === 0) errors.push({ message: "Error: No tests found" });
  let teardown: (() => Promise<void>) | undefined;
  if (errors.length === 0) {
    try {
      const setup = (await import("../global-setup.ts")) as { default: () => Promise<() => Promise<void>> };
      teardown = await setup.default();
    } catch (error) {
      errors.push(serializeError(error));
    }
  }
  // As Playwright: the reporters begin after the global setup, with no test when it (or loading) failed,
  // and hear of the errors then.
  if (errors.length > 0) shape = shapeOf([], 0);
  for (const { reporter, v2 } of reporters) {
    if (v2) call(reporter, "onBegin", shape.root);
    else call(reporter, "onBegin", shape.config, shape.root);
  }
  for (const error of errors) for (const { reporter } of reporters) call(reporter, "onError", error);
  let status: FullResult["status"] = errors.length > 0 ? "failed" : "passed";
  benchMark("inline:tests-start", { workers: options.workers });
  // An error no test awaited (a stray promise of a test or of the target) would end this process, and the
  // run with it: like Playwright's runner, report it and go on.
  let strayed = false;
  const stray = (error: unknown) => {
    strayed = true;
    const serialized = serializeError(error);
    for (const { reporter } of reporters) call(reporter, "onError", serialized);
  };
  process.on("unhandledRejection", stray);
  process.on("uncaughtException", stray);
  try {
    if (status === "passed") status = await runTests(tests, options, shape, reporters);
    if (strayed && status === "passed") status = "failed";
  } finally {
    process.off("unhandledRejection", stray);
    process.off("uncaughtException", stray);
  }
  try {
    await teardown?.();
  } catch (error) {
    const serialized = serializeError(error);
    for (const { reporter } of reporters) call(reporter, "onError", serialized);
    if (status === "passed") status = "failed";
  }
  const full: FullResult = { status, startTime: started, duration: Date.now() - started.getTime() };
  for (const { reporter } of reporters) await call(reporter, "onEnd", full);
  for (const { reporter } of reporters) await call(reporter, "onExit");
  return status;
}

async function runTests(
  tests: readonly DeclaredTest[],
  options: InlineRunOptions,
  shape: ReturnType<typeof shapeRun>,
  reporters: readonly LoadedReporter[],
): Promise<FullResult["status"]> {
  const steps = new StepViews();
  const views = new Map<InlineResult, ReturnType<typeof resultView>>();
  const caseOf = (result: InlineResult) => shape.cases.get(result.test);
  const events = {
    onStepBegin: (result: InlineResult, step: Parameters<StepViews["view"]>[0]) => {
      const view = views.get(result);
      for (const { reporter } of reporters)
        call(reporter, "onStepBegin", caseOf(result), view, steps.view(step));
    },
    onStepEnd: (result: InlineResult, step: Parameters<StepViews["view"]>[0]) => {
      const view = views.get(result);
      for (const { reporter } of reporters)
        call(reporter, "onStepEnd", caseOf(result), view, steps.view(step));
    },
  };
  const queue = [...tests];
  const limited = options.limited;
  const needsLimited = (test: DeclaredTest) => (limited ? usesFixture(test, limited.fixture) : false);
  /** The next test for worker i: any for the first `limited.workers` workers, else one without it. */
  const next = (i: number): DeclaredTest | undefined => {
    const at = !limited || i < limited.workers ? 0 : queue.findIndex((t) => !needsLimited(t));
    return at < 0 ? undefined : queue.splice(at, 1)[0];
  };
  let timedOut = false;
  let failed = false;
  const inFlight = new Set<InlineResult>();
  const finished = new Set<InlineResult>();
  const end = (result: InlineResult) => {
    if (finished.has(result)) return;
    finished.add(result);
    inFlight.delete(result);
    const testCase = caseOf(result);
    const view = views.get(result);
    if (!testCase || !view) return;
    (testCase.results as unknown as unknown[]).push(view);
    // As Playwright's runner: the test's annotations and expected status become the run's.
    (testCase as unknown as { annotations: unknown[] }).annotations = result.annotations;
    if (result.status === "skipped")
      (testCase as unknown as { expectedStatus: string }).expectedStatus = "skipped";
    if (result.status !== "passed" && result.status !== "skipped") failed = true;
    for (const { reporter } of reporters) call(reporter, "onTestEnd", testCase, view);
  };
  let stopAll: () => void = () => {};
  const stopped = new Promise<void>((r) => (stopAll = r));
  const globalTimer = setTimeout(() => {
    timedOut = true;
    queue.length = 0;
    for (const result of [...inFlight]) {
      result.status = "interrupted";
      end(result);
    }
    stopAll();
  }, options.globalTimeoutMs);
  const workers = Array.from({ length: Math.max(1, Math.min(options.workers, tests.length)) }, (_, i) =>
    (async () => {
      const worker = new InlineWorker(i, options.timeoutMs, events);
      try {
        for (let test = next(i); test && !timedOut; test = next(i)) {
          const result = await worker.run(test, testIdFor(test), (begun) => {
            views.set(begun, resultView(begun, steps));
            inFlight.add(begun);
            const testCase = caseOf(begun);
            for (const { reporter } of reporters) call(reporter, "onTestBegin", testCase, views.get(begun));
          });
          end(result);
        }
      } finally {
        await worker.close().catch(() => {});
      }
    })(),
  );
  await Promise.race([Promise.all(workers), stopped]);
  clearTimeout(globalTimer);
  if (timedOut) return "timedout";
  return failed ? "failed" : "passed";
}
