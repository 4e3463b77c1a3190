/**
 * Time limits for the harness's own tests, derived from what a test awaits and scaled by how busy the
 * machine is: a CI runner shares its cores with other jobs, and a limit that holds on an idle machine must
 * hold there too. A test states how long its work takes on an idle 2-core machine; the limit is a margin
 * times that, times how many runnable processes share each core right now.
 */
import { availableParallelism, loadavg } from "node:os";

/** The busy factor is capped: beyond this, a limit would stop protecting against a real hang. */
const MAX_BUSY_FACTOR = 8;

/**
 * How many times slower than idle work runs now: the 1-minute load average per core, at least 1 (an idle
 * or half-busy machine runs at full speed), at most {@link MAX_BUSY_FACTOR}.
 */
export function busyFactor(load = loadavg()[0] ?? 0, cores = availableParallelism()): number {
  return Math.min(Math.max(1, load / Math.max(1, cores)), MAX_BUSY_FACTOR);
}

/** The limit for work that takes `idleMs` on an idle machine: `margin` times that, times the busy factor. */
export function budgetMs(idleMs: number, margin = 3, factor = busyFactor()): number {
  return Math.ceil(idleMs * margin * factor);
}
