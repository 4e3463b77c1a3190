/**
 * BD-CLI-01..06 and BS-CLI-14: the client as a Bulk Data export client (Bulk Data Access IG 2.0.0,
 * export.html), over the export the judge serves (bulk-export.ts) — the kick-off's Accept and Prefer, status
 * polls that wait as long as Retry-After says and ask for JSON with the token, file downloads with the token
 * when the manifest requires it, and without it on the storage origin when the manifest says none is needed.
 *
 * The export's requests are read off the session itself: kick-offs by the IG's endpoints, status requests by
 * the Content-Location each kick-off was answered with, file requests by the URLs each manifest listed.
 * Renewal during the export and a new assertion per token request are the token-lifetime (BS-CLI-15) and
 * assertion-claims (BS-CLI-08) checks' business: they see the export's requests with the others.
 */
import type { Check } from "../../checks.ts";
import type { ClientChecks, ClientJudgement } from "../client-check.ts";
import type { JudgedSession } from "../judged-session.ts";
import { firstHeader, headerValues, pathOf, type ObservedRequest } from "../session.ts";

/** One export the client started: its kick-off, the status URL it was given, and what it did with both. */
interface ObservedExport {
  readonly kickOff: ObservedRequest;
  readonly statusUrl: string;
  /** GET requests to the status URL, in order. */
  readonly polls: readonly ObservedRequest[];
  /** Every request to the status URL (polls and DELETEs). */
  readonly statusRequests: readonly ObservedRequest[];
  /** The first manifest a poll received. */
  readonly manifest?: { readonly requiresAccessToken: boolean; readonly fileUrls: ReadonlySet<string> };
  /** Requests to the manifest's file URLs. */
  readonly files: readonly ObservedRequest[];
}

interface BulkView {
  /** Every kick-off request, accepted or not. */
  readonly kickOffs: readonly ObservedRequest[];
  /** The kick-offs answered 202 with a Content-Location. */
  readonly exports: readonly ObservedExport[];
}

const KICK_OFF = /^\/(\$export|Patient\/\$export|Group\/[^/]+\/\$export)$/;
const NO_EXPORT = "the client started no Bulk Data export (no $export kick-off)";

/**
 * How much sooner than Retry-After allows a poll may arrive and still be judged to honour it. The judge
 * stamps arrivals in whole milliseconds, and a client's wait starts no earlier than the judge stamped the
 * poll it answers, so the stamping itself costs nothing (floor(t + d) ≥ floor(t) + d for whole d), and the
 * gap is measured from stamp to stamp. What remains is the client's timer, which may fire up to 1 ms early
 * (libuv truncates a timer's start to the millisecond: libuv/libuv#4773), and the judge's wall clock, which
 * NTP may slew by up to 500 ppm (0.5 ms per second waited), rounded up to whole milliseconds.
 */
export function retryAfterToleranceMs(waitMs: number): number {
  return 1 + Math.ceil(waitMs * 0.0005);
}

