/**
 * `npx tsx scripts/under-load.ts [--loops N] -- <command> [args…]`
 *
 * Runs a command while N CPU-bound loops (default: one per core) keep the machine busy at the same priority,
 * the way another job on a shared CI runner does; prints the command's wall time and exits with its status.
 * `npm run test:under-load` runs `npm test` so: what issue 17 asks our own tests to survive.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";

function usage(message: string): never {
  console.error(
    `under-load: ${message}\nusage: npx tsx scripts/under-load.ts [--loops N] -- <command> [args…]`,
  );
  process.exit(2);
}

const split = process.argv.indexOf("--");
if (split < 0 || split === process.argv.length - 1) usage("no command after --");
const { values } = parseArgs({
  args: process.argv.slice(2, split),
  options: { loops: { type: "string" } },
});
const loops = values.loops === undefined ? availableParallelism() : Number(values.loops);
if (!Number.isInteger(loops) || loops < 0 || loops > 64)
  usage(`--loops: not a count from 0 to 64: ${values.loops}`);
const [command, ...args] = process.argv.slice(split + 1) as [string, ...string[]];

const busy: ChildProcess[] = Array.from({ length: loops }, () =>
  spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
);
const stopLoops = (): void => {
  for (const loop of busy) loop.kill("SIGKILL");
};
process.on("exit", stopLoops);

console.log(
  `under-load: ${loops} busy loop(s) on ${availableParallelism()} core(s); running ${[command, ...args].join(" ")}`,
);
const started = Date.now();
const child = spawn(command, args, { stdio: "inherit" });
child.on("error", (err) => {
  stopLoops();
  usage(`cannot start ${command}: ${err.message}`);
});
child.on("exit", (code, signal) => {
  stopLoops();
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `under-load: ${command} ended ${signal ? `by ${signal}` : `with status ${code}`} after ${seconds} s with ${loops} busy loop(s)`,
  );
  process.exit(code ?? 1);
});
