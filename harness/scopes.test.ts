import { expect, test } from "@playwright/test";
import { beyond, covers, expectGrantable, grantLimit, searchableType, typesOutsideGrant } from "./scopes.ts";

test("scopes compare by meaning", () => {
  expect(covers("system/Patient.rs", "system/Patient.r system/Patient.s")).toBe(true);
  expect(covers("system/Patient.read", "system/Patient.rs")).toBe(true);
  expect(covers("system/*.rs", "system/Observation.s")).toBe(true);
  expect(covers("system/Patient.rs", "system/Patient.c")).toBe(false);
  expect(covers("system/Patient.rs", "patient/Patient.rs")).toBe(false);
  expect(covers("system/Observation.rs?category=laboratory", "system/Observation.rs")).toBe(false);
  expect(covers("system/Observation.rs", "system/Observation.rs?category=laboratory")).toBe(true);
  expect(covers("launch", "launch")).toBe(true);
});

test("beyond lists what a grant adds", () => {
  expect(beyond("system/Patient.rs system/Observation.rs", "system/Patient.rs")).toEqual([
    "system/Observation.rs",
  ]);
  expect(beyond("system/Patient.read", "system/Patient.rs")).toEqual([]);
});

test("searchableType prefers Patient", () => {
  expect(searchableType("system/Observation.rs system/Patient.r")).toBe("Observation");
  expect(searchableType("system/*.rs")).toBe("Patient");
  expect(searchableType("system/Patient.c")).toBeUndefined();
});

test("what a registration lets the suite expect: by meaning, exact strings, or no per-client registration", () => {
  const smart = {
    kind: "per-client",
    scope: "system/Patient.rs system/Observation.rs",
    matching: "smart",
  } as const;
  const exact = { ...smart, matching: "exact" } as const;
  const none = { kind: "none", scope: "system/Patient.rs", matching: "smart" } as const;
  expect(expectGrantable(smart, "system/Patient.read")).toBe(true);
  expect(expectGrantable(smart, "system/Patient.r")).toBe(true);
  expect(expectGrantable(smart, "system/*.rs")).toBe(false);
  expect(expectGrantable(exact, "system/Patient.rs")).toBe(true);
  expect(expectGrantable(exact, "system/Patient.read")).toBe(false);
  expect(expectGrantable(exact, "system/Patient.r")).toBe(false);
  expect(expectGrantable(none, "system/Group.read")).toBe(true);
  expect(expectGrantable(none, "system/Group.cruds")).toBe(false);
  expect(grantLimit(none)).toBe("system/*.rs");
  expect(grantLimit(exact)).toBe(exact.scope);
});

test("the types a token must not read: outside its grant or the pre-authorisation", () => {
  const held = ["Patient", "Observation", "Group"];
  const limit = "system/Patient.rs system/Observation.rs";
  expect(typesOutsideGrant("system/Patient.rs", limit, held)).toEqual(["Observation", "Group"]);
  expect(typesOutsideGrant("system/*.rs", limit, held)).toEqual(["Group"]);
  expect(typesOutsideGrant("system/Observation.rs?category=laboratory", limit, held)).toEqual([
    "Patient",
    "Group",
  ]);
  // Undefined permissions: the pre-authorisation bounds the type named, and every other type is outside.
  expect(typesOutsideGrant("system/Patient.xyz", limit, held)).toEqual(["Observation", "Group"]);
  expect(typesOutsideGrant("system/Group.xyz", limit, held)).toEqual(["Patient", "Observation", "Group"]);
});
