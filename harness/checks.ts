/**
 * Response checks as small reusable units, one rule each, each naming its spec reference. A test runs a
 * list of them as separate report steps, so one report line says exactly which part is wrong (status,
 * content type, body, error code), and all of them are reported, not just the first.
 */
import type { TestInfo } from "@playwright/test";
import { skipTest, testInfo, testStep } from "./test-api.ts";
import * as allure from "allure-js-commons";
import { jsonBody, mediaType, type Exchange } from "./http.ts";
import { activeProfile, judgedBy, softened, type AmbiguityId } from "./profiles.ts";
import { isRequirementId } from "./requirements.ts";

export interface Check {
  /** Spec reference, e.g. "RFC 6749 §5.2". */
  readonly rule: string;
  /** What a conformant server does, in the spec's words. */
  readonly expectation: string;
  /** Undefined when satisfied; otherwise what was observed instead. */
  readonly evaluate: () => string | undefined;
  /** The catalog ambiguity this check reads strictly; some profiles judge its failure a SHOULD finding. */
  readonly ambiguity?: AmbiguityId;
  /**
   * "SHOULD" for a check the specs state at most as a recommendation (e.g. the error code where they let
   * the server choose, harness/latitude.ts): its failure is a SHOULD finding whatever the test's level.
   */
  readonly level?: "SHOULD";
  /**
   * For a check that judges an event which may not happen (a 401, a fetch): whether it happened. A check
   * whose event was not observed does not apply; a test none of whose checks applied is skipped as
   * "not observed", never passed.
   */
  readonly applies?: { readonly observed: boolean; readonly event: string };
  /** The HTTP exchange this check judges, shown beside its failure (default: the test's latest one). */
  readonly exchange?: Exchange;
}

/** A check that failed, as the report shows it beside the exchange it judged. */
export interface FailedCheck {
  readonly rule: string;
  readonly expectation: string;
  readonly observed: string;
  /** The exchange it judged: its own, else the test's latest exchange when verify() ran. */
  readonly exchange?: Exchange;
}

const failedChecks = new WeakMap<TestInfo, FailedCheck[]>();
const exchangeLogs = new WeakMap<TestInfo, () => readonly Exchange[]>();

/** Lets verify() name the exchange a failed check judged when the check does not say (the http fixture). */
export function logExchanges(info: TestInfo, exchanges: () => readonly Exchange[]): void {
  exchangeLogs.set(info, exchanges);
}

/** The checks verify() found failed in the test, in order (none in detection runs). */
export function failedChecksOf(info: TestInfo): readonly FailedCheck[] {
  return failedChecks.get(info) ?? [];
}

const judgedExchanges = new WeakMap<TestInfo, Exchange>();

/**
 * The first exchange a check of the test named when verify() ran: the response the verdict is about
 * (the g10 dry run replays Inferno's conditions on it), which need not be the test's last exchange (e.g.
 * an id_token test's last request fetches the JWK Set; its checks judge the token response).
 */
export function judgedExchangeOf(info: TestInfo): Exchange | undefined {
  return judgedExchanges.get(info);
}

/** Skip-reason prefix of a test whose deciding checks never applied (the event they judge never happened). */
export const NOT_OBSERVED = "not observed";

/** A conformance verdict (never a harness problem): the target did not do what the spec requires. */
export class ConformanceViolation extends Error {
  override readonly name = "ConformanceViolation";
}

/** With SMART_VERDICTS=record, violations are recorded as a test annotation instead of thrown. */
export const VERDICTS_ENV = "SMART_VERDICTS";
export const VERDICT_ANNOTATION = "conformance-violation";

/** The level of what failed in a test, when a profile judged it weaker than the test's own level. */
export const FINDING_ANNOTATION = "finding";

