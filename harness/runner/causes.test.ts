/**
 * Failures grouped by cause: identical first failed checks group whatever varies per test (URLs, kids, long
 * numbers), different status codes or expectations do not, the order is deterministic, and the Allure
 * result of a failed test is arranged for reading (no annotation steps, no error-context, attachments out
 * of "After Hooks", a cause label).
 */
import { expect, test } from "@playwright/test";
import { Stage, Status, type TestResult } from "allure-js-commons";
import { arrangeForReading, CAUSE_LABEL } from "./allure-reporter.ts";
import { causeOf, causesBlock, groupCauses, normalise } from "./causes.ts";

const AUTH =
  "ConformanceViolation: SMART client-confidential-asymmetric (RFC 7523 §3.2): expected error=invalid_client; got HTTP 400 with error=invalid_request";

test("a cause is the first failed check: rule, expectation and normalised observation", () => {
  expect(
    causeOf(`${AUTH}\nRFC 6749 §5.2: expected HTTP status 400; got HTTP 401\nJudged by RFC 7523`),
  ).toEqual({
    cause:
      "SMART client-confidential-asymmetric (RFC 7523 §3.2): expected error=invalid_client; got HTTP 400 with error=invalid_request",
    rule: "SMART client-confidential-asymmetric (RFC 7523 §3.2)",
    expectation: "error=invalid_client",
    observed: "got HTTP 400 with error=invalid_request",
  });
  // A profile's SHOULD note does not make another cause.
  expect(causeOf(`${AUTH} [a SHOULD finding under the interop profile: AMB-02]`).cause).toBe(
    causeOf(AUTH).cause,
  );
  // A broken test's reason, normalised alike.
  expect(causeOf("[ERR_TARGET_UNREACHABLE] https://127.0.0.1:4431/token refused the connection").cause).toBe(
    "[ERR_TARGET_UNREACHABLE] <url> refused the connection",
  );
});

test("normalising keeps status codes and quoted values, replaces URLs, ids and long numbers", () => {
  expect(
    normalise(
      'got HTTP 400 for kid "7AzkN1RckzoI64PEMSTI-dwXwQc9r4SAxY4COdPdk6Q" at https://a.example/x?y=1 after 1790000000, 299.5 and 42 ms',
    ),
  ).toBe('got HTTP 400 for kid "<id>" at <url> after <n>, <n> and <n> ms');
  expect(normalise("got HTTP 401")).not.toBe(normalise("got HTTP 400"));
  expect(normalise('got typ "jwt"')).not.toBe(normalise('got typ "JWT"'));
});

test("identical failures group once, most tests first, deterministically", () => {
  const tests = [
    { id: "b › one", status: "failed", message: AUTH },
    { id: "a › two", status: "failed", message: AUTH.replace("400", "400") },
    { id: "c › three", status: "failed", message: "RFC 6749 §5.2: expected HTTP status 400; got HTTP 500" },
    { id: "d › four", status: "passed" },
    {
      id: "e › five",
      status: "broken",
      message: "[ERR_TARGET_TIMEOUT] no answer from https://x.example/t in 5000 ms",
    },
    {
      id: "f › six",
      status: "broken",
      message: "[ERR_TARGET_TIMEOUT] no answer from https://y.example/t in 6000 ms",
    },
  ];
  const causes = groupCauses(tests);
  expect(causes.map((c) => [c.count, c.status, c.tests])).toEqual([
    [2, "failed", ["a › two", "b › one"]],
    [2, "broken", ["e › five", "f › six"]],
    [1, "failed", ["c › three"]],
  ]);
  expect(groupCauses([...tests].reverse())).toEqual(causes);
  const block = causesBlock(causes).join("\n");
  expect(block).toContain("2 failed: SMART client-confidential-asymmetric");
  expect(block).toContain("1 more failed or broken test has a cause of its own");
  expect(causesBlock(groupCauses(tests.slice(2, 4)))).toEqual([]);
});

test("a failed test's Allure result is arranged for reading", () => {
  const attachmentStep = (name: string) => ({
    name,
    stage: Stage.FINISHED,
    statusDetails: {},
    steps: [],
    parameters: [],
    attachments: [{ name, type: "text/plain", source: `${name}.txt` }],
    start: 1,
    stop: 1,
  });
  const result: TestResult = {
    uuid: "u",
    name: "t",
    status: Status.FAILED,
    stage: Stage.FINISHED,
    statusDetails: { message: AUTH },
    labels: [],
    links: [],
    parameters: [],
    attachments: [{ name: "error-context", type: "text/markdown", source: "e.md" }],
    steps: [
      {
        name: "requirement: BS-AUD-01",
        status: Status.PASSED,
        stage: Stage.FINISHED,
        statusDetails: {},
        steps: [],
        attachments: [],
        parameters: [],
      },
      {
        name: "RFC 6749 §5.2: error=invalid_client",
        status: Status.FAILED,
        stage: Stage.FINISHED,
        statusDetails: {},
        steps: [],
        attachments: [],
        parameters: [],
        start: 1,
        stop: 2,
      },
      attachmentStep("error-context"),
      {
        name: "After Hooks",
        status: Status.PASSED,
        stage: Stage.FINISHED,
        statusDetails: {},
        attachments: [],
        parameters: [],
        start: 2,
        stop: 3,
        steps: [attachmentStep("re-run this test"), attachmentStep("01 token request: HTTP 400")],
      },
    ],
  };
  arrangeForReading(result);
  expect(result.steps.map((s) => s.name)).toEqual([
    "RFC 6749 §5.2: error=invalid_client",
    "re-run this test",
    "01 token request: HTTP 400",
  ]);
  expect(result.attachments).toEqual([]);
  expect(result.labels).toEqual([{ name: CAUSE_LABEL, value: causeOf(AUTH).cause }]);
});
