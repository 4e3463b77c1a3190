/**
 * allure-playwright with our status mapping and a test layout made for reading a failure. allure-playwright
 * reports every error as "failed" and every skip as "skipped"; harness, config and network problems
 * (HarnessError codes, also carried by the skips that end a test on a failed prerequisite) are "broken",
 * so a vendor never mistakes them for a verdict. Each result is then arranged by {@link arrangeForReading}.
 * The listener is injected here because reporter options in playwright.config.ts must be serialisable.
 */
import { AllureReporter } from "allure-playwright";
type AllurePlaywrightReporterConfig = NonNullable<ConstructorParameters<typeof AllureReporter>[0]>;
import { Status, type StepResult, type TestResult } from "allure-js-commons";
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

export default class ConformanceAllureReporter extends AllureReporter {
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
  }
}
