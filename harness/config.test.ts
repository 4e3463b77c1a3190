import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "@playwright/test";
import { loadTargetConfig, parseTargetConfig } from "./config.ts";
import { generateClientKey, publicPart } from "./keys.ts";

let dir = "";

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "config-test-"));
  const rs = await generateClientKey("RS384");
  const es = await generateClientKey("ES384");
  await writeFile(join(dir, "private.jwks.json"), JSON.stringify({ keys: [rs.privateJwk, es.privateJwk] }));
  await writeFile(join(dir, "public.jwks.json"), JSON.stringify({ keys: [publicPart(rs.privateJwk)] }));
  const { kid: _kid, ...noKid } = es.privateJwk;
  await writeFile(join(dir, "nokid.jwks.json"), JSON.stringify({ keys: [noKid] }));
  await writeFile(
    join(dir, "badalg.jwks.json"),
    JSON.stringify({ keys: [{ ...es.privateJwk, alg: "RS384" }] }),
  );
  const { alg: _alg, ...noAlg } = rs.privateJwk;
  await writeFile(join(dir, "noalg.jwks.json"), JSON.stringify({ keys: [noAlg] }));
  await writeFile(join(dir, "empty.jwks.json"), JSON.stringify({ keys: [] }));
  await writeFile(join(dir, "not-a-cert.pem"), "hello");
  await writeFile(join(dir, "not-json.jwks.json"), "{");
});

const valid = {
  fhirBaseUrl: "http://127.0.0.1:9700/fhir/",
  client: { clientId: "c1", privateJwksPath: "private.jwks.json", scope: "system/Patient.rs" },
};

async function load(config: unknown): Promise<unknown> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, typeof config === "string" ? config : JSON.stringify(config));
  return loadTargetConfig(path);
}

test("without registration fields the registration is the requested scope, read by SMART meaning", async () => {
  const config = (await load(valid)) as Awaited<ReturnType<typeof loadTargetConfig>>;
  expect(config.client.registration).toEqual({
    kind: "per-client",
    scope: "system/Patient.rs",
    matching: "smart",
  });
  expect(config.protectedRequests).toBeUndefined();
  const stated = (await load({
    ...valid,
    scopeMatching: "exact",
    client: { ...valid.client, registeredScope: "system/Patient.rs system/Observation.rs" },
    protectedRequests: { export: "$export" },
  })) as Awaited<ReturnType<typeof loadTargetConfig>>;
  expect(stated.client.registration).toEqual({
    kind: "per-client",
    scope: "system/Patient.rs system/Observation.rs",
    matching: "exact",
  });
  expect(stated.protectedRequests).toEqual({ export: "$export" });
});

test("issuer and acceptedAlgorithms load as written; an empty algorithm list or a relative issuer is refused", async () => {
  const config = (await load({
    ...valid,
    issuer: "https://as.example/tenant",
    acceptedAlgorithms: ["PS256", "RS256"],
  })) as Awaited<ReturnType<typeof loadTargetConfig>>;
  expect(config.issuer).toBe("https://as.example/tenant");
  expect(config.acceptedAlgorithms).toEqual(["PS256", "RS256"]);
  await expect(load({ ...valid, acceptedAlgorithms: [] })).rejects.toThrow(/acceptedAlgorithms: /);
  await expect(load({ ...valid, issuer: "/tenant" })).rejects.toThrow(/issuer: /);
});

/** Runs `work` with SMART_PROFILE set to `profile` (unset when undefined), restoring it afterwards. */
async function underProfile<T>(profile: string | undefined, work: () => Promise<T>): Promise<T> {
  const previous = process.env.SMART_PROFILE;
  if (profile === undefined) delete process.env.SMART_PROFILE;
  else process.env.SMART_PROFILE = profile;
  try {
    return await work();
  } finally {
    if (previous === undefined) delete process.env.SMART_PROFILE;
    else process.env.SMART_PROFILE = previous;
  }
}

