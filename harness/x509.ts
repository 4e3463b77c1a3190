/**
 * Self-signed X.509 v3 certificates (RFC 5280) for the suite's client keys, for servers that register a
 * client by uploaded certificate rather than by JWK Set. A DER writer for that one certificate shape
 * (self-signed, no chain), signed by the key itself with node:crypto under the signature algorithm that
 * matches the key's JWS alg: RS* PKCS #1 v1.5 (RFC 4055 §5), PS* RSASSA-PSS with its hash, MGF1 and salt
 * length stated (RFC 4055 §3.1, salt = hash length as RFC 7518 §3.5 signs), ES* ECDSA (RFC 5758 §3.2),
 * EdDSA Ed25519 (RFC 8410 §3). And, for loopback TLS (the client judge's --tls), a throwaway CA and the
 * server certificates it issues, ECDSA P-256, without openssl.
 */
import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from "node:crypto";
import { isIPv4 } from "node:net";
import type { SigningAlg } from "./keys.ts";

// --- DER (X.690 §10) -------------------------------------------------------------------------------------

function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const octets: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
    length = Buffer.from([0x80 | octets.length, ...octets]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...items: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Uint8Array[]): Buffer => tlv(0x31, Buffer.concat(items));
/** [n] EXPLICIT: a constructed context-specific tag around one encoding. */
const explicit = (n: number, inner: Uint8Array): Buffer => tlv(0xa0 | n, inner);
const NULL = Buffer.from([0x05, 0x00]);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);
const octetString = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);
const bitString = (bytes: Uint8Array, unusedBits = 0): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));

/** A non-negative INTEGER from its big-endian magnitude, in the minimal two's-complement form DER wants. */
function integer(magnitude: Uint8Array | number): Buffer {
  let bytes = typeof magnitude === "number" ? Buffer.from([magnitude]) : Buffer.from(magnitude);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function objectIdentifier(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const octets: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128 = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift(0x80 | (v & 0x7f));
    octets.push(...base128);
  }
  return tlv(0x06, Buffer.from(octets));
}

/**
 * A certificate validity time as RFC 5280 §4.1.2.5 wants it: UTCTime (YYMMDDHHMMSSZ) through 2049,
 * GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050, always in UTC with seconds and no fraction.
 */
function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`X.509 validity: year ${year} is out of range`);
  const two = (n: number): string => String(n).padStart(2, "0");
  const rest = [
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ]
    .map(two)
    .join("");
  return year < 2050
    ? tlv(0x17, Buffer.from(`${two(year % 100)}${rest}Z`, "ascii"))
    : tlv(0x18, Buffer.from(`${year}${rest}Z`, "ascii"));
}

/** One element read from a DER encoding: its tag, its content, and where the next element starts. */
export interface DerElement {
  readonly tag: number;
  /** The whole encoding: tag, length and content. */
  readonly encoded: Buffer;
  readonly content: Buffer;
}

/**
 * The elements encoded one after another in `der` (e.g. the content of a SEQUENCE). Reads definite
 * lengths only, as DER has no other; a truncated or malformed encoding throws a RangeError.
 * @example derElements(cert)[0]?.tag // 0x30: a certificate is one SEQUENCE
 */
export function derElements(der: Uint8Array): DerElement[] {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const elements: DerElement[] = [];
  let at = 0;
  while (at < buf.length) {
    const tag = buf[at] ?? 0;
    let length = buf[at + 1];
    let header = 2;
    if (length === undefined) throw new RangeError(`DER: truncated element at offset ${at}`);
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 4) throw new RangeError(`DER: unsupported length form at offset ${at}`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (buf[at + 2 + i] ?? 0);
      header += count;
    }
    const end = at + header + length;
    if (end > buf.length) throw new RangeError(`DER: element at offset ${at} runs past the end`);
    elements.push({ tag, encoded: buf.subarray(at, end), content: buf.subarray(at + header, end) });
    at = end;
  }
  return elements;
}

// --- Algorithms -------------------------------------------------------------------------------------------

const OID = {
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  sha384WithRSAEncryption: "1.2.840.113549.1.1.12",
  sha512WithRSAEncryption: "1.2.840.113549.1.1.13",
  rsassaPss: "1.2.840.113549.1.1.10",
  mgf1: "1.2.840.113549.1.1.8",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",
  ed25519: "1.3.101.112",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  basicConstraints: "2.5.29.19",
} as const;

type Hash = "sha256" | "sha384" | "sha512";

