/**
 * The detection matrix as tables: the compact one in the README (fault → what the target does wrong →
 * how many tests catch it, with one of them), and the full one written to reports/ after a detection run
 * (every test of every row with the status it had against the fault).
 */
import { DETECTION_MATRIX } from "../../fixtures/reference-server/detection-matrix.ts";
import { FAULTS, type Fault } from "../../fixtures/reference-server/options.ts";

export const README_BEGIN =
  "<!-- detection-matrix:begin (generated: npx tsx scripts/write-matrix.ts --readme) -->";
export const README_END = "<!-- detection-matrix:end -->";

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function readmeTable(): string {
  const lines = [
    "| fault | the target … | caught by |",
    "| --- | --- | --- |",
    ...(Object.keys(FAULTS) as Fault[]).map((fault) => {
      const tests = [...DETECTION_MATRIX[fault]].sort();
      const example = tests[0] ?? "nothing";
      const more = tests.length > 1 ? ` and ${tests.length - 1} more` : "";
      return `| \`${fault}\` | ${cell(FAULTS[fault])} | ${cell(`“${example}”${more}`)} |`;
    }),
  ];
  return lines.join("\n");
}

/** The cells of a Markdown table, trimmed, so a table reflowed by Prettier compares equal to its source. */
export function tableCells(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.trim().startsWith("|") && !/^\|[\s|:-]+\|$/.test(line.trim()))
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

/** The README's generated block, or undefined when its markers are missing. */
export function readmeBlock(readme: string): string | undefined {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) return undefined;
  return readme.slice(begin + README_BEGIN.length, end);
}

export interface MeasuredRow {
  readonly fault: string;
  readonly description: string;
  readonly tests: readonly { readonly title: string; readonly status: string }[];
  readonly caught: boolean;
}

export function measuredMarkdown(
  rows: readonly MeasuredRow[],
  conformant: { passed: number; total: number },
): string {
  const caught = rows.filter((r) => r.caught).length;
  const lines = [
    "# Detection matrix (measured)",
    "",
    `Conformant reference target: ${conformant.passed} of ${conformant.total} tests passed.`,
    `Seeded faults caught: ${caught} of ${rows.length}.`,
    "",
    "| fault | the target … | tests that must fail | result |",
    "| --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| \`${r.fault}\` | ${cell(r.description)} | ${r.tests
          .map((t) => cell(`${t.title} (${t.status})`))
          .join("<br>")} | ${r.caught ? "caught" : "**missed**"} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
