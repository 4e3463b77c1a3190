/**
 * `smart-conformance <command> [options]` (bin/smart-conformance.js; `npx smart-conformance` once
 * installed, `node bin/smart-conformance.js` in this repository). Each command has its own `--help`.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { generateHtmlReport } from "../report.ts";
import { reportsDir } from "../runner/paths.ts";

const HELP = `Usage: smart-conformance <command> [options]

Commands:
  run      run the conformance suite against a target (--target <config>) or the embedded reference target
  keys     generate client keys to register with a server: JWK Sets, PEM public keys, self-signed
           certificates (--out <dir> [--alg PS256,…] [--profile <name>] [--cert-days <n>])
  client-check  judge a backend-services client: the reference server in judging mode watches it
  report   generate the HTML report from reports/allure-results, or print where it is (report open)

Run "smart-conformance <command> --help" for a command's options.`;

const REPORT_HELP = `Usage: smart-conformance report [generate|open]

  generate  (default) renders reports/allure-results into reports/allure-report/index.html
  open      prints the report's file:// URL (open it in any browser; it needs no server or network)

SMART_REPORTS_DIR changes the reports folder.`;

/** Runs another CLI module of ours in a child Node with the same TypeScript loader. */
function delegate(module: string, args: readonly string[]): number {
  const script = fileURLToPath(new URL(module, import.meta.url));
  const run = spawnSync(process.execPath, [...process.execArgv, script, ...args], { stdio: "inherit" });
  return run.status ?? 2;
}

function report(args: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  const action = positionals[0] ?? "generate";
  if (values.help || !["generate", "open"].includes(action)) {
    console.log(REPORT_HELP);
    return values.help ? 0 : 2;
  }
  const reports = reportsDir();
  const index = join(reports, "allure-report", "index.html");
  if (action === "generate") {
    if (!existsSync(join(reports, "allure-results"))) {
      console.error(
        `${join(reports, "allure-results")} does not exist: run the suite first (smart-conformance run)`,
      );
      return 2;
    }
    const table = join(reports, "requirements.md");
    generateHtmlReport(reports, existsSync(table) ? [table] : []);
    console.log(`Report: ${relative(process.cwd(), index)}`);
    return 0;
  }
  if (!existsSync(index)) {
    console.error(`${index} does not exist: run the suite or "smart-conformance report generate" first`);
    return 2;
  }
  console.log(pathToFileURL(index).href);
  return 0;
}

function main(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return delegate("./conformance.ts", rest);
    case "keys":
      return delegate("./keys.ts", rest);
    case "client-check":
      return delegate("./client-check.ts", rest);
    case "report":
      return report(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
