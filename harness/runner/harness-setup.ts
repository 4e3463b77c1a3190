/**
 * Global setup of the harness's own tests: names the file the detection run is cached in for this run
 * (see detection.test.ts) and removes it afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function harnessSetup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "smart-harness-"));
  process.env.SMART_DETECTION_CACHE = join(dir, "detection-summary.json");
  return () => rmSync(dir, { recursive: true, force: true });
}
