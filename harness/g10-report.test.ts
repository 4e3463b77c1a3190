/**
 * The g10-dry-run table: Inferno's verdict is replayed on what our tests observed, so the table shows
 * where certification and our suite disagree (e.g. Inferno's 8.1.03 accepts only HTTP 400 for a wrong
 * client_assertion_type, where RFC 6749 also allows 401 invalid_client), and says "not run" for a launch
 * test whose counterparts of ours were skipped (no launch block) rather than a verdict.
 */
import { expect, test } from "@playwright/test";
import { INFERNO_G10, INFERNO_G10_LAUNCH } from "./g10.ts";
import { g10Markdown, g10Rows, type G10Row } from "./g10-report.ts";
import { NO_LAUNCH_BLOCK } from "./launch/driver.ts";
import { shorten } from "./redact.ts";
import { summaryOf } from "./runner/summary-fixture.ts";

test("every Inferno entry names only tests that exist in the suite, and each has a pass condition", () => {
  expect(new Set(INFERNO_G10.map((c) => c.id)).size).toBe(INFERNO_G10.length);
  for (const check of INFERNO_G10) {
    expect(check.passesWhen.length, check.id).toBeGreaterThan(10);
    const named = [...check.ourTests, ...(check.replayOn ?? [])];
    expect(new Set(named).size, check.id).toBe(named.length);
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

const row = (rows: readonly G10Row[], idEnd: string) => {
  const found = rows.find((r) => r.inferno.id.endsWith(idEnd));
  if (!found) throw new Error(`no row ending ${idEnd}`);
  return found;
};

/** A JWS-shaped id_token as summary.json records it: header and claims kept, signature removed. */
function idToken(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return shorten(`${part(header)}.${part(claims)}.${"s".repeat(342)}`);
}

const STATE_TEST = "returns state unchanged with the code";
const authorization = (location: string) => ({
  status: 303,
  body: null,
  headers: { location },
  url: "https://as.example/auth/authorize?response_type=code&client_id=app&state=s-1&aud=https%3A%2F%2Ffhir.example",
});

test("a launch row replays Inferno's condition on the authorization our test observed", () => {
  const delivered = g10Rows(
    summaryOf([
      {
        title: STATE_TEST,
        status: "passed",
        observed: authorization("https://app.example/cb?code=abcd%E2%80%A6&state=s-1"),
      },
    ]),
  );
  expect(row(delivered, "smart_standalone_launch_stu2-smart_app_redirect_stu2").infernoWould).toBe("pass");
  expect(row(delivered, "smart_standalone_launch_stu2-smart_code_received").infernoWould).toBe("pass");
  expect(row(delivered, "smart_standalone_launch_stu2-smart_code_received").part).toBe("app launch");

  // A state changed on the way back: Inferno never resumes (fail); an error instead of a code fails 1.4.03.
  const changed = g10Rows(
    summaryOf([
      {
        title: STATE_TEST,
        status: "failed",
        observed: authorization("https://app.example/cb?error=access_denied&state=other"),
      },
    ]),
  );
  expect(row(changed, "smart_standalone_launch_stu2-smart_app_redirect_stu2").infernoWould).toBe("fail");
  expect(row(changed, "smart_standalone_launch_stu2-smart_code_received").infernoWould).toBe("fail");
  // Without headers (a summary of an older run) the redirect cannot be read: not observed, not a verdict.
  const older = g10Rows(summaryOf([{ title: STATE_TEST, observed: { status: 303, body: null } }]));
  expect(row(older, "smart_standalone_launch_stu2-smart_code_received").infernoWould).toBe("not observed");
});

test("a launch row is not run, not passed or failed, when the app-launch family was skipped", () => {
  const skipped = g10Rows(
    summaryOf(
      INFERNO_G10_LAUNCH.flatMap((c) => [...c.ourTests, ...(c.replayOn ?? [])]).map((title) => ({
        title,
        status: "skipped" as const,
        message: NO_LAUNCH_BLOCK,
      })),
    ),
  );
  const launch = skipped.filter((r) => r.part === "app launch");
  for (const r of launch)
    expect(r.infernoWould, r.inferno.id).toBe(
      r.ours.length + r.replayedOn.length === 0 ? "not observed" : "not run",
    );
  const code = row(skipped, "smart_standalone_launch_stu2-smart_code_received");
  expect(code.infernoWould).toBe("not run");
  expect(code.notRunBecause).toBe(NO_LAUNCH_BLOCK);
  const markdown = g10Markdown(skipped);
  expect(markdown).toContain("## SMART App Launch scenarios");
  expect(markdown).toContain(`| not run (${NO_LAUNCH_BLOCK.replace(/\|/g, "\\|")}) |`);
  expect(markdown).not.toMatch(/smart_code_received[^\n]*\| (pass|fail) \|/);

  // A run without the family at all (e.g. --grep): the same, saying why.
  const absent = row(g10Rows(summaryOf([])), "smart_standalone_launch_stu2-smart_code_received");
  expect(absent.infernoWould).toBe("not run");
  expect(absent.notRunBecause).toBe("none of these tests is in this run");
});

test("a skipped test's observation is not replayed: it sent nothing Inferno's test sends", () => {
  const rows = g10Rows(
    summaryOf([
      {
        title: STATE_TEST,
        status: "skipped",
        message: "not observed: something",
        observed: authorization("https://app.example/cb?code=abcd&state=s-1"),
      },
    ]),
  );
  expect(row(rows, "smart_standalone_launch_stu2-smart_code_received").infernoWould).toBe("not run");
});

test("Inferno's Pragma and token-body rules are replayed on the code exchange our launch tests made", () => {
  const body = {
    access_token: shorten("a".repeat(40)),
    token_type: "Bearer",
    expires_in: 300,
    scope: "launch/patient openid fhirUser offline_access patient/*.rs",
    patient: "p1",
    refresh_token: shorten("r".repeat(40)),
    id_token: idToken(
      { alg: "RS256", kid: "k1" },
      { iss: "https://as.example", sub: "u1", aud: "app", exp: 2, iat: 1, fhirUser: "Practitioner/9" },
    ),
  };
  const exchange = (headers: Record<string, string>) => ({
    status: 200,
    body,
    headers: { "content-type": "application/json", ...headers },
    url: "https://as.example/auth/token",
  });
  const cacheTitle = "forbids caching of the code exchange's token response";
  const rows = g10Rows(
    summaryOf([
      { title: cacheTitle, status: "passed", observed: exchange({ "cache-control": "no-store" }) },
      { title: "names the patient when launch/patient is granted", observed: exchange({}) },
    ]),
  );
  // Ours demand no-store only; Inferno also wants Pragma: no-cache.
  const headers = row(rows, "smart_token_response_headers");
  expect(headers.infernoWould).toBe("fail");
  expect(headers.ours).toEqual([{ title: cacheTitle, status: "passed", level: "SHALL" }]);
  const tokenBody = row(rows, "smart_standalone_launch_stu2-smart_token_response_body");
  expect(tokenBody.infernoWould).toBe("pass");
  expect(tokenBody.ours).toEqual([]);
  expect(tokenBody.replayedOn.map((t) => t.title)).toContain(cacheTitle);
  expect(row(rows, "smart_token_exchange").infernoWould).toBe("pass");
  expect(row(rows, "g10_smart_scopes").infernoWould).toBe("pass");
  expect(g10Markdown(rows)).toContain(`replayed on: ${cacheTitle} (passed)`);

  const pragma = g10Rows(
    summaryOf([
      {
        title: cacheTitle,
        observed: exchange({ "cache-control": "no-store", pragma: "no-cache" }),
      },
    ]),
  );
  expect(row(pragma, "smart_token_response_headers").infernoWould).toBe("pass");
});

test("the id_token rows decode the shortened id_token our id_token tests judged", () => {
  const observed = (header: Record<string, unknown>, claims: Record<string, unknown>) => ({
    status: 200,
    body: { access_token: "x", token_type: "bearer", id_token: idToken(header, claims) },
  });
  const claims = { iss: "https://as.example", sub: "u1", aud: "app", exp: 2, iat: 1, fhirUser: "Patient/7" };
  const rs256 = g10Rows(
    summaryOf([
      { title: "names the client as the id_token's aud", observed: observed({ alg: "RS256" }, claims) },
      {
        title: "signs the id_token with a key its jwks_uri publishes",
        observed: observed({ alg: "RS256" }, claims),
      },
      {
        title: "states fhirUser in the id_token when fhirUser is granted",
        observed: observed({ alg: "RS256" }, claims),
      },
    ]),
  );
  for (const id of [
    "smart_openid_decode_id_token",
    "smart_openid_token_header",
    "smart_openid_token_payload",
  ])
    expect(row(rs256, id).infernoWould, id).toBe("pass");
  expect(row(rs256, "smart_openid_fhir_user_claim").infernoWould).toBe("pass");
  expect(row(rs256, "g10_asymmetric_launch_id_token").infernoWould).toBe("pass");

  // ES256 verifies with a published key (ours pass) but is not RS256; a claims set without iat fails too.
  const { iat: _iat, ...withoutIat } = claims;
  const es256 = g10Rows(
    summaryOf([
      {
        title: "signs the id_token with a key its jwks_uri publishes",
        observed: observed({ alg: "ES256" }, claims),
      },
      { title: "names its issuer as the id_token's iss", observed: observed({ alg: "RS256" }, withoutIat) },
    ]),
  );
  expect(row(es256, "smart_openid_decode_id_token").infernoWould).toBe("pass");
  expect(row(es256, "smart_openid_token_header").infernoWould).toBe("fail");
  expect(row(es256, "smart_openid_token_payload").infernoWould).toBe("fail");
});