function absolute(judged: JudgedSession, request: ObservedRequest): string {
  return `${judged.originOf(request)}${pathOf(request)}`;
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function manifestOf(
  request: ObservedRequest,
): { requiresAccessToken: boolean; fileUrls: ReadonlySet<string> } | undefined {
  if (request.method !== "GET" || request.response.status !== 200) return undefined;
  try {
    const body = JSON.parse(request.response.body ?? "") as Record<string, unknown>;
    const items = ["output", "error", "deleted"].flatMap((k) =>
      Array.isArray(body[k]) ? (body[k] as unknown[]) : [],
    );
    const urls = items.flatMap((item) => {
      const url = (item as { url?: unknown } | null)?.url;
      return typeof url === "string" ? [url] : [];
    });
    return { requiresAccessToken: body.requiresAccessToken === true, fileUrls: new Set(urls) };
  } catch {
    return undefined;
  }
}

const views = new WeakMap<JudgedSession, BulkView>();

/** The session's Bulk Data exports (computed once per session). */
function bulkView(judged: JudgedSession): BulkView {
  const cached = views.get(judged);
  if (cached) return cached;
  const kickOffs = judged.fhirRequests.filter((r) =>
    KICK_OFF.test(decodedPath(pathOf(r)).slice(judged.fhirPath.length)),
  );
  const exports = kickOffs.flatMap((kickOff): ObservedExport[] => {
    const statusUrl = firstHeader(kickOff.response.headers, "content-location");
    if (kickOff.response.status !== 202 || statusUrl === undefined) return [];
    const statusRequests = judged.session.requests.filter(
      (r) => r.seq > kickOff.seq && absolute(judged, r) === statusUrl,
    );
    const polls = statusRequests.filter((r) => r.method === "GET");
    const manifest = polls.map(manifestOf).find((m) => m !== undefined);
    const files = manifest
      ? judged.session.requests.filter((r) => manifest.fileUrls.has(absolute(judged, r)))
      : [];
    return [{ kickOff, statusUrl, polls, statusRequests, ...(manifest ? { manifest } : {}), files }];
  });
  const view = { kickOffs, exports };
  views.set(judged, view);
  return view;
}

/** Whether an Accept header admits `type` (a range that covers it, with a q other than 0). */
function accepts(accept: readonly string[], type: string): boolean {
  const [major] = type.split("/");
  return accept
    .flatMap((value) => value.split(","))
    .some((range) => {
      const [media = "", ...params] = range.split(";").map((p) => p.trim().toLowerCase());
      const q = params.find((p) => p.startsWith("q="));
      if (q !== undefined && Number(q.slice(2)) === 0) return false;
      return media === type || media === `${major}/*` || media === "*/*";
    });
}

/** Whether a Prefer header carries the respond-async preference (RFC 7240 §2, §4.1). */
function prefersAsync(prefer: readonly string[]): boolean {
  return prefer
    .flatMap((value) => value.split(","))
    .some((preference) => preference.split(";")[0]?.split("=")[0]?.trim().toLowerCase() === "respond-async");
}

/** The Retry-After of an answer, in milliseconds, when it is delay-seconds (the judge sends no HTTP-date). */
function retryAfterMs(request: ObservedRequest): number | undefined {
  const value = firstHeader(request.response.headers, "retry-after")?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) * 1000 : undefined;
}

function tokenFinding(judged: JudgedSession, r: ObservedRequest): string | undefined {
  if (judged.presentedToken(r)) return undefined;
  const auth = firstHeader(r.headers, "authorization");
  return `${auth ? `sent Authorization ${auth.split(" ")[0] ?? ""} … but no token the judge issued` : "sent no access token"} (HTTP ${r.response.status})`;
}

/** One rule over some of the export's requests; skipped when the client started no export or sent none. */
function over(
  judged: JudgedSession,
  requests: readonly ObservedRequest[],
  none: string,
  check: Check,
): ClientJudgement {
  if (bulkView(judged).kickOffs.length === 0) return { skip: NO_EXPORT };
  if (requests.length === 0) return { skip: none };
  return { attach: requests, checks: [check] };
}

const EXPORT = "Bulk Data export";

