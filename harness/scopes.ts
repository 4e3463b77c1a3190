/**
 * SMART scopes as permission sets, so granted and requested scopes are compared by meaning, not by string
 * (`.rs` ≡ `.r .s`, `.read` ≡ `.rs`, `*` covers every type). Scopes that are not SMART resource scopes
 * are kept as opaque strings and only ever equal themselves.
 */

export type Letter = "c" | "r" | "u" | "d" | "s";
export const LETTERS: readonly Letter[] = ["c", "r", "u", "d", "s"];
const V1: Readonly<Record<string, readonly Letter[]>> = {
  read: ["r", "s"],
  write: ["c", "u", "d"],
  "*": LETTERS,
};

export interface Permission {
  readonly context: string;
  readonly type: string;
  readonly letter: Letter;
  /** A v2 search constraint ("" for none), normalised. */
  readonly query: string;
}

export type ParsedScope =
  | {
      readonly kind: "resource";
      readonly text: string;
      readonly v1: boolean;
      readonly permissions: readonly Permission[];
    }
  | { readonly kind: "other"; readonly text: string };

const RESOURCE = /^(system|user|patient)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/;

export function parseScope(text: string): ParsedScope {
  const m = RESOURCE.exec(text);
  if (!m) return { kind: "other", text };
  const [, context = "", type = "", action = "", rawQuery] = m;
  let letters: readonly Letter[];
  let v1 = false;
  if (action in V1) {
    letters = V1[action] ?? [];
    v1 = true;
  } else {
    const chars = [...action];
    const ordered = LETTERS.filter((l) => chars.includes(l));
    if (chars.length === 0 || ordered.length !== chars.length || ordered.some((l, i) => l !== chars[i]))
      return { kind: "other", text };
    letters = ordered;
  }
  let query = "";
  if (rawQuery !== undefined) {
    const params = new URLSearchParams(rawQuery.slice(1));
    params.sort();
    query = params.toString();
  }
  return {
    kind: "resource",
    text,
    v1,
    permissions: letters.map((letter) => ({ context, type, letter, query })),
  };
}

export function parseScopes(text: string): ParsedScope[] {
  return text.split(" ").filter(Boolean).map(parseScope);
}

/** Whether permission `a` includes everything permission `b` allows. */
function permissionCovers(a: Permission, b: Permission): boolean {
  return (
    a.context === b.context &&
    (a.type === "*" || a.type === b.type) &&
    a.letter === b.letter &&
    (a.query === "" || a.query === b.query)
  );
}

/** Whether the scopes in `have` allow everything `need` asks for. */
export function covers(have: string, need: string): boolean {
  const held = parseScopes(have);
  const permissions = held.flatMap((s) => (s.kind === "resource" ? s.permissions : []));
  const others = new Set(held.filter((s) => s.kind === "other").map((s) => s.text));
  return parseScopes(need).every((s) =>
    s.kind === "other"
      ? others.has(s.text)
      : s.permissions.every((p) => permissions.some((h) => permissionCovers(h, p))),
  );
}

/** The scopes of `granted` not covered by `limit`, e.g. what a grant adds beyond a request. */
export function beyond(granted: string, limit: string): string[] {
  return granted
    .split(" ")
    .filter(Boolean)
    .filter((scope) => !covers(limit, scope));
}

/** Resource types a scope string names for a context (`*` included as is). */
export function resourceTypes(scope: string, context = "system"): string[] {
  return [
    ...new Set(
      parseScopes(scope).flatMap((s) =>
        s.kind === "resource" ? s.permissions.filter((p) => p.context === context).map((p) => p.type) : [],
      ),
    ),
  ];
}

/** A type the scope lets the client search (s), preferring Patient; undefined when none. */
export function searchableType(scope: string): string | undefined {
  const types = parseScopes(scope).flatMap((s) =>
    s.kind === "resource"
      ? s.permissions
          .filter((p) => p.context === "system" && p.letter === "s" && p.query === "")
          .map((p) => p.type)
      : [],
  );
  if (types.includes("*") || types.includes("Patient")) return "Patient";
  return types[0];
}

/** Common FHIR resource types, for choosing one outside a client's pre-authorisation. */
export const COMMON_TYPES = [
  "Patient",
  "Observation",
  "Group",
  "Encounter",
  "Condition",
  "Procedure",
  "MedicationRequest",
  "AllergyIntolerance",
  "Immunization",
  "DiagnosticReport",
];

/** Whether the server registers scopes per client (config `scopeRegistration`). */
export type ScopeRegistration = "per-client" | "none";
/** How the server reads a registration (config `scopeMatching`). */
export type ScopeMatching = "smart" | "exact";

/** What the server has registered for a client, as the config states it: the suite assumes no more. */
export interface Registration {
  /** "none": no per-client registration; the server may grant any system read scope for a type it holds. */
  readonly kind: ScopeRegistration;
  /** The registered scopes as registered (with kind "none": the scopes the suite requests). */
  readonly scope: string;
  /** "exact": only these strings, as written, are expected to be granted (no `.rs` ⇒ `.read`). */
  readonly matching: ScopeMatching;
}

/** Every system read scope: what a server without per-client registration may grant. */
export const ANY_SYSTEM_READ = "system/*.rs";

/**
 * The most any grant to the client may hold, read by meaning: its registered scopes, or every system read
 * scope when the server registers none per client. A grant beyond it exceeds the pre-authorisation.
 */
export function grantLimit(registration: Registration): string {
  return registration.kind === "none" ? ANY_SYSTEM_READ : registration.scope;
}

/**
 * Whether the config lets the suite expect the server to grant all of `scope` to the client: covered by
 * the registration's meaning, or with exact matching, each scope one of the registered strings.
 */
export function expectGrantable(registration: Registration, scope: string): boolean {
  if (registration.matching === "exact") {
    const registered = new Set(registration.scope.split(" ").filter(Boolean));
    return scope
      .split(" ")
      .filter(Boolean)
      .every((s) => registered.has(s));
  }
  return covers(grantLimit(registration), scope);
}

/** Why the suite does not expect `scope` to be granted (for skip reasons). */
export function notGrantableReason(registration: Registration, scope: string): string {
  return registration.matching === "exact"
    ? `the server grants only the registered strings "${registration.scope}" (scopeMatching exact), and "${scope}" is not among them`
    : `the client's registration ("${grantLimit(registration)}") does not cover ${scope}`;
}

/** Whether a scope string names `type` (or `*`) in the system context, whatever its permissions. */
export function namesType(granted: string, type: string): boolean {
  return granted.split(" ").some((s) => s.startsWith(`system/${type}.`) || s.startsWith("system/*."));
}

/**
 * The resource types of `held` a token granted `granted` must not read: those outside the
 * pre-authorisation `limit`, and those the grant gives no read or search permission on — except types it
 * names with undefined permissions (`system/Patient.xyz`) inside the limit, whose meaning is the server's.
 */
export function typesOutsideGrant(granted: string, limit: string, held: readonly string[]): string[] {
  // Read or search on the type, under a search constraint or not (the constraint is judged elsewhere).
  const readable = (scope: string, type: string) =>
    parseScopes(scope).some(
      (s) =>
        s.kind === "resource" &&
        s.permissions.some(
          (p) =>
            p.context === "system" &&
            (p.type === "*" || p.type === type) &&
            (p.letter === "r" || p.letter === "s"),
        ),
    );
  return held.filter(
    (type) => !readable(limit, type) || (!readable(granted, type) && !namesType(granted, type)),
  );
}
