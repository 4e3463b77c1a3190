/**
 * Every client check, by family (one spec file of suites/client/ each) and by name, and the whole set run
 * over a session as plain functions: what the judge's proof uses to show each sample-client mutant fails
 * exactly its checks, without starting Playwright.
 */
import { judgeClientCheck, type ClientCheck, type ClientVerdict } from "./client-check.ts";
import { ASSERTION_CLAIM_CHECKS } from "./checks/assertion-claims.ts";
import { ASSERTION_HEADER_CHECKS } from "./checks/assertion-header.ts";
import { BULK_DATA_CHECKS } from "./checks/bulk-data.ts";
import { DISCOVERY_CHECKS } from "./checks/discovery.ts";
import { FOREIGN_SERVER_CHECKS } from "./checks/foreign-servers.ts";
import { KEY_SET_CHECKS } from "./checks/key-set.ts";
import { SIGNATURE_CHECKS } from "./checks/signature.ts";
import { TOKEN_LIFETIME_CHECKS } from "./checks/token-lifetime.ts";
import { TOKEN_REQUEST_CHECKS } from "./checks/token-request.ts";
import { TOKEN_USE_CHECKS } from "./checks/token-use.ts";
import { TRANSPORT_CHECKS } from "./checks/transport.ts";
import { JudgedSession } from "./judged-session.ts";
import type { ClientSession } from "./session.ts";

export {
  ASSERTION_CLAIM_CHECKS,
  ASSERTION_HEADER_CHECKS,
  BULK_DATA_CHECKS,
  DISCOVERY_CHECKS,
  FOREIGN_SERVER_CHECKS,
  KEY_SET_CHECKS,
  SIGNATURE_CHECKS,
  TOKEN_LIFETIME_CHECKS,
  TOKEN_REQUEST_CHECKS,
  TOKEN_USE_CHECKS,
  TRANSPORT_CHECKS,
};

/** The families, as their spec files' describe blocks name them. */
export const CLIENT_CHECK_FAMILIES = {
  "token request": TOKEN_REQUEST_CHECKS,
  "assertion header": ASSERTION_HEADER_CHECKS,
  "assertion claims": ASSERTION_CLAIM_CHECKS,
  "assertion signature": SIGNATURE_CHECKS,
  "key set": KEY_SET_CHECKS,
  discovery: DISCOVERY_CHECKS,
  "token use": TOKEN_USE_CHECKS,
  "foreign servers": FOREIGN_SERVER_CHECKS,
  "token lifetime": TOKEN_LIFETIME_CHECKS,
  "bulk data": BULK_DATA_CHECKS,
  transport: TRANSPORT_CHECKS,
} as const;

/** Every client check by its short name (names are unique across families). */
export const CLIENT_CHECKS = {
  ...TOKEN_REQUEST_CHECKS,
  ...ASSERTION_HEADER_CHECKS,
  ...ASSERTION_CLAIM_CHECKS,
  ...SIGNATURE_CHECKS,
  ...KEY_SET_CHECKS,
  ...DISCOVERY_CHECKS,
  ...TOKEN_USE_CHECKS,
  ...FOREIGN_SERVER_CHECKS,
  ...TOKEN_LIFETIME_CHECKS,
  ...BULK_DATA_CHECKS,
  ...TRANSPORT_CHECKS,
} as const satisfies Readonly<Record<string, ClientCheck>>;

export type ClientCheckName = keyof typeof CLIENT_CHECKS;

/**
 * Every client check's verdict on a session, by name: the same functions the Playwright client checks
 * run, without the report.
 *
 * @example
 * const verdicts = await judgeClientSession(judge.session());
 * const failed = Object.entries(verdicts).filter(([, v]) => v.status === "failed");
 */
export async function judgeClientSession(
  session: ClientSession,
): Promise<Record<ClientCheckName, ClientVerdict>> {
  const judged = new JudgedSession(session);
  const names = Object.keys(CLIENT_CHECKS) as ClientCheckName[];
  const verdicts = await Promise.all(names.map((name) => judgeClientCheck(CLIENT_CHECKS[name], judged)));
  return Object.fromEntries(names.map((name, i) => [name, verdicts[i]])) as Record<
    ClientCheckName,
    ClientVerdict
  >;
}
