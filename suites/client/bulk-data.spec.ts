// BD-CLI-01..06, BS-CLI-14: the client as a Bulk Data export client — kick-off headers, status polling that
// honours Retry-After, the token to status URLs and to files that require it, none to a file server that does not.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { BULK_DATA_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

test.describe("bulk data", () => {
  for (const check of Object.values(BULK_DATA_CHECKS)) test(check.title, ...clientCheck(check));
});