test("a protectedResource loads with GET as its default method; an Authorization header or a relative URL is refused", async () => {
  const config = (await load({
    ...valid,
    protectedResource: { url: "https://api.example/v1/reports?since=2024" },
  })) as Awaited<ReturnType<typeof loadTargetConfig>>;
  expect(config.protectedResource).toEqual({
    url: "https://api.example/v1/reports?since=2024",
    method: "GET",
  });
  const post = (await load({
    ...valid,
    protectedResource: {
      url: "https://api.example/v1/reports",
      method: "POST",
      body: "{}",
      contentType: "application/json",
      headers: { prefer: "respond-async" },
    },
  })) as Awaited<ReturnType<typeof loadTargetConfig>>;
  expect(post.protectedResource).toEqual({
    url: "https://api.example/v1/reports",
    method: "POST",
    body: "{}",
    contentType: "application/json",
    headers: { prefer: "respond-async" },
  });
  await expect(
    load({
      ...valid,
      protectedResource: { url: "https://api.example/x", headers: { Authorization: "Bearer x" } },
    }),
  ).rejects.toThrow(/protectedResource\.headers\.Authorization: is not allowed/);
  await expect(load({ ...valid, protectedResource: { url: "/v1/reports" } })).rejects.toThrow(
    /protectedResource\.url: must be an absolute http\(s\) URL/,
  );
  await expect(
    load({ ...valid, protectedResource: { url: "https://api.example/x", method: "get" } }),
  ).rejects.toThrow(/protectedResource\.method: must be an HTTP method in capitals/);
});

test("fhirBaseUrl may be left out only under oauth-jwt, given tokenEndpoint or issuer; the target is then named by it", async () => {
  const { fhirBaseUrl: _base, ...noBase } = valid;
  const tokenOnly = { ...noBase, tokenEndpoint: "https://as.example/api/token" };
  await underProfile(undefined, async () => {
    await expect(load(tokenOnly)).rejects.toThrow(
      /fhirBaseUrl: is required \(profile smart-v2\); only --profile oauth-jwt runs without a FHIR server/,
    );
  });
  await underProfile("oauth-jwt", async () => {
    const config = (await load(tokenOnly)) as Awaited<ReturnType<typeof loadTargetConfig>>;
    expect(config.fhirBaseUrl).toBeUndefined();
    expect(config.name).toBe("https://as.example/api/token");
    const byIssuer = (await load({ ...noBase, issuer: "https://as.example" })) as Awaited<
      ReturnType<typeof loadTargetConfig>
    >;
    expect(byIssuer.name).toBe("https://as.example");
    await expect(load(noBase)).rejects.toThrow(
      /fhirBaseUrl: is required unless tokenEndpoint or issuer is given \(profile oauth-jwt\)/,
    );
  });
});

test("the assertion rules default to SMART's; what the config states is kept, and marked as stated", async () => {
  type Loaded = Awaited<ReturnType<typeof loadTargetConfig>>;
  const defaults = (await load(valid)) as Loaded;
  expect(defaults.assertion).toEqual({
    aud: "token-endpoint",
    clientIdParameter: false,
    lifetimeSeconds: 240,
    maxLifetimeSeconds: 300,
    replayProtection: true,
    stated: [],
  });
  expect(defaults.client.unregisteredScope).toBeUndefined();
  const stated = (await load({
    ...valid,
    issuer: "https://as.example",
    client: { ...valid.client, unregisteredScope: "system/Group.rs" },
    assertion: {
      aud: "issuer",
      clientIdParameter: true,
      lifetimeSeconds: 60,
      maxLifetimeSeconds: 90,
      replayProtection: false,
    },
  })) as Loaded;
  expect(stated.assertion).toEqual({
    aud: "issuer",
    clientIdParameter: true,
    lifetimeSeconds: 60,
    maxLifetimeSeconds: 90,
    replayProtection: false,
    stated: ["aud", "clientIdParameter", "lifetimeSeconds", "maxLifetimeSeconds", "replayProtection"],
  });
  expect(stated.client.unregisteredScope).toBe("system/Group.rs");
  // An exact aud, and "issuer" with only a tokenEndpoint (its metadata names the issuer).
  const exact = (await load({ ...valid, assertion: { aud: "https://as.example/oauth2" } })) as Loaded;
  expect(exact.assertion.aud).toBe("https://as.example/oauth2");
  expect(exact.assertion.stated).toEqual(["aud"]);
  const fromMetadata = (await load({
    ...valid,
    tokenEndpoint: "https://as.example/token",
    assertion: { aud: "issuer" },
  })) as Loaded;
  expect(fromMetadata.assertion.aud).toBe("issuer");
});

