/**
 * The self-signed certificates of harness/x509.ts: for every algorithm the harness makes keys for, node's
 * X509Certificate and the openssl command line read the certificate, its signature verifies with the key's
 * public half under the algorithm the JWS alg names (RFC 4055 parameters for PSS), it holds exactly the
 * JWK's public key, and its validity follows RFC 5280's UTCTime / GeneralizedTime rule. And the run's CA
 * of the client judge's --tls issues server certificates a TLS client accepts with that CA and no other.
 */
import { execFile } from "node:child_process";
import { constants, createPublicKey, verify, X509Certificate, type KeyObject } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, createServer as createTlsServer } from "node:tls";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { generateClientKey, SIGNING_ALGS, type ClientKey, type SigningAlg } from "./keys.ts";
import {
  certificateAuthority,
  derElements,
  selfSignedCertificate,
  serverCertificate,
  type DerElement,
} from "./x509.ts";

const run = promisify(execFile);

/** The signature algorithm each JWS alg must give, written out here rather than read from x509.ts. */
const EXPECTED: Readonly<
  Record<SigningAlg, { oid: string; openssl: string; hash?: string; hashOid?: string; salt?: number }>
> = {
  RS256: { oid: "1.2.840.113549.1.1.11", openssl: "sha256WithRSAEncryption", hash: "sha256" },
  RS384: { oid: "1.2.840.113549.1.1.12", openssl: "sha384WithRSAEncryption", hash: "sha384" },
  RS512: { oid: "1.2.840.113549.1.1.13", openssl: "sha512WithRSAEncryption", hash: "sha512" },
  PS256: {
    oid: "1.2.840.113549.1.1.10",
    openssl: "rsassaPss",
    hash: "sha256",
    hashOid: "2.16.840.1.101.3.4.2.1",
    salt: 32,
  },
  PS384: {
    oid: "1.2.840.113549.1.1.10",
    openssl: "rsassaPss",
    hash: "sha384",
    hashOid: "2.16.840.1.101.3.4.2.2",
    salt: 48,
  },
  PS512: {
    oid: "1.2.840.113549.1.1.10",
    openssl: "rsassaPss",
    hash: "sha512",
    hashOid: "2.16.840.1.101.3.4.2.3",
    salt: 64,
  },
  ES256: { oid: "1.2.840.10045.4.3.2", openssl: "ecdsa-with-SHA256", hash: "sha256" },
  ES384: { oid: "1.2.840.10045.4.3.3", openssl: "ecdsa-with-SHA384", hash: "sha384" },
  ES512: { oid: "1.2.840.10045.4.3.4", openssl: "ecdsa-with-SHA512", hash: "sha512" },
  EdDSA: { oid: "1.3.101.112", openssl: "ED25519" },
};

const keys = new Map<SigningAlg, Promise<ClientKey>>();
let dir = "";
let openssl = false;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smart-x509-"));
  openssl = await run("openssl", ["version"]).then(
    () => true,
    () => false,
  );
});
test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One key per algorithm, made when a test first asks (RSA-2048: up to ~2 s on a busy machine). */
function key(alg: SigningAlg): Promise<ClientKey> {
  let made = keys.get(alg);
  if (made === undefined) {
    made = generateClientKey(alg).then((g) => g.key);
    keys.set(alg, made);
  }
  return made;
}

function children(element: DerElement | undefined): DerElement[] {
  if (element === undefined) throw new Error("missing DER element");
  return derElements(element.content);
}

function oidText(element: DerElement | undefined): string {
  expect(element?.tag).toBe(0x06);
  const bytes = [...(element?.content ?? [])];
  const arcs: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  // The first subidentifier packs the first two arcs as 40 * first + second (X.690 §8.19.4).
  const [head = 0, ...rest] = arcs;
  const first = Math.min(2, Math.floor(head / 40));
  return [first, head - 40 * first, ...rest].join(".");
}

