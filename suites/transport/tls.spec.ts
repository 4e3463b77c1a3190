import {
  HarnessError,
  responseObject,
  spec,
  test,
  tlsHandshake,
  verify,
  type ConformanceContext,
} from "../../harness/index.ts";

/**
 * The endpoint a test probes: the FHIR base needs no discovery, the token endpoint may. Without a FHIR base
 * (oauth-jwt), the resource server is the config's protectedResource; with neither, the test skips.
 */
async function endpoint(t: ConformanceContext, which: number): Promise<{ name: string; url: string }> {
  if (which === 0) return { name: "the token endpoint", url: await t.tokenUrl() };
  const url = t.config.fhirBaseUrl ?? t.config.protectedResource?.url;
  test.skip(url === undefined, "the config names no fhirBaseUrl or protectedResource");
  return { name: t.config.fhirBaseUrl ? "the FHIR endpoint" : "the protected resource", url: url as string };
}

function httpsOnly(url: string): void {
  test.skip(!url.startsWith("https:"), `${url} is plain http: TLS checks need an https target`);
}

function directOnly(t: ConformanceContext): void {
  // The probes shake hands with the target itself; through a proxy they would judge the proxy's tunnel.
  test.skip(Boolean(t.config.proxy), "a proxy is configured: TLS version probes need a direct connection");
}

test.describe("Transport security", () => {
  for (const which of [0, 1]) {
    test(
      `negotiates TLS 1.2 or newer at ${which === 0 ? "the token endpoint" : "the FHIR endpoint"}`,
      spec(["BS-TLS-01"]),
      async ({ t }) => {
        const { name, url } = await endpoint(t, which);
        httpsOnly(url);
        directOnly(t);
        const outcome = await tlsHandshake(url, { min: "TLSv1.2", max: "TLSv1.3" });
        await verify([
          {
            rule: "SMART backend services §request (TLS 1.2 or higher)",
            expectation: `a TLS 1.2 or 1.3 handshake with ${name}`,
            evaluate: () => (outcome.ok ? undefined : `the handshake failed (${outcome.reason})`),
          },
        ]);
      },
    );

    for (const version of ["TLSv1.1", "TLSv1"] as const) {
      const label = version === "TLSv1" ? "TLS 1.0" : "TLS 1.1";
      test(
        `refuses a ${label} handshake at ${which === 0 ? "the token endpoint" : "the FHIR endpoint"}`,
        spec(["BS-TLS-01"]),
        async ({ t }) => {
          const { name, url } = await endpoint(t, which);
          httpsOnly(url);
          directOnly(t);
          const outcome = await tlsHandshake(url, { min: version, max: version });
          await verify([
            {
              rule: "SMART backend services §request (TLS 1.2 or higher)",
              expectation: `${name} to refuse ${label}`,
              evaluate: () => (outcome.ok ? `${name} completed a ${outcome.protocol} handshake` : undefined),
            },
          ]);
        },
      );
    }
  }

  test("issues no token to a request sent over plain http", spec(["BS-TLS-02"]), async ({ t }) => {
    const tokenUrl = await t.tokenUrl();
    httpsOnly(tokenUrl);
    const plain = new URL(tokenUrl);
    plain.protocol = "http:";
    if (new URL(tokenUrl).port === "") plain.port = "80";
    const client = await t.client();
    let outcome: string | undefined;
    try {
      const ex = await t.http.postForm(plain.toString(), client.tokenRequest(client.assertion()), {
        label: "token request over plain http",
      });
      if (ex.response.status === 200 && typeof responseObject(ex)?.access_token === "string")
        outcome = "an access token was issued over plain http";
    } catch (err) {
      if (!(err instanceof HarnessError)) throw err; // refused, reset or silent: the assertion found no taker
    }
    await verify([
      {
        rule: "RFC 6749 §3.2 (TLS required at the token endpoint)",
        expectation: "no token over plain http",
        evaluate: () => outcome,
      },
    ]);
  });
});
