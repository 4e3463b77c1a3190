// BS-CLI-05/06: the assertion's JOSE header — an algorithm the judge accepts (RS384 or ES384; under the
// oauth-jwt profile RS/PS/ES 256–512 or EdDSA), the kid of a registered key, typ JWT, and a jku only when it
// is the registered JWKS URL.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { ASSERTION_HEADER_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

test.describe("assertion header", () => {
  for (const check of Object.values(ASSERTION_HEADER_CHECKS)) test(check.title, ...clientCheck(check));
});