/** The certificate's three parts and the tbsCertificate's fields, read back from the DER. */
function parts(der: Buffer) {
  const [certificate] = derElements(der);
  const [tbs, signatureAlgorithm, signatureValue] = children(certificate);
  const fields = children(tbs);
  return { tbs, signatureAlgorithm, signatureValue, fields };
}

/**
 * Runs openssl on a certificate file, checking it as of `at` (a time within its validity); undefined when
 * this machine has no openssl.
 */
async function opensslText(name: string, pem: string, at: Date): Promise<string | undefined> {
  if (!openssl) return undefined;
  const path = join(dir, name);
  await writeFile(path, pem);
  const text = await run("openssl", ["x509", "-in", path, "-noout", "-text"]);
  // The self-signature and the RFC 5280 profile as OpenSSL's strict mode checks them.
  const strict = await run("openssl", [
    "verify",
    "-x509_strict",
    "-check_ss_sig",
    "-attime",
    String(Math.floor(at.getTime() / 1000) + 60),
    "-CAfile",
    path,
    path,
  ]);
  expect(strict.stdout.trim()).toBe(`${path}: OK`);
  return text.stdout;
}

for (const alg of SIGNING_ALGS) {
  test(`a ${alg} key gives a self-signed certificate of its own public key, signed with ${EXPECTED[alg].openssl}`, async () => {
    const k = await key(alg);
    const expected = EXPECTED[alg];
    const commonName = `smart-conformance client key ${alg} ${k.kid.slice(0, 8)}`;
    const notBefore = new Date("2031-05-06T07:08:09.876Z");
    const cert = selfSignedCertificate({ privateKey: k.privateKey, alg, commonName, days: 365, notBefore });
    const x509 = new X509Certificate(cert.der);
    const publicKey = createPublicKey(k.privateKey);

    expect(x509.verify(publicKey)).toBe(true);
    // Another key of the same type (for RSA, the key another test certifies) does not verify it.
    const other = /^(RS|PS)/.test(alg)
      ? await key(alg === "RS256" ? "RS384" : "RS256")
      : (await generateClientKey(alg)).key;
    expect(x509.verify(createPublicKey(other.privateKey)), "another key does not verify it").toBe(false);
    expect(x509.publicKey.export({ format: "jwk" })).toEqual(
      Object.fromEntries(Object.entries(k.publicJwk).filter(([m]) => !["kid", "alg", "use"].includes(m))),
    );
    expect(x509.subject).toBe(`CN=${commonName}`);
    expect(x509.issuer).toBe(`CN=${commonName}`);
    expect(x509.ca).toBe(false);
    expect(new Date(x509.validFrom).toISOString()).toBe("2031-05-06T07:08:09.000Z");
    expect(new Date(x509.validTo).toISOString()).toBe("2032-05-05T07:08:09.000Z");
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(365 * 86_400_000);
    expect(x509.serialNumber).toBe(cert.serialNumber);
    expect(x509.serialNumber, "a positive 16-octet serial").toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(cert.pem).toBe(x509.toString());
    expect(cert.pem).not.toContain("PRIVATE");
    const privateMembers = ["d", "p", "q"].map((m) => k.privateKey.export({ format: "jwk" })[m]);
    for (const member of privateMembers.filter((m): m is string => typeof m === "string")) {
      expect(cert.der.includes(Buffer.from(member, "base64url")), "no private key material").toBe(false);
    }

    // The signature algorithm, read back from the DER: the same in the tbsCertificate and outside it.
    const { tbs, signatureAlgorithm, signatureValue, fields } = parts(cert.der);
    expect(fields[0]?.encoded.toString("hex"), "version v3").toBe("a003020102");
    expect(fields[2]?.encoded.equals(signatureAlgorithm?.encoded ?? Buffer.alloc(0))).toBe(true);
    const [oid, params] = children(signatureAlgorithm);
    expect(oidText(oid)).toBe(expected.oid);
    if (alg.startsWith("RS")) expect(params?.encoded.toString("hex"), "NULL parameters").toBe("0500");
    if (alg.startsWith("ES") || alg === "EdDSA") expect(params, "no parameters").toBeUndefined();
    if (expected.salt !== undefined) {
      // RFC 4055 §3.1: [0] hashAlgorithm, [1] maskGenAlgorithm MGF1 with the same hash, [2] saltLength.
      const [hashAlg, mgf, salt, ...more] = children(params);
      expect(more, "trailerField left at its default").toEqual([]);
      expect(oidText(children(children(hashAlg)[0])[0])).toBe(expected.hashOid);
      const [mgfOid, mgfHash] = children(children(mgf)[0]);
      expect(oidText(mgfOid)).toBe("1.2.840.113549.1.1.8");
      expect(oidText(children(mgfHash)[0])).toBe(expected.hashOid);
      expect(children(salt)[0]?.content.readUIntBE(0, children(salt)[0]?.content.length ?? 1)).toBe(
        expected.salt,
      );
    }
    // The signature itself, checked by node:crypto under the expected scheme (for PSS, the exact salt length).
    const signature = signatureValue?.content.subarray(1) ?? Buffer.alloc(0);
    const verifyKey: KeyObject | { key: KeyObject; padding: number; saltLength: number } =
      expected.salt === undefined
        ? publicKey
        : { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: expected.salt };
    expect(verify(expected.hash ?? null, tbs?.encoded ?? Buffer.alloc(0), verifyKey, signature)).toBe(true);

    const text = await opensslText(`${alg}.cert.pem`, cert.pem, notBefore);
    if (text === undefined) {
      test.info().annotations.push({
        type: "note",
        description: "openssl is not available: its reading is not checked",
      });
      return;
    }
    expect(text).toContain("Version: 3 (0x2)");
    expect(text).toContain(`Signature Algorithm: ${expected.openssl}`);
    expect(text).toContain(`Subject: CN = ${commonName}`);
    expect(text).toContain(`Issuer: CN = ${commonName}`);
    expect(text).toContain("Not Before: May  6 07:08:09 2031 GMT");
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(text).toContain("X509v3 Subject Key Identifier");
    if (expected.salt !== undefined) {
      expect(text).toContain(`Hash Algorithm: ${expected.hash}`);
      expect(text).toContain(`Mask Algorithm: mgf1 with ${expected.hash}`);
      expect(text).toContain(`Salt Length: 0x${expected.salt.toString(16).toUpperCase()}`);
    }
  });
}

