// BS-CLI-15/16: living with the token response — members it does not know are ignored, and once the token
// has expired the client gets a new one (a new assertion) instead of presenting the old one again.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { TOKEN_LIFETIME_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

test.describe("token lifetime", () => {
  for (const check of Object.values(TOKEN_LIFETIME_CHECKS)) test(check.title, ...clientCheck(check));
});
