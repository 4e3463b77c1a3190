import { resolve } from "node:path";

/** Where a run writes its reports: SMART_REPORTS_DIR, default ./reports. */
export function reportsDir(): string {
  return resolve(process.env.SMART_REPORTS_DIR ?? "reports");
}
