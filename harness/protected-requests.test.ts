import { expect, test } from "@playwright/test";
import { capabilityStatement } from "../fixtures/reference-server/discovery.ts";
import { parseCapabilityStatement, protectedRequestFor } from "./protected-requests.ts";

const base = "https://fhir.example/fhir";
const readSearch = parseCapabilityStatement(capabilityStatement("https://as.example/token", base));
const bulkOnly = parseCapabilityStatement(
  capabilityStatement("https://as.example/token", base, undefined, "bulk-export"),
);

test("derived from the CapabilityStatement: a search where supported, else a Bulk Data kick-off", () => {
  expect(protectedRequestFor("Patient", undefined, readSearch)).toMatchObject({
    kind: "search",
    path: "Patient?_count=1",
    source: "CapabilityStatement",
  });
  expect(protectedRequestFor("Observation", undefined, bulkOnly)).toMatchObject({
    kind: "export",
    path: "$export?_type=Observation",
    headers: { prefer: "respond-async", accept: "application/fhir+json" },
  });
  // A server that states nothing is asked as most are: a search.
  expect(protectedRequestFor("Patient", undefined, undefined)).toMatchObject({
    kind: "search",
    source: "default",
  });
});

test("the config's requests come first; a read serves its own type only", () => {
  expect(protectedRequestFor("Patient", { search: "Patient?family=x" }, bulkOnly)?.path).toBe(
    "Patient?family=x",
  );
  expect(protectedRequestFor("Group", { search: "Patient?family=x" }, bulkOnly)?.path).toBe("Group?_count=1");
  expect(protectedRequestFor("Patient", { read: "Patient/123" }, readSearch)).toMatchObject({
    kind: "read",
    path: "Patient/123",
  });
  expect(protectedRequestFor("Observation", { read: "Patient/123" }, readSearch)).toBeUndefined();
  expect(
    protectedRequestFor("Group", { export: "Patient/$export?_since=2020-01-01" }, readSearch)?.path,
  ).toBe("Patient/$export?_since=2020-01-01&_type=Group");
});