export async function verify(all: readonly Check[]): Promise<void> {
  const record = process.env[VERDICTS_ENV] === "record";
  const checks = all.filter((c) => c.applies?.observed !== false);
  if (all.length > 0 && checks.length === 0) {
    const events = [...new Set(all.map((c) => c.applies?.event ?? ""))].join("; ");
    skipTest(`${NOT_OBSERVED}: ${events}`);
  }
  const named = checks.find((c) => c.exchange !== undefined)?.exchange;
  if (named) {
    const info = testInfo();
    if (!judgedExchanges.has(info)) judgedExchanges.set(info, named);
  }
  const failures: string[] = [];
  let onlySoftened = true;
  for (const check of checks) {
    const judge = () => {
      const problem = check.evaluate();
      if (problem !== undefined)
        throw new ConformanceViolation(`${check.rule}: expected ${check.expectation}; ${problem}`);
    };
    try {
      // Each check is its own report step; detection runs (record) have no report and skip the steps.
      if (record) judge();
      else await testStep(`${check.rule}: ${check.expectation}`, judge);
    } catch (err) {
      if (!(err instanceof ConformanceViolation)) throw err;
      if (!record) {
        const info = testInfo();
        const exchange = check.exchange ?? exchangeLogs.get(info)?.().at(-1);
        const failed = failedChecks.get(info) ?? [];
        failed.push({
          rule: check.rule,
          expectation: check.expectation,
          observed: err.message.slice(`${check.rule}: expected ${check.expectation}; `.length),
          ...(exchange ? { exchange } : {}),
        });
        failedChecks.set(info, failed);
      }
      const recommended = check.level === "SHOULD";
      const soft = recommended || softened(check.ambiguity);
      onlySoftened &&= soft;
      failures.push(
        recommended
          ? `${err.message} [a SHOULD finding: the specs let the server choose here]`
          : soft
            ? `${err.message} [a SHOULD finding under the ${activeProfile().name} profile: ${check.ambiguity ?? ""}]`
            : err.message,
      );
    }
  }
  if (failures.length === 0) return;
  const info = testInfo();
  const declared = info.annotations.find((a) => a.type === "level")?.description;
  const finding = onlySoftened && declared === "SHALL" ? "SHOULD" : (declared ?? "SHALL");
  if (finding !== declared) info.annotations.push({ type: FINDING_ANNOTATION, description: finding });
  // The report's categories (SHALL violation, SHOULD finding) key on this label.
  if (!record) await allure.label(FINDING_ANNOTATION, finding);
  // Judged by the RFCs (oauth-jwt): the failure names the rule outside SMART that it breaks.
  const basis = judgedBy(
    info.annotations
      .filter((a) => a.type === "requirement")
      .flatMap((a) => {
        const id = a.description ?? "";
        return isRequirementId(id) ? [id] : [];
      }),
  );
  const message = [...failures, ...(basis ? [`Judged by ${basis}`] : [])].join("\n");
  if (record) {
    // Detection runs only: record the verdict instead of throwing, so Playwright keeps its worker.
    info.annotations.push({ type: VERDICT_ANNOTATION, description: message });
    return;
  }
  throw new ConformanceViolation(message);
}

