/**
 * Reads V8 CPU profiles (`node --cpu-prof`, as `npm run bench -- --cpu-prof <dir>` takes them of every Node
 * process of a run) and says where the time went: self time by process role and by what the code is
 * (TypeScript transformation, module loading, signing, HTTP, Allure, reporters, fixtures, the browser
 * driver…), and the functions with the most self time.
 *
 * `npx tsx scripts/cpu-profile.ts <dir with .cpuprofile files>` prints the summary of one run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** What a function's time is, from its script URL (first match wins). */
const CATEGORIES: readonly (readonly [RegExp, string])[] = [
  [/playwright\/lib\/transform\/babelBundle/, "TS transform: Playwright's babel"],
  [/playwright\/lib\/transform\//, "TS transform: Playwright's loader and cache"],
  [/node_modules\/tsx\/|node_modules\/esbuild\//, "TS transform: tsx / esbuild"],
  [/node:internal\/modules\/typescript|amaro/, "TS transform: Node's type stripping"],
  [/node:internal\/modules\/|node:internal\/vm|^node:module/, "module loading (Node)"],
  [/node_modules\/jose\//, "jose (signing, JWK import)"],
  [/node:internal\/crypto/, "node:crypto"],
  [/node_modules\/undici\/|node:internal\/deps\/undici/, "undici (HTTP client)"],
  [
    /node:internal\/(tls|net|stream|http|_http|streams)|node:(tls|net|http|https)\b/,
    "Node net / tls / http / streams",
  ],
  [/node_modules\/allure-playwright\//, "allure-playwright (reporter)"],
  [/node_modules\/allure-js-commons\//, "allure-js-commons (results writing, runtime API)"],
  [/node_modules\/allure\/|node_modules\/@allurereport\//, "allure generate (HTML)"],
  [/harness\/runner\/(summary|console|allure|bench)-reporter|harness\/runner\/causes/, "our reporters"],
  [/fixtures\/reference-server\//, "reference target (embedded or bench-served)"],
  [/harness\/launch\//, "harness: launch driver"],
  [
    /harness\/conformance\.ts|harness\/redact|harness\/evidence|harness\/checks/,
    "harness: fixtures, checks, evidence",
  ],
  [/harness\//, "harness: other"],
  [/suites\//, "test bodies"],
  [/playwright-core\//, "playwright-core (browser driver, IPC, utilities)"],
  [
    /node_modules\/playwright\/lib\/(runner|reporters|isomorphic|common|util|program|index)/,
    "Playwright runner / common",
  ],
  [/node_modules\/playwright\/lib\/worker/, "Playwright worker"],
  [/node_modules\/playwright\//, "Playwright other"],
  [/node_modules\/(ajv|ajv-formats)\//, "ajv (config schema)"],
  [
    /node:internal\/(child_process|worker|process|event_target|timers|util|console|errors|url|fs|buffer|async_hooks|bootstrap|main|streams)/,
    "Node internals (process, IPC, fs, timers…)",
  ],
  [/node_modules\//, "other packages"],
];

export function categoryOf(url: string, functionName: string): string {
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)") return "V8 / native (unattributed)";
  if (functionName === "(idle)") return "idle";
  if (url === "") return "V8 / native (unattributed)";
  return CATEGORIES.find(([re]) => re.test(url))?.[1] ?? "Node internals (process, IPC, fs, timers…)";
}

export interface ProfileSummary {
  /** Profiled CPU by process role, ms (self time, idle excluded). */
  readonly byRole: Readonly<Record<string, number>>;
  /** Per role: ms by category, largest first. */
  readonly categories: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The functions with the most self time over all processes. */
  readonly topFunctions: readonly { readonly ms: number; readonly fn: string; readonly role: string }[];
}

/** The pid in a --cpu-prof file name: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile */
function pidOf(file: string): number {
  return Number(basename(file).split(".")[3]);
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\//, "")
    .replace(/^.*\/main\//, "");
}

export function summariseProfiles(files: readonly string[], roleOf: (pid: number) => string): ProfileSummary {
  const byRole: Record<string, number> = {};
  const categories: Record<string, Record<string, number>> = {};
  const functions = new Map<string, { ms: number; fn: string; role: string }>();
  for (const file of files) {
    const role = roleOf(pidOf(file));
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const roleCategories = (categories[role] ??= {});
    for (const [id, us] of selfUs) {
      const node = nodes.get(id);
      if (!node) continue;
      const { url, functionName, lineNumber } = node.callFrame;
      const category = categoryOf(url, functionName);
      if (category === "idle") continue;
      const ms = us / 1000;
      byRole[role] = (byRole[role] ?? 0) + ms;
      roleCategories[category] = (roleCategories[category] ?? 0) + ms;
      const fn = `${functionName || "(anonymous)"} ${shortUrl(url)}:${lineNumber + 1}`;
      const key = `${role} ${fn}`;
      const entry = functions.get(key) ?? { ms: 0, fn, role };
      entry.ms += ms;
      functions.set(key, entry);
    }
  }
  const sorted = (record: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(record)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, Math.round(v)]),
    );
  return {
    byRole: sorted(byRole),
    categories: Object.fromEntries(Object.entries(categories).map(([role, c]) => [role, sorted(c)])),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 40)
      .map((f) => ({ ...f, ms: Math.round(f.ms) })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("Usage: npx tsx scripts/cpu-profile.ts <dir with .cpuprofile files>");
    process.exit(2);
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => join(dir, f));
  console.log(
    JSON.stringify(
      summariseProfiles(files, (pid) => String(pid)),
      null,
      2,
    ),
  );
}
