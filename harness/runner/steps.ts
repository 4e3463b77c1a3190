/**
 * One console line per step of a run that is otherwise silent (key generation, target start-up, the
 * reachability probe, report generation), so a person watching knows what it is waiting for. Nothing with
 * SMART_QUIET set (the harness's own tests keep their output as it was).
 */
export function step(text: string): void {
  if (process.env.SMART_QUIET) return;
  console.log(`» ${text}`);
}

/** Seconds since `since` (a Date.now()), one decimal: "0.4 s". */
export function secondsSince(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