function body(ex: Exchange): Record<string, unknown> | undefined {
  const value = jsonBody(ex);
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A short, secret-free description of a response for failure messages. */
export function describeResponse(ex: Exchange): string {
  const b = body(ex);
  const status = `HTTP ${ex.response.status}`;
  if (!b)
    return `${status} with a ${mediaType(ex.response.headers) ?? "untyped"} body that is not a JSON object`;
  if (typeof b.access_token === "string") return `${status} with an access_token`;
  if (typeof b.error === "string") return `${status} with error=${b.error}`;
  return `${status} with a JSON body (members: ${Object.keys(b).join(", ") || "none"})`;
}

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope";

/**
 * The checks of an RFC 6749 §5.2 error response: status 400 (401 allowed for invalid_client), JSON
 * content, an error member, the expected code, and no token issued.
 */
export function oauthErrorChecks(
  ex: Exchange,
  expected: {
    codes: readonly OAuthErrorCode[];
    rule: string;
    /** "SHOULD" where the specs let the server choose the code: another code is a SHOULD finding. */
    codeLevel?: "SHOULD";
  },
): Check[] {
  const allow401 = expected.codes.includes("invalid_client");
  const checks: Check[] = [
    {
      rule: "RFC 6749 §5.1/§5.2",
      expectation: "the request to be refused, with no access token issued",
      evaluate: () =>
        typeof body(ex)?.access_token === "string" || (ex.response.status >= 200 && ex.response.status < 300)
          ? `got ${describeResponse(ex)}`
          : undefined,
    },
    {
      rule: "RFC 6749 §5.2",
      expectation: allow401 ? "HTTP status 400 (or 401 for invalid_client)" : "HTTP status 400",
      evaluate: () =>
        ex.response.status === 400 || (allow401 && ex.response.status === 401)
          ? undefined
          : `got HTTP ${ex.response.status}`,
    },
    {
      rule: "RFC 6749 §5.2",
      expectation: "Content-Type application/json",
      evaluate: () => {
        const type = mediaType(ex.response.headers);
        return type === "application/json" ? undefined : `got ${type ?? "no Content-Type"}`;
      },
    },
    {
      rule: "RFC 6749 §5.2",
      expectation: 'a JSON object body with a string "error" member',
      evaluate: () => (typeof body(ex)?.error === "string" ? undefined : `got ${describeResponse(ex)}`),
    },
    {
      rule: expected.rule,
      expectation: `error=${expected.codes.join(" or ")}`,
      ...(expected.codeLevel ? { level: expected.codeLevel } : {}),
      evaluate: () => {
        const code = body(ex)?.error;
        return typeof code === "string" && (expected.codes as readonly string[]).includes(code)
          ? undefined
          : `got ${describeResponse(ex)}`;
      },
    },
  ];
  return checks.map((c) => ({ ...c, exchange: ex }));
}

/** The client failed to authenticate: SMART requires invalid_client for every such failure. */
export function clientAuthFailureChecks(ex: Exchange): Check[] {
  const checks = oauthErrorChecks(ex, {
    codes: ["invalid_client"],
    // Outside SMART (oauth-jwt) the rule is RFC 7523's own: a failed JWT client authentication is invalid_client.
    rule: activeProfile().profile.genericOnly
      ? "RFC 7523 §3.2"
      : "SMART client-confidential-asymmetric (RFC 7523 §3.2)",
  });
  // The last check is the error code: invalid_client is SMART's word, invalid_grant or invalid_request
  // a common reading of RFC 7523 (AMB-02).
  return checks.map((c, i) => (i === checks.length - 1 ? { ...c, ambiguity: "AMB-02" } : c));
}

/** A token was issued: HTTP 200, JSON, a non-empty access_token (the response's other members have tests of their own). */
export function tokenIssuedChecks(ex: Exchange): Check[] {
  const checks: Check[] = [
    {
      rule: "RFC 6749 §5.1",
      expectation: "HTTP 200",
      evaluate: () =>
        ex.response.status === 200 ? undefined : `got ${describeResponse(ex)}${errorDescription(ex)}`,
    },
    {
      rule: "RFC 6749 §5.1",
      expectation: "Content-Type application/json",
      evaluate: () => {
        const type = mediaType(ex.response.headers);
        return type === "application/json" ? undefined : `got ${type ?? "no Content-Type"}`;
      },
    },
    {
      rule: "SMART backend services token response",
      expectation: "a non-empty string access_token",
      evaluate: () => {
        const token = body(ex)?.access_token;
        return typeof token === "string" && token.trim() !== "" ? undefined : `got ${describeResponse(ex)}`;
      },
    },
  ];
  return checks.map((c) => ({ ...c, exchange: ex }));
}

function errorDescription(ex: Exchange): string {
  const d = body(ex)?.error_description;
  return typeof d === "string" ? ` ("${d.slice(0, 200)}")` : "";
}

export function header(ex: Exchange, name: string): string | undefined {
  return ex.response.headers[name.toLowerCase()];
}

export { body as responseObject };
