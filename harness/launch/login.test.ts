/**
 * The launch driver in a real browser (Debian's Chromium) against a tiny login server made here: the
 * login and consent pages are got through by config steps (the consent page shown at the login POST's URL,
 * as servers without post-redirect-get do), the redirect is intercepted so nothing reaches the redirect
 * URI, a page no step fits ends the login with its screenshot and URL (or is the outcome where a refusal is
 * expected), an error page is a `page` outcome, filled values stay out of everything recorded, and the
 * authorization is recorded as an exchange whose code the report shortens.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { launchConfig, type LaunchConfig, type TargetConfig } from "../config.ts";
import { HarnessError } from "../errors.ts";
import { HttpClient } from "../http.ts";
import { Redactor, renderExchange } from "../redact.ts";
import { authorizeRequest, authorizeUrl } from "./authorize-request.ts";
import { BrowserHolder, launchChromium } from "./browser.ts";
import { LaunchDriver } from "./driver.ts";
import { LoginStuck, runAuthorization } from "./login.ts";
import { pkcePair, s256Challenge } from "./pkce.ts";

const PASSWORD = `pw-${randomBytes(9).toString("base64url")}`;
const USERNAME = "dr-login-test";
const TIMEOUT_MS = 10_000;

let browsers: BrowserHolder;
let server: Server;
let origin = "";
/** A server at the redirect URI: it must never be contacted (the browser's navigation is intercepted). */
let sink: Server;
let sinkHits = 0;
let redirectUri = "";
const issued = new Map<string, { state: string | null }>();

const html = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

async function form(req: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) body += String(chunk);
  return new URLSearchParams(body);
}

function listen(s: Server): Promise<string> {
  return new Promise((resolve) =>
    s.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
  );
}

test.beforeAll(async () => {
  browsers = new BrowserHolder(60_000);
  sink = createServer((_req, res) => {
    sinkHits++;
    res.end("reached");
  });
  redirectUri = `${await listen(sink)}/callback`;
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", origin);
      const page = (status: number, markup: string) => {
        res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
        res.end(markup);
      };
      if (url.pathname === "/authorize") {
        const q = url.searchParams;
        if (q.get("redirect_uri") !== redirectUri)
          return page(400, html("Refused", `<p id="error">unknown redirect_uri</p>`));
        const back = new URL(redirectUri);
        if (q.get("state")) back.searchParams.set("state", q.get("state") ?? "");
        if (!q.get("code_challenge")) {
          back.searchParams.set("error", "invalid_request");
          back.searchParams.set("error_description", "code_challenge is required");
          res.writeHead(302, { location: back.href });
          return res.end();
        }
        if (q.get("shape") === "mfa")
          return page(200, html("Enter the code we sent you", `<input name="otp">`));
        if (q.get("shape") === "refused-page")
          return page(200, html("This app is not allowed", `<p>Contact your administrator.</p>`));
        const request = randomBytes(8).toString("hex");
        issued.set(request, { state: q.get("state") });
        const login = `<form method="post" action="/login"><input type="hidden" name="request" value="${request}">
<input name="username"><input name="password" type="password"><button id="sign-in">Sign in</button></form>`;
        if (q.get("shape") === "script")
          return page(
            200,
            html(
              "Sign in",
              `<div id="app"></div><script>setTimeout(() => { document.getElementById("app").innerHTML = ${JSON.stringify(login)}; }, 300)</script>`,
            ),
          );
        return page(200, html("Sign in", login));
      }
      if (url.pathname === "/login" && req.method === "POST") {
        const f = await form(req);
        const request = f.get("request") ?? "";
        if (f.get("username") !== USERNAME || f.get("password") !== PASSWORD)
          return page(
            200,
            html(
              "Sign in",
              `<p>Wrong password for ${f.get("username") ?? ""}</p><form method="post" action="/login"><input type="hidden" name="request" value="${request}">
<input name="username" value="${f.get("username") ?? ""}"><input name="password" type="password"><button id="sign-in">Sign in</button></form>`,
            ),
          );
        // The consent page is the login POST's answer: its URL stays /login.
        return page(
          200,
          html(
            "Allow?",
            `<form method="post" action="/consent"><input type="hidden" name="request" value="${request}"><button id="allow" name="decision" value="allow">Allow</button></form>`,
          ),
        );
      }
      if (url.pathname === "/consent" && req.method === "POST") {
        const f = await form(req);
        const pending = issued.get(f.get("request") ?? "");
        const back = new URL(redirectUri);
        back.searchParams.set("code", randomBytes(32).toString("base64url"));
        if (pending?.state) back.searchParams.set("state", pending.state);
        res.writeHead(303, { location: back.href });
        return res.end();
      }
      page(404, html("Not found", ""));
    })();
  });
  origin = await listen(server);
});

