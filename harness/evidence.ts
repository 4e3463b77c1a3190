/**
 * The evidence beside a failed check, as the HTML report shows it open at the top of a failed or broken
 * test (its description, which the report never collapses): which check failed (rule, expectation, what
 * was observed), the HTTP exchange it judged (request, response, timing; redacted as the attachments are),
 * the client assertion that exchange carried, decoded (signature withheld), and the command that re-runs
 * just this test.
 */
import type { FailedCheck } from "./checks.ts";
import type { Exchange } from "./http.ts";
import { decodedAssertion, Redactor, renderExchange } from "./redact.ts";

/** Heading of the evidence section in a test's description (the browser test looks for it). */
export const EVIDENCE_HEADING = "Why this test failed";

/** At most this many exchanges are shown in full; the attachments hold every one. */
const SHOWN_EXCHANGES = 2;

/** A fenced code block whose fence no backtick run in `text` can close. */
function fenced(text: string, lang = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text.replace(/\n+$/, "")}\n${fence}`;
}

/** Inline code that no backtick in `text` can end. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const tick = "`".repeat(longest + 1);
  return `${tick} ${text.replace(/\s+/g, " ")} ${tick}`;
}

/**
 * Markdown for a failed or broken test: its failed checks (or, when none was recorded, its error's first
 * line), the exchanges they judged (at most two; else the test's last exchange), each with its decoded
 * client assertion, and the re-run command.
 */
export function evidenceMarkdown(input: {
  readonly failed: readonly FailedCheck[];
  /** The test's error or skip reason, shown when no check was recorded as failed. */
  readonly error?: string;
  readonly exchanges: readonly Exchange[];
  readonly rerun: string;
}): string {
  const { failed, exchanges } = input;
  const redactor = new Redactor();
  for (const ex of exchanges) redactor.learn(ex);
  const lines: string[] = [`### ${EVIDENCE_HEADING}`, ""];
  if (failed.length > 0) {
    for (const [i, f] of failed.entries()) {
      lines.push(
        `**Failed check${failed.length > 1 ? ` ${i + 1} of ${failed.length}` : ""}**: ${f.rule}`,
        "",
        `- expected: ${code(f.expectation)}`,
        `- observed: ${code(f.observed)}`,
        "",
      );
    }
  } else {
    const first = (input.error ?? "")
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim();
    lines.push(`**What went wrong**: ${code(first ?? "no message")}`, "");
  }
  const judged = [...new Set(failed.flatMap((f) => (f.exchange ? [f.exchange] : [])))];
  const shown = judged.length > 0 ? judged.slice(0, SHOWN_EXCHANGES) : exchanges.slice(-1);
  for (const ex of shown) {
    const n = String(exchanges.indexOf(ex) + 1).padStart(2, "0");
    lines.push(
      `**HTTP exchange judged** (${n} ${ex.label}: HTTP ${ex.response.status}, ${ex.durationMs} ms; attachment "${n} ${ex.label}: HTTP ${ex.response.status}")`,
      "",
      fenced(renderExchange(ex, redactor)),
      "",
    );
    const decoded = decodedAssertion(ex);
    if (decoded)
      lines.push(
        "**Client assertion sent, decoded** (header and claims; signature withheld)",
        "",
        fenced(decoded, "json"),
        "",
      );
  }
  if (shown.length === 0) lines.push("No HTTP exchange was made before the verdict.", "");
  if (judged.length > SHOWN_EXCHANGES)
    lines.push(`(${judged.length - SHOWN_EXCHANGES} more judged exchanges in the attachments)`, "");
  lines.push("**Re-run just this test**", "", fenced(input.rerun, "sh"));
  return lines.join("\n");
}
