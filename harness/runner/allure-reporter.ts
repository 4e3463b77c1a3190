/**
 * allure-playwright with our status mapping. allure-playwright reports every error as "failed" and every
 * skip as "skipped"; harness, config and network problems (HarnessError codes, also carried by the skips
 * that end a test on a failed prerequisite) are "broken", so a vendor never mistakes them for a verdict.
 * The listener is injected here because reporter options in playwright.config.ts must be serialisable.
 */
import { AllureReporter } from "allure-playwright";
type AllurePlaywrightReporterConfig = NonNullable<ConstructorParameters<typeof AllureReporter>[0]>;
import { Status } from "allure-js-commons";
import { isBrokenMessage } from "../errors.ts";

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
          },
        },
      ],
    });
  }
}
