import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { alternateFromEnv, LATITUDE_IDS, latitudeMarkdown } from "./latitude.ts";

test("docs/latitude.md is generated from the latitude table", () => {
  expect(readFileSync("docs/latitude.md", "utf8"), "run npx tsx scripts/write-latitude.ts").toBe(
    latitudeMarkdown(),
  );
});

test("SMART_REFERENCE_ALTERNATE names all points or known ones", () => {
  expect(alternateFromEnv("all")).toEqual(LATITUDE_IDS);
  expect(alternateFromEnv("")).toEqual([]);
  expect(alternateFromEnv(" large-assertion , client-auth-status")).toEqual([
    "large-assertion",
    "client-auth-status",
  ]);
  expect(() => alternateFromEnv("no-such-point")).toThrow(/unknown latitude point\(s\) no-such-point/);
});