/** How a certificate is signed with a key of one JWS algorithm: the AlgorithmIdentifier and the signer. */
export interface CertificateSignature {
  /** The signatureAlgorithm's OID, e.g. 1.2.840.113549.1.1.10 (id-RSASSA-PSS). */
  readonly oid: string;
  /** Its name as OpenSSL prints it ("Signature Algorithm: …"), e.g. rsassaPss, ecdsa-with-SHA384. */
  readonly opensslName: string;
  /** The hash the signature covers the tbsCertificate with (none for Ed25519: EdDSA hashes internally). */
  readonly hash?: Hash;
  /** For RSASSA-PSS: the salt length in octets, the hash's length (RFC 7518 §3.5, RFC 4055 §3.3). */
  readonly saltLength?: number;
}

const HASH_BYTES: Readonly<Record<Hash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/**
 * The certificate signature algorithm for a key of `alg`: the JWS algorithm's own scheme and hash.
 * @example certificateSignature("PS384") // { oid: "1.2.840.113549.1.1.10", hash: "sha384", saltLength: 48, … }
 */
export function certificateSignature(alg: SigningAlg): CertificateSignature {
  if (alg === "EdDSA") return { oid: OID.ed25519, opensslName: "ED25519" };
  const hash = `sha${alg.slice(2)}` as Hash;
  const bits = alg.slice(2) as "256" | "384" | "512";
  if (alg.startsWith("RS")) {
    return { oid: OID[`${hash}WithRSAEncryption`], opensslName: `${hash}WithRSAEncryption`, hash };
  }
  if (alg.startsWith("PS")) {
    return { oid: OID.rsassaPss, opensslName: "rsassaPss", hash, saltLength: HASH_BYTES[hash] };
  }
  return { oid: OID[`ecdsaWithSha${bits}`], opensslName: `ecdsa-with-SHA${bits}`, hash };
}

/** The AlgorithmIdentifier DER of a signature: NULL parameters for RSA, RFC 4055 parameters for PSS. */
function algorithmIdentifier(signature: CertificateSignature): Buffer {
  const { oid, hash, saltLength } = signature;
  if (oid === OID.rsassaPss && hash !== undefined && saltLength !== undefined) {
    // RFC 4055 §3.1 RSASSA-PSS-params; its §2.1 identifiers for the hash carry NULL parameters.
    const hashId = sequence(objectIdentifier(OID[hash]), NULL);
    return sequence(
      objectIdentifier(oid),
      sequence(
        explicit(0, hashId),
        explicit(1, sequence(objectIdentifier(OID.mgf1), hashId)),
        explicit(2, integer(saltLength)),
        // trailerField is its DEFAULT (1): DER leaves it out.
      ),
    );
  }
  // RSA PKCS #1 v1.5 signatures carry NULL parameters (RFC 4055 §5); ECDSA (RFC 5758 §3.2) and Ed25519
  // (RFC 8410 §3) none at all.
  return oid.startsWith("1.2.840.113549.")
    ? sequence(objectIdentifier(oid), NULL)
    : sequence(objectIdentifier(oid));
}

/** The key type `alg` signs with, as node:crypto names it; a certificate for another key is refused. */
function expectedKeyType(alg: SigningAlg): { type: string; curve?: string } {
  if (alg === "EdDSA") return { type: "ed25519" };
  if (alg === "ES256") return { type: "ec", curve: "prime256v1" };
  if (alg === "ES384") return { type: "ec", curve: "secp384r1" };
  if (alg === "ES512") return { type: "ec", curve: "secp521r1" };
  return { type: "rsa" };
}

function signWith(signature: CertificateSignature, key: KeyObject, data: Buffer): Buffer {
  if (signature.saltLength !== undefined) {
    return sign(signature.hash ?? null, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: signature.saltLength,
    });
  }
  // RSA keys sign PKCS #1 v1.5 by default; EC keys give the DER ECDSA-Sig-Value X.509 wants.
  return sign(signature.hash ?? null, data, { key, dsaEncoding: "der" });
}

// --- Certificates -----------------------------------------------------------------------------------------

export interface SelfSignedCertificateOptions {
  /** The key that is certified and signs: its public half goes in the certificate, nothing else of it. */
  readonly privateKey: KeyObject;
  /** The JWS algorithm the key signs with; chooses the certificate's signature algorithm. */
  readonly alg: SigningAlg;
  /** The subject's and issuer's commonName (at most 64 characters, RFC 5280 ub-common-name). */
  readonly commonName: string;
  /** How long the certificate is valid, in whole days from `notBefore`. */
  readonly days: number;
  /** Start of validity (default: now); truncated to whole seconds. */
  readonly notBefore?: Date;
}

