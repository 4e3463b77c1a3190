/**
 * `npm run keys -- --out <dir> [--alg <ALG>[,<ALG>…]] [--profile <name>] [--cert-days <n>]` (also
 * `smart-conformance keys`)
 *
 * Generates client keys (RS*, PS* on RSA-2048; ES256/384/512 on P-256/384/521; EdDSA on Ed25519; kid = RFC
 * 7638 thumbprint; alg on each JWK; default RS384 + ES384), writes <dir>/private.jwks.json (keep it secret;
 * the suite signs with it) and <dir>/public.jwks.json (register it with the server, or serve it at the
 * client's JWKS URL), and per key the registration shapes other servers ask for: <ALG>-<kid>.public.pem
 * (SubjectPublicKeyInfo) and <ALG>-<kid>.cert.pem (a self-signed X.509 certificate, harness/x509.ts). It
 * prints what to register, with each key's RFC 7638 thumbprint. With --profile, only the algorithms that
 * profile signs with are made (SMART profiles: RS384, ES384; oauth-jwt: all), so the keys load under the
 * same profile. Every usage or file-system problem is one line on stderr and exit status 2.
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { calculateJwkThumbprint } from "jose";
import { isProfileName, PROFILES, type ProfileName } from "../profiles.ts";
import {
  generateClientKey,
  isSigningAlg,
  publicPart,
  SIGNING_ALGS,
  signingAlgsFor,
  SMART_SIGNING_ALGS,
  type ClientKey,
  type SigningAlg,
} from "../keys.ts";
import { selfSignedCertificate } from "../x509.ts";

const DEFAULT_ALGS: readonly SigningAlg[] = ["RS384", "ES384"];
/** How long the self-signed certificates are valid by default, and at most (100 years). */
const DEFAULT_CERT_DAYS = 365;
const MAX_CERT_DAYS = 36_500;

const HELP = `Usage: npm run keys -- --out <dir> [--alg <ALG>[,<ALG>…]] [--profile <name>] [--cert-days <n>]
   or: smart-conformance keys --out <dir> [--alg …] [--profile <name>] [--cert-days <n>]

  --out <dir>       where to write the key files (created if missing)
  --alg <list>      one key per algorithm, comma-separated (default RS384,ES384):
                    ${SIGNING_ALGS.join(", ")}
                    (RSA keys are 2048 bits; EdDSA keys are Ed25519)
  --profile <name>  only the algorithms that profile signs with: the SMART profiles
                    (smart-v2, strict, interop, smart-v1, g10-dry-run) RS384 and ES384,
                    oauth-jwt all of the above
  --cert-days <n>   validity of each self-signed certificate in days, from now
                    (default ${DEFAULT_CERT_DAYS}, at most ${MAX_CERT_DAYS})

Writes <dir>/private.jwks.json (private keys: never share, never commit) and
<dir>/public.jwks.json (register these public keys with the authorization server),
and for each key, named by its algorithm and kid, the same public key in the
shapes other servers ask for:
  <ALG>-<kid>.public.pem   the public key as PEM (SubjectPublicKeyInfo)
  <ALG>-<kid>.cert.pem     a self-signed X.509 certificate of it, signed by the key
Prints each key's kid, alg and RFC 7638 thumbprint (the kid; base64url and hex).`;

/** A problem with the command line or the --out directory: one line for the user, exit status 2. */
export class UsageError extends Error {}

export interface KeysArgs {
  readonly out: string;
  readonly algs: readonly SigningAlg[];
  readonly profile?: ProfileName;
  /** Validity of the self-signed certificates in days (default {@link DEFAULT_CERT_DAYS}). */
  readonly certDays?: number;
}

/** Turns a node:util parseArgs error (some span several lines) into one line naming the flag. */
function parseError(err: Error & { code?: string }): UsageError {
  // The flag or argument node:util quotes first ('--out <value>', '-h, --help', 'my dir').
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? "";
  const name = /--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(" ")[0] ?? quoted;
  if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return new UsageError(
      `unknown option "${name}"; keys takes --out, --alg, --profile, --cert-days and --help`,
    );
  }
  if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return new UsageError(`unexpected argument "${quoted}"; keys takes only options (--out <dir>, …)`);
  }
  if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return new UsageError(
      /does not take an argument/.test(err.message)
        ? `${name}: takes no value`
        : `${name}: needs a value (for a value starting with "-", write ${name}=<value>)`,
    );
  }
  return new UsageError(err.message.split("\n")[0] ?? "invalid arguments");
}