test("validity is UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)", async () => {
  const k = await key("ES256");
  const cert = selfSignedCertificate({
    privateKey: k.privateKey,
    alg: "ES256",
    commonName: "boundary",
    days: 1,
    notBefore: new Date("2049-12-31T12:00:00Z"),
  });
  const validity = parts(cert.der).fields[4];
  const [from, to] = children(validity);
  expect(from?.tag, "UTCTime").toBe(0x17);
  expect(from?.content.toString("ascii")).toBe("491231120000Z");
  expect(to?.tag, "GeneralizedTime").toBe(0x18);
  expect(to?.content.toString("ascii")).toBe("20500101120000Z");
  const x509 = new X509Certificate(cert.der);
  expect(new Date(x509.validFrom).toISOString()).toBe("2049-12-31T12:00:00.000Z");
  expect(new Date(x509.validTo).toISOString()).toBe("2050-01-01T12:00:00.000Z");
  const text = await opensslText("boundary.cert.pem", cert.pem, cert.notBefore);
  if (text !== undefined) expect(text).toContain("Not After : Jan  1 12:00:00 2050 GMT");
});

test("without notBefore the certificate is valid from now, to the second", async () => {
  const privateKey = (await key("EdDSA")).privateKey;
  const before = Math.floor(Date.now() / 1000) * 1000;
  const cert = selfSignedCertificate({
    privateKey,
    alg: "EdDSA",
    commonName: "c",
    days: 2,
  });
  const after = Date.now();
  expect(cert.notBefore.getTime()).toBeGreaterThanOrEqual(before);
  expect(cert.notBefore.getTime()).toBeLessThanOrEqual(after);
  expect(cert.notBefore.getMilliseconds()).toBe(0);
  expect(new Date(new X509Certificate(cert.der).validTo).getTime()).toBe(
    cert.notBefore.getTime() + 2 * 86_400_000,
  );
});