export interface SelfSignedCertificate {
  readonly der: Buffer;
  /** The certificate as PEM ("-----BEGIN CERTIFICATE-----"). */
  readonly pem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The serial number in hex, as OpenSSL and node:crypto's X509Certificate print it. */
  readonly serialNumber: string;
}

/**
 * PEM of a DER encoding (RFC 7468): base64 in 64-character lines between the label's lines.
 * @example pem("CERTIFICATE", der) // "-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n"
 */
export function pem(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * A self-signed X.509 v3 certificate for a client key: subject = issuer = CN `commonName`, a random
 * positive 16-octet serial, basicConstraints cA FALSE and keyUsage digitalSignature (both critical), a
 * subjectKeyIdentifier (RFC 5280 §4.2.1.2 method 1), signed by the key with {@link certificateSignature}.
 * @example
 * const cert = selfSignedCertificate({ privateKey, alg: "ES384", commonName: "my-client", days: 365 });
 * new X509Certificate(cert.der).verify(createPublicKey(privateKey)) // true
 */
export function selfSignedCertificate(options: SelfSignedCertificateOptions): SelfSignedCertificate {
  const { privateKey, alg, commonName, days } = options;
  if (privateKey.type !== "private")
    throw new TypeError("X.509: the certificate must be signed with a private key");
  const expected = expectedKeyType(alg);
  const details = privateKey.asymmetricKeyDetails;
  if (
    privateKey.asymmetricKeyType !== expected.type ||
    (expected.curve && details?.namedCurve !== expected.curve)
  ) {
    throw new TypeError(
      `X.509: a ${String(privateKey.asymmetricKeyType)}${details?.namedCurve ? ` ${details.namedCurve}` : ""} key cannot sign ${alg}`,
    );
  }
  if (commonName === "" || [...commonName].length > 64) {
    throw new RangeError("X.509: the commonName must have 1 to 64 characters");
  }
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError("X.509: days must be a positive whole number");
  const notBefore = new Date(Math.floor((options.notBefore ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);

  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40; // positive and 16 octets long (RFC 5280 §4.1.2.2)
  const signature = certificateSignature(alg);
  const signatureAlgorithm = algorithmIdentifier(signature);
  const name = sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(commonName))));
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  // subjectPublicKeyInfo = SEQUENCE { algorithm, subjectPublicKey BIT STRING }; the key id hashes the bits.
  const publicKeyBits = derElements(derElements(spki)[0]?.content ?? Buffer.alloc(0))[1]?.content.subarray(1);
  if (publicKeyBits === undefined)
    throw new TypeError("X.509: the public key's SubjectPublicKeyInfo is unreadable");
  const extension = (oid: string, critical: boolean, value: Buffer): Buffer =>
    sequence(objectIdentifier(oid), ...(critical ? [TRUE] : []), octetString(value));
  const extensions = sequence(
    // cA is its DEFAULT (FALSE): DER encodes basicConstraints as an empty SEQUENCE.
    extension(OID.basicConstraints, true, sequence()),
    // digitalSignature is bit 0: one octet 0x80 with 7 unused bits.
    extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
    extension(
      OID.subjectKeyIdentifier,
      false,
      octetString(createHash("sha1").update(publicKeyBits).digest()),
    ),
  );
  const tbsCertificate = sequence(
    explicit(0, integer(2)), // version v3
    integer(serial),
    signatureAlgorithm,
    name, // issuer
    sequence(time(notBefore), time(notAfter)),
    name, // subject
    spki,
    explicit(3, extensions),
  );
  const der = sequence(
    tbsCertificate,
    signatureAlgorithm,
    bitString(signWith(signature, privateKey, tbsCertificate)),
  );
  return {
    der,
    pem: pem("CERTIFICATE", der),
    notBefore,
    notAfter,
    serialNumber: serial.toString("hex").toUpperCase(),
  };
}

// --- A throwaway CA and its server certificates (loopback TLS) ---------------------------------------------