/** The closest valid algorithm name when only the letter case differs (ps256 → PS256). */
function caseHint(name: string): string {
  const match = SIGNING_ALGS.find((a) => a.toLowerCase() === name.toLowerCase());
  return match ? ` (did you mean ${match}?)` : "";
}

function parseAlgs(lists: readonly string[], profile: ProfileName | undefined): SigningAlg[] {
  if (lists.length === 0) return [...DEFAULT_ALGS];
  const names = lists.flatMap((list) => list.split(",").map((a) => a.trim()));
  const algs: SigningAlg[] = [];
  for (const name of names) {
    if (name === "") throw new UsageError(`--alg: empty algorithm name in "${lists.join(",")}"`);
    if (!isSigningAlg(name)) {
      throw new UsageError(
        `--alg: "${name}" is not an algorithm keys can make${caseHint(name)}; use one or more of ${SIGNING_ALGS.join(", ")}`,
      );
    }
    if (algs.includes(name))
      throw new UsageError(`--alg: ${name} is named twice; each algorithm gets one key`);
    algs.push(name);
  }
  if (profile !== undefined) {
    const allowed = signingAlgsFor(profile);
    const refused = algs.filter((a) => !allowed.includes(a));
    if (refused.length > 0) {
      throw new UsageError(
        `--alg: profile ${profile} signs only with ${allowed.join(" and ")}, not ${refused.join(", ")}; use --profile oauth-jwt for other algorithms`,
      );
    }
  }
  return algs;
}

/**
 * Reads the keys command line; throws {@link UsageError} with a one-line message for anything wrong.
 * @example parseKeysArgs(["--out", "keys", "--alg", "PS256"]) // { out: "keys", algs: ["PS256"] }
 */
export function parseKeysArgs(argv: readonly string[]): KeysArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        out: { type: "string", multiple: true },
        alg: { type: "string", multiple: true },
        profile: { type: "string", multiple: true },
        "cert-days": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw parseError(err as Error);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const once = (flag: string, given: readonly string[] | undefined): string | undefined => {
    if (given !== undefined && given.length > 1)
      throw new UsageError(`${flag}: given ${given.length} times; give it once`);
    return given?.[0];
  };
  const profileName = once("--profile", values.profile);
  if (profileName !== undefined && !isProfileName(profileName)) {
    throw new UsageError(`--profile: "${profileName}" is not one of ${Object.keys(PROFILES).join(", ")}`);
  }
  const out = once("--out", values.out);
  if (out === undefined) {
    throw new UsageError(
      "--out: required (the directory to write private.jwks.json and public.jwks.json to)",
    );
  }
  if (out.trim() === "") throw new UsageError("--out: empty (give a directory)");
  const algs = parseAlgs(values.alg ?? [], profileName);
  const certDays = once("--cert-days", values["cert-days"]);
  if (certDays !== undefined && (!/^\d+$/.test(certDays) || +certDays < 1 || +certDays > MAX_CERT_DAYS)) {
    throw new UsageError(
      `--cert-days: "${certDays}" is not a whole number of days from 1 to ${MAX_CERT_DAYS}`,
    );
  }
  return {
    out,
    algs,
    ...(profileName !== undefined ? { profile: profileName } : {}),
    ...(certDays !== undefined ? { certDays: +certDays } : {}),
  };
}

/** One key's registration material: its thumbprint, public key PEM and self-signed certificate. */
interface KeyMaterial {
  readonly kid: string;
  readonly alg: SigningAlg;
  /** RFC 7638 SHA-256 thumbprint of the public JWK, base64url (the kid of keys made here). */
  readonly thumbprint: string;
  readonly publicPem: string;
  readonly publicPemPath: string;
  readonly certificatePem: string;
  readonly certificatePath: string;
  readonly certificate: X509Certificate;
  readonly commonName: string;
}

