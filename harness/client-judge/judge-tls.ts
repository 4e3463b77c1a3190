/**
 * The judge's https (`--tls`): a CA made for the run, whose certificate the client is given (SMART_CA_FILE,
 * NODE_EXTRA_CA_CERTS), issues the judge's own server certificate; a second CA, which the client is not
 * given, issues the foreign origin's, so a client that validates certificates (BS-CLI-11) refuses that
 * origin. The private keys live in memory only and go with the judge; the CA certificate the client reads
 * is written to a private temporary directory that close() removes. Each origin's server also keeps the TLS
 * connections the client gave up on: a handshake it aborted (Node's tlsClientError on the server, e.g.
 * ECONNRESET or an "unknown ca" alert) or a completed one it closed without sending a request.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TLSSocket } from "node:tls";
import { certificateAuthority, serverCertificate, type ServerCredentials } from "../x509.ts";
import type { AbortedHandshake } from "./session.ts";

/** The hosts the judge's certificates name: it listens on 127.0.0.1; localhost reaches it too. */
const HOSTS = ["127.0.0.1", "localhost"] as const;

export interface JudgeTls {
  /** Path of the PEM of the CA the client is given (in a private temporary directory). */
  readonly caFile: string;
  /** The same CA certificate, PEM (for an in-process client's dispatcher). */
  readonly caPem: string;
  /** The common names of the CA the client is given and of the one it is not. */
  readonly trustedCa: string;
  readonly untrustedCa: string;
  /** The judge's own origin: a certificate from the CA in caFile. */
  readonly judge: ServerCredentials;
  /** The foreign origin: a certificate from the CA the client is not given. */
  readonly foreign: ServerCredentials;
  /** Removes the temporary directory. */
  readonly dispose: () => void;
}

/**
 * Makes the run's certificates (ECDSA P-256, valid a day; a few milliseconds) and writes the trusted CA's
 * certificate, the only file, to a fresh private directory.
 *
 * @example
 * const tls = makeJudgeTls();
 * const server = httpsServer(tls.judge, handler, { origin: "judge", sinceMs: Date.now(), keep });
 * // the client trusts it through tls.caFile
 * tls.dispose();
 */
export function makeJudgeTls(): JudgeTls {
  const run = new Date().toISOString();
  const trusted = certificateAuthority(`smart-conformance client judge CA ${run}`);
  const untrusted = certificateAuthority(`smart-conformance untrusted CA ${run}`);
  const dir = mkdtempSync(join(tmpdir(), "smart-judge-tls-"));
  const caFile = join(dir, "judge-ca.pem");
  writeFileSync(caFile, trusted.pem, { mode: 0o600 });
  return {
    caFile,
    caPem: trusted.pem,
    trustedCa: trusted.commonName,
    untrustedCa: untrusted.commonName,
    judge: serverCertificate(trusted, HOSTS),
    foreign: serverCertificate(untrusted, HOSTS),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The file to hand the command as NODE_EXTRA_CA_CERTS: the run's CA, after the CAs of the user's own
 * NODE_EXTRA_CA_CERTS when one is set (Node reads a single such file, so --tls must not drop theirs). It is
 * written beside caFile, so the judge's close() removes it too. A user file that cannot be read is left out,
 * as Node itself leaves it out (with a warning).
 *
 * @example
 * env.NODE_EXTRA_CA_CERTS = nodeExtraCaCerts(tls.caFile, process.env.NODE_EXTRA_CA_CERTS);
 */
export function nodeExtraCaCerts(caFile: string, userFile: string | undefined): string {
  if (!userFile) return caFile;
  let theirs: string;
  try {
    theirs = readFileSync(userFile, "utf8");
  } catch {
    return caFile;
  }
  const merged = join(dirname(caFile), "node-extra-ca-certs.pem");
  writeFileSync(merged, `${theirs.trimEnd()}\n${readFileSync(caFile, "utf8")}`, { mode: 0o600 });
  return merged;
}

/** Per https server: how many of its TLS connections are neither refused, nor used, nor closed yet. */
const undecided = new WeakMap<NetServer, () => number>();

/**
 * Resolves once every TLS connection to these servers has ended its handshake and either carried a request
 * or closed (at most `limitMs`; a plain http server has none): a client that has just exited or given up leaves its last refusal a
 * moment behind it, and the session must not be taken before it arrives.
 *
 * @example await settleHandshakes([front, foreign]); const session = judge.session();
 */
export async function settleHandshakes(servers: readonly NetServer[], limitMs = 1_000): Promise<void> {
  const until = Date.now() + limitMs;
  const open = () => servers.reduce((n, s) => n + (undecided.get(s)?.() ?? 0), 0);
  while (open() > 0 && Date.now() < until) await new Promise((done) => setTimeout(done, 5));
}

/** Where an https server's aborted handshakes go. */
export interface HandshakeWatch {
  readonly origin: AbortedHandshake["origin"];
  /** Date.now() when the session started (atMs counts from it). */
  readonly sinceMs: number;
  readonly keep: (handshake: AbortedHandshake) => void;
}

/**
 * An https server for one of the judge's origins that also keeps the TLS connections the client gave up
 * on: handshakes that failed, and completed handshakes closed without a single request.
 */
export function httpsServer(
  credentials: ServerCredentials,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  watch: HandshakeWatch,
): Server {
  const { origin, sinceMs, keep } = watch;
  const server = createServer(credentials, handler);
  // Every connection ends its handshake in tlsClientError or secureConnection; a secure one is decided by
  // its first request or its close. settleHandshakes() waits for the undecided ones.
  let connections = 0;
  let decided = 0;
  undecided.set(server, () => connections - decided);
  server.on("connection", () => connections++);
  const used = new WeakSet<object>();
  server.on("request", (req: IncomingMessage) => {
    if (used.has(req.socket)) return;
    used.add(req.socket);
    decided++;
  });
  server.on("tlsClientError", (err: NodeJS.ErrnoException) => {
    decided++;
    keep({
      atMs: Date.now() - sinceMs,
      origin,
      stage: "handshake",
      ...(err.code ? { code: err.code } : {}),
      message: err.message,
    });
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    const atMs = Date.now() - sinceMs;
    const protocol = socket.getProtocol() ?? undefined;
    socket.once("close", () => {
      if (used.has(socket)) return;
      decided++;
      keep({
        atMs,
        origin,
        stage: "no-request",
        ...(protocol ? { protocol } : {}),
        message: "the handshake completed, then the client closed the connection without a request",
      });
    });
  });
  return server;
}
