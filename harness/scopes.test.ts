import { expect, test } from "@playwright/test";
import { beyond, covers, searchableType } from "./scopes.ts";

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
