// BS-CLI-11: TLS with certificate validation. Under --tls a search result points at a second origin whose
// certificate comes from a CA the client was not given: no request may reach it.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { TRANSPORT_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

test.describe("transport", () => {
  for (const check of Object.values(TRANSPORT_CHECKS)) test(check.title, ...clientCheck(check));
});
