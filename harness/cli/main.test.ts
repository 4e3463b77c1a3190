/** The smart-conformance command dispatches to its subcommands, each with --help, and refuses unknown ones. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { DEFAULT_PROFILE, PROFILES } from "../profiles.ts";

function cli(
  args: readonly string[],
  env: Record<string, string> = {},
): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, ["bin/smart-conformance.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test("every command answers --help, and an unknown command is refused with the list", () => {
  expect(cli(["--help"])).toMatchObject({
    status: 0,
    output: expect.stringContaining("Commands:"),
  });
  for (const [command, text] of [
    ["run", "--fail-on"],
    ["keys", "--out"],
    ["report", "generate"],
  ] as const) {
    const { status, output } = cli([command, "--help"]);
    expect(status, output).toBe(0);
    expect(output).toContain(text);
  }
  const unknown = cli(["frobnicate"]);
  expect(unknown.status).toBe(2);
  expect(unknown.output).toContain('unknown command "frobnicate"');
});

test("run --help lists every profile the command accepts", () => {
  const { status, output } = cli(["run", "--help"]);
  expect(status, output).toBe(0);
  const listed = /--profile <name>[\s\S]*?one of:\s+([^\n]+)/.exec(output)?.[1] ?? "";
  expect(listed.split(", ").map((p) => p.replace(/ \(default\)$/, ""))).toEqual(Object.keys(PROFILES));
  expect(listed).toContain(`${DEFAULT_PROFILE} (default)`);
});

test("keys makes any asked algorithm, and a bad keys command line is one line with exit status 2", () => {
  const out = join(mkdtempSync(join(tmpdir(), "smart-cli-keys-")), "keys");
  const made = cli(["keys", "--out", out, "--alg", "PS256", "--profile", "oauth-jwt"]);
  expect(made.status, made.output).toBe(0);
  const jwks = JSON.parse(readFileSync(join(out, "private.jwks.json"), "utf8")) as {
    keys: { alg?: string }[];
  };
  expect(jwks.keys.map((k) => k.alg)).toEqual(["PS256"]);
  for (const [args, message] of [
    [["keys", "--profile", "oauth-jwt"], "--out: required"],
    [["keys", "--out", out, "--profile", "smart"], '--profile: "smart" is not one of'],
    [["keys", "--out", out, "--alg", "RS1024"], '--alg: "RS1024" is not an algorithm keys can make'],
  ] as const) {
    const run = cli(args);
    expect(run.status, run.output).toBe(2);
    expect(run.output).toContain(message);
    expect(run.output.trim().split("\n"), run.output).toHaveLength(1);
  }
});

test("report open says where the report is, or that there is none yet", () => {
  const empty = mkdtempSync(join(tmpdir(), "smart-cli-"));
  const none = cli(["report", "open"], { SMART_REPORTS_DIR: empty });
  expect(none.status).toBe(2);
  expect(none.output).toContain("does not exist");
  const run = cli(["run", "--fail-on", "sometimes"]);
  expect(run.status).toBe(2);
  expect(run.output).toContain('--fail-on: "sometimes" is not one of shall, should, never');
});
