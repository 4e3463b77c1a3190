/**
 * The console of a judging run: one line per test with the status summary.json gives it (a recorded
 * violation is failed, a skip carrying a harness error is broken, see {@link statusOf}), why a test did not
 * pass under its line, and closing counts taken from the same statuses, so the console and summary.json
 * never disagree. When stdout is a terminal, a progress line (done / total, counts, what is running) is
 * kept at the bottom while tests run; piped output gets no such line.
 */
import { relative } from "node:path";
import type {
  FullConfig,
  FullResult,
  Reporter,
  Suite,
  TestCase,
  TestError,
  TestResult,
} from "@playwright/test/reporter";
import { describeCounts, type Counts } from "./result-line.ts";
import { messageOf, statusOf, type TestStatus } from "./summary-reporter.ts";

/** Where the reporter writes; process.stdout, or a stand-in in tests. */
export interface ConsoleOut {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ConsoleReporterOptions {
  /** Default process.stdout. */
  readonly out?: ConsoleOut;
  /** Default process.stderr. */
  readonly err?: ConsoleOut;
}

const MARK: Readonly<Record<TestStatus, string>> = {
  passed: "✓",
  failed: "✘",
  skipped: "-",
  broken: "!",
  notRun: "·",
};

/** Lines of a reason printed under a test that did not pass; the report and summary.json have the rest. */
const MESSAGE_LINES = 8;

export { describeCounts, type Counts };

export default class ConsoleReporter implements Reporter {
  private readonly out: ConsoleOut;
  private readonly err: ConsoleOut;
  private readonly statuses = new Map<string, TestStatus>();
  private readonly running = new Map<string, string>();
  private total = 0;
  private started = Date.now();
  private progressShown = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: ConsoleReporterOptions = {}) {
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? process.stderr;
  }

  printsToStdio(): boolean {
    return true;
  }

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    this.started = Date.now();
    this.total = suite.allTests().length;
    const workers = Math.min(config.workers, this.total);
    this.print(`\nRunning ${this.total} tests using ${workers} worker${workers === 1 ? "" : "s"}\n`);
    if (this.tty) {
      this.timer = setInterval(() => this.progress(), 1000);
      this.timer.unref();
    }
  }

  onTestBegin(test: TestCase): void {
    this.running.set(test.id, test.title);
    this.progress();
  }

  onStdOut(chunk: string | Buffer): void {
    this.print(chunk.toString(), this.out, false);
  }

  onStdErr(chunk: string | Buffer): void {
    this.print(chunk.toString(), this.err, false);
  }

  onError(error: TestError): void {
    this.print(`\n${error.stack ?? error.message ?? error.value ?? "unknown error"}\n`, this.err);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    this.running.delete(test.id);
    const status = statusOf(result);
    this.statuses.set(test.id, status);
    const project = test.parent.project()?.name;
    const where = `${relative(process.cwd(), test.location.file)}:${test.location.line}`;
    const titles = test.titlePath().slice(3).join(" › ");
    const n = String(this.statuses.size).padStart(String(this.total).length);
    const lines = [
      `  ${MARK[status]} ${n} ${project ? `[${project}] ` : ""}${where} › ${titles} (${result.duration}ms)`,
    ];
    if (status !== "passed") {
      const reason = messageOf(result).split("\n").filter(Boolean);
      const shown = reason.slice(0, MESSAGE_LINES).map((line) => `      ${line}`);
      if (reason.length > MESSAGE_LINES) shown.push(`      … (${reason.length - MESSAGE_LINES} more lines)`);
      if (status !== "skipped" || reason.length) lines.push(...shown);
    }
    this.print(`${lines.join("\n")}\n`);
    this.progress();
  }

  /** The counts of this run, by summary status (the last result of a test that ran more than once). */
  counts(): Counts {
    const counts: Counts = { passed: 0, failed: 0, skipped: 0, broken: 0, notRun: 0 };
    for (const status of this.statuses.values()) counts[status]++;
    return counts;
  }

  onEnd(result: FullResult): void {
    if (this.timer) clearInterval(this.timer);
    this.clearProgress();
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    const unfinished = this.total - this.statuses.size;
    this.print(
      `\n  ${describeCounts(this.counts())}${unfinished > 0 ? `, ${unfinished} did not finish` : ""} (${seconds} s${result.status === "timedout" ? ", run timed out" : ""})\n`,
    );
  }

  /** Writes text above the progress line (terminals only: it is cleared first and drawn again after). */
  private print(text: string, to: ConsoleOut = this.out, redraw = true): void {
    this.clearProgress();
    to.write(text);
    if (redraw && text.endsWith("\n")) this.progress();
  }

  private clearProgress(): void {
    if (!this.progressShown) return;
    this.out.write("\r\u001b[2K");
    this.progressShown = false;
  }

  private progress(): void {
    if (!this.tty || this.total === 0) return;
    const done = this.statuses.size;
    if (done === this.total) return this.clearProgress();
    const c = this.counts();
    const elapsed = Math.round((Date.now() - this.started) / 1000);
    const running = [...this.running.values()];
    const now = running.length
      ? ` · running: ${running[0]}${running.length > 1 ? ` (+${running.length - 1})` : ""}`
      : "";
    const columns = (this.out as { columns?: number }).columns ?? 120;
    const line = `  [${done}/${this.total}] ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.broken} broken · ${elapsed} s${now}`;
    this.out.write(`\r\u001b[2K${line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line}`);
    this.progressShown = true;
  }
}
