/**
 * Loaded into every Node process of a benchmarked run (`NODE_OPTIONS=--import …/bench-probe.mjs`, set by
 * scripts/bench.ts): at exit, appends one JSON line to SMART_BENCH_LOG with the process's own CPU (user and
 * system) and that of the children it waited for (Chromium, esbuild, a spawned CLI), from /proc. Plain
 * JavaScript so that it loads the same in every process, whatever transforms TypeScript there.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import process from "node:process";

const log = process.env.SMART_BENCH_LOG;
/** USER_HZ: the unit of /proc/<pid>/stat times, 100 on Linux. */
const TICK_MS = 10;

/** utime, stime, cutime, cstime of /proc/self/stat, in ms (zeros where /proc is absent). */
function procTimes() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime …
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const at = (i) => Number(fields[i]) * TICK_MS;
    return { childUserMs: at(13), childSysMs: at(14) };
  } catch {
    return { childUserMs: 0, childSysMs: 0 };
  }
}

if (log) {
  process.on("exit", () => {
    const { user, system } = process.cpuUsage();
    const line = {
      kind: "exit",
      pid: process.pid,
      ppid: process.ppid,
      argv: process.argv.slice(1).join(" ").slice(0, 300),
      start: performance.timeOrigin,
      end: performance.timeOrigin + performance.now(),
      userMs: user / 1000,
      sysMs: system / 1000,
      ...procTimes(),
    };
    try {
      appendFileSync(log, `${JSON.stringify(line)}\n`);
    } catch {
      // the bench has gone: nothing to report to
    }
  });
}
