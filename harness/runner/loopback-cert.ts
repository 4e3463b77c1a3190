/**
 * A throwaway certificate for the embedded target's https: self-signed for 127.0.0.1 and localhost, valid
 * for a day, made with the openssl command line (Node can sign but not build X.509 certificates). The
 * harness trusts it through the generated config's caFile, like a vendor's private CA.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface LoopbackCertificate {
  readonly key: string;
  readonly cert: string;
  readonly keyPath: string;
  readonly certPath: string;
}

/** Undefined when openssl is not available (the embedded target then serves plain http). */
export function makeLoopbackCertificate(dir: string): LoopbackCertificate | undefined {
  const keyPath = join(dir, "tls.key.pem");
  const certPath = join(dir, "tls.cert.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        keyPath,
        "-out",
        certPath,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ],
      { stdio: "ignore" },
    );
  } catch {
    return undefined;
  }
  return { key: readFileSync(keyPath, "utf8"), cert: readFileSync(certPath, "utf8"), keyPath, certPath };
}