test("two certificates of one key have different serials", async () => {
  const privateKey = (await key("ES384")).privateKey;
  const make = () =>
    selfSignedCertificate({ privateKey, alg: "ES384", commonName: "c", days: 1 }).serialNumber;
  expect(make()).not.toBe(make());
});

test("refuses a key that cannot sign the algorithm, a public key, a bad commonName or validity", async () => {
  const base = { commonName: "c", days: 1 };
  const [rsa, p384, p256] = await Promise.all([key("RS256"), key("ES384"), key("ES256")]);
  expect(() => selfSignedCertificate({ ...base, privateKey: rsa.privateKey, alg: "ES256" })).toThrow(
    "X.509: a rsa key cannot sign ES256",
  );
  expect(() => selfSignedCertificate({ ...base, privateKey: p384.privateKey, alg: "ES256" })).toThrow(
    "X.509: a ec secp384r1 key cannot sign ES256",
  );
  expect(() =>
    selfSignedCertificate({ ...base, privateKey: createPublicKey(p256.privateKey), alg: "ES256" }),
  ).toThrow("signed with a private key");
  const es = { privateKey: p256.privateKey, alg: "ES256" as const };
  expect(() => selfSignedCertificate({ ...es, commonName: "", days: 1 })).toThrow("1 to 64 characters");
  expect(() => selfSignedCertificate({ ...es, commonName: "x".repeat(65), days: 1 })).toThrow(
    "1 to 64 characters",
  );
  expect(() => selfSignedCertificate({ ...es, commonName: "c", days: 0 })).toThrow("positive whole number");
  expect(() => selfSignedCertificate({ ...es, commonName: "c", days: 1.5 })).toThrow("positive whole number");
});

test("a run's CA issues a server certificate for 127.0.0.1 that TLS accepts only with that CA", async () => {
  const ca = certificateAuthority("x509 test CA");
  const other = certificateAuthority("x509 test other CA");
  const credentials = serverCertificate(ca, ["127.0.0.1", "localhost"]);
  const caCert = new X509Certificate(ca.pem);
  const leaf = new X509Certificate(credentials.cert);
  expect(caCert.ca).toBe(true);
  expect(leaf.ca).toBe(false);
  expect(leaf.checkIssued(caCert)).toBe(true);
  expect(leaf.verify(caCert.publicKey)).toBe(true);
  expect(leaf.subjectAltName).toBe("IP Address:127.0.0.1, DNS:localhost");
  expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // extKeyUsage serverAuth
  if (openssl) {
    // RFC 5280 as OpenSSL's strict mode checks a chain.
    const [caPath, leafPath] = [join(dir, "tls-ca.pem"), join(dir, "tls-leaf.pem")];
    await writeFile(caPath, ca.pem);
    await writeFile(leafPath, credentials.cert);
    const strict = await run("openssl", ["verify", "-x509_strict", "-CAfile", caPath, leafPath]);
    expect(strict.stdout.trim()).toBe(`${leafPath}: OK`);
  }
  const server = createTlsServer(credentials, (socket) => socket.end());
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const port = (server.address() as AddressInfo).port;
  const handshake = (trusted: string, host: string) =>
    new Promise<string>((done) => {
      const socket = tlsConnect({ host, port, ca: trusted, servername: host === "localhost" ? host : "" });
      socket.once("secureConnect", () => (done("ok"), socket.destroy()));
      socket.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    });
  try {
    expect(await handshake(ca.pem, "127.0.0.1")).toBe("ok");
    expect(await handshake(ca.pem, "localhost")).toBe("ok");
    expect(await handshake(other.pem, "127.0.0.1")).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  } finally {
    await new Promise<void>((done) => server.close(() => done()));
  }
});
