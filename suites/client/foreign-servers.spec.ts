// BS-CLI-14: the token stays with the server that issued it. The judge's search Bundles carry an entry whose
// fullUrl is on a second origin it also serves; a client may ignore it or read it anonymously, but must not
// send its token there.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { FOREIGN_SERVER_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

test.describe("foreign servers", () => {
  for (const check of Object.values(FOREIGN_SERVER_CHECKS)) test(check.title, ...clientCheck(check));
});
