/**
 * Runs declared tests (declare.ts) in this process: "workers" are concurrent async loops over one queue,
 * each with its own worker-scoped fixtures, each running one test at a time, as a Playwright worker does.
 * What a test records (status, error, annotations, attachments, steps) is what Playwright's TestInfo
 * records, so the reporters write the same results (reporter-objects.ts shapes it for them).
 */
import type { TestInfo } from "@playwright/test";
import {
  describeTitles,
  running,
  SkipError,
  type DeclaredTest,
  type FixtureDef,
  type Group,
  type Hook,
} from "./declare.ts";
import { live } from "./live.ts";

export type InlineStatus = "passed" | "failed" | "timedOut" | "skipped" | "interrupted";

export interface InlineError {
  readonly message?: string;
  readonly stack?: string;
  readonly value?: string;
}

export interface InlineAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly body?: Buffer;
  readonly path?: string;
}

export interface InlineStep {
  readonly title: string;
  readonly category: string;
  readonly startTime: Date;
  duration: number;
  error?: InlineError;
  readonly steps: InlineStep[];
  readonly attachments: InlineAttachment[];
  readonly parent: InlineStep | undefined;
}

/** What one run of one test recorded. */
export interface InlineResult {
  readonly test: DeclaredTest;
  readonly testId: string;
  readonly workerIndex: number;
  readonly startTime: Date;
  duration: number;
  status: InlineStatus;
  error?: InlineError;
  errors: InlineError[];
  readonly annotations: { type: string; description?: string }[];
  readonly attachments: InlineAttachment[];
  readonly steps: InlineStep[];
  /** When the test function ended (Playwright's testInfo.duration before the after hooks). */
  bodyDuration?: number;
}

export interface StepEvents {
  onStepBegin?(result: InlineResult, step: InlineStep): void;
  onStepEnd?(result: InlineResult, step: InlineStep): void;
}

interface Setup {
  readonly value: unknown;
  teardown(): Promise<void>;
}

export function serializeError(error: unknown): InlineError {
  if (error instanceof Error) {
    const name = error.name ? `${error.name}: ` : "";
    const frames = (error.stack ?? "")
      .split("\n")
      .filter((line) => /^\s+at /.test(line) && !line.includes("/runner/inline/"));
    return {
      message: name + error.message,
      stack: `${name}${error.message}${frames.map((l) => `\n${l}`).join("")}`,
    };
  }
  return { value: String(error) };
}

/** Sets up a fixture: runs its function up to use(value); teardown() lets it run on from there. */
async function setUp(def: FixtureDef, deps: Record<string, unknown>, info: unknown): Promise<Setup> {
  if (!def.fn) return { value: def.value, teardown: async () => {} };
  const fn = def.fn;
  let used = false;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let provide!: (value: unknown) => void;
  let fail!: (error: unknown) => void;
  const provided = new Promise<unknown>((resolve, reject) => {
    provide = resolve;
    fail = reject;
  });
  const done = (async () => {
    await fn(
      deps,
      async (value) => {
        if (used) throw new Error(`fixture "${def.name}" called use() twice`);
        used = true;
        provide(value);
        await released;
      },
      info,
    );
  })();
  done.then(
    () => {
      if (!used) fail(new Error(`fixture "${def.name}" returned without calling use()`));
    },
    (error: unknown) => {
      if (!used) fail(error);
    },
  );
  const value = await provided;
  return {
    value,
    teardown: async () => {
      release();
      await done;
    },
  };
}

/** Fixtures of one scope: set up once on first use, torn down in reverse order. */
class FixtureScope {
  private readonly setups = new Map<FixtureDef, Promise<Setup>>();
  private readonly order: Setup[] = [];

  constructor(
    private readonly info: unknown,
    private readonly parent?: FixtureScope,
  ) {}

  async value(def: FixtureDef, all: ReadonlyMap<string, FixtureDef>): Promise<unknown> {
    if (def.scope === "worker" && this.parent) return this.parent.value(def, all);
    let setup = this.setups.get(def);
    if (!setup) {
      setup = (async () => {
        const deps: Record<string, unknown> = {};
        for (const name of def.deps) deps[name] = await this.resolve(name, all, def);
        const done = await setUp(def, deps, this.info);
        this.order.push(done);
        return done;
      })();
      this.setups.set(def, setup);
    }
    return (await setup).value;
  }

  async resolve(name: string, all: ReadonlyMap<string, FixtureDef>, by?: FixtureDef): Promise<unknown> {
    const def = all.get(name);
    if (!def)
      throw new Error(`${by ? `fixture "${by.name}"` : "the test"} asks for an unknown fixture "${name}"`);
    if (by?.scope === "worker" && def.scope === "test")
      throw new Error(`worker fixture "${by.name}" cannot depend on test fixture "${name}"`);
    return this.value(def, all);
  }

