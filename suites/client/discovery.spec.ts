// BS-CLI-12: discovery — the client reads .well-known/smart-configuration, asking for JSON, and takes the
// token endpoint from it before its first token request.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { DISCOVERY_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

test.describe("discovery", () => {
  for (const check of Object.values(DISCOVERY_CHECKS)) test(check.title, ...clientCheck(check));
});
