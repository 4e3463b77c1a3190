/**
 * The inline engine's results as Playwright's reporter API shapes them (FullConfig, Suite, TestCase,
 * TestResult, TestStep), for the reporters a Playwright run uses (harness/runner/reporters.ts): they read
 * the same fields either way, so the console, summary.json and the Allure results are the same.
 */
import { createHash } from "node:crypto";
import type {
  FullConfig,
  FullProject,
  Location,
  Suite,
  TestCase,
  TestResult,
  TestStep,
} from "@playwright/test/reporter";
import { describeTitles, type DeclaredTest, type Group } from "./declare.ts";
import type { InlineResult, InlineStep } from "./engine.ts";
import { live } from "./live.ts";

export interface RunShape {
  readonly config: FullConfig;
  readonly root: Suite;
  readonly cases: ReadonlyMap<DeclaredTest, TestCase>;
}

interface MutableSuite {
  title: string;
  parent: MutableSuite | undefined;
  suites: MutableSuite[];
  tests: TestCase[];
  location: Location | undefined;
  type: "root" | "project" | "file" | "describe";
  entries(): (MutableSuite | TestCase)[];
  allTests(): TestCase[];
  titlePath(): string[];
  project(): FullProject | undefined;
}

function suite(
  title: string,
  type: MutableSuite["type"],
  parent: MutableSuite | undefined,
  project: () => FullProject | undefined,
  location?: Location,
): MutableSuite {
  const entries: (MutableSuite | TestCase)[] = [];
  const s: MutableSuite = {
    title,
    parent,
    suites: [],
    tests: [],
    location,
    type,
    entries: () => entries,
    allTests: () => entries.flatMap((e) => ("allTests" in e ? e.allTests() : [e])),
    // As Playwright's: the root, project and file titles are always in it, even when empty.
    titlePath: () => [...(parent ? parent.titlePath() : []), title],
    project,
  };
  if (parent) {
    parent.suites.push(s);
    parent.entries().push(s);
  }
  return s;
}

/** Playwright's test id: a hash of the file and title path, so that ids stay across runs. */
function testIdOf(test: DeclaredTest): string {
  const path = [test.file, ...describeTitles(test.group), test.title].join(" ");
  return createHash("sha1").update(path).digest("hex").slice(0, 20);
}

export function shapeRun(options: {
  readonly rootDir: string;
  readonly testDir: string;
  readonly configFile: string;
  readonly workers: number;
  readonly timeoutMs: number;
  readonly globalTimeoutMs: number;
  readonly tests: readonly DeclaredTest[];
  readonly version: string;
}): RunShape {
  const project = {
    name: "",
    testDir: options.testDir,
    outputDir: "",
    retries: 0,
    repeatEach: 1,
    timeout: options.timeoutMs,
    metadata: {},
    grep: /.*/,
    grepInvert: null,
    testIgnore: [],
    testMatch: [],
    snapshotDir: options.testDir,
    dependencies: [],
    teardown: undefined,
    use: {},
  } as unknown as FullProject;
  const config = {
    configFile: options.configFile,
    rootDir: options.rootDir,
    workers: options.workers,
    projects: [project],
    version: options.version,
    metadata: {},
    globalTimeout: options.globalTimeoutMs,
    fullyParallel: true,
    forbidOnly: false,
    grep: /.*/,
    grepInvert: null,
    maxFailures: 0,
    preserveOutput: "always",
    quiet: false,
    reporter: [],
    reportSlowTests: null,
    shard: null,
    updateSnapshots: "missing",
    webServer: null,
  } as unknown as FullConfig;
  const root = suite("", "root", undefined, () => undefined);
  const projectSuite = suite("", "project", root, () => project);
  const files = new Map<string, MutableSuite>();
  const groups = new Map<Group, MutableSuite>();
  const cases = new Map<DeclaredTest, TestCase>();
  const suiteOf = (group: Group, test: DeclaredTest): MutableSuite => {
    if (!group.parent) {
      let file = files.get(group.file);
      if (!file) {
        file = suite(group.file, "file", projectSuite, () => project, {
          file: test.absoluteFile,
          line: 0,
          column: 0,
        });
        files.set(group.file, file);
      }
      return file;
    }
    let s = groups.get(group);
    if (!s) {
      s = suite(group.title, "describe", suiteOf(group.parent, test), () => project);
      groups.set(group, s);
    }
    return s;
  };
  for (const test of options.tests) {
    const parent = suiteOf(test.group, test);
    const results: TestResult[] = [];
    const testCase = {
      title: test.title,
      id: testIdOf(test),
      parent,
      location: test.location,
      tags: test.tags,
      annotations: test.annotations.map((a) => ({ ...a })),
      expectedStatus: "passed",
      timeout: options.timeoutMs,
      retries: 0,
      repeatEachIndex: 0,
      results,
      type: "test",
      titlePath: () => [...parent.titlePath(), test.title],
      outcome: () => {
        const status = results.at(-1)?.status;
        if (status === undefined) return "skipped";
        return status === "skipped" ? "skipped" : status === "passed" ? "expected" : "unexpected";
      },
      ok: () => {
        const status = results.at(-1)?.status;
        return status === undefined || status === "passed" || status === "skipped";
      },
    } as unknown as TestCase;
    parent.tests.push(testCase);
    parent.entries().push(testCase);
    cases.set(test, testCase);
  }
  const suiteView: unknown = root;
  return { config, root: suiteView as Suite, cases };
}

export function testIdFor(test: DeclaredTest): string {
  return testIdOf(test);
}

/** A TestStep view of an inline step (built once, so that onStepBegin and onStepEnd see the same object). */
export class StepViews {
  private readonly views = new WeakMap<InlineStep, TestStep>();

  view(step: InlineStep): TestStep {
    let view = this.views.get(step);
    if (view) return view;
    const parent = step.parent ? this.view(step.parent) : undefined;
    const steps: TestStep[] = [];
    const viewOf = (s: InlineStep) => this.view(s);
    const shape = {
      title: step.title,
      category: step.category,
      startTime: step.startTime,
      parent,
      get steps() {
        steps.length = 0;
        for (const s of step.steps) steps.push(viewOf(s));
        return steps;
      },
      location: undefined,
      annotations: [],
      titlePath: (): string[] => [...(parent ? parent.titlePath() : []), step.title],
    };
    live(shape, step, ["duration", "error", "attachments"]);
    const shaped: unknown = shape;
    view = shaped as TestStep;
    this.views.set(step, view);
    return view;
  }
}

/** A TestResult view of an inline result (one per test and run). */
export function resultView(result: InlineResult, steps: StepViews): TestResult {
  const view = {
    retry: 0,
    parallelIndex: result.workerIndex,
    workerIndex: result.workerIndex,
    startTime: result.startTime,
    get steps() {
      return result.steps.map((s) => steps.view(s));
    },
    stdout: [],
    stderr: [],
  };
  live(view, result, ["duration", "status", "error", "errors", "annotations", "attachments"]);
  const shaped: unknown = view;
  return shaped as TestResult;
}
