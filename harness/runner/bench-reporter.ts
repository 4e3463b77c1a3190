/**
 * The runner's marks of a benchmarked run (see bench-marks.ts): listed first and last among the reporters
 * (reporters.ts, only when SMART_BENCH_LOG is set), so that the reporters' onEnd falls between "first"'s
 * and "last"'s marks. "first" also marks when the runner is ready (onBegin: config loaded, test files
 * listed, global setup done), the first test's start and the last test's end.
 */
import type { FullResult, Reporter } from "@playwright/test/reporter";
import { benchMark } from "./bench-marks.ts";

export interface BenchReporterOptions {
  readonly position: "first" | "last";
}

export default class BenchReporter implements Reporter {
  private readonly position: BenchReporterOptions["position"];
  private firstBegin: number | undefined;
  private lastEnd: { at: number; cpuMs: number } | undefined;

  constructor(options: BenchReporterOptions = { position: "first" }) {
    this.position = options.position;
  }

  onBegin(): void {
    if (this.position === "first") benchMark("runner:begin");
  }

  onTestBegin(): void {
    if (this.position !== "first" || this.firstBegin !== undefined) return;
    this.firstBegin = Date.now();
    benchMark("tests:first-begin");
  }

  onTestEnd(): void {
    if (this.position !== "last") return;
    const { user, system } = process.cpuUsage();
    this.lastEnd = { at: performance.timeOrigin + performance.now(), cpuMs: (user + system) / 1000 };
  }

  onEnd(result: FullResult): void {
    if (this.position === "first") {
      benchMark("reporters:end-start", { status: result.status });
      return;
    }
    if (this.lastEnd) benchMark("tests:last-end", { atMs: this.lastEnd.at, runnerCpuMs: this.lastEnd.cpuMs });
    benchMark("reporters:end-done");
  }

  printsToStdio(): boolean {
    return false;
  }
}
