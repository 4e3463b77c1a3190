/**
 * Config `launch`: the schema names the field of each mistake as the user wrote it
 * (`launch.login[1].click`, `launch.login[0].fill["input[name=password]"]`), a url that is no regular
 * expression and an environment variable that is not set are config errors naming the field, and the
 * value of an `{ "env": … }` fill is never kept in the loaded config.
 */
import { expect, test } from "@playwright/test";
import { fieldPath, launchConfig, parseTargetConfig, type RawLaunchConfig } from "../config.ts";
import { HarnessError } from "../errors.ts";
import { embeddedLaunchConfig } from "../runner/embedded-target.ts";

const base = {
  fhirBaseUrl: "http://127.0.0.1:9700/fhir",
  client: { clientId: "c1", privateJwksPath: "private.jwks.json", scope: "system/Patient.rs" },
};

const launch: RawLaunchConfig = {
  redirectUri: "http://127.0.0.1:48571/callback",
  scope: "launch/patient openid fhirUser",
  login: [
    {
      url: "/auth/login",
      fill: { "input[name=username]": "clinician", "input[name=password]": { env: "LAUNCH_PASSWORD" } },
      click: "#sign-in",
    },
    { url: "/auth/consent|/auth/authorize", click: "#allow" },
  ],
};

function problems(value: unknown): string {
  try {
    parseTargetConfig(value, "target.json");
  } catch (err) {
    expect(err).toBeInstanceOf(HarnessError);
    return (err as HarnessError).message;
  }
  throw new Error("the config was accepted");
}

test("a launch block as the README shows it validates", () => {
  expect(() => parseTargetConfig({ ...base, launch }, "target.json")).not.toThrow();
  expect(() => parseTargetConfig({ ...base, launch: embeddedLaunchConfig() }, "target.json")).not.toThrow();
});

test("schema errors name the field as written: launch.login[1].click, a fill entry, a missing field", () => {
  const noClick = { ...launch, login: [launch.login[0], { url: "/auth/consent" }] };
  expect(problems({ ...base, launch: noClick })).toContain("launch.login[1].click: is required");
  const emptyClick = { ...launch, login: [launch.login[0], { url: "/x", click: "" }] };
  expect(problems({ ...base, launch: emptyClick })).toContain("launch.login[1].click:");
  const badFill = {
    ...launch,
    login: [{ url: "/auth/login", fill: { "input[name=password]": { environment: "X" } }, click: "#go" }],
  };
  const message = problems({ ...base, launch: badFill });
  expect(message).toContain(
    'launch.login[0].fill["input[name=password]"]: must be a string or {"env": "NAME"}',
  );
  // One line for the entry, not one per branch of the schema's oneOf.
  expect(message.split("\n").filter((l) => l.includes("fill[")).length).toBe(1);
  expect(problems({ ...base, launch: { ...launch, redirectUri: "callback" } })).toContain(
    "launch.redirectUri: must be an absolute http(s) URL, exactly as registered",
  );
  expect(problems({ ...base, launch: { redirectUri: launch.redirectUri, login: launch.login } })).toContain(
    "launch.scope: is required",
  );
  expect(problems({ ...base, launch: { ...launch, login: [] } })).toContain("launch.login:");
  expect(problems({ ...base, launch: { ...launch, logins: [] } })).toContain(
    "launch.logins: is not a known field",
  );
});

test("field paths render array indices and selectors as the user wrote them", () => {
  expect(fieldPath("/launch/login/1/click")).toBe("launch.login[1].click");
  expect(fieldPath("/launch/login/0/fill/input[name=password]")).toBe(
    'launch.login[0].fill["input[name=password]"]',
  );
  expect(fieldPath("/client/scope")).toBe("client.scope");
  expect(fieldPath("")).toBe("");
});

test("an environment variable that is not set is a config error naming the field; its value is not kept", () => {
  expect(() => launchConfig(launch, {})).toThrow(
    'launch.login[0].fill["input[name=password]"]: the environment variable LAUNCH_PASSWORD is not set',
  );
  const loaded = launchConfig(launch, { LAUNCH_PASSWORD: "s3cret-value" });
  expect(JSON.stringify(loaded)).not.toContain("s3cret-value");
  expect(loaded.login[0]?.fill).toEqual([
    { selector: "input[name=username]", value: "clinician" },
    { selector: "input[name=password]", value: { env: "LAUNCH_PASSWORD" } },
  ]);
  expect(loaded.login[1]?.field).toBe("launch.login[1]");
});

test("a url that is not a regular expression is a config error naming the field", () => {
  const bad = { ...launch, login: [{ url: "/auth/(login", click: "#go" }] };
  expect(() => launchConfig(bad, {})).toThrow(/launch\.login\[0\]\.url: is not a regular expression/);
});
