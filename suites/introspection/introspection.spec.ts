import {
  breakTest,
  covers,
  responseObject,
  spec,
  test,
  verify,
  type ConformanceContext,
  type Exchange,
} from "../../harness/index.ts";

/** The advertised introspection endpoint, or skip. */
async function endpoint(t: ConformanceContext): Promise<string> {
  const url = (await t.target.discovery()).introspection_endpoint;
  test.skip(typeof url !== "string", "no introspection_endpoint is advertised");
  return url as string;
}

function introspect(
  t: ConformanceContext,
  url: string,
  bearer: string,
  token: string,
  label: string,
): Promise<Exchange> {
  return t.http.postForm(url, [["token", token]], { headers: { authorization: `Bearer ${bearer}` }, label });
}

test.describe("Token introspection", () => {
  test(
    "accepts a backend-services bearer token to authorise introspection",
    spec(["BS-INT-03"]),
    async ({ t }) => {
      const url = await endpoint(t);
      const client = await t.client();
      const token = await t.obtainToken(client);
      const ex = await introspect(t, url, token, token, "introspect with a bearer token");
      await verify([
        {
          rule: "SMART token introspection §authorization",
          expectation: "HTTP 200",
          evaluate: () => (ex.response.status === 200 ? undefined : `got HTTP ${ex.response.status}`),
        },
      ]);
    },
  );

  test(
    "introspects a live token as active with its scope, client_id and exp",
    spec(["BS-INT-02"]),
    async ({ t }) => {
      const url = await endpoint(t);
      const client = await t.client();
      const issuedAt = Math.floor(Date.now() / 1000);
      const { exchange, token } = await t.issueToken(client);
      const grant = responseObject(exchange) ?? {};
      const ex = await introspect(t, url, token, token, "introspect a live token");
      if (ex.response.status !== 200)
        breakTest("ERR_TARGET_PREREQUISITE", `introspection answered HTTP ${ex.response.status}`);
      const body = responseObject(ex) ?? {};
      const expected = issuedAt + Number(grant.expires_in);
      // No scope member: the grant is the request (RFC 6749 §5.1); BS-TRESP-06 judges the omission.
      const granted = typeof grant.scope === "string" ? grant.scope : client.scope;
      await verify([
        {
          rule: "RFC 7662 §2.2",
          expectation: "active: true",
          evaluate: () => (body.active === true ? undefined : `active is ${JSON.stringify(body.active)}`),
        },
        {
          rule: "SMART token introspection §required fields",
          expectation: `scope equal to the grant ("${granted}")`,
          evaluate: () =>
            typeof body.scope === "string" && covers(body.scope, granted) && covers(granted, body.scope)
              ? undefined
              : `scope is ${JSON.stringify(body.scope) ?? "absent"}`,
        },
        {
          rule: "SMART token introspection §required fields",
          expectation: `client_id "${client.clientId}"`,
          evaluate: () =>
            body.client_id === client.clientId ? undefined : `client_id is ${JSON.stringify(body.client_id)}`,
        },
        {
          rule: "SMART token introspection §required fields",
          expectation: "exp within 60 s of issue time + expires_in",
          evaluate: () =>
            typeof body.exp === "number" && Math.abs(body.exp - expected) <= 60
              ? undefined
              : `exp is ${JSON.stringify(body.exp)}, expected about ${expected}`,
        },
      ]);
    },
  );

  test(
    "introspects unknown and expired tokens as inactive",
    spec(["BS-INT-04"], { slow: true }),
    async ({ t }) => {
      const url = await endpoint(t);
      const client = await t.client();
      const { exchange, token: old } = await t.issueToken(client);
      const lifetime = Number(responseObject(exchange)?.expires_in);
      test.skip(
        !(lifetime <= 10 || (process.env.SMART_SLOW_TESTS === "1" && lifetime <= 600)),
        `tokens live ${lifetime} s; set SMART_SLOW_TESTS=1 to wait up to 600 s`,
      );
      test.setTimeout((lifetime + 30) * 1000);
      await new Promise((resolve) => setTimeout(resolve, (lifetime + 2) * 1000));
      const bearer = await t.obtainToken(client);
      const unknown = await introspect(
        t,
        url,
        bearer,
        "bm90LWEtdG9rZW4tdGhhdC1leGlzdHM",
        "introspect an unknown token",
      );
      const expired = await introspect(t, url, bearer, old, "introspect an expired token");
      const inactive = (ex: Exchange, what: string) => ({
        rule: "RFC 7662 §2.2",
        expectation: `${what}: HTTP 200 with active false`,
        evaluate: () =>
          ex.response.status === 200 && responseObject(ex)?.active === false
            ? undefined
            : `got HTTP ${ex.response.status}, active ${JSON.stringify(responseObject(ex)?.active)}`,
      });
      await verify([inactive(unknown, "an unknown token"), inactive(expired, "an expired token")]);
    },
  );
});
