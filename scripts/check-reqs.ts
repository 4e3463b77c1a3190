/**
 * `npm run check:reqs`: the requirement coverage check. Lists the conformance tests and the client checks
 * (without running them), maps each to the requirement ids it declares, and fails when a test names an
 * unknown id, when a server-side or client-side SHALL has neither a test nor a written reason, or when a
 * reason is stale. Writes the coverage table to reports/requirements-coverage.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { listTests } from "../harness/profile-table.ts";
import { DEFAULT_PROFILE } from "../harness/profiles.ts";
import { UNTESTED_REASONS } from "../harness/requirement-reasons.ts";
import { isRequirementId, requirements, type RequirementId } from "../harness/requirements.ts";

const testsOf = new Map<RequirementId, string[]>();
const problems: string[] = [];
const listings = await Promise.all([
  listTests(DEFAULT_PROFILE),
  listTests(DEFAULT_PROFILE, "playwright.client.config.ts"),
]);
for (const listed of listings.flat()) {
  if (listed.ids.length === 0) problems.push(`${listed.file}: "${listed.title}" declares no requirement`);
  for (const id of listed.ids) {
    if (!isRequirementId(id))
      problems.push(`${listed.file}: "${listed.title}" names unknown requirement ${id}`);
    else testsOf.set(id, [...(testsOf.get(id) ?? []), listed.title]);
  }
}

const serverSide = (actor: string) => actor === "AS" || actor === "RS" || actor === "SRV";
const clientSide = (actor: string) => actor === "CLIENT";
for (const r of Object.values(requirements)) {
  const id = r.id as RequirementId;
  const reason = UNTESTED_REASONS[id];
  const tested = (testsOf.get(id)?.length ?? 0) > 0;
  const side = serverSide(r.actor) ? "server-side" : clientSide(r.actor) ? "client-side" : undefined;
  if (r.level === "SHALL" && side && !tested && !reason)
    problems.push(`${id} (${side} SHALL) has neither a test nor a reason in harness/requirement-reasons.ts`);
  if (reason && tested)
    problems.push(`${id} has tests, so its reason in harness/requirement-reasons.ts is stale`);
}

const rows = Object.values(requirements).map((r) => {
  const tests = testsOf.get(r.id as RequirementId) ?? [];
  const status =
    tests.length > 0
      ? `${tests.length} test${tests.length > 1 ? "s" : ""}`
      : (UNTESTED_REASONS[r.id as RequirementId] ?? "not tested");
  return `| ${r.id} | ${r.level} | ${r.actor} | ${r.title} | ${status.replace(/\|/g, "\\|")} |`;
});
/** "Server-side SHALL requirements: 86; tested 82; reasoned 4; uncovered 0." */
function coverage(label: string, side: (actor: string) => boolean): string {
  const shall = Object.values(requirements).filter((r) => r.level === "SHALL" && side(r.actor));
  const covered = shall.filter((r) => testsOf.has(r.id as RequirementId)).length;
  const reasoned = shall.filter(
    (r) => !testsOf.has(r.id as RequirementId) && UNTESTED_REASONS[r.id as RequirementId],
  ).length;
  return `${label} SHALL requirements: ${shall.length}; tested ${covered}; reasoned ${reasoned}; uncovered ${shall.length - covered - reasoned}.`;
}
const summaries = [
  coverage("Server-side", serverSide),
  coverage("Client-side (npm run client-check)", clientSide),
];
const dir = resolve(process.env.SMART_REPORTS_DIR ?? "reports");
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, "requirements-coverage.md"),
  `# Requirement coverage\n\n${summaries.join("\n\n")}\n\n| id | level | binds | requirement | coverage |\n|---|---|---|---|---|\n${rows.join("\n")}\n`,
);
console.log(summaries.join("\n"));
for (const p of problems) console.error(`check:reqs: ${p}`);
process.exitCode = problems.length > 0 ? 1 : 0;
