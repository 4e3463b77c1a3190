/**
 * The client registered by JWKS URL, whose key set the harness serves and changes. These tests share that
 * URL, so they run in order in one worker; each restores the baseline key set (served with Cache-Control:
 * no-store), and the one that allows caching runs last. The first two change nothing: without a
 * jwksUrlClient they run with the main client when it is registered by URL (config client.jwksUrl).
 */
import { generateKeyPairSync } from "node:crypto";
import {
  breakTest,
  clientAuthFailureChecks,
  familyName,
  freshJti,
  generateClientKey,
  HarnessError,
  jwksRoute,
  keySigner,
  publicJwks,
  signedBy,
  spec,
  templateKey,
  test,
  tokenIssuedChecks,
  verify,
  withHeader,
  type Client,
  type ClientKey,
  type ConformanceContext,
  type HostedRoute,
  type SigningAlg,
} from "../../harness/index.ts";

test.describe.configure({ mode: "default" });

/** The algorithm of the fresh keys these tests publish: one the server accepts from this client. */
const freshAlg = (client: Client): SigningAlg => client.key(templateKey(client.keys)?.alg).alg;

async function serve(t: ConformanceContext, route: HostedRoute): Promise<void> {
  await t.holdKeySet("exclusive");
  const { control, path } = t.jwks();
  await control.setRoute(path, route);
}

/** Serves the URL client's baseline keys (plus `extra`), with the given Cache-Control. */
async function serveKeys(
  t: ConformanceContext,
  extra: readonly ClientKey[] = [],
  cacheControl = "no-store",
): Promise<void> {
  const client = await t.urlClient();
  await serve(t, jwksRoute(publicJwks([...client.keys, ...extra]), cacheControl));
}

/**
 * Serves `route`, then sends the token request. A target that answers without fetching the new key set
 * never saw what this test varies, so the test cannot judge it and ends broken, saying whether the target
 * never fetched the URL in this run or answered from its cache; whether that caching is allowed is the
 * judgement of the no-store and max-age tests.
 */
async function withFreshSet<T>(
  t: ConformanceContext,
  route: HostedRoute,
  send: () => Promise<T>,
): Promise<T> {
  await t.holdKeySet("exclusive");
  const { control, path, url } = t.jwks();
  const since = new Date().toISOString();
  await control.setRoute(path, route);
  const result = await send();
  const unfetched = await control.unfetchedChange(path, url, since);
  if (unfetched) breakTest("ERR_TARGET_PREREQUISITE", unfetched);
  return result;
}

/** An assertion of the URL client signed by `key` under its kid. */
async function assertionWith(t: ConformanceContext, key: ClientKey): Promise<string> {
  const client = await t.urlClient();
  return client.assertion(key.alg, withHeader("kid", key.kid), signedBy(keySigner(key.alg, key.privateKey)));
}