for (const example of ["target.example.json", "target.bulk-remote.example.json"]) {
  test(`the example config ${example} follows the schema`, () => {
    const path = join("fixtures", "examples", example);
    expect(() => parseTargetConfig(JSON.parse(readFileSync(path, "utf8")), path)).not.toThrow();
  });
}

test("a valid config loads, paths resolve against its folder and the base URL loses its slash", async () => {
  const config = (await load(valid)) as Awaited<ReturnType<typeof loadTargetConfig>>;
  expect(config.fhirBaseUrl).toBe("http://127.0.0.1:9700/fhir");
  expect(config.client.keys.map((k) => k.alg)).toEqual(["RS384", "ES384"]);
  expect(config.requestTimeoutMs).toBe(10_000);
});

test("the JWKS URL is served at its own loopback address, or at listen when the URL advertised is elsewhere", async () => {
  type Loaded = Awaited<ReturnType<typeof loadTargetConfig>>;
  const urlClient = (jwksUrl: string, listen?: string) =>
    load({
      ...valid,
      jwksUrlClient: { clientId: "c2", jwksUrl, scope: "system/*.rs", ...(listen ? { listen } : {}) },
    });
  const listenOf = async (jwksUrl: string, listen?: string) =>
    ((await urlClient(jwksUrl, listen)) as Loaded).jwksUrlClient?.listen;
  expect(await listenOf("http://127.0.0.1:9556/jwks.json")).toEqual({ host: "127.0.0.1", port: 9556 });
  expect(await listenOf("http://localhost:9557/jwks.json")).toEqual({ host: "127.0.0.1", port: 9557 });
  expect(await listenOf("http://[::1]:9558/jwks.json")).toEqual({ host: "::1", port: 9558 });
  expect(await listenOf("https://ci-runner.example.org/jwks.json", "0.0.0.0:9556")).toEqual({
    host: "0.0.0.0",
    port: 9556,
  });
  expect(await listenOf("http://jwks.example:8080/k/jwks.json", "[::]:9556")).toEqual({
    host: "::",
    port: 9556,
  });
});

test("a client registered by JWKS URL: served at its own loopback address or at client.listen, alone or beside a jwksUrlClient", async () => {
  type Loaded = Awaited<ReturnType<typeof loadTargetConfig>>;
  const byUrl = async (client: Record<string, unknown>, jwksUrlClient?: Record<string, unknown>) =>
    (
      (await load({
        ...valid,
        client: { ...valid.client, ...client },
        ...(jwksUrlClient
          ? { jwksUrlClient: { clientId: "c2", scope: "system/*.rs", ...jwksUrlClient } }
          : {}),
      })) as Loaded
    ).client.byUrl;
  expect((await load(valid)) as Loaded).not.toHaveProperty("client.byUrl");
  expect(await byUrl({ jwksUrl: "http://localhost:9556/keys/client.json" })).toEqual({
    jwksUrl: "http://localhost:9556/keys/client.json",
    listen: { host: "127.0.0.1", port: 9556 },
  });
  expect(
    await byUrl({ jwksUrl: "https://ci-runner.example.org/client.json", listen: "0.0.0.0:9556" }),
  ).toEqual({
    jwksUrl: "https://ci-runner.example.org/client.json",
    listen: { host: "0.0.0.0", port: 9556 },
  });
  // Both clients at one host:port (one JWKS host serves both paths), or at different ports.
  expect(
    await byUrl(
      { jwksUrl: "http://127.0.0.1:9556/keys/client.json" },
      { jwksUrl: "http://127.0.0.1:9556/keys/url-client.json" },
    ),
  ).toMatchObject({ listen: { host: "127.0.0.1", port: 9556 } });
  expect(
    await byUrl(
      { jwksUrl: "https://ci.example/client.json", listen: "0.0.0.0:9556" },
      { jwksUrl: "https://ci.example/url-client.json", listen: "0.0.0.0:9556" },
    ),
  ).toMatchObject({ listen: { host: "0.0.0.0", port: 9556 } });
  expect(
    await byUrl(
      { jwksUrl: "http://127.0.0.1:9556/jwks.json" },
      { jwksUrl: "http://127.0.0.1:9557/jwks.json" },
    ),
  ).toMatchObject({ listen: { port: 9556 } });
});