  /** Tears everything down, last set up first; the first error is thrown after all have run. */
  async teardown(): Promise<void> {
    let first: unknown;
    // Taken at once: a timed-out test's teardown may start while its own after hooks still run.
    for (const setup of this.order.splice(0).reverse()) {
      try {
        await setup.teardown();
      } catch (error) {
        first ??= error;
      }
    }
    this.setups.clear();
    if (first !== undefined) throw first instanceof Error ? first : new Error(JSON.stringify(first));
  }
}

function groupChain(group: Group): Group[] {
  const chain: Group[] = [];
  for (let g: Group | undefined = group; g; g = g.parent) chain.unshift(g);
  return chain;
}

/** A worker: runs tests one at a time with its own worker fixtures. */
export class InlineWorker {
  private readonly fixtures: FixtureScope;

  constructor(
    readonly workerIndex: number,
    private readonly timeoutMs: number,
    private readonly events: StepEvents,
  ) {
    this.fixtures = new FixtureScope({ workerIndex, parallelIndex: workerIndex, project: { name: "" } });
  }

  /** Runs one test; `onBegin` is called once its result exists (reporters' onTestBegin). */
  async run(
    test: DeclaredTest,
    testId: string,
    onBegin: (result: InlineResult) => void,
  ): Promise<InlineResult> {
    const result: InlineResult = {
      test,
      testId,
      workerIndex: this.workerIndex,
      startTime: new Date(),
      duration: 0,
      status: "passed",
      errors: [],
      annotations: test.annotations.map((a) => ({ ...a })),
      attachments: [],
      steps: [],
    };
    onBegin(result);
    const started = performance.now();
    const groups = groupChain(test.group);
    const skipped = groups.flatMap((g) => g.skips);
    if (skipped.length > 0) {
      result.annotations.push({ type: "skip", ...(skipped[0] ? { description: skipped[0] } : {}) });
      result.status = "skipped";
      result.duration = Math.round(performance.now() - started);
      return result;
    }
    const stepStack: InlineStep[] = [];
    const step = async <T>(
      title: string,
      body: (step: InlineStep) => T | Promise<T>,
      category = "test.step",
    ): Promise<T> => {
      const parent = stepStack.at(-1);
      const s: InlineStep = {
        title,
        category,
        startTime: new Date(),
        duration: 0,
        steps: [],
        attachments: [],
        parent,
      };
      (parent ? parent.steps : result.steps).push(s);
      this.events.onStepBegin?.(result, s);
      const began = performance.now();
      stepStack.push(s);
      try {
        return await body(s);
      } catch (error) {
        s.error = serializeError(error);
        throw error;
      } finally {
        stepStack.pop();
        s.duration = Math.round(performance.now() - began);
        this.events.onStepEnd?.(result, s);
      }
    };
    const { info, deadline } = this.testInfo(test, testId, result, step);
    const scope = new FixtureScope(info, this.fixtures);
    const fail = (error: unknown) => {
      if (error instanceof SkipError) {
        if (result.status === "passed") result.status = "skipped";
        return;
      }
      const serialized = serializeError(error);
      result.errors.push(serialized);
      if (result.status === "passed" || result.status === "skipped") {
        result.status = "failed";
        result.error = serialized;
      }
    };
    const fixturesFor = async (deps: readonly string[], all: Hook["fixtures"]) => {
      const values: Record<string, unknown> = {};
      for (const def of all.values()) if (def.auto) await scope.value(def, all);
      for (const name of deps) values[name] = await scope.resolve(name, all);
      return values;
    };
    await running.run({ info, step }, async () => {
      // As Playwright's worker: beforeEach hooks and the test's fixtures under "Before Hooks", afterEach
      // hooks and fixture teardown under "After Hooks", whose errors (a skip's too) are the steps' own (the
      // Allure reporter places attachments and shows hook failures by these steps).
      const work = (async () => {
        try {
          const values = await step(
            "Before Hooks",
            async () => {
              for (const g of groups)
                for (const hook of g.beforeEach)
                  await step(
                    "beforeEach hook",
                    async () => hook.fn(await fixturesFor(hook.deps, hook.fixtures), info),
                    "hook",
                  );
              return fixturesFor(test.deps, test.fixtures);
            },
            "hook",
          );
          await test.body(values, info);
        } catch (error) {
          fail(error);
        }
        result.bodyDuration = Math.round(performance.now() - started);
        await step(
          "After Hooks",
          async () => {
            let first: unknown;
            const record = (error: unknown) => {
              fail(error);
              first ??= error;
            };
            hooks: for (const g of [...groups].reverse()) {
              for (const hook of g.afterEach) {
                try {
                  await step(
                    "afterEach hook",
                    async () => hook.fn(await fixturesFor(hook.deps, hook.fixtures), info),
                    "hook",
                  );
                } catch (error) {
                  record(error);
                  if (error instanceof SkipError) break hooks;
                }
              }
            }
            try {
              await scope.teardown();
            } catch (error) {
              record(error);
            }
            if (first !== undefined) throw first instanceof Error ? first : new Error(JSON.stringify(first));
          },
          "hook",
        ).catch(() => {});
      })();
      const timedOut = await deadline.race(work);
      if (timedOut) {
        result.status = "timedOut";
        const error = { message: `Test timeout of ${deadline.limitMs}ms exceeded.` };
        result.error = error;
        result.errors.unshift(error);
        // Fixtures still get their teardown, within a second timeout.
        await Promise.race([
          scope.teardown().catch(() => {}),
          new Promise((r) => setTimeout(r, this.timeoutMs)),
        ]);
      }
    });
    result.duration = Math.round(performance.now() - started);
    return result;
  }