/** The thumbprint, public key PEM and certificate of a key made here; files named by its alg and kid. */
async function keyMaterial(dir: string, key: ClientKey, days: number): Promise<KeyMaterial> {
  // The alg first: never a file name that starts with "-" (a base64url kid may).
  const base = join(dir, `${key.alg}-${key.kid}`);
  const commonName = `smart-conformance client key ${key.alg} ${key.kid.slice(0, 8)}`;
  const cert = selfSignedCertificate({ privateKey: key.privateKey, alg: key.alg, commonName, days });
  return {
    kid: key.kid,
    alg: key.alg,
    thumbprint: await calculateJwkThumbprint(key.publicJwk, "sha256"),
    publicPem: createPublicKey(key.privateKey).export({ type: "spki", format: "pem" }) as string,
    publicPemPath: `${base}.public.pem`,
    certificatePem: cert.pem,
    certificatePath: `${base}.cert.pem`,
    certificate: new X509Certificate(cert.der),
    commonName,
  };
}

/** What `keys` prints for one key: kid and alg, thumbprint, the files and the certificate's fingerprints. */
function describeMaterial(m: KeyMaterial): string[] {
  const hex = Buffer.from(m.thumbprint, "base64url").toString("hex");
  const validTo = new Date(m.certificate.validTo).toISOString().replace(/\.000Z$/, "Z");
  return [
    `  kid ${m.kid}  alg ${m.alg}`,
    `    RFC 7638 thumbprint (SHA-256 of the public JWK${m.thumbprint === m.kid ? ", = the kid" : ""}):`,
    `      base64url ${m.thumbprint}`,
    `      hex       ${hex}`,
    `    public key (PEM, SubjectPublicKeyInfo): ${m.publicPemPath}`,
    `    certificate (self-signed X.509, CN=${m.commonName}, valid to ${validTo}): ${m.certificatePath}`,
    `      SHA-256 fingerprint ${m.certificate.fingerprint256}`,
    `      SHA-1 fingerprint   ${m.certificate.fingerprint}`,
  ];
}

/**
 * Makes the keys and writes the JWK Sets and each key's PEM public key and certificate; a directory that
 * cannot be made or written is a UsageError.
 */
export async function writeKeys(args: KeysArgs): Promise<void> {
  const dir = resolve(args.out);
  const privatePath = join(dir, "private.jwks.json");
  const publicPath = join(dir, "public.jwks.json");
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new UsageError(`--out: cannot write the key files to ${dir} (${(err as Error).message})`);
  }
  const generated = await Promise.all(args.algs.map((alg) => generateClientKey(alg)));
  const publicJwks = { keys: generated.map((g) => publicPart(g.privateJwk)) };
  const days = args.certDays ?? DEFAULT_CERT_DAYS;
  const material = await Promise.all(generated.map((g) => keyMaterial(dir, g.key, days)));
  try {
    await writeFile(
      privatePath,
      `${JSON.stringify({ keys: generated.map((g) => g.privateJwk) }, null, 2)}\n`,
      { mode: 0o600 },
    );
    await chmod(privatePath, 0o600);
    await writeFile(publicPath, `${JSON.stringify(publicJwks, null, 2)}\n`);
    for (const m of material) {
      await writeFile(m.publicPemPath, m.publicPem);
      await writeFile(m.certificatePath, m.certificatePem);
    }
  } catch (err) {
    throw new UsageError(`--out: cannot write the key files to ${dir} (${(err as Error).message})`);
  }
  console.log(`Private keys: ${privatePath}  (mode 600; point client.privateJwksPath at it)`);
  console.log(`Public keys:  ${publicPath}\n`);
  console.log(
    "Register this JWK Set with your authorization server (inline), or serve it at the client's JWKS URL:",
  );
  console.log(JSON.stringify(publicJwks, null, 2));
  for (const m of material) console.log(describeMaterial(m).join("\n"));
  console.log(
    "\nFor a server that registers a public key or a certificate per client instead of a JWK Set, upload the" +
      "\n.public.pem or .cert.pem file of each key the client signs with. The suite's assertions carry the kid" +
      "\nin their header; a server that names keys by thumbprint uses the RFC 7638 thumbprint above.",
  );
  const generic = args.algs.filter((a) => !SMART_SIGNING_ALGS.includes(a));
  if (args.profile === undefined && generic.length > 0) {
    console.log(
      `\nNote: ${generic.join(", ")} keys load only with --profile oauth-jwt; the SMART profiles sign with RS384 or ES384.`,
    );
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseKeysArgs(argv);
    if (args === "help") {
      console.log(HELP);
      return 0;
    }
    await writeKeys(args);
    return 0;
  } catch (err) {
    console.error(err instanceof UsageError ? err.message : `keys: ${(err as Error).message}`);
    return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, "keys.ts")) {
  process.exitCode = await main(process.argv.slice(2));
}
