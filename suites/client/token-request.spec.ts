// BS-CLI-09/10: the token request itself — a form POST, each parameter once, the client_credentials grant
// with a JWT-bearer assertion and nothing else authenticating it, for system/ scopes the client may have.
// Each check is a plain function (harness/client-judge/checks/); here it becomes a test of the report.
import { TOKEN_REQUEST_CHECKS, clientCheck, clientTest as test } from "../../harness/index.ts";

const { tokenRequest, ...eachRequest } = TOKEN_REQUEST_CHECKS;

test.describe("token request", () => {
  test(tokenRequest.title, ...clientCheck(tokenRequest));

  test.describe("each request", () => {
    for (const check of Object.values(eachRequest)) test(check.title, ...clientCheck(check));
  });
});
