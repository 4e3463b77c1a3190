/**
 * A client check as a plain function: given the judged session it says what it judges (the rule-level
 * checks, each naming its spec reference, and the requests to show beside them) or why there is nothing to
 * judge. suites/client/ runs each one as a Playwright test (verify(), attachments, the report); the judge's
 * own proof runs the same functions directly over recorded sessions ({@link judgeClientCheck}), in
 * milliseconds.
 */
import { NOT_OBSERVED, type Check } from "../checks.ts";
import type { Level, RequirementId } from "../requirements.ts";
import type { JudgedSession } from "./judged-session.ts";
import type { ObservedRequest } from "./session.ts";

/** Evidence that is not a request (e.g. the TLS handshakes a client aborted), attached as text. */
export interface ClientEvidence {
  readonly name: string;
  readonly text: string;
}

/** What a client check judges in a session, or why it judges nothing there. */
export type ClientJudgement =
  | {
      /** Why the check does not apply to this session: it is skipped with this reason. */
      readonly skip: string;
      /** Requests to show beside the skip (e.g. the one token request there was nothing to compare with). */
      readonly attach?: readonly ObservedRequest[];
      readonly evidence?: ClientEvidence;
    }
  | {
      /** The requests the check judged, attached to its report entry (none: attach nothing). */
      readonly attach: readonly ObservedRequest[];
      readonly evidence?: ClientEvidence;
      /** The rule-level checks, each a report step; the check fails when any of them does. */
      readonly checks: readonly Check[];
    };

export interface ClientCheck {
  /** The test title: what a conformant client does. */
  readonly title: string;
  /** The catalog requirements it checks; the first decides the report area. */
  readonly ids: readonly [RequirementId, ...RequirementId[]];
  /** The level a failure is judged at, when not the strongest of its requirements'. */
  readonly level?: Level;
  readonly judge: (judged: JudgedSession) => ClientJudgement | Promise<ClientJudgement>;
}

/** A family of client checks (one spec file of suites/client/), keyed by a short stable name. */
export type ClientChecks = Readonly<Record<string, ClientCheck>>;

/** A check's verdict on one session, without Playwright. */
export type ClientVerdict =
  | { readonly status: "passed" }
  | {
      readonly status: "failed";
      /** "rule: expected …; observed …", one per failed rule-level check, as the report words them. */
      readonly findings: readonly string[];
    }
  | { readonly status: "skipped"; readonly reason: string };

/**
 * Runs one client check over a session as a plain function: the verdict verify() would reach, without
 * the report (levels and profiles are the report's business; a check fails when any rule fails).
 *
 * @example
 * const verdict = await judgeClientCheck(CLIENT_CHECKS.aud, new JudgedSession(session));
 * if (verdict.status === "failed") console.log(verdict.findings.join("\n"));
 */
export async function judgeClientCheck(check: ClientCheck, judged: JudgedSession): Promise<ClientVerdict> {
  const judgement = await check.judge(judged);
  if ("skip" in judgement) return { status: "skipped", reason: judgement.skip };
  const applicable = judgement.checks.filter((c) => c.applies?.observed !== false);
  if (judgement.checks.length > 0 && applicable.length === 0) {
    const events = [...new Set(judgement.checks.map((c) => c.applies?.event ?? ""))].join("; ");
    return { status: "skipped", reason: `${NOT_OBSERVED}: ${events}` };
  }
  const findings = applicable.flatMap((c) => {
    const problem = c.evaluate();
    return problem === undefined ? [] : [`${c.rule}: expected ${c.expectation}; ${problem}`];
  });
  return findings.length > 0 ? { status: "failed", findings } : { status: "passed" };
}
