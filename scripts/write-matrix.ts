/**
 * `npx tsx scripts/write-matrix.ts fast.json [slow.json ...]`: rewrites the detection matrix from the JSON
 * printed by `scripts/detect.ts`. A fault's row becomes the union of the titles that failed in every file
 * naming that fault (e.g. one `--no-slow` sweep plus one `--only-slow` sweep); faults no file names keep
 * their row. `--readme` rewrites the README's detection table from the matrix instead. Review the diff before committing: each row is a claim about what a server with that bug fails.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DETECTION_MATRIX } from "../fixtures/reference-server/detection-matrix.ts";
import { FAULTS, type Fault } from "../fixtures/reference-server/options.ts";

type Sweep = Record<string, { failed: string[] }>;

if (process.argv[2] === "--readme") {
  const { README_BEGIN, README_END, readmeTable } = await import("../harness/runner/detection-table.ts");
  const readme = readFileSync("README.md", "utf8");
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) {
    console.error(`README.md lacks the markers ${README_BEGIN} … ${README_END}`);
    process.exit(2);
  }
  writeFileSync(
    "README.md",
    `${readme.slice(0, begin + README_BEGIN.length)}\n\n${readmeTable()}\n\n${readme.slice(end)}`,
  );
  console.error("rewrote the detection table in README.md (run prettier on it)");
  process.exit(0);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: tsx scripts/write-matrix.ts <detect-output.json> ... | --readme");
  process.exit(2);
}
const sweeps = files.map((file) => JSON.parse(readFileSync(file, "utf8")) as Sweep);
const matrixPath = fileURLToPath(
  new URL("../fixtures/reference-server/detection-matrix.ts", import.meta.url),
);
const source = readFileSync(matrixPath, "utf8");
const marker = "export const DETECTION_MATRIX";
const head = source.slice(0, source.indexOf(marker));

const rows = (Object.keys(FAULTS) as Fault[]).map((fault) => {
  const swept = sweeps.filter((sweep) => sweep[fault]);
  const titles = swept.length
    ? new Set(swept.flatMap((sweep) => sweep[fault]?.failed ?? []))
    : new Set(DETECTION_MATRIX[fault] ?? []);
  const lines = [...titles].sort().map((title) => `    ${JSON.stringify(title)},`);
  return `  ${JSON.stringify(fault)}: [\n${lines.join("\n")}\n  ],`;
});
writeFileSync(
  matrixPath,
  `${head}${marker}: Readonly<Record<Fault, readonly string[]>> = {\n${rows.join("\n")}\n};\n`,
);
console.error(`wrote ${rows.length} rows to ${matrixPath}`);
