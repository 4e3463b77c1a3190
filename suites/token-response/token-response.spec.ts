import { header, responseObject, spec, test, verify } from "../../harness/index.ts";

test.describe("Token response", () => {
  test(
    "forbids caching of the token response with Cache-Control no-store",
    spec(["BS-TRESP-07"]),
    async ({ t }) => {
      const client = await t.client();
      const { exchange: ex } = await t.issueToken(client);
      await verify([
        {
          rule: "RFC 6749 §5.1",
          expectation: "Cache-Control containing no-store",
          evaluate: () => {
            const value = header(ex, "cache-control");
            return value !== undefined && /(^|,)\s*no-store\s*(,|$)/i.test(value)
              ? undefined
              : `got ${value === undefined ? "no Cache-Control" : `"${value}"`}`;
          },
        },
      ]);
    },
  );

  test("sends Pragma no-cache with the token response", spec(["BS-TRESP-07"]), async ({ t }) => {
    const client = await t.client();
    const { exchange: ex } = await t.issueToken(client);
    await verify([
      {
        rule: "RFC 6749 §5.1",
        expectation: "Pragma: no-cache",
        evaluate: () => {
          const value = header(ex, "pragma");
          return value !== undefined && /no-cache/i.test(value)
            ? undefined
            : `got ${value === undefined ? "no Pragma" : `"${value}"`}`;
        },
      },
    ]);
  });

  test("states the granted scope in the token response", spec(["BS-TRESP-06"]), async ({ t }) => {
    const client = await t.client();
    const { exchange: ex } = await t.issueToken(client);
    await verify([
      {
        rule: "SMART backend services token response",
        expectation: "a scope member (a string) even when it equals the request",
        evaluate: () => {
          const scope = responseObject(ex)?.scope;
          return typeof scope === "string"
            ? undefined
            : `scope is ${scope === undefined ? "absent" : JSON.stringify(scope)}`;
        },
      },
    ]);
  });
});
