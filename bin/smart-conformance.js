#!/usr/bin/env node
// The `smart-conformance` command: runs the TypeScript entry point (harness/cli/main.ts) through tsx.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const tsx = fileURLToPath(import.meta.resolve("tsx/cli"));
const main = fileURLToPath(new URL("../harness/cli/main.ts", import.meta.url));
const run = spawnSync(process.execPath, [tsx, main, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(run.status ?? 2);
