/**
 * The client checks' fixture: the recorded session (see session.ts) read once per worker as a
 * JudgedSession, and each client check (client-checks.ts) as a Playwright test — skipped with its reason,
 * or its rule-level checks verified as report steps beside the exchanges it judged, redacted like every
 * other report attachment.
 */
// Playwright's root test type, as the server suite uses (harness/conformance.ts): no page, context or
// trace fixtures, and no steps for them around every check.
import { _baseTest as base, type TestDetails, type TestInfo } from "@playwright/test";
import type { Exchange } from "../http.ts";
import { decodedAssertion, Redactor, renderExchange } from "../redact.ts";
import { labelForAllure, spec } from "../conformance.ts";
import { VERDICTS_ENV, verify } from "../checks.ts";
import {
  CLIENT_SESSION_ENV,
  pathOf,
  readClientSession,
  type ClientSession,
  type ObservedRequest,
} from "./session.ts";
import type { ClientCheck } from "./client-check.ts";
import { JudgedSession } from "./judged-session.ts";

export { JudgedSession, type IssuedToken, type TokenRequest } from "./judged-session.ts";

function asExchange(session: ClientSession, r: ObservedRequest): Exchange {
  const flat = (headers: ObservedRequest["headers"]) =>
    Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, typeof v === "string" ? v : v.join(", ")]),
    );
  const origin =
    r.origin === "foreign"
      ? session.judge.foreignOrigin
      : r.origin === "storage"
        ? (session.judge.storageOrigin ?? "")
        : new URL(session.judge.fhirBaseUrl).origin;
  return {
    label: `request ${r.seq}: ${r.method} ${pathOf(r)}`,
    request: {
      method: r.method,
      url: `${origin}${r.url}`,
      headers: flat(r.headers),
      ...(r.body !== undefined ? { body: r.body } : {}),
    },
    response: { status: r.response.status, headers: flat(r.response.headers), body: r.response.body ?? "" },
    startedAt: new Date(Date.parse(session.judge.startedAt) + r.atMs).toISOString(),
    durationMs: 0,
  };
}

/** Attaches the exchanges a check judged: decoded assertions and redacted transcripts. */
async function attachRequests(
  testInfo: TestInfo,
  session: ClientSession,
  requests: readonly ObservedRequest[],
): Promise<void> {
  if (process.env[VERDICTS_ENV] === "record") return;
  const redactor = new Redactor();
  const exchanges = session.requests.map((r) => asExchange(session, r));
  for (const ex of exchanges) redactor.learn(ex);
  for (const r of requests.slice(0, 20)) {
    const ex = exchanges[r.seq - 1] as Exchange;
    const decoded = decodedAssertion(ex);
    if (decoded) {
      await testInfo.attach(`request ${r.seq}: assertion, decoded header and claims`, {
        body: decoded,
        contentType: "application/json",
      });
    }
    await testInfo.attach(`${ex.label}: HTTP ${ex.response.status}`, {
      body: renderExchange(ex, redactor),
      contentType: "text/plain",
    });
  }
}

interface ClientFixtures {
  /** Path of the recorded session (default SMART_CLIENT_SESSION; the judge's own tests set one per project). */
  clientSession: string;
  /** The session under judgement; setting it up labels the test for Allure from its spec() details. */
  judged: JudgedSession;
}

/** Sessions are read once per worker (a file per run); each test gets the same parsed views. */
let cached: { path: string; judged: JudgedSession } | undefined;

export const clientTest = base.extend<ClientFixtures>({
  clientSession: [process.env[CLIENT_SESSION_ENV] ?? "", { option: true }],
  judged: async ({ clientSession: path }, use, testInfo) => {
    if (cached?.path !== path) cached = { path, judged: new JudgedSession(readClientSession(path)) };
    if (process.env[VERDICTS_ENV] !== "record") await labelForAllure(testInfo);
    await use(cached.judged);
  },
});

/**
 * One client check as a test's details and body — its requirements and level; its skip, or its
 * attachments and its rule-level checks as report steps. The spec file calls the test itself (Playwright
 * places a test where test() is called).
 *
 * @example for (const check of Object.values(DISCOVERY_CHECKS)) test(check.title, ...clientCheck(check));
 */
export function clientCheck(
  check: ClientCheck,
): readonly [TestDetails, (fixtures: { judged: JudgedSession }) => Promise<void>] {
  return [
    spec(check.ids, check.level ? { level: check.level } : {}),
    async ({ judged }) => {
      const judgement = await check.judge(judged);
      await attachRequests(base.info(), judged.session, judgement.attach ?? []);
      if (judgement.evidence && process.env[VERDICTS_ENV] !== "record") {
        const { name, text } = judgement.evidence;
        await base.info().attach(name, { body: text, contentType: "text/plain" });
      }
      // In the test body: a skip in a hook is shown by Allure as a "Global Error", not a skipped check.
      if ("skip" in judgement) base.skip(true, judgement.skip);
      else await verify(judgement.checks);
    },
  ];
}
