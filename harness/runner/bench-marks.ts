/**
 * Marks of a benchmarked run (`npm run bench`, scripts/bench.ts): with SMART_BENCH_LOG naming a file, each
 * process of the run appends one JSON line per phase boundary it reaches (the CLI's config check, global
 * setup, a worker's first fixture, the reporters' start and end, the HTML report), with the time and the
 * CPU this process has used so far. Without it, nothing is written and nothing is measured.
 */
import { appendFileSync } from "node:fs";

/** The environment variable naming the bench log (JSON lines). */
export const BENCH_LOG_ENV = "SMART_BENCH_LOG";

/** One line of the bench log written by {@link benchMark}. */
export interface BenchMark {
  readonly kind: "mark";
  readonly name: string;
  readonly pid: number;
  /** Wall-clock time of the mark, ms since the epoch (sub-millisecond). */
  readonly at: number;
  /** CPU (user + system) this process had used at the mark, ms. */
  readonly cpuMs: number;
  readonly [detail: string]: unknown;
}

/** Whether this run is benchmarked. */
export function benchmarking(): boolean {
  return Boolean(process.env[BENCH_LOG_ENV]);
}

/**
 * Appends a mark to the bench log, if there is one. One short line per write with O_APPEND, so the lines
 * of concurrent processes never interleave.
 *
 * @example benchMark("setup:target-started");
 */
export function benchMark(name: string, detail: Readonly<Record<string, unknown>> = {}): void {
  const log = process.env[BENCH_LOG_ENV];
  if (!log) return;
  const { user, system } = process.cpuUsage();
  const mark: BenchMark = {
    kind: "mark",
    name,
    pid: process.pid,
    at: performance.timeOrigin + performance.now(),
    cpuMs: (user + system) / 1000,
    ...detail,
  };
  appendFileSync(log, `${JSON.stringify(mark)}\n`);
}
