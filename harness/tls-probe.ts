/**
 * TLS handshakes with chosen protocol versions, to see which ones a target accepts. Certificates are not
 * judged here (the version is), so the probe does not verify them. Old versions need OpenSSL security
 * level 0 on the client side to be offered at all.
 */
import { isIP } from "node:net";
import { connect, type SecureVersion } from "node:tls";

export type HandshakeOutcome = { ok: true; protocol: string } | { ok: false; reason: string };

export function tlsHandshake(
  url: string,
  versions: { min: SecureVersion; max: SecureVersion },
  timeoutMs = 5_000,
): Promise<HandshakeOutcome> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port: Number(port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      minVersion: versions.min,
      maxVersion: versions.max,
      ciphers: "DEFAULT@SECLEVEL=0",
      rejectUnauthorized: false,
    });
    const finish = (outcome: HandshakeOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => finish({ ok: false, reason: `no handshake within ${timeoutMs} ms` }));
    socket.once("secureConnect", () => finish({ ok: true, protocol: socket.getProtocol() ?? "unknown" }));
    socket.once("error", (err: NodeJS.ErrnoException) =>
      finish({ ok: false, reason: err.code ?? err.message }),
    );
  });
}