export const BULK_DATA_CHECKS = {
  kickOffAccept: {
    title: "asks for application/fhir+json when it kicks off an export",
    ids: ["BD-CLI-01"],
    judge: (judged) =>
      over(judged, bulkView(judged).kickOffs, NO_EXPORT, {
        rule: `${EXPORT} §Bulk Data Kick-off Request (Headers: Accept, SHOULD)`,
        expectation: "an Accept header that allows application/fhir+json",
        evaluate: () =>
          judged.violations(bulkView(judged).kickOffs, (r) => {
            const accept = headerValues(r.headers, "accept");
            return accepts(accept, "application/fhir+json")
              ? undefined
              : `Accept ${accept.length > 0 ? accept.join(", ") : "absent"}`;
          }),
      }),
  },

  kickOffPrefer: {
    title: "asks for an asynchronous answer (Prefer: respond-async) when it kicks off an export",
    ids: ["BD-CLI-02"],
    judge: (judged) =>
      over(judged, bulkView(judged).kickOffs, NO_EXPORT, {
        rule: `${EXPORT} §Bulk Data Kick-off Request (Headers: Prefer, SHOULD)`,
        expectation: "a Prefer header with respond-async",
        evaluate: () =>
          judged.violations(bulkView(judged).kickOffs, (r) => {
            const prefer = headerValues(r.headers, "prefer");
            return prefersAsync(prefer)
              ? undefined
              : `Prefer ${prefer.length > 0 ? prefer.join(", ") : "absent"}`;
          }),
      }),
  },

  retryAfter: {
    title: "polls an export's status no sooner than Retry-After says",
    ids: ["BD-CLI-03"],
    judge: (judged) => {
      const { exports } = bulkView(judged);
      // Each poll that followed an answer with Retry-After, with the wait that answer asked for.
      const waits = exports.flatMap((e) =>
        e.polls.flatMap((poll, i) => {
          const previous = e.polls[i - 1];
          const asked = previous ? retryAfterMs(previous) : undefined;
          return previous && asked !== undefined ? [{ poll, previous, asked }] : [];
        }),
      );
      const polls = exports.flatMap((e) => e.polls);
      return over(judged, polls, "the client never polled the status URL of an export", {
        rule: `${EXPORT} §Bulk Data Status Request (Retry-After, SHOULD)`,
        expectation: "each poll at least the previous answer's Retry-After after it (1 ms + 500 ppm allowed)",
        applies: {
          observed: waits.length > 0,
          event: "a poll after an in-progress answer that carried Retry-After",
        },
        evaluate: () => {
          const early = new Map(
            waits
              .filter((w) => w.poll.atMs - w.previous.atMs < w.asked - retryAfterToleranceMs(w.asked))
              .map((w) => [w.poll, w]),
          );
          return judged.violations([...early.keys()], (r) => {
            const w = early.get(r);
            return w
              ? `came ${r.atMs - w.previous.atMs} ms after request ${w.previous.seq}, whose HTTP ${w.previous.response.status} said Retry-After: ${w.asked / 1000}`
              : undefined;
          });
        },
      });
    },
  },

  statusAccept: {
    title: "asks for application/json when it polls an export's status",
    ids: ["BD-CLI-04"],
    judge: (judged) => {
      const polls = bulkView(judged).exports.flatMap((e) => e.polls);
      return over(judged, polls, "the client never polled the status URL of an export", {
        rule: `${EXPORT} §Bulk Data Status Request (Accept, SHOULD)`,
        expectation: "an Accept header that allows application/json",
        evaluate: () =>
          judged.violations(polls, (r) => {
            const accept = headerValues(r.headers, "accept");
            return accepts(accept, "application/json")
              ? undefined
              : `Accept ${accept.length > 0 ? accept.join(", ") : "absent"}`;
          }),
      });
    },
  },

  statusToken: {
    title: "presents its token to an export's status URL",
    ids: ["BD-CLI-05"],
    judge: (judged) => {
      const requests = bulkView(judged).exports.flatMap((e) => e.statusRequests);
      return over(judged, requests, "the client never requested the status URL of an export", {
        rule: `${EXPORT} §Privacy and Security Considerations (status requests protected as the kick-off)`,
        expectation: "every status poll and DELETE with the access token",
        evaluate: () => judged.violations(requests, (r) => tokenFinding(judged, r)),
      });
    },
  },

  fileToken: {
    title: "presents its token to the files of an export whose manifest requires it",
    ids: ["BD-CLI-06"],
    judge: (judged) => {
      const files = bulkView(judged).exports.flatMap((e) => (e.manifest?.requiresAccessToken ? e.files : []));
      return over(
        judged,
        files,
        "the client downloaded no file of an export whose manifest says requiresAccessToken: true",
        {
          rule: `${EXPORT} §Bulk Data Output File Request (requiresAccessToken true: SHALL include a valid access token)`,
          expectation: "every file request with the access token",
          evaluate: () => judged.violations(files, (r) => tokenFinding(judged, r)),
        },
      );
    },
  },

  storageToken: {
    title: "keeps its token from the file server of an export that needs none",
    ids: ["BS-CLI-14"],
    judge: (judged) => {
      const files = bulkView(judged).exports.flatMap((e) =>
        e.manifest && !e.manifest.requiresAccessToken ? e.files : [],
      );
      const sent = [...new Set([...files, ...judged.storageRequests])].sort((a, b) => a.seq - b.seq);
      const storage = judged.session.judge.storageOrigin ?? "the storage origin";
      return over(
        judged,
        sent,
        "the client downloaded no file of an export whose manifest says requiresAccessToken: false",
        {
          rule: "SMART backend services §access FHIR API (response) / Bulk Data export §requiresAccessToken",
          expectation: `no access token sent to ${storage}, the file server of a manifest with requiresAccessToken: false`,
          evaluate: () =>
            judged.violations(sent, (r) => {
              const token = judged.presentedToken(r);
              if (token) return `sent the token issued in request ${token.seq}`;
              const auth = firstHeader(r.headers, "authorization");
              return auth ? `sent an Authorization header (${auth.split(" ")[0] ?? ""} …)` : undefined;
            }),
        },
      );
    },
  },
} as const satisfies ClientChecks;
