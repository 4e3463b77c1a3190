/**
 * `npm run keys`: one key per asked JWS algorithm (jose signs and verifies with each, and so does the
 * suite's own signer), today's RS384 + ES384 pair by default, --profile limiting the algorithms to what
 * that profile loads, and every usage or file-system problem as one line with exit status 2.
 */
import { createPublicKey, X509Certificate, type JsonWebKey } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { calculateJwkThumbprint, importJWK, jwtVerify, SignJWT, type JWK } from "jose";
import { baselineAssertion, serialize } from "../assertion.ts";
import { loadPrivateJwks, PRIVATE_JWK_MEMBERS, SIGNING_ALGS, signingAlgsFor } from "../keys.ts";
import { PROFILE_ENV, PROFILES, type ProfileName } from "../profiles.ts";
import { bin, runProcess } from "../runner/run-suite.ts";
import { main, parseKeysArgs, UsageError } from "./keys.ts";
import { budgetMs } from "../runner/budget.ts";

let dir = "";
/** A plain file: a directory under it cannot be made (ENOTDIR, even as root). */
const file = (): string => join(dir, "a-file");
test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-keys-"));
  await writeFile(file(), "not a directory");
});
test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI's main in this process: its exit status and what it printed. */
async function keys(args: readonly string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const status = await main(args);
    return { status, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

async function readKeys(path: string): Promise<JWK[]> {
  return (JSON.parse(await readFile(path, "utf8")) as { keys: JWK[] }).keys;
}

/** Loads a private JWKS file as the config check does under `profile`. */
async function loadAs(profile: ProfileName, path: string): Promise<string[]> {
  const previous = process.env[PROFILE_ENV];
  process.env[PROFILE_ENV] = profile;
  try {
    return (await loadPrivateJwks(path, "client.privateJwksPath")).map((k) => k.alg);
  } finally {
    if (previous === undefined) delete process.env[PROFILE_ENV];
    else process.env[PROFILE_ENV] = previous;
  }
}

test("makes a key for every RS, PS, ES and EdDSA algorithm that jose and the suite's signer both sign with", async () => {
  test.setTimeout(budgetMs(20_000)); // six RSA-2048 keys: up to ~2 s each on a busy machine
  const out = join(dir, "all");
  const run = await keys(["--out", out, "--alg", SIGNING_ALGS.join(",")]);
  expect(run.status, run.err).toBe(0);
  const privateJwks = await readKeys(join(out, "private.jwks.json"));
  const publicJwks = await readKeys(join(out, "public.jwks.json"));
  expect(privateJwks.map((k) => k.alg)).toEqual([...SIGNING_ALGS]);
  for (const [i, jwk] of privateJwks.entries()) {
    const alg = jwk.alg ?? "";
    const pub = publicJwks[i] ?? {};
    expect(Object.keys(pub).filter((m) => (PRIVATE_JWK_MEMBERS as readonly string[]).includes(m))).toEqual(
      [],
    );
    expect(pub.kid, alg).toBe(await calculateJwkThumbprint(pub));
    expect(jwk.kid).toBe(pub.kid);
    expect(pub).toMatchObject({ alg, use: "sig" });
    const details = createPublicKey({ key: pub as JsonWebKey, format: "jwk" }).asymmetricKeyDetails;
    if (/^(RS|PS)/.test(alg)) expect(details?.modulusLength, alg).toBeGreaterThanOrEqual(2048);
    const curves: Readonly<Record<string, string>> = {
      ES256: "P-256",
      ES384: "P-384",
      ES512: "P-521",
      EdDSA: "Ed25519",
    };
    const curve = curves[alg];
    if (curve) expect(pub.crv, alg).toBe(curve);
    // jose signs with the private JWK and verifies with the public one.
    const jwt = await new SignJWT({ sub: "c" })
      .setProtectedHeader({ alg, kid: jwk.kid })
      .sign(await importJWK(jwk, alg));
    await expect(jwtVerify(jwt, await importJWK(pub, alg), { algorithms: [alg] })).resolves.toBeTruthy();
  }
  // Under oauth-jwt the config check loads every one, and the suite's assertions verify with jose.
  const loaded = await loadPrivateJwks(join(out, "private.jwks.json"), "f").catch(() => undefined);
  expect(loaded, "smart-v2 refuses the non-SMART algorithms").toBeUndefined();
  const previous = process.env[PROFILE_ENV];
  process.env[PROFILE_ENV] = "oauth-jwt";
  try {
    const clientKeys = await loadPrivateJwks(join(out, "private.jwks.json"), "client.privateJwksPath");
    expect(clientKeys.map((k) => k.alg)).toEqual([...SIGNING_ALGS]);
    for (const key of clientKeys) {
      const assertion = serialize(baselineAssertion({ clientId: "c", tokenUrl: "https://as/token", key }));
      const verified = await jwtVerify(assertion, await importJWK(key.publicJwk, key.alg), {
        algorithms: [key.alg],
        audience: "https://as/token",
      });
      expect(verified.protectedHeader, key.alg).toMatchObject({ alg: key.alg, kid: key.kid, typ: "JWT" });
    }
  } finally {
    if (previous === undefined) delete process.env[PROFILE_ENV];
    else process.env[PROFILE_ENV] = previous;
  }
});

test("without --alg it makes today's pair: RS384 on RSA-2048 and ES384 on P-384, private file mode 600", async () => {
  const out = join(dir, "default");
  const run = await keys(["--out", out]);
  expect(run.status, run.err).toBe(0);
  expect(run.err).toBe("");
  expect(run.out).not.toContain("Note:");
  const privatePath = join(out, "private.jwks.json");
  const [rs, es, ...more] = await readKeys(privatePath);
  expect(more).toEqual([]);
  expect(rs).toMatchObject({ kty: "RSA", alg: "RS384", use: "sig", e: "AQAB" });
  expect(Buffer.from(rs?.n ?? "", "base64url").length * 8).toBe(2048);
  expect(es).toMatchObject({ kty: "EC", crv: "P-384", alg: "ES384", use: "sig" });
  expect((await stat(privatePath)).mode & 0o777).toBe(0o600);
  expect(await loadAs("smart-v2", privatePath)).toEqual(["RS384", "ES384"]);
  expect(run.out).toContain(`kid ${String(rs?.kid)}  alg RS384`);
});

test("--profile makes only what that profile signs with, and what it makes loads under it", async () => {
  test.setTimeout(budgetMs(20_000));
  for (const profile of Object.keys(PROFILES) as ProfileName[]) {
    const allowed = signingAlgsFor(profile);
    expect(allowed, profile).toEqual(profile === "oauth-jwt" ? SIGNING_ALGS : ["RS384", "ES384"]);
    const out = join(dir, `profile-${profile}`);
    const run = await keys(["--out", out, "--profile", profile, "--alg", allowed.join(",")]);
    expect(run.status, run.err).toBe(0);
    expect(await loadAs(profile, join(out, "private.jwks.json"))).toEqual([...allowed]);
    if (profile !== "oauth-jwt") {
      expect(() => parseKeysArgs(["--out", out, "--profile", profile, "--alg", "PS256"])).toThrow(
        `--alg: profile ${profile} signs only with RS384 and ES384, not PS256; use --profile oauth-jwt for other algorithms`,
      );
    }
  }
  // Without --profile any algorithm is made, with a note on where it loads.
  const run = await keys(["--out", join(dir, "ps256"), "--alg", "PS256"]);
  expect(run.status, run.err).toBe(0);
  expect(run.out).toContain("Note: PS256 keys load only with --profile oauth-jwt");
});

const errors: readonly (readonly [string, () => string[], string])[] = [
  [
    "no --out",
    () => ["--alg", "PS256"],
    "--out: required (the directory to write private.jwks.json and public.jwks.json to)",
  ],
  [
    "--out without a value",
    () => ["--out"],
    '--out: needs a value (for a value starting with "-", write --out=<value>)',
  ],
  ["--out followed by a flag", () => ["--out", "--alg", "PS256"], "--out: needs a value"],
  ["an empty --out", () => ["--out="], "--out: empty (give a directory)"],
  ["--out twice", () => ["--out", "a", "--out", "b"], "--out: given 2 times; give it once"],
  [
    "--out under a file",
    () => ["--out", join(file(), "keys")],
    "--out: cannot write the key files to /", // then the absolute path and (ENOTDIR: …), checked below
  ],
  [
    "an unknown flag",
    () => ["--out", "x", "--bits", "4096"],
    'unknown option "--bits"; keys takes --out, --alg, --profile, --cert-days and --help',
  ],
  ["a positional argument", () => ["keys-dir"], 'unexpected argument "keys-dir"; keys takes only options'],
  ["a value for --help", () => ["--help=yes"], "--help: takes no value"],
  [
    "an unknown algorithm",
    () => ["--out", "x", "--alg", "HS256"],
    '--alg: "HS256" is not an algorithm keys can make; use one or more of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
  ],
  [
    "an algorithm in the wrong case",
    () => ["--out", "x", "--alg", "ps256"],
    '"ps256" is not an algorithm keys can make (did you mean PS256?)',
  ],
  [
    "an empty algorithm in the list",
    () => ["--out", "x", "--alg", "RS384,,ES384"],
    '--alg: empty algorithm name in "RS384,,ES384"',
  ],
  [
    "an algorithm twice",
    () => ["--out", "x", "--alg", "ES256,ES256"],
    "--alg: ES256 is named twice; each algorithm gets one key",
  ],
  [
    "an unknown profile",
    () => ["--out", "x", "--profile", "oidc"],
    '--profile: "oidc" is not one of smart-v2, strict, interop, smart-v1, oauth-jwt, g10-dry-run',
  ],
  [
    "a --cert-days of 0",
    () => ["--out", "x", "--cert-days", "0"],
    '--cert-days: "0" is not a whole number of days from 1 to 36500',
  ],
  [
    "a --cert-days that is not a number",
    () => ["--out", "x", "--cert-days", "1y"],
    '--cert-days: "1y" is not a whole number of days from 1 to 36500',
  ],
  [
    "a --cert-days past 100 years",
    () => ["--out", "x", "--cert-days", "36501"],
    '--cert-days: "36501" is not a whole number of days from 1 to 36500',
  ],
  [
    "--cert-days twice",
    () => ["--out", "x", "--cert-days", "1", "--cert-days=2"],
    "--cert-days: given 2 times",
  ],
  [
    "a SMART profile with PS256",
    () => ["--out", "x", "--profile", "smart-v2", "--alg", "PS256"],
    "--alg: profile smart-v2 signs only with RS384 and ES384, not PS256",
  ],
];

for (const [title, args, message] of errors) {
  test(`refuses ${title} with one line and exit status 2`, async () => {
    const run = await keys(args());
    expect(run.status).toBe(2);
    expect(run.err).toContain(message);
    if (title === "--out under a file") expect(run.err).toContain(`${join(file(), "keys")} (ENOTDIR`);
    expect(run.err.split("\n")).toHaveLength(1);
    expect(run.out).toBe("");
  });
}

test("a usage error is a UsageError thrown by parseKeysArgs, never another error", () => {
  expect(() => parseKeysArgs(["--frob"])).toThrow(UsageError);
  expect(parseKeysArgs(["--out", "k"])).toEqual({ out: "k", algs: ["RS384", "ES384"] });
  expect(parseKeysArgs(["--out", "k", "--alg", "PS256", "--alg", "EdDSA", "--profile", "oauth-jwt"])).toEqual(
    {
      out: "k",
      algs: ["PS256", "EdDSA"],
      profile: "oauth-jwt",
    },
  );
  expect(parseKeysArgs(["--out", "k", "--cert-days", "30"])).toEqual({
    out: "k",
    algs: ["RS384", "ES384"],
    certDays: 30,
  });
});

test("per key it writes the public key as PEM and a self-signed certificate, and prints the RFC 7638 thumbprint", async () => {
  const out = join(dir, "registration");
  const before = Math.floor(Date.now() / 1000) * 1000;
  const run = await keys(["--alg", "PS256,ES384", "--out", out, "--cert-days", "30"]);
  expect(run.status, run.err).toBe(0);
  expect(run.err).toBe("");
  const publicJwks = await readKeys(join(out, "public.jwks.json"));
  const names = publicJwks.flatMap((jwk) => [
    `${String(jwk.alg)}-${String(jwk.kid)}.cert.pem`,
    `${String(jwk.alg)}-${String(jwk.kid)}.public.pem`,
  ]);
  expect((await readdir(out)).sort()).toEqual([...names, "private.jwks.json", "public.jwks.json"].sort());
  // The private key stays in the one private file, mode 600; the public files are written as public.jwks.json is.
  expect((await stat(join(out, "private.jwks.json"))).mode & 0o777).toBe(0o600);
  const publicMode = (await stat(join(out, "public.jwks.json"))).mode & 0o777;
  expect(publicMode & 0o400, "owner-readable").toBe(0o400);
  for (const name of names) {
    expect((await stat(join(out, name))).mode & 0o777, name).toBe(publicMode);
    expect(await readFile(join(out, name), "utf8"), name).not.toContain("PRIVATE");
  }
  for (const jwk of publicJwks) {
    const { alg = "", kid = "" } = jwk;
    const thumbprint = await calculateJwkThumbprint(jwk);
    const keyMembers = Object.fromEntries(
      Object.entries(jwk).filter(([m]) => !["kid", "alg", "use"].includes(m)),
    );
    const spki = await readFile(join(out, `${alg}-${kid}.public.pem`), "utf8");
    expect(spki).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(createPublicKey(spki).export({ format: "jwk" }), alg).toEqual(keyMembers);
    const cert = new X509Certificate(await readFile(join(out, `${alg}-${kid}.cert.pem`)));
    expect(cert.verify(createPublicKey(spki)), alg).toBe(true);
    expect(cert.publicKey.export({ format: "jwk" }), alg).toEqual(keyMembers);
    const commonName = `smart-conformance client key ${alg} ${kid.slice(0, 8)}`;
    expect(cert.subject).toBe(`CN=${commonName}`);
    const validFrom = new Date(cert.validFrom).getTime();
    expect(validFrom).toBeGreaterThanOrEqual(before);
    expect(validFrom).toBeLessThanOrEqual(Date.now());
    expect(new Date(cert.validTo).getTime() - validFrom).toBe(30 * 86_400_000);
    // What it prints: kid and alg, the thumbprint in base64url and hex, both paths, the fingerprints.
    expect(thumbprint).toBe(kid);
    expect(run.out).toContain(`kid ${kid}  alg ${alg}`);
    expect(run.out).toContain(`base64url ${thumbprint}`);
    expect(run.out).toContain(`hex       ${Buffer.from(thumbprint, "base64url").toString("hex")}`);
    expect(run.out).toContain(
      `public key (PEM, SubjectPublicKeyInfo): ${join(out, `${alg}-${kid}.public.pem`)}`,
    );
    expect(run.out).toContain(`(self-signed X.509, CN=${commonName}, valid to `);
    expect(run.out).toContain(`: ${join(out, `${alg}-${kid}.cert.pem`)}`);
    expect(run.out).toContain(`SHA-256 fingerprint ${cert.fingerprint256}`);
  }
});

test("run as a program (npm run keys), a bad command line exits 2 with one line and no stack trace", async () => {
  test.setTimeout(budgetMs(20_000)); // two tsx start-ups
  const [unknown, unwritable] = await Promise.all([
    runProcess(bin("tsx"), ["harness/cli/keys.ts", "--out", dir, "--alg", "PS257"], {}, 45_000),
    runProcess(bin("tsx"), ["harness/cli/keys.ts", "--out", join(file(), "x"), "--alg", "ES256"], {}, 45_000),
  ]);
  for (const run of [unknown, unwritable]) {
    expect(run.status, run.output).toBe(2);
    expect(run.output.trim().split("\n"), run.output).toHaveLength(1);
    expect(run.output).not.toMatch(/\n\s+at /);
  }
  expect(unknown.output).toContain('--alg: "PS257" is not an algorithm keys can make');
  expect(unwritable.output).toContain("--out: cannot write the key files to");
});
