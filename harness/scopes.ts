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
