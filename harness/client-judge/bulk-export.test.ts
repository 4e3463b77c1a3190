/**
 * The judge's Bulk Data side, route by route (bulk-export.ts), without a client in between: its
 * CapabilityStatement names the export operations; a kick-off needs the token and answers 202 with an
 * absolute Content-Location; the status URL answers 202 with Retry-After and X-Progress, then the manifest;
 * the first export's files are on the judge and need the token, a later export's are on the storage origin
 * and need none; DELETE ends an export (404 after); bad parameters get a 4xx OperationOutcome, never a 5xx.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "@playwright/test";
import { request } from "undici";
import { baselineAssertion, build } from "../assertion.ts";
import { tokenRequestParams } from "../conformance.ts";
import { encodeForm } from "../http.ts";
import { generateClientKey, publicJwks, type ClientKey } from "../keys.ts";
import { BULK_GROUP_ID, exportDurationMs, RETRY_AFTER_SECONDS } from "./bulk-export.ts";
import { startJudge, type Judge } from "./judge.ts";

const CLIENT_ID = "bulk-routes";
const SCOPE = "system/Patient.rs system/Observation.rs";
/** Tokens that outlive the test: an export then takes its shortest time. */
const TOKEN_SECONDS = 300;

let key: ClientKey;
let judge: Judge;
let token: string;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

async function send(
  url: string,
  options: {
    method?: "GET" | "POST" | "DELETE";
    token?: string;
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<Answer> {
  const res = await request(url, {
    method: options.method ?? "GET",
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const KICK_OFF_HEADERS = { accept: "application/fhir+json", prefer: "respond-async" };

async function kickOff(path: string): Promise<string> {
  const answer = await send(`${judge.fhirBaseUrl}/${path}`, { token, headers: KICK_OFF_HEADERS });
  expect(answer.status, answer.text).toBe(202);
  const location = answer.headers["content-location"];
  expect(typeof location === "string" && URL.canParse(location), "an absolute Content-Location").toBe(true);
  return location as string;
}

/** Polls as Retry-After says until the manifest comes (bounded by the export's own duration, with margin). */
async function manifestOf(statusUrl: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + exportDurationMs(TOKEN_SECONDS) + 10_000;
  for (;;) {
    const answer = await send(statusUrl, { token, headers: { accept: "application/json" } });
    if (answer.status === 200) {
      expect(String(answer.headers["content-type"])).toMatch(/^application\/json/);
      return JSON.parse(answer.text) as Record<string, unknown>;
    }
    expect(answer.status, answer.text).toBe(202);
    expect(Date.now() < deadline, "the export finishes").toBe(true);
    await sleep(Number(answer.headers["retry-after"]) * 1000);
  }
}

function fileUrls(manifest: Record<string, unknown>): string[] {
  return (manifest.output as { url: string }[]).map((o) => o.url);
}

test.beforeAll(async () => {
  key = (await generateClientKey("ES384")).key;
  judge = await startJudge({
    clientId: CLIENT_ID,
    scope: SCOPE,
    jwks: publicJwks([key]),
    tokenLifetimeSeconds: TOKEN_SECONDS,
  });
  const assertion = build(baselineAssertion({ clientId: CLIENT_ID, tokenUrl: judge.tokenUrl, key }));
  const answer = await send(judge.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: encodeForm(tokenRequestParams(assertion, SCOPE)),
  });
  expect(answer.status, answer.text).toBe(200);
  token = (JSON.parse(answer.text) as { access_token: string }).access_token;
});

test.afterAll(async () => {
  await judge?.close();
});

test("the CapabilityStatement names the system, Patient and Group export operations", async () => {
  const answer = await send(`${judge.fhirBaseUrl}/metadata`, {
    headers: { accept: "application/fhir+json" },
  });
  expect(answer.status).toBe(200);
  const statement = JSON.parse(answer.text) as {
    instantiates?: string[];
    rest: {
      operation?: { definition: string }[];
      resource: { type: string; operation?: { definition: string }[] }[];
    }[];
  };
  expect(statement.instantiates).toEqual(["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"]);
  const rest = statement.rest[0];
  expect(rest?.operation?.map((o) => o.definition)).toEqual([
    "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
  ]);
  const byType = (type: string) =>
    rest?.resource.find((r) => r.type === type)?.operation?.map((o) => o.definition);
  expect(byType("Patient")).toEqual(["http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"]);
  expect(byType("Group")).toEqual(["http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"]);
});

test("a kick-off without a token is refused with 401 and a Bearer challenge", async () => {
  const answer = await send(`${judge.fhirBaseUrl}/$export`, { headers: KICK_OFF_HEADERS });
  expect(answer.status).toBe(401);
  expect(String(answer.headers["www-authenticate"])).toMatch(/^Bearer/i);
});

test("bad kick-off parameters get a 4xx OperationOutcome", async () => {
  for (const query of ["_type=NoSuchType", "_outputFormat=text/csv", "_since=yesterday"]) {
    const answer = await send(`${judge.fhirBaseUrl}/$export?${query}`, { token, headers: KICK_OFF_HEADERS });
    expect(answer.status, query).toBe(400);
    expect((JSON.parse(answer.text) as { resourceType: string }).resourceType, query).toBe(
      "OperationOutcome",
    );
  }
});

test("an export: in progress with Retry-After and X-Progress, then a manifest whose files need the token; a later one's files sit on the storage origin and need none; DELETE ends them", async () => {
  const statusUrl = await kickOff("$export?_type=Patient");
  expect(statusUrl.startsWith(judge.fhirBaseUrl), "the status URL is on the FHIR server").toBe(true);

  const first = await send(statusUrl, { token, headers: { accept: "application/json" } });
  expect(first.status).toBe(202);
  expect(first.headers["retry-after"]).toBe(String(RETRY_AFTER_SECONDS));
  expect(first.headers["x-progress"]).toBeTruthy();
  expect((await send(statusUrl)).status, "status without the token").toBe(401);

  const manifest = await manifestOf(statusUrl);
  expect(manifest.requiresAccessToken).toBe(true);
  expect(manifest.request).toBe(`${judge.fhirBaseUrl}/$export?_type=Patient`);
  const [file] = fileUrls(manifest);
  expect(file?.startsWith(new URL(judge.fhirBaseUrl).origin)).toBe(true);
  expect((await send(file ?? "")).status, "a protected file without the token").toBe(401);
  const download = await send(file ?? "", { token });
  expect(download.status).toBe(200);
  expect(download.headers["content-type"]).toBe("application/fhir+ndjson");
  const lines = download.text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { resourceType: string });
  expect(lines.length).toBeGreaterThan(0);
  expect(new Set(lines.map((r) => r.resourceType))).toEqual(new Set(["Patient"]));

  const later = await kickOff(`Group/${BULK_GROUP_ID}/$export`);
  const open = await manifestOf(later);
  expect(open.requiresAccessToken).toBe(false);
  for (const url of fileUrls(open)) {
    expect(url.startsWith(judge.storageOrigin), url).toBe(true);
    expect((await send(url)).status, `${url} without a token`).toBe(200);
  }

  for (const url of [statusUrl, later]) {
    expect((await send(url, { method: "DELETE", token })).status).toBe(202);
    const gone = await send(url, { token });
    expect(gone.status).toBe(404);
    expect((JSON.parse(gone.text) as { resourceType: string }).resourceType).toBe("OperationOutcome");
  }
});