const broken: readonly { title: string; config: unknown; message: RegExp }[] = [
  {
    title: "a client.jwksUrl not on loopback without client.listen",
    config: { ...valid, client: { ...valid.client, jwksUrl: "https://keys.example/client.json" } },
    message: /client\.jwksUrl: must be an http URL on loopback .* set client\.listen/,
  },
  {
    title: "a client.jwksUrl without a path",
    config: {
      ...valid,
      client: { ...valid.client, jwksUrl: "https://ci.example", listen: "0.0.0.0:9556" },
    },
    message: /client\.jwksUrl: must be an absolute http\(s\) URL with a path/,
  },
  {
    title: "a client.listen without client.jwksUrl",
    config: { ...valid, client: { ...valid.client, listen: "0.0.0.0:9556" } },
    message: /client\.listen: needs client\.jwksUrl/,
  },
  {
    title: "a client.listen that is not host:port",
    config: {
      ...valid,
      client: { ...valid.client, jwksUrl: "https://ci.example/client.json", listen: "9556" },
    },
    message: /client\.listen: must be host:port/,
  },
  {
    title: "a client.jwksUrl that is also jwksUrlClient.jwksUrl",
    config: {
      ...valid,
      client: { ...valid.client, jwksUrl: "http://127.0.0.1:9556/jwks.json" },
      jwksUrlClient: { clientId: "c2", jwksUrl: "http://127.0.0.1:9556/jwks.json", scope: "system/*.rs" },
    },
    message:
      /client\.jwksUrl: http:\/\/127\.0\.0\.1:9556\/jwks\.json is also jwksUrlClient\.jwksUrl; each client needs a JWKS URL of its own/,
  },
  {
    title: "a client.jwksUrl whose path jwksUrlClient also has at the same listen address",
    config: {
      ...valid,
      client: { ...valid.client, jwksUrl: "https://a.example/jwks.json", listen: "0.0.0.0:9556" },
      jwksUrlClient: {
        clientId: "c2",
        jwksUrl: "https://b.example/jwks.json",
        scope: "system/*.rs",
        listen: "0.0.0.0:9556",
      },
    },
    message:
      /client\.listen: the path \/jwks\.json is also jwksUrlClient's on the same listen address 0\.0\.0\.0:9556/,
  },
  {
    title: "a client.listen on the port of jwksUrlClient's at another host",
    config: {
      ...valid,
      client: { ...valid.client, jwksUrl: "https://ci.example/client.json", listen: "0.0.0.0:9556" },
      jwksUrlClient: {
        clientId: "c2",
        jwksUrl: "http://127.0.0.1:9556/url-client.json",
        scope: "system/*.rs",
      },
    },
    message:
      /client\.listen: the harness would listen at 0\.0\.0\.0:9556 for the client and at 127\.0\.0\.1:9556 for jwksUrlClient; give both the same host:port/,
  },
  { title: "a missing fhirBaseUrl", config: { client: valid.client }, message: /fhirBaseUrl: is required/ },
  {
    title: "a missing client.scope",
    config: { ...valid, client: { clientId: "c1", privateJwksPath: "private.jwks.json" } },
    message: /client\.scope: is required/,
  },
  {
    title: "a client.clientId of the wrong type",
    config: { ...valid, client: { ...valid.client, clientId: 7 } },
    message: /client\.clientId: must be string/,
  },
  {
    title: "an unknown field",
    config: { ...valid, tokenEndpont: "x" },
    message: /tokenEndpont: is not a known field/,
  },
  {
    title: "a fhirBaseUrl that is not a URL",
    config: { ...valid, fhirBaseUrl: "fhir.example" },
    message: /fhirBaseUrl: must/,
  },
  {
    title: "a scope with double spaces",
    config: { ...valid, client: { ...valid.client, scope: "a  b" } },
    message: /client\.scope: must be space-separated/,
  },
  {
    title: "a jwksUrl that is not on loopback",
    config: {
      ...valid,
      jwksUrlClient: { clientId: "c2", jwksUrl: "https://keys.example/jwks.json", scope: "system/*.rs" },
    },
    message: /jwksUrlClient\.jwksUrl: must be an http URL on loopback .* set jwksUrlClient\.listen/,
  },
  {
    title: "an https jwksUrl on loopback without listen (the harness serves plain http)",
    config: {
      ...valid,
      jwksUrlClient: { clientId: "c2", jwksUrl: "https://127.0.0.1:9556/jwks.json", scope: "system/*.rs" },
    },
    message: /jwksUrlClient\.jwksUrl: must be an http URL on loopback/,
  },
  {
    title: "a listen without a host",
    config: {
      ...valid,
      jwksUrlClient: {
        clientId: "c2",
        jwksUrl: "https://ci.example/jwks.json",
        scope: "system/*.rs",
        listen: "9556",
      },
    },
    message: /jwksUrlClient\.listen: must be host:port/,
  },
  {
    title: "a listen on port 0",
    config: {
      ...valid,
      jwksUrlClient: {
        clientId: "c2",
        jwksUrl: "https://ci.example/jwks.json",
        scope: "system/*.rs",
        listen: "127.0.0.1:0",
      },
    },
    message: /jwksUrlClient\.listen: port 0 is not between 1 and 65535/,
  },
  {
    title: "a jwksUrl without a path, even with listen",
    config: {
      ...valid,
      jwksUrlClient: {
        clientId: "c2",
        jwksUrl: "https://ci.example",
        scope: "system/*.rs",
        listen: "0.0.0.0:9556",
      },
    },
    message: /jwksUrlClient\.jwksUrl: must be an absolute http\(s\) URL with a path/,
  },
  {
    title: "an unreadable key file",
    config: { ...valid, client: { ...valid.client, privateJwksPath: "missing.json" } },
    message: /client\.privateJwksPath: cannot read/,
  },
  {
    title: "a key file that is not JSON",
    config: { ...valid, client: { ...valid.client, privateJwksPath: "not-json.jwks.json" } },
    message: /client\.privateJwksPath: .* is not JSON/,
  },
  {
    title: "a public key where a private one is needed",
    config: { ...valid, client: { ...valid.client, privateJwksPath: "public.jwks.json" } },
    message: /client\.privateJwksPath .* is a public key/,
  },
  {
    title: "a key without kid",
    config: { ...valid, client: { ...valid.client, privateJwksPath: "nokid.jwks.json" } },
    message: /client\.privateJwksPath .* has no "kid"/,
  },
  {
    title: "a key whose alg does not fit its type",
    config: { ...valid, client: { ...valid.client, privateJwksPath: "badalg.jwks.json" } },
    message: /cannot sign RS384/,
  },
  {
    title: "a key without alg",
    config: { ...valid, client: { ...valid.client, privateJwksPath: "noalg.jwks.json" } },
    message: /client\.privateJwksPath .* "alg"/,
  },
  {
    title: "a key file without keys",
    config: { ...valid, client: { ...valid.client, privateJwksPath: "empty.jwks.json" } },
    message: /client\.privateJwksPath/,
  },
  {
    title: "a missing client",
    config: { fhirBaseUrl: valid.fhirBaseUrl },
    message: /client: is required/,
  },
  {
    title: "a jwksUrlClient without jwksUrl",
    config: { ...valid, jwksUrlClient: { clientId: "c2", scope: "system/*.rs" } },
    message: /jwksUrlClient\.jwksUrl: is required/,
  },
  {
    title: "a requestTimeoutMs that is a string",
    config: { ...valid, requestTimeoutMs: "5000" },
    message: /requestTimeoutMs: must be integer/,
  },
  {
    title: "a runTimeoutSeconds below its minimum",
    config: { ...valid, runTimeoutSeconds: 1 },
    message: /runTimeoutSeconds: must be >= 10/,
  },
  {
    title: "a proxy that is not a URL",
    config: { ...valid, proxy: "proxy.example:3128" },
    message: /proxy: must/,
  },
  {
    title: "an unreadable caFile",
    config: { ...valid, caFile: "missing-ca.pem" },
    message: /caFile: cannot read/,
  },
  {
    title: "a caFile without a certificate",
    config: { ...valid, caFile: "not-a-cert.pem" },
    message: /caFile: .* holds no PEM certificate/,
  },
  { title: "a file that is not JSON", config: "{ fhirBaseUrl: ", message: /is not valid JSON/ },
  { title: "a top level that is an array", config: [valid], message: /\(top level\): must be object/ },
  {
    title: "a registeredScope with scopeRegistration none",
    config: {
      ...valid,
      scopeRegistration: "none",
      client: { ...valid.client, registeredScope: "system/Patient.rs" },
    },
    message: /client\.registeredScope: cannot be set with scopeRegistration "none"/,
  },
  {
    title: "an unknown scopeMatching",
    config: { ...valid, scopeMatching: "loose" },
    message: /scopeMatching: must be equal to one of the allowed values/,
  },
  {
    title: 'an assertion.aud "issuer" with neither issuer nor tokenEndpoint',
    config: { ...valid, assertion: { aud: "issuer" } },
    message: /assertion\.aud: "issuer" needs the issuer: set issuer/,
  },
  {
    title: "an empty assertion.aud",
    config: { ...valid, assertion: { aud: "" } },
    message: /assertion\.aud: must NOT have fewer than 1 characters/,
  },
  {
    title: "an assertion.lifetimeSeconds of 0",
    config: { ...valid, assertion: { lifetimeSeconds: 0 } },
    message: /assertion\.lifetimeSeconds: must be >= 1/,
  },
  {
    title: "an assertion.lifetimeSeconds over an hour",
    config: { ...valid, assertion: { lifetimeSeconds: 3601 } },
    message: /assertion\.lifetimeSeconds: must be <= 3600/,
  },
  {
    title: "an assertion.maxLifetimeSeconds shorter than the default lifetime of the suite's assertions",
    config: { ...valid, assertion: { maxLifetimeSeconds: 60 } },
    message:
      /assertion\.maxLifetimeSeconds: 60 is shorter than .*240 by default.*set assertion\.lifetimeSeconds to at most 60/,
  },
  {
    title: "a fractional assertion.lifetimeSeconds",
    config: { ...valid, assertion: { lifetimeSeconds: 59.5 } },
    message: /assertion\.lifetimeSeconds: must be integer/,
  },
  {
    title: "an assertion.clientIdParameter that is a string",
    config: { ...valid, assertion: { clientIdParameter: "yes" } },
    message: /assertion\.clientIdParameter: must be boolean/,
  },
  {
    title: "an unknown field in assertion",
    config: { ...valid, assertion: { audience: "issuer" } },
    message: /assertion\.audience: is not a known field/,
  },
  {
    title: "a client.unregisteredScope the registration covers",
    config: { ...valid, client: { ...valid.client, unregisteredScope: "system/Patient.rs" } },
    message: /client\.unregisteredScope: "system\/Patient\.rs" is covered by the client's registration/,
  },
  {
    title: "a client.unregisteredScope of two scopes",
    config: { ...valid, client: { ...valid.client, unregisteredScope: "a b" } },
    message: /client\.unregisteredScope: must be one scope string, without spaces/,
  },
  {
    title: "a protectedRequests.search that is an absolute URL",
    config: { ...valid, protectedRequests: { search: "https://fhir.example/Patient" } },
    message: /protectedRequests\.search: must be a path relative to fhirBaseUrl, e.g. Patient\?_count=1/,
  },
];

