// BS-CLI-05: the signature — made with a key of the registered set (as the kid says), JOSE R‖S encoding for
// ECDSA, RSA keys of at least 2048 bits.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { SIGNATURE_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

test.describe("assertion signature", () => {
  for (const check of Object.values(SIGNATURE_CHECKS)) test(check.title, ...clientCheck(check));
});
