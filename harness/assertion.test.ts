import { createPublicKey, type JsonWebKey } from "node:crypto";
import { expect, test } from "@playwright/test";
import { compactVerify, decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import {
  baselineAssertion,
  build,
  corruptedSignature,
  emptySigner,
  expiredBy,
  keySigner,
  signedBy,
  tamperedClaim,
  withHeader,
  withoutClaim,
  BASELINE_LIFETIME_SECONDS,
} from "./assertion.ts";
import { generateClientKey, type ClientKey, type SigningAlg } from "./keys.ts";

const TOKEN_URL = "https://as.example/token";
const keys = new Map<SigningAlg, ClientKey>();

test.beforeAll(async () => {
  for (const alg of ["RS384", "ES384"] as const) keys.set(alg, (await generateClientKey(alg)).key);
});

function key(alg: SigningAlg): ClientKey {
  const k = keys.get(alg);
  if (!k) throw new Error(`no ${alg} key`);
  return k;
}

for (const alg of ["RS384", "ES384"] as const) {
  test(`the ${alg} baseline verifies with jose and carries every SMART claim`, async () => {
    const k = key(alg);
    const jwt = build(baselineAssertion({ clientId: "c1", tokenUrl: TOKEN_URL, key: k }));
    const { payload, protectedHeader } = await jwtVerify(jwt, await importJWK(k.publicJwk, alg), {
      algorithms: [alg],
      audience: TOKEN_URL,
      issuer: "c1",
      subject: "c1",
      typ: "JWT",
    });
    expect(protectedHeader).toEqual({ alg, kid: k.kid, typ: "JWT" });
    expect(typeof payload.jti).toBe("string");
    expect(Number.isInteger(payload.exp)).toBe(true);
    const ahead = (payload.exp ?? 0) - Math.floor(Date.now() / 1000);
    expect(ahead).toBeGreaterThan(0);
    expect(ahead).toBeLessThanOrEqual(BASELINE_LIFETIME_SECONDS);
    expect(ahead).toBeLessThanOrEqual(300);
  });
}

test("every baseline gets a fresh jti", () => {
  const draft = () => baselineAssertion({ clientId: "c1", tokenUrl: TOKEN_URL, key: key("ES384") });
  expect(draft().claims.jti).not.toBe(draft().claims.jti);
});

test("the kid is the RFC 7638 thumbprint and the public JWK has no private members", () => {
  for (const k of keys.values()) {
    expect(k.publicJwk.kid).toBe(k.kid);
    for (const member of ["d", "p", "q", "dp", "dq", "qi"]) expect(k.publicJwk).not.toHaveProperty(member);
    expect(k.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  }
});

test("ES384 signatures are JOSE R||S (96 octets) unless DER is asked for", () => {
  const k = key("ES384");
  const draft = baselineAssertion({ clientId: "c1", tokenUrl: TOKEN_URL, key: k });
  const sig = (jwt: string) => Buffer.from(jwt.split(".")[2] ?? "", "base64url");
  expect(sig(build(draft))).toHaveLength(96);
  const der = sig(build(draft, signedBy(keySigner("ES384", k.privateKey, "der"))));
  expect(der[0]).toBe(0x30);
});

test("mutations change exactly what they name", () => {
  const draft = baselineAssertion({ clientId: "c1", tokenUrl: TOKEN_URL, key: key("RS384"), now: 1_000_000 });
  const expired = expiredBy(600)(draft);
  expect(expired.claims.exp).toBe(1_000_000 - 600);
  expect({ ...expired.claims, exp: draft.claims.exp }).toEqual(draft.claims);
  expect(withoutClaim("aud")(draft).claims).not.toHaveProperty("aud");
  expect(withHeader("alg", "none")(draft).header).toEqual({ ...draft.header, alg: "none" });
  expect(draft.claims).toHaveProperty("aud"); // drafts are never modified in place
});

test("tampering and corruption break verification; alg none has an empty signature", async () => {
  const k = key("RS384");
  const draft = baselineAssertion({ clientId: "c1", tokenUrl: TOKEN_URL, key: k });
  const publicKey = createPublicKey({ key: k.publicJwk as JsonWebKey, format: "jwk" });
  await expect(compactVerify(build(draft), publicKey)).resolves.toBeTruthy();
  await expect(compactVerify(build(draft, tamperedClaim("jti", "x")), publicKey)).rejects.toThrow(
    /signature/,
  );
  await expect(compactVerify(build(draft, corruptedSignature), publicKey)).rejects.toThrow(/signature/);
  const unsigned = build(draft, withHeader("alg", "none"), signedBy(emptySigner));
  expect(unsigned.endsWith(".")).toBe(true);
  expect(decodeProtectedHeader(unsigned).alg).toBe("none");
});