test.describe("Client registered by JWKS URL", () => {
  test.afterEach(async ({ t }) => {
    // Only jwksUrlClient's set is ever changed; the main client's (client.jwksUrl) stays as registered.
    if (t.config.jwksUrlClient) await serveKeys(t);
  });

  test(
    "issues an access token to the client registered by JWKS URL",
    spec(["BS-TREQ-01", "BS-KEY-01", "BS-REG-01"]),
    async ({ t }) => {
      const client = await t.urlClient({ keysUnchanged: true });
      await verify(tokenIssuedChecks(await t.requestToken(client, client.assertion())));
    },
  );

  test("honours a jku equal to the client's registered JWKS URL", spec(["BS-JKU-01"]), async ({ t }) => {
    const client = await t.urlClient({ keysUnchanged: true });
    await verify(
      tokenIssuedChecks(
        await t.requestToken(client, client.assertion(undefined, withHeader("jku", t.jwks().url))),
      ),
    );
  });

  test(
    "accepts a key newly published at the JWKS URL under a new kid",
    spec(["BS-ROT-01", "BS-ROT-02"]),
    async ({ t }) => {
      const client = await t.urlClient();
      await serveKeys(t);
      await verify(tokenIssuedChecks(await t.requestToken(client, client.assertion())));
      const { key: added } = await generateClientKey(freshAlg(client));
      await serveKeys(t, [added]);
      await verify(tokenIssuedChecks(await t.requestToken(client, await assertionWith(t, added))));
    },
  );

  test(
    "stops accepting a key removed from a JWKS URL that allows no caching",
    spec(["BS-JWKS-02", "BS-ROT-01", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.urlClient();
      const { key: retired } = await generateClientKey(freshAlg(client));
      await serveKeys(t, [retired]);
      await verify(tokenIssuedChecks(await t.requestToken(client, await assertionWith(t, retired))));
      await serveKeys(t);
      await verify(clientAuthFailureChecks(await t.requestToken(client, await assertionWith(t, retired))));
    },
  );

  const failures: readonly { name: string; route: HostedRoute }[] = [
    { name: "answers 500", route: { status: 500, body: '{"error":"down"}', cacheControl: "no-store" } },
    { name: "serves invalid JSON", route: { body: '{"keys": [', cacheControl: "no-store" } },
    { name: 'serves "keys" that is not an array', route: { body: '{"keys":"x"}', cacheControl: "no-store" } },
    {
      name: "serves an HTML error page",
      route: {
        status: 502,
        body: "<html><body>Bad gateway</body></html>",
        contentType: "text/html",
        cacheControl: "no-store",
      },
    },
  ];
  for (const f of failures) {
    test(
      `fails closed with invalid_client when the JWKS URL ${f.name}`,
      spec(["BS-JWKS-04", "BS-ERR-03", "BS-ERR-07"]),
      async ({ t }) => {
        const client = await t.urlClient();
        const ex = await withFreshSet(t, f.route, () => t.requestToken(client, client.assertion()));
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }

  test(
    "answers invalid_client, not a hang, when the JWKS URL stalls",
    spec(["BS-JWKS-04", "BS-ERR-07"], {
      slow: true,
      smartOnly:
        "an answer in time despite a stalled JWKS URL is SMART's rule; RFC 7523 §3 item 9 asks only that an assertion whose key cannot be had is refused",
    }),
    async ({ t }) => {
      const client = await t.urlClient();
      const { path } = t.jwks();
      const stalled = { ...jwksRoute(publicJwks(client.keys)), delayMs: 2 * t.config.requestTimeoutMs };
      const outcome = await withFreshSet(t, stalled, async () => {
        try {
          return await t.requestToken(client, client.assertion());
        } catch (err) {
          if (!(err instanceof HarnessError) || err.code !== "ERR_TARGET_TIMEOUT") throw err;
          return `no answer within ${t.config.requestTimeoutMs} ms while ${path} stalled`;
        }
      });
      if (typeof outcome === "string") {
        const problem = outcome;
        await verify([
          {
            rule: "SMART client-confidential-asymmetric §response",
            expectation: "an answer (invalid_client) despite the stalled JWKS URL",
            evaluate: () => problem,
          },
        ]);
      } else {
        await verify(clientAuthFailureChecks(outcome));
      }
    },
  );

  test(
    "rejects an assertion whose kid matches two keys of the JWK Set",
    spec(["BS-KEY-02", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.urlClient();
      const { key: a } = await generateClientKey(freshAlg(client));
      const { key: b } = await generateClientKey(freshAlg(client));
      const kid = `duplicate-${a.kid.slice(0, 8)}`;
      const assertion = await assertionWith(t, { ...a, kid });
      const route = jwksRoute({
        keys: [...client.keys.map((k) => k.publicJwk), { ...a.publicJwk, kid }, { ...b.publicJwk, kid }],
      });
      await verify(
        clientAuthFailureChecks(await withFreshSet(t, route, () => t.requestToken(client, assertion))),
      );
    },
  );

  // SMART: ES384 verified by a P-256 key; oauth-jwt: each EC algorithm of the client by a key on another curve.
  const ec = familyName("EC");
  test(
    ec === "ES384"
      ? "rejects an ES384 assertion verified by a P-256 key"
      : `rejects an ${ec} assertion verified by a key on another curve`,
    spec(["BS-ALG-07", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.urlClient();
      const [own] = client.keysOf("EC", "the curve mismatch needs an ECDSA algorithm");
      const { privateKey, publicKey } = generateKeyPairSync("ec", {
        namedCurve: own.alg === "ES256" ? "P-384" : "P-256",
      });
      const kid = `p256-${freshJti().slice(0, 12)}`;
      const route = jwksRoute({
        keys: [
          ...client.keys.map((k) => k.publicJwk),
          { ...publicKey.export({ format: "jwk" }), kid, use: "sig" },
        ],
      });
      const assertion = client.assertion(
        own.alg,
        withHeader("kid", kid),
        signedBy(keySigner(own.alg, privateKey)),
      );
      await verify(
        clientAuthFailureChecks(await withFreshSet(t, route, () => t.requestToken(client, assertion))),
      );
    },
  );

  test(
    `rejects an ${familyName("RSA")} assertion verified by an RSA key of 1024 bits`,
    spec(["BS-REG-06", "BS-ERR-03"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.urlClient();
      // PS512 cannot be made with 1024 bits (RFC 8017 §9.1.1: hash and salt of 64 bytes do not fit).
      const own = client.keysOf("RSA", "the weak key is an RSA key").find((k) => k.alg !== "PS512");
      test.skip(own === undefined, "does not apply: PS512 cannot be made with an RSA key of 1024 bits");
      const alg = (own as ClientKey).alg;
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
      const kid = `rsa1024-${freshJti().slice(0, 12)}`;
      const route = jwksRoute({
        keys: [
          ...client.keys.map((k) => k.publicJwk),
          { ...publicKey.export({ format: "jwk" }), kid, alg, use: "sig" },
        ],
      });
      const assertion = client.assertion(alg, withHeader("kid", kid), signedBy(keySigner(alg, privateKey)));
      await verify(
        clientAuthFailureChecks(await withFreshSet(t, route, () => t.requestToken(client, assertion))),
      );
    },
  );

  test(
    "rejects an assertion whose only matching key is marked for encryption",
    spec(["BS-ALG-10", "BS-ERR-03"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.urlClient();
      const { key } = await generateClientKey(freshAlg(client));
      const route = jwksRoute({
        keys: [...client.keys.map((k) => k.publicJwk), { ...key.publicJwk, use: "enc" }],
      });
      const assertion = await assertionWith(t, key);
      await verify(
        clientAuthFailureChecks(await withFreshSet(t, route, () => t.requestToken(client, assertion))),
      );
    },
  );

  test(
    "ignores keys it cannot use and verifies with the usable one",
    spec(["BS-REG-05", "BS-TREQ-01"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.urlClient();
      const route = jwksRoute({
        keys: [
          { kty: "XYZ", kid: "junk" },
          { kty: "RSA", kid: "half" },
          ...client.keys.map((k) => k.publicJwk),
        ],
      });
      await verify(
        tokenIssuedChecks(await withFreshSet(t, route, () => t.requestToken(client, client.assertion()))),
      );
    },
  );

  test("fetches the JWKS at most once while its max-age lasts", spec(["BS-JWKS-03"]), async ({ t }) => {
    const client = await t.urlClient();
    const { control, path } = t.jwks();
    await serveKeys(t, [], "max-age=300");
    const since = new Date().toISOString();
    for (let i = 0; i < 3; i++)
      await verify(tokenIssuedChecks(await t.requestToken(client, client.assertion())));
    const fetches = await control.fetchesOf(path, since);
    await verify([
      {
        rule: "SMART client-confidential-asymmetric §response (cache per Cache-Control)",
        expectation: "at most one JWKS fetch for three token requests within max-age=300",
        evaluate: () => (fetches.length <= 1 ? undefined : `${fetches.length} fetches`),
      },
    ]);
  });
});
