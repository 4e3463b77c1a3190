import { expect, test } from "@playwright/test";
import type { Exchange } from "./http.ts";
import { curlLine, Redactor, renderExchange, shorten } from "./redact.ts";

const assertion = "eyJhbGciOiJSUzM4NCJ9.eyJpc3MiOiJjMSJ9.c2lnbmF0dXJlLWJ5dGVzLXRoYXQtbWF0dGVy";
const accessToken = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5";

const tokenExchange: Exchange = {
  label: "token request",
  request: {
    method: "POST",
    url: "http://127.0.0.1:1/token",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `grant_type=client_credentials&client_assertion=${assertion}&scope=system%2FPatient.rs`,
  },
  response: {
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ access_token: accessToken, token_type: "bearer" }),
  },
  startedAt: "2026-01-01T00:00:00Z",
  durationMs: 3,
};
const fhirExchange: Exchange = {
  label: "read",
  request: {
    method: "GET",
    url: `http://127.0.0.1:1/fhir/Patient?access_token=${accessToken}`,
    headers: { authorization: `Bearer ${accessToken}` },
  },
  response: { status: 200, headers: {}, body: "{}" },
  startedAt: "2026-01-01T00:00:01Z",
  durationMs: 2,
};

test("an assertion keeps its readable header and payload but loses its signature", () => {
  const short = shorten(assertion);
  expect(short.startsWith("eyJhbGciOiJSUzM4NCJ9.eyJpc3MiOiJjMSJ9.<signature removed")).toBe(true);
  expect(short).not.toContain("c2lnbmF0dXJl");
});

test("tokens and assertions never appear whole in a rendered exchange or its curl line", () => {
  const redactor = new Redactor(false);
  redactor.learn(tokenExchange);
  redactor.learn(fhirExchange);
  const text = renderExchange(tokenExchange, redactor) + renderExchange(fhirExchange, redactor);
  expect(text).not.toContain(accessToken);
  expect(text).not.toContain("c2lnbmF0dXJlLWJ5dGVzLXRoYXQtbWF0dGVy");
  expect(text).toContain("Zm9v…<44 chars");
});

test("a token request's curl line is the request as sent, said plainly not to be replayable", () => {
  const text = renderExchange(tokenExchange, new Redactor(false));
  const [comment, curl] = text.split("\n").slice(-2);
  expect(comment).toMatch(/^# the request as sent, with the client assertion's signature removed/);
  expect(comment).toContain("SMART_REVEAL_SECRETS=1");
  expect(comment).toMatch(/not replayable: .*jti is single-use/);
  expect(comment).toContain("re-run the test");
  expect(comment).not.toContain("reproduce:");
  expect(curl).toMatch(/^curl -i -X POST 'http:\/\/127\.0\.0\.1:1\/token'/);

  const revealed = renderExchange(tokenExchange, new Redactor(true)).split("\n").at(-2);
  expect(revealed).toMatch(/^# the request as sent, not replayable: .*jti is single-use/);
  expect(revealed).not.toContain("signature removed");
});

test("a curl line says when a token was shortened, and reproduces a request that carries no secret", () => {
  const redactor = new Redactor(false);
  redactor.learn(fhirExchange);
  expect(renderExchange(fhirExchange, redactor).split("\n").at(-2)).toMatch(
    /^# the request as sent, with its access token shortened/,
  );
  const discovery: Exchange = {
    ...fhirExchange,
    request: { method: "GET", url: "http://127.0.0.1:1/fhir/.well-known/smart-configuration", headers: {} },
  };
  expect(renderExchange(discovery, new Redactor(false)).split("\n").slice(-2)).toEqual([
    "# reproduce:",
    "curl -i -X GET 'http://127.0.0.1:1/fhir/.well-known/smart-configuration'",
  ]);
});

test("SMART_REVEAL_SECRETS (reveal) keeps secrets whole", () => {
  const redactor = new Redactor(true);
  redactor.learn(tokenExchange);
  expect(renderExchange(tokenExchange, redactor)).toContain(accessToken);
});

test("the curl line quotes for a POSIX shell", () => {
  expect(curlLine({ method: "POST", url: "http://h/x", headers: { a: "it's" }, body: "k=v" })).toBe(
    `curl -i -X POST 'http://h/x' -H 'a: it'\\''s' --data-raw 'k=v'`,
  );
});
