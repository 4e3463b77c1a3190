/** `npx tsx scripts/write-latitude.ts`: writes docs/latitude.md from harness/latitude.ts. */
import { writeFileSync } from "node:fs";
import { latitudeMarkdown } from "../harness/latitude.ts";

writeFileSync("docs/latitude.md", latitudeMarkdown());
console.log("wrote docs/latitude.md");
