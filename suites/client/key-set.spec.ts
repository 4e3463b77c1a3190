// BS-CLI-02/03/04, BS-REG-04: the client's public key set — no private members, a kty and a set-unique kid
// on every key — and, registered by URL, a JWKS URL anyone can read over TLS that says how long to cache it.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { KEY_SET_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

const { privateMembers, kids, ...jwksUrl } = KEY_SET_CHECKS;

test.describe("key set", () => {
  for (const check of [privateMembers, kids]) test(check.title, ...clientCheck(check));

  test.describe("JWKS URL", () => {
    for (const check of Object.values(jwksUrl)) test(check.title, ...clientCheck(check));
  });
});
