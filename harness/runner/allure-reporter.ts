/**
 * allure-playwright with our status mapping and a test layout made for reading a failure. allure-playwright
 * reports every error as "failed" and every skip as "skipped"; harness, config and network problems
 * (HarnessError codes, also carried by the skips that end a test on a failed prerequisite) are "broken",
 * so a vendor never mistakes them for a verdict. Each result is then arranged by {@link arrangeForReading}.
 * The listener is injected here because reporter options in playwright.config.ts must be serialisable.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Suite } from "@playwright/test/reporter";
import { AllureReporter } from "allure-playwright";
type AllurePlaywrightReporterConfig = NonNullable<ConstructorParameters<typeof AllureReporter>[0]>;
import { Status, type StepResult, type TestResult, type TestResultContainer } from "allure-js-commons";
import { FileSystemWriter, type Writer } from "allure-js-commons/sdk/reporter";
import { isBrokenMessage } from "../errors.ts";
import { causeOf } from "./causes.ts";

/** The label the report's categories group failed and broken tests by (see harness/runner/causes.ts). */
export const CAUSE_LABEL = "cause";

/** Playwright's generic prompt for an AI assistant: the error and the test's source, nothing of ours. */
const ERROR_CONTEXT = "error-context";

const HOOK_ROOTS = new Set(["Before Hooks", "After Hooks"]);

const isAttachmentStep = (step: StepResult): boolean =>
  step.attachments.length > 0 && step.steps.length === 0 && step.status === undefined;

/**
 * Arranges a test result for a reader: drops the annotation steps (requirement, level, area: the labels,
 * links and description say the same, and without a start they show a duration "unknown"); drops
 * Playwright's `error-context` attachment; lifts the attachments our fixtures make after the test body
 * (the exchanges, the decoded assertions, the re-run command) out of "After Hooks" to the test's top
 * level, dropping a hook root left empty; labels a failed or broken test with its cause.
 */
export function arrangeForReading(result: TestResult): void {
  const steps: StepResult[] = [];
  for (const step of result.steps) {
    if (step.start === undefined && step.steps.length === 0 && step.attachments.length === 0) continue;
    if (step.name === ERROR_CONTEXT && isAttachmentStep(step)) continue;
    if (step.name !== undefined && HOOK_ROOTS.has(step.name)) {
      const lifted = step.steps.filter(isAttachmentStep);
      const rest = step.steps.filter((s) => !isAttachmentStep(s));
      if (rest.length > 0 || step.attachments.length > 0 || step.status !== Status.PASSED)
        steps.push({ ...step, steps: rest });
      steps.push(...lifted.filter((s) => s.name !== ERROR_CONTEXT));
      continue;
    }
    steps.push(step);
  }
  result.steps = steps;
  result.attachments = result.attachments.filter((a) => a.name !== ERROR_CONTEXT);
  if (result.status === Status.FAILED || result.status === Status.BROKEN) {
    result.labels = result.labels.filter((l) => l.name !== CAUSE_LABEL);
    result.labels.push({ name: CAUSE_LABEL, value: causeOf(result.statusDetails.message ?? "").cause });
  }
}

/**
 * allure-js-commons' FileSystemWriter, less the fsync: it writes each file to a temporary name, fsyncs it
 * and renames it, which blocked the runner's event loop for ~3 s of a 227-test run (one fsync per result
 * and attachment, while the workers wait for their next test). A conformance report needs no durability
 * across a crash of the machine: a run that did not finish is run again. Results and attachments (the
 * per-test files) are written once, as they are, with the same names and bytes; the once-per-run files
 * keep the original writer's code.
 */
export class UnsyncedWriter extends FileSystemWriter implements Writer {
  private readonly dir: string;
  private made = false;

  constructor(config: { resultsDir: string }) {
    super(config);
    this.dir = config.resultsDir;
  }

  private path(name: string): string {
    if (!this.made) mkdirSync(this.dir, { recursive: true });
    this.made = true;
    return join(this.dir, name);
  }

  override writeAttachment(distFileName: string, content: Buffer): void {
    writeFileSync(this.path(distFileName), content);
  }

  override writeGroup(result: TestResultContainer): void {
    writeFileSync(this.path(`${result.uuid}-container.json`), JSON.stringify(result), "utf-8");
  }

  override writeResult(result: TestResult): void {
    writeFileSync(this.path(`${result.uuid}-result.json`), JSON.stringify(result), "utf-8");
  }
}

export default class ConformanceAllureReporter extends AllureReporter {
  private readonly resultsDir: string;

  constructor(options: AllurePlaywrightReporterConfig = {}) {
    super({
      ...options,
      listeners: [
        ...(options.listeners ?? []),
        {
          beforeTestResultStop: (result) => {
            const judged = result.status === Status.FAILED || result.status === Status.SKIPPED;
            if (judged && isBrokenMessage(result.statusDetails.message)) result.status = Status.BROKEN;
            arrangeForReading(result);
          },
        },
      ],
    });
    this.resultsDir = options.resultsDir ?? "./allure-results";
  }

  /** allure-playwright creates its runtime (and writer) here; the writer is then swapped for ours. */
  override onBegin(suite: Suite): void {
    super.onBegin(suite);
    const runtime = (this as unknown as { allureRuntime?: { writer: Writer } }).allureRuntime;
    // ALLURE_TEST_MODE: allure's own message writer, as allure-playwright chose it.
    if (runtime && !process.env.ALLURE_TEST_MODE)
      runtime.writer = new UnsyncedWriter({ resultsDir: this.resultsDir });
  }
}