const TLS_OID = {
  subjectAltName: "2.5.29.17",
  extKeyUsage: "2.5.29.37",
  authorityKeyIdentifier: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** A certificate authority made for one run: its certificate and the key that signs what it issues. */
export interface CertificateAuthority {
  readonly commonName: string;
  /** The CA certificate as PEM: what a client is given to trust. */
  readonly pem: string;
  readonly der: Buffer;
  /** Never written anywhere: the CA signs in memory and is dropped with the run. */
  readonly privateKey: KeyObject;
  readonly keyId: Buffer;
}

/** A server's TLS credentials as node:tls takes them (key and cert, PEM). */
export interface ServerCredentials {
  readonly key: string;
  readonly cert: string;
}

/** SubjectAltName GeneralNames for hosts: an IPv4 address as iPAddress [7], anything else as dNSName [2]. */
function subjectAltNames(hosts: readonly string[]): Buffer {
  return sequence(
    ...hosts.map((host) =>
      isIPv4(host)
        ? tlv(0x87, Buffer.from(host.split(".").map(Number)))
        : tlv(0x82, Buffer.from(host, "ascii")),
    ),
  );
}

/** An ECDSA P-256 (ES256) certificate: issuer's key signs the subject's public key with these extensions. */
function ecCertificate(options: {
  readonly subject: string;
  readonly publicKey: KeyObject;
  readonly issuer: string;
  readonly issuerKey: KeyObject;
  readonly extensions: readonly Buffer[];
  readonly days: number;
}): Buffer {
  // An hour back: a client whose clock lags a little still accepts it.
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
  const notAfter = new Date(notBefore.getTime() + options.days * 86_400_000);
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const signature = certificateSignature("ES256");
  const signatureAlgorithm = algorithmIdentifier(signature);
  const name = (cn: string) => sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(cn))));
  const tbsCertificate = sequence(
    explicit(0, integer(2)),
    integer(serial),
    signatureAlgorithm,
    name(options.issuer),
    sequence(time(notBefore), time(notAfter)),
    name(options.subject),
    options.publicKey.export({ type: "spki", format: "der" }),
    explicit(3, sequence(...options.extensions)),
  );
  return sequence(
    tbsCertificate,
    signatureAlgorithm,
    bitString(signWith(signature, options.issuerKey, tbsCertificate)),
  );
}

const extensionOf = (oid: string, critical: boolean, value: Buffer): Buffer =>
  sequence(objectIdentifier(oid), ...(critical ? [TRUE] : []), octetString(value));

/** RFC 5280 §4.2.1.2 method 1: the SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: "spki", format: "der" });
  const bits = derElements(derElements(spki)[0]?.content ?? Buffer.alloc(0))[1]?.content.subarray(1);
  return createHash("sha1")
    .update(bits ?? Buffer.alloc(0))
    .digest();
}

/**
 * A self-signed CA for one run (ECDSA P-256): basicConstraints cA TRUE and keyUsage keyCertSign, cRLSign
 * (both critical), valid from an hour ago for `days` days.
 * @example
 * const ca = certificateAuthority("my test CA");
 * const { key, cert } = serverCertificate(ca, ["127.0.0.1", "localhost"]);
 * https.createServer({ key, cert }, handler); // a client trusts it with { ca: ca.pem }
 */
export function certificateAuthority(commonName: string, days = 1): CertificateAuthority {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const keyId = keyIdentifier(publicKey);
  const der = ecCertificate({
    subject: commonName,
    publicKey,
    issuer: commonName,
    issuerKey: privateKey,
    days,
    extensions: [
      extensionOf(OID.basicConstraints, true, sequence(TRUE)),
      // keyCertSign (bit 5) and cRLSign (bit 6): 0x06 with its one unused bit.
      extensionOf(OID.keyUsage, true, bitString(Buffer.from([0x06]), 1)),
      extensionOf(OID.subjectKeyIdentifier, false, octetString(keyId)),
    ],
  });
  return { commonName, der, pem: pem("CERTIFICATE", der), privateKey, keyId };
}

/**
 * A server certificate the CA issues for `hosts` (IPv4 addresses and DNS names, RFC 5280 §4.2.1.6), with a
 * fresh ECDSA P-256 key: keyUsage digitalSignature, extKeyUsage serverAuth, not a CA.
 * @example const { key, cert } = serverCertificate(certificateAuthority("test CA"), ["127.0.0.1"]);
 */
export function serverCertificate(
  ca: CertificateAuthority,
  hosts: readonly [string, ...string[]],
  days = 1,
): ServerCredentials {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const der = ecCertificate({
    subject: hosts[0],
    publicKey,
    issuer: ca.commonName,
    issuerKey: ca.privateKey,
    days,
    extensions: [
      extensionOf(OID.basicConstraints, true, sequence()),
      extensionOf(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
      extensionOf(TLS_OID.extKeyUsage, false, sequence(objectIdentifier(TLS_OID.serverAuth))),
      extensionOf(TLS_OID.subjectAltName, false, subjectAltNames(hosts)),
      // keyIdentifier [0] IMPLICIT OCTET STRING: the CA's own key id.
      extensionOf(TLS_OID.authorityKeyIdentifier, false, sequence(tlv(0x80, ca.keyId))),
      extensionOf(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(publicKey))),
    ],
  });
  return {
    key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    cert: pem("CERTIFICATE", der),
  };
}
