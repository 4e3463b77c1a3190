/**
 * The inline engine's own semantics, which its equivalence with Playwright (inline.test.ts) rests on:
 * fixture scopes, set-up and teardown order, skips from a describe, a fixture or a test, failures,
 * timeouts and test.setTimeout(), afterEach hooks, steps and attachments, and how fixture parameters
 * are read from a function's source.
 */
/* eslint-disable @typescript-eslint/require-await, no-empty-pattern -- fixtures and tests written as a suite
   file writes them: async, and "({}, use)" for a fixture that needs no other (Playwright reads the pattern) */
import { expect, test } from "@playwright/test";
import type { TestInfo } from "@playwright/test";
import { collectFile, fixtureParameterNames, testsOf, testType } from "./declare.ts";
import { InlineWorker, type InlineResult } from "./engine.ts";

interface Api {
  (title: string, body: (fixtures: Record<string, unknown>, info: TestInfo) => unknown): void;
  (
    title: string,
    details: object,
    body: (fixtures: Record<string, unknown>, info: TestInfo) => unknown,
  ): void;
  describe(title: string, fn: () => void): void;
  skip(condition?: boolean, reason?: string): void;
  afterEach(fn: (fixtures: Record<string, unknown>, info: TestInfo) => unknown): void;
  info(): TestInfo;
  step<T>(title: string, body: () => T | Promise<T>): Promise<T>;
  setTimeout(ms: number): void;
  extend(fixtures: Record<string, unknown>): Api;
}

/** Declares tests with `declare(api)` as a suite file would, and runs them one after another on one worker. */
async function run(
  fixtures: Record<string, unknown>,
  declare: (api: Api) => void,
  timeoutMs = 5_000,
): Promise<{ results: InlineResult[]; close: () => Promise<void> }> {
  const api = (testType(new Map()) as unknown as Api).extend(fixtures);
  const group = await collectFile("/suites", "/suites/area/file.spec.ts", async () => declare(api));
  const worker = new InlineWorker(0, timeoutMs, {});
  const results: InlineResult[] = [];
  for (const t of testsOf(group)) results.push(await worker.run(t, t.title, () => {}));
  return { results, close: () => worker.close() };
}

test("reads the fixtures a function asks for from its first parameter, as Playwright does", () => {
  expect(fixtureParameterNames(async ({ t }: { t: number }) => t)).toEqual(["t"]);
  // tsx prints functions without spaces; renamed and defaulted properties keep their own names.
  const printed = { toString: () => "async({target,http:h,t=1},use,testInfo)=>use(1)" };
  expect(fixtureParameterNames(printed as unknown as () => void)).toEqual(["target", "http", "t"]);
  expect(fixtureParameterNames(async () => 1)).toEqual([]);
  expect(
    fixtureParameterNames(function named({ a }: { a: number }) {
      return a;
    }),
  ).toEqual(["a"]);
});

test("sets up worker fixtures once and test fixtures per test, tearing down in reverse order", async () => {
  const log: string[] = [];
  const { results, close } = await run(
    {
      worker: [
        async ({}, use: (v: string) => Promise<void>) => {
          log.push("worker up");
          await use("w");
          log.push("worker down");
        },
        { scope: "worker" },
      ],
      outer: async ({ worker }: { worker: string }, use: (v: string) => Promise<void>) => {
        log.push(`outer up (${worker})`);
        await use("o");
        log.push("outer down");
      },
      inner: async ({ outer }: { outer: string }, use: (v: string) => Promise<void>) => {
        log.push(`inner up (${outer})`);
        await use("i");
        log.push("inner down");
      },
    },
    (api) => {
      api("first", async ({ inner }) => void log.push(`body ${String(inner)}`));
      api("second", async ({ inner }) => void log.push(`body ${String(inner)}`));
    },
  );
  expect(results.map((r) => r.status)).toEqual(["passed", "passed"]);
  await close();
  expect(log).toEqual([
    "worker up",
    "outer up (w)",
    "inner up (o)",
    "body i",
    "inner down",
    "outer down",
    "outer up (w)",
    "inner up (o)",
    "body i",
    "inner down",
    "outer down",
    "worker down",
  ]);
});

