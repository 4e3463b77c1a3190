// BS-CLI-07/08: the assertion's claims — iss = sub = the client id, aud exactly the token URL, an integer exp
// at most five minutes ahead, a jti — and a new assertion with a new jti for every token request.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { ASSERTION_CLAIM_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

test.describe("assertion claims", () => {
  for (const check of Object.values(ASSERTION_CLAIM_CHECKS)) test(check.title, ...clientCheck(check));
});