for (const { title, config, message } of broken) {
  test(`a config with ${title} is refused with a message naming the field`, async () => {
    await expect(load(config)).rejects.toThrow(message);
  });
}

test("a config with a JSON syntax error names the line and column of the mistake", async () => {
  // A comma missing after line 2's value: the parser stops at line 3's first quote.
  const text = '{\n  "fhirBaseUrl": "http://127.0.0.1:9700/fhir"\n  "client": {}\n}\n';
  await expect(load(text)).rejects.toThrow(/is not valid JSON: line 3,? column 3\b/);
  await expect(load(text)).rejects.toThrow(/\n {2}3 \| {3}"client": \{\}\n {4}\| {3}\^/);
  // Cut short: the end of the file is where it went wrong.
  await expect(load('{\n  "fhirBaseUrl": ')).rejects.toThrow(/line 2,? column 18\b/);
});

test("the conformance command refuses a bad config before any test runs, naming the field", async () => {
  const path = join(dir, "cli-bad.json");
  await writeFile(
    path,
    JSON.stringify({ ...valid, client: { clientId: "c1", privateJwksPath: "private.jwks.json" } }),
  );
  const reports = join(dir, "cli-reports");
  const run = spawnSync(
    resolve("node_modules", ".bin", "tsx"),
    ["harness/cli/conformance.ts", "--target", path],
    {
      encoding: "utf8",
      env: { ...process.env, SMART_REPORTS_DIR: reports },
      timeout: 60_000,
    },
  );
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status, output).toBe(2);
  expect(output).toContain("client.scope: is required");
  expect(output).toContain("No test was run.");
  expect(existsSync(join(reports, "summary.json")), "no run started").toBe(false);
});
