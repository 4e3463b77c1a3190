// BS-CLI-13: presenting the token — only in an Authorization: Bearer header, never in the query or the body,
// never by two methods at once (RFC 6750 §2).
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { TOKEN_USE_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

test.describe("token use", () => {
  for (const check of Object.values(TOKEN_USE_CHECKS)) test(check.title, ...clientCheck(check));
});