test.afterAll(async () => {
  await browsers.close();
  server.close();
  sink.close();
});

function settings(overrides: Partial<{ password: string }> = {}): LaunchConfig {
  return launchConfig(
    {
      redirectUri,
      scope: "launch/patient openid",
      login: [
        {
          url: "/authorize|/login",
          fill: { "input[name=username]": USERNAME, "input[name=password]": { env: "LOGIN_TEST_PASSWORD" } },
          click: "#sign-in",
        },
        { url: "/login|/consent", click: "#allow" },
      ],
    },
    { LOGIN_TEST_PASSWORD: overrides.password ?? PASSWORD },
  );
}

function request(shape?: string, changes: Record<string, string | undefined> = {}) {
  return authorizeRequest({
    clientId: "app",
    redirectUri,
    scope: "launch/patient openid",
    aud: "http://127.0.0.1/fhir",
    changes: { ...(shape ? { shape } : {}), ...changes },
  });
}

async function run(
  shape: string | undefined,
  options: {
    changes?: Record<string, string | undefined>;
    refusalExpected?: boolean;
    password?: string;
  } = {},
) {
  const browser = await browsers.browser();
  const context = await browser.newContext();
  const shots: string[] = [];
  const sent = request(shape, options.changes);
  try {
    const result = await runAuthorization({
      context,
      authorizeUrl: authorizeUrl(`${origin}/authorize`, sent.params),
      redirectUri,
      steps: settings(options.password ? { password: options.password } : {}).login,
      timeoutMs: TIMEOUT_MS,
      ...(options.refusalExpected ? { refusalExpected: true } : {}),
      onScreenshot: (name) => {
        shots.push(name);
        return Promise.resolve();
      },
      env: { LOGIN_TEST_PASSWORD: options.password ?? PASSWORD },
    });
    return { result, shots, sent };
  } finally {
    await context.close();
  }
}