  /** Tears down the worker's fixtures (the run's end). */
  async close(): Promise<void> {
    await this.fixtures.teardown();
  }

  private testInfo(
    test: DeclaredTest,
    testId: string,
    result: InlineResult,
    step: <T>(title: string, body: (step: InlineStep) => T | Promise<T>, category?: string) => Promise<T>,
  ): { info: TestInfo; deadline: Deadline } {
    const deadline = new Deadline(this.timeoutMs);
    const info = {
      title: test.title,
      titlePath: [test.file, ...describeTitles(test.group), test.title],
      file: test.absoluteFile,
      line: test.location.line,
      column: test.location.column,
      testId,
      tags: test.tags,
      annotations: result.annotations,
      attachments: result.attachments,
      retry: 0,
      repeatEachIndex: 0,
      workerIndex: this.workerIndex,
      parallelIndex: this.workerIndex,
      project: { name: "" },
      expectedStatus: "passed",
      get timeout() {
        return deadline.limitMs;
      },
      get duration() {
        return result.bodyDuration ?? Math.round(performance.now() - deadline.started);
      },
      setTimeout: (ms: number) => deadline.reset(ms),
      skip: (...args: unknown[]) => {
        const skipping = args.length === 0 || Boolean(args[0]);
        if (!skipping) return;
        const description = typeof args[1] === "string" ? args[1] : undefined;
        result.annotations.push({ type: "skip", ...(description !== undefined ? { description } : {}) });
        throw new SkipError(description);
      },
      // As Playwright's: a "test.attach" step holding the attachment, which the result lists too.
      attach: async (
        name: string,
        options: { body?: string | Buffer; contentType?: string; path?: string },
      ) => {
        const body = options.body === undefined ? undefined : Buffer.from(options.body);
        const attachment: InlineAttachment = {
          name,
          contentType:
            options.contentType ??
            (typeof options.body === "string" ? "text/plain" : "application/octet-stream"),
          ...(body ? { body } : {}),
          ...(options.path ? { path: options.path } : {}),
        };
        await step(
          `Attach ${quoted(name)}`,
          (s) => {
            s.attachments.push(attachment);
            result.attachments.push(attachment);
          },
          "test.attach",
        );
      },
    };
    live(info, result, ["status", "error", "errors"]);
    return { info: info as unknown as TestInfo, deadline };
  }
}

/** A name in double quotes as Playwright's attach step titles quote it (JSON escapes, quotes escaped). */
function quoted(text: string): string {
  const json = JSON.stringify(text);
  return `"${json.slice(1, -1).replace(/\\"/g, '"').replace(/"/g, '\\"')}"`;
}

/** The test's timeout: a timer that test.setTimeout() moves. */
class Deadline {
  readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private expire: (() => void) | undefined;

  constructor(public limitMs: number) {}

  reset(ms: number): void {
    this.limitMs = ms;
    if (this.expire) this.arm();
  }

  /** True when the timeout expired before `work` settled. */
  async race(work: Promise<void>): Promise<boolean> {
    if (this.limitMs <= 0) {
      await work;
      return false;
    }
    const expired = new Promise<boolean>((resolve) => {
      this.expire = () => resolve(true);
      this.arm();
    });
    try {
      return await Promise.race([work.then(() => false), expired]);
    } finally {
      clearTimeout(this.timer);
      this.expire = undefined;
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    const left = Math.max(0, this.started + this.limitMs - performance.now());
    this.timer = setTimeout(() => this.expire?.(), left);
  }
}
