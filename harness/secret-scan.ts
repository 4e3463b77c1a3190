/**
 * Looks through a reports folder for secrets that must never be there: private key material (PEM private
 * keys, the private members of a JWK), whole signed JWTs (a client assertion keeps its header and payload
 * in a report but loses its signature), and any known secret given by the caller (e.g. the access tokens a
 * target issued during the run). `npm run scan-secrets [folder]` runs it on reports/.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface SecretFinding {
  readonly file: string;
  readonly kind: string;
  /** The offending text, cut short so the finding itself does not repeat the secret. */
  readonly excerpt: string;
}

const PATTERNS: readonly (readonly [string, RegExp])[] = [
  ["PEM private key", /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/g],
  ["private JWK member", /\\?"(?:d|p|q|dp|dq|qi)\\?"\s*:\s*\\?"[A-Za-z0-9_-]{16,}/g],
  ["signed JWT with its signature", /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{16,}/g],
];

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const excerpt = (text: string) => `${text.slice(0, 12)}…`;

export function scanForSecrets(dir: string, known: readonly string[] = []): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const secrets = known.filter((s) => s.length >= 8);
  for (const path of files(dir)) {
    const text = readFileSync(path).toString("latin1"); // byte-preserving for binary files too
    const file = relative(dir, path);
    for (const [kind, pattern] of PATTERNS) {
      for (const match of text.matchAll(pattern)) findings.push({ file, kind, excerpt: excerpt(match[0]) });
    }
    for (const secret of secrets) {
      if (text.includes(secret)) findings.push({ file, kind: "known secret", excerpt: excerpt(secret) });
    }
  }
  return findings;
}
