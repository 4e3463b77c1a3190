/**
 * The g10-dry-run table: Inferno's verdict is replayed on what our tests observed, so the table shows
 * where certification and our suite disagree (e.g. Inferno's 8.1.03 accepts only HTTP 400 for a wrong
 * client_assertion_type, where RFC 6749 also allows 401 invalid_client).
 */
import { expect, test } from "@playwright/test";
import { INFERNO_G10_BACKEND } from "./g10.ts";
import { g10Markdown, g10Rows } from "./g10-report.ts";
import { summaryOf } from "./runner/summary-fixture.ts";

test("every Inferno entry names only tests that exist in the suite, and each has a pass condition", () => {
  for (const check of INFERNO_G10_BACKEND) {
    expect(check.passesWhen.length, check.id).toBeGreaterThan(10);
    expect(new Set(check.ourTests).size, check.id).toBe(check.ourTests.length);
  }
});

test("Inferno's 400-only rule for a wrong client_assertion_type fails a 401 our suite accepts", () => {
  const title = "refuses a client_assertion_type other than jwt-bearer";
  const rows = g10Rows(
    summaryOf([{ title, status: "passed", observed: { status: 401, body: { error: "invalid_client" } } }]),
  );
  const test03 = rows.find((r) => r.inferno.id.endsWith("bulk_data_authorization-Test03"));
  expect(test03?.infernoWould).toBe("fail");
  expect(test03?.ours).toEqual([{ title, status: "passed", level: "SHALL" }]);
  const with400 = g10Rows(
    summaryOf([{ title, observed: { status: 400, body: { error: "invalid_client" } } }]),
  );
  expect(with400.find((r) => r.inferno.id.endsWith("bulk_data_authorization-Test03"))?.infernoWould).toBe(
    "pass",
  );
  expect(g10Markdown(rows)).toContain("| fail |");
});
