/** `npx tsx scripts/write-profiles.ts`: writes docs/profiles.md (what each profile judges). */
import { writeFileSync } from "node:fs";
import { profilesMarkdown } from "../harness/profile-table.ts";

writeFileSync("docs/profiles.md", await profilesMarkdown());
console.log("wrote docs/profiles.md");