test("skips from a describe, a fixture and a test body, with their reasons; fixtures set up are torn down", async () => {
  const log: string[] = [];
  const { results } = await run(
    {
      guarded: async ({}, use: (v: string) => Promise<void>) => {
        log.push("guarded up");
        await use("g");
        log.push("guarded down");
      },
      skipper: async ({ guarded }: { guarded: string }, use: (v: string) => Promise<void>) => {
        void guarded;
        (testType(new Map()) as unknown as Api).skip(true, "no such endpoint");
        await use("never");
      },
    },
    (api) => {
      api.describe("group", () => {
        api.skip(true, "not for this profile");
        api("in a skipped describe", async ({ guarded }) => void log.push(`ran ${String(guarded)}`));
      });
      api("skipped by a fixture", async ({ skipper }) => void log.push(`ran ${String(skipper)}`));
      api("skipped in its body", async () => {
        api.skip(false, "not skipped");
        api.skip(true, "not observed: no 401");
        log.push("after skip");
      });
    },
  );
  expect(results.map((r) => r.status)).toEqual(["skipped", "skipped", "skipped"]);
  expect(results.map((r) => r.annotations.find((a) => a.type === "skip")?.description)).toEqual([
    "not for this profile",
    "no such endpoint",
    "not observed: no 401",
  ]);
  expect(log).toEqual(["guarded up", "guarded down"]);
});

test("a failure keeps its error, runs the afterEach hooks with the status set, and still tears down", async () => {
  const log: string[] = [];
  const { results } = await run(
    {
      fixture: async ({}, use: (v: string) => Promise<void>, info: TestInfo) => {
        await use("f");
        log.push(`teardown sees ${info.status}`);
      },
    },
    (api) => {
      api.afterEach(
        async ({ fixture }, info) => void log.push(`afterEach (${String(fixture)}) sees ${info.status}`),
      );
      api("fails", async ({ fixture }) => {
        void fixture;
        throw new TypeError("boom");
      });
    },
  );
  const [result] = results;
  expect(result?.status).toBe("failed");
  expect(result?.error?.message).toBe("TypeError: boom");
  expect(result?.error?.stack).toMatch(/^TypeError: boom\n\s+at /);
  expect(log).toEqual(["afterEach (f) sees failed", "teardown sees failed"]);
});

test("a test over its timeout ends timedOut; test.setTimeout() moves the deadline", async () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const { results } = await run(
    {},
    (api) => {
      api("hangs", async () => sleep(10_000));
      api("asks for more time", async () => {
        api.setTimeout(2_000);
        await sleep(400);
      });
    },
    200,
  );
  expect(results.map((r) => r.status)).toEqual(["timedOut", "passed"]);
  expect(results[0]?.error?.message).toBe("Test timeout of 200ms exceeded.");
});

test("records steps and attachments as Playwright's reporters see them", async () => {
  const { results } = await run({}, (api) => {
    api("steps", async (_fixtures, info) => {
      await api.step("outer", async () => {
        await api.step("inner", () => undefined);
        await info.attach('a "quoted" name', { body: "text", contentType: "text/plain" });
      });
      await api
        .step("fails", () => {
          throw new Error("check failed");
        })
        .catch(() => undefined);
      expect(api.info()).toBe(info);
    });
  });
  const [result] = results;
  expect(result?.status).toBe("passed");
  const titles = (steps: InlineResult["steps"]): unknown[] =>
    steps.map((s) => [s.category, s.title, titles(s.steps)]);
  expect(titles(result?.steps ?? [])).toEqual([
    ["hook", "Before Hooks", []],
    [
      "test.step",
      "outer",
      [
        ["test.step", "inner", []],
        ["test.attach", 'Attach "a \\"quoted\\" name"', []],
      ],
    ],
    ["test.step", "fails", []],
    ["hook", "After Hooks", []],
  ]);
  expect(result?.steps[2]?.error?.message).toBe("Error: check failed");
  const attach = result?.steps[1]?.steps[1];
  expect(attach?.attachments).toEqual(result?.attachments);
  expect(result?.attachments.map((a) => [a.name, a.contentType, a.body?.toString()])).toEqual([
    ['a "quoted" name', "text/plain", "text"],
  ]);
});

test("test() outside a suite file being loaded is refused", () => {
  const api = testType(new Map()) as unknown as Api;
  expect(() => api("stray", () => undefined)).toThrow(/outside a suite file/);
  expect(() => api.info()).toThrow(/inside a test/);
});
