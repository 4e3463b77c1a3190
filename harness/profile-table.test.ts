import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { profilesMarkdown } from "./profile-table.ts";
import { budgetMs } from "./runner/budget.ts";

test("docs/profiles.md is generated from the tests and the requirement bases", async () => {
  // One `playwright --list` per profile, in parallel.
  test.setTimeout(budgetMs(60_000));
  expect(readFileSync("docs/profiles.md", "utf8"), "run npx tsx scripts/write-profiles.ts").toBe(
    await profilesMarkdown(),
  );
});
