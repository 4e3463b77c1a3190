import {
  clientAuthFailureChecks,
  freshJti,
  generateClientKey,
  JKU_VARIATIONS,
  jwksRoute,
  keySigner,
  publicJwks,
  signedBy,
  spec,
  templateKey,
  test,
  variationChecks,
  variationSpec,
  verify,
  withHeader,
  type Client,
  type ConformanceContext,
} from "../../harness/index.ts";

/**
 * Serves an attacker's JWK Set (a fresh key under the client's own kid) at a path of the harness's JWKS
 * host, and returns an assertion for `client` signed with it, naming that URL in jku.
 */
async function attackerAssertion(
  t: ConformanceContext,
  client: Client,
): Promise<{ assertion: string; url: string; path: string; since: string }> {
  const { control } = t.jwks();
  const genuine = client.key(templateKey(client.keys)?.alg);
  const { key: attacker } = await generateClientKey(genuine.alg);
  const path = `/attacker/${freshJti()}.json`;
  await control.setRoute(
    path,
    jwksRoute(publicJwks([{ ...attacker, publicJwk: { ...attacker.publicJwk, kid: genuine.kid } }])),
  );
  const url = `${control.origin}${path}`;
  const since = new Date().toISOString();
  const assertion = client.assertion(
    genuine.alg,
    withHeader("jku", url),
    signedBy(keySigner(genuine.alg, attacker.privateKey)),
  );
  return { assertion, url, path, since };
}

test.describe("jku header", () => {
  test(
    "rejects an assertion whose jku is not the client's registered JWKS URL",
    spec(["BS-JKU-02", "BS-ERR-03"]),
    async ({ t }) => {
      const client = await t.urlClient({ keysUnchanged: true });
      const { assertion } = await attackerAssertion(t, client);
      await verify(clientAuthFailureChecks(await t.requestToken(client, assertion)));
    },
  );

  test(
    "does not fetch a jku that is not the client's registered JWKS URL",
    spec(["BS-JKU-02"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.urlClient({ keysUnchanged: true });
      const { assertion, path, since } = await attackerAssertion(t, client);
      await t.requestToken(client, assertion);
      const fetches = await t.jwks().control.fetchesOf(path, since);
      await verify([
        {
          rule: "RFC 8725 §3.10 (SMART: only an allow-listed jku is dereferenced)",
          expectation: "no request to the unregistered jku URL",
          evaluate: () =>
            fetches.length === 0
              ? undefined
              : `the server fetched it ${fetches.length} time(s) (server-side request forgery)`,
        },
      ]);
    },
  );

  // The variation (harness/assertion-variations.ts) is the one the app-launch suite sends at the code exchange.
  for (const v of JKU_VARIATIONS) {
    test(v.title, variationSpec(v), async ({ t }) => {
      await verify(await variationChecks(v, t));
    });
  }

  for (const [name, alter] of [
    ["with a trailing slash", (u: string) => `${u}/`],
    ["with a query string", (u: string) => `${u}?v=2`],
  ] as const) {
    test(
      `rejects a jku that is the registered JWKS URL ${name}`,
      spec(["BS-JKU-04", "BS-ERR-03"], { level: "SHOULD" }),
      async ({ t }) => {
        const client = await t.urlClient({ keysUnchanged: true });
        const ex = await t.requestToken(
          client,
          client.assertion(undefined, withHeader("jku", alter(t.jwks().url))),
        );
        await verify(clientAuthFailureChecks(ex));
      },
    );
  }
});