test("PKCE: S256 is the RFC 7636 Appendix B example, plain is the verifier", () => {
  expect(s256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
  const plain = pkcePair("plain");
  expect(plain.challenge).toBe(plain.verifier);
  expect(pkcePair().verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

test("authorization request parameters: a baseline, each one replaceable or left out", () => {
  const sent = request(undefined, {
    code_challenge: undefined,
    aud: "https://wrong.example/fhir",
    nonce: "n1",
  });
  const names = sent.params.map(([k]) => k);
  expect(names).toEqual([
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "aud",
    "code_challenge_method",
    "nonce",
  ]);
  expect(sent.params.find(([k]) => k === "aud")?.[1]).toBe("https://wrong.example/fhir");
  expect(request(undefined, { state: undefined }).state).toBeUndefined();
});

test("through a login page and a consent page shown at the login POST's URL, to a code and the state", async () => {
  const { result, shots, sent } = await run(undefined);
  expect(result.outcome).toMatchObject({ kind: "code", state: sent.state });
  expect(result.pages.map((p) => p.step)).toEqual(["launch.login[0]", "launch.login[1]"]);
  expect(result.redirectedBy).toMatchObject({ method: "POST", status: 303 });
  expect(shots).toHaveLength(2);
  expect(sinkHits).toBe(0);
});

test("a login form drawn by script after the page loads is waited for", async () => {
  const { result } = await run("script");
  expect(result.outcome.kind).toBe("code");
});

test("an error redirect is an error outcome with error, description and state", async () => {
  const { result, sent } = await run(undefined, { changes: { code_challenge: undefined } });
  expect(result.outcome).toEqual({
    kind: "error",
    error: "invalid_request",
    description: "code_challenge is required",
    state: sent.state,
    url: expect.stringContaining(redirectUri) as unknown,
  });
  expect(result.pages).toEqual([]);
  expect(sinkHits).toBe(0);
});

test("an error page without a redirect is a page outcome with its status, whatever the steps", async () => {
  const { result, shots } = await run(undefined, { changes: { redirect_uri: `${redirectUri}/other` } });
  expect(result.outcome).toMatchObject({ kind: "page", status: 400 });
  expect(result.pageBody).toContain("unknown redirect_uri");
  expect(shots).toEqual([expect.stringContaining("(HTTP 400)")]);
});

test("a page that matches no step stops the login with its screenshot and URL; where a refusal is expected it is the outcome", async () => {
  const stuck = await run("mfa").then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(stuck).toBeInstanceOf(LoginStuck);
  const error = stuck as LoginStuck;
  expect(error.message).toMatch(/matches no step of the config's launch\.login/);
  expect(error.url).toContain("/authorize");
  expect(error.screenshot?.subarray(1, 4).toString()).toBe("PNG");
  const refused = await run("refused-page", { refusalExpected: true });
  expect(refused.result.outcome).toMatchObject({ kind: "page", status: 200 });
});

test("wrong credentials: the login page that keeps coming back ends the login, the password nowhere in it", async () => {
  const wrong = `wrong-${PASSWORD}`;
  const error = (await run(undefined, { password: wrong }).then(
    () => undefined,
    (err: unknown) => err,
  )) as LoginStuck;
  expect(error).toBeInstanceOf(LoginStuck);
  expect(error.message).toMatch(/wrong credentials/);
  expect(error.message).not.toContain(wrong);
  expect(JSON.stringify(error.pages)).not.toContain(wrong);
});

test("the driver records the authorization as an exchange, attaches screenshots, and the report shortens the code", async () => {
  // The driver reads the fill value from the environment when it types it, as in a run.
  process.env.LOGIN_TEST_PASSWORD = PASSWORD;
  const http = new HttpClient({ timeoutMs: TIMEOUT_MS });
  const config = {
    requestTimeoutMs: TIMEOUT_MS,
    client: { clientId: "app" },
    fhirBaseUrl: "http://127.0.0.1/fhir",
  } as unknown as TargetConfig;
  const driver = new LaunchDriver(
    {
      config,
      http,
      testInfo: test.info(),
      browser: () => browsers.browser(),
      client: () => Promise.reject(new Error("not used")),
      postToken: () => Promise.reject(new Error("not used")),
      lean: false,
    },
    settings(),
    {
      authorizationEndpoint: `${origin}/authorize`,
      issuer: undefined,
      jwksUri: undefined,
      document: {},
      source: "test",
    },
  );
  const before = test.info().attachments.length;
  const result = await driver.authorize();
  await driver.close();
  expect(result.kind).toBe("code");
  if (result.kind !== "code") return;
  expect(http.exchanges).toEqual([result.exchange]);
  expect(result.exchange.response).toMatchObject({ status: 303, headers: { location: result.url } });
  const shown = renderExchange(
    result.exchange,
    (() => {
      const r = new Redactor(false);
      r.learn(result.exchange);
      return r;
    })(),
  );
  expect(shown).not.toContain(result.code);
  expect(shown).not.toContain(PASSWORD);
  const shots = test.info().attachments.slice(before);
  expect(shots.map((a) => a.contentType)).toEqual(["image/png", "image/png"]);
  expect(JSON.stringify(shots.map((a) => a.name))).not.toContain(PASSWORD);
});

test("no Chromium: a browser error naming the apt command, never a verdict", async () => {
  const error = await launchChromium(5_000, "/nonexistent/chromium").then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(HarnessError);
  expect((error as HarnessError).code).toBe("ERR_HARNESS_BROWSER");
  expect((error as HarnessError).message).toContain("apt-get install -y chromium");
});
