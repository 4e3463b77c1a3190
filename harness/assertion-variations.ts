/**
 * The client-assertion variation tables: each row one mutation of a valid assertion (title, requirement
 * ids, how the assertion is made, what the server must answer), judged by one generic body. The
 * backend-services suites send them in a client_credentials token request; the app-launch suite sends the
 * same rows at the authorization-code exchange, where the same client authentication applies (SMART
 * client-confidential-asymmetric). Stateful tests (replay, key rotation) are not rows: they stay in their
 * suites.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import {
  b64url,
  corruptedSignature,
  emptySigner,
  expiredBy,
  freshJti,
  hmacSigner,
  keySigner,
  replacedBy,
  signedBy,
  tamperedClaim,
  withAudience,
  withClaim,
  withHeader,
  withoutClaim,
  withoutHeader,
  withRawPayload,
  type Mutation,
} from "./assertion.ts";
import { clientAuthFailureChecks, oauthErrorChecks, type Check } from "./checks.ts";
import { spec, test, withParam, type Client, type ConformanceContext } from "./conformance.ts";
import { HarnessError } from "./errors.ts";
import type { Exchange } from "./http.ts";
import { jwksRoute } from "./jwks-host.ts";
import { familyName, generateClientKey, keyFamilySlots, publicJwks, type ClientKey } from "./keys.ts";
import { LATITUDE } from "./latitude.ts";
import type { Level, RequirementId } from "./requirements.ts";

/** One assertion a variation sends, with the client_id form parameter it pairs with. */
export interface VariationRequest {
  readonly assertion: string;
  /**
   * The client_id form parameter to send instead of the client's own, when the server's clients send one
   * (config assertion.clientIdParameter): the assertion's sub, so that a mismatch between the two is never
   * what the server refuses.
   */
  readonly clientId?: string;
  /** The algorithm it was made with, named in the checks when a variation sends several (one per key). */
  readonly alg?: string;
}

/** What a variation gets to build its assertions: the test's context and the client it authenticates as. */
export interface VariationInput {
  readonly t: ConformanceContext;
  readonly client: Client;
}

/**
 * What the server must answer: `invalid_client` (every client authentication failure, SMART
 * client-confidential-asymmetric §Response), or for an assertion that is no JWS at all `invalid_client` or
 * `invalid_request` (RFC 7523 §3 / RFC 7519 §7.2).
 */
export type VariationOutcome = "client-auth-failure" | "malformed";

export interface AssertionVariation {
  readonly title: string;
  readonly requirements: readonly [RequirementId, ...RequirementId[]];
  /** The level a failure has when it is not the strongest of the requirements'. */
  readonly level?: Level;
  readonly outcome: VariationOutcome;
  /** The client it needs: `inline`, a client registered with an inline JWK Set (skipped otherwise). */
  readonly client?: "inline";
  /** Why the variation does not apply to this target, asked before the client is (undefined: it applies). */
  readonly applies?: (t: ConformanceContext) => Promise<string | undefined>;
  /**
   * The assertion's sub cannot equal a client_id string (absent, an array): with a client_id parameter
   * sent, a server that compares the two first may refuse the request for that mismatch, with either code
   * the specs allow there (latitude client-id-mismatch, catalog AMB-16).
   */
  readonly subMismatch?: true;
  /** The assertions to send (several: one per key); may skip the test when it does not apply. */
  readonly requests: (input: VariationInput) => Promise<readonly VariationRequest[]>;
}

/** The test details of a variation: its requirement ids, and its level when it states one. */
export function variationSpec(v: AssertionVariation): ReturnType<typeof spec> {
  return spec(v.requirements, v.level === undefined ? {} : { level: v.level });
}

/**
 * The title of a variation applied at the authorization-code exchange (suites/app-launch): the backend
 * title with another verb and a suffix, so that it never contains the backend title (a grep or detection
 * row naming one never selects the other).
 *
 * @example codeExchangeTitle("rejects a client assertion without aud")
 *          // "refuses a client assertion without aud at the code exchange"
 */
export function codeExchangeTitle(title: string): string {
  const [verb = "", ...rest] = title.split(" ");
  const other = CODE_EXCHANGE_VERBS[verb];
  if (other === undefined)
    throw new HarnessError(
      "ERR_HARNESS_INTERNAL",
      `no code-exchange verb for "${verb}" (a variation's title starts with ${Object.keys(CODE_EXCHANGE_VERBS).join(" or ")})`,
    );
  return `${other} ${rest.join(" ")} at the code exchange`;
}

const CODE_EXCHANGE_VERBS: Readonly<Record<string, string>> = { rejects: "refuses", answers: "responds to" };

/** What sending one {@link VariationRequest} gave: the exchange, and whether a client_id parameter went. */
export interface VariationSent {
  readonly exchange: Exchange;
  readonly clientIdSent: boolean;
}

/** Sends a variation's request somewhere: a client_credentials token request, a code exchange. */
export type VariationSender = (request: VariationRequest) => Promise<VariationSent>;

/**
 * The generic body: skips when the variation does not apply, gets the client (`client`: how this suite
 * gets it, default the main client; `inline` variations ask {@link ConformanceContext.inlineClient} first,
 * which skips for a client registered by URL), sends each request (`send`, default a client_credentials
 * token request) and returns the checks of every answer.
 */
export async function variationChecks(
  v: AssertionVariation,
  t: ConformanceContext,
  client: () => Promise<Client> = () => t.client(),
  send: (client: Client) => VariationSender = tokenRequestSender(t),
): Promise<Check[]> {
  const reason = await v.applies?.(t);
  test.skip(reason !== undefined, reason);
  if (v.client === "inline") await t.inlineClient();
  const c = await client();
  const requests = await v.requests({ t, client: c });
  const sender = send(c);
  const checks: Check[] = [];
  for (const request of requests) {
    const answer = judge(v, await sender(request));
    // With several keys (oauth-jwt: e.g. RS256 and PS256), each check names the algorithm it judged.
    checks.push(
      ...(requests.length > 1 && request.alg !== undefined
        ? answer.map((c) => ({ ...c, expectation: `${c.expectation} (${request.alg})` }))
        : answer),
    );
  }
  return checks;
}

function judge(v: AssertionVariation, sent: VariationSent): Check[] {
  if (v.outcome === "malformed")
    return oauthErrorChecks(sent.exchange, {
      codes: ["invalid_client", "invalid_request"],
      rule: "RFC 7523 §3 / RFC 7519 §7.2",
    });
  return sent.clientIdSent && v.subMismatch
    ? oauthErrorChecks(sent.exchange, {
        codes: LATITUDE["client-id-mismatch"].codes,
        rule: "RFC 7523 §3.2 (RFC 7521 §4.2 when client_id and sub disagree)",
      })
    : clientAuthFailureChecks(sent.exchange);
}

/**
 * The backend-services sender: a client_credentials token request with the client's standard parameters
 * (a client_id parameter when the config says the server's clients send one, then the request's own).
 */
export function tokenRequestSender(t: ConformanceContext): (client: Client) => VariationSender {
  return (client) => async (request) => {
    const params = client.tokenRequest(request.assertion);
    const clientIdSent = params.some(([k]) => k === "client_id");
    const exchange = await t.postToken(
      clientIdSent && request.clientId !== undefined
        ? withParam(params, "client_id", request.clientId)
        : params,
      { label: "token request" },
    );
    return { exchange, clientIdSent };
  };
}

/** One request of an assertion made by `client` with `mutations` (its first key unless `alg`). */
const mutated =
  (...mutations: Mutation[]) =>
  ({ client }: VariationInput): Promise<readonly VariationRequest[]> =>
    Promise.resolve([{ assertion: client.assertion(undefined, ...mutations) }]);

/**
 * The issuer the config or the metadata names (config issuer, RFC 8414 / OpenID metadata, SMART
 * discovery), else the token URL's origin (what servers commonly use as issuer).
 */
export async function issuerOf(t: ConformanceContext, tokenUrl: string): Promise<string> {
  const issuer = await t.target.issuerIdentifier();
  return issuer !== undefined && issuer !== tokenUrl ? issuer : new URL(tokenUrl).origin;
}

// ---------------------------------------------------------------------------------------------- aud

/**
 * Each variation gets the target's token URL and FHIR base (oauth-jwt without one: the protectedResource
 * URL, else undefined), so the wrong audiences are near misses.
 */
type AudiencePick = (tokenUrl: string, fhirBase: string | undefined, issuer: string) => Mutation | undefined;

const audience =
  (pick: AudiencePick): AssertionVariation["requests"] =>
  async ({ t, client }) => {
    const tokenUrl = await t.tokenUrl();
    const resourceServer = t.config.fhirBaseUrl ?? t.config.protectedResource?.url;
    const mutation = pick(tokenUrl, resourceServer, await issuerOf(t, tokenUrl));
    test.skip(!mutation, "the config names no fhirBaseUrl or protectedResource to send as aud");
    return [{ assertion: client.assertion(undefined, mutation as Mutation) }];
  };

export const AUD_VARIATIONS: readonly AssertionVariation[] = (
  [
    {
      title: "rejects a client assertion whose aud is another server's token URL",
      mutation: () => withAudience("https://attacker.example/token"),
    },
    {
      title: "rejects a client assertion whose aud is not a URL",
      mutation: () => withAudience("test-bad-aud-value"),
    },
    { title: "rejects a client assertion without aud", mutation: () => withoutClaim("aud") },
    {
      title: "rejects a client assertion whose aud is the FHIR base URL",
      mutation: (_t, fhirBase) => (fhirBase === undefined ? undefined : withAudience(fhirBase)),
    },
    {
      title: "rejects a client assertion whose aud is an array without the token URL",
      mutation: () => withAudience(["https://attacker.example/token"]),
    },
  ] satisfies readonly { title: string; mutation: AudiencePick }[]
).map(({ title, mutation }): AssertionVariation => ({
  title,
  requirements: ["BS-AUD-01", "BS-ERR-03"],
  outcome: "client-auth-failure",
  requests: audience(mutation),
}));

/** The token URL altered a little: servers SHOULD compare aud exactly. */
export const AUD_NEAR_MISS_VARIATIONS: readonly AssertionVariation[] = (
  [
    ["with a trailing slash", (u: string) => `${u}/`],
    ["with a query string", (u: string) => `${u}?tenant=other`],
    ["extended by a path segment", (u: string) => `${u}/other`],
  ] as const
).map(([name, alter]): AssertionVariation => ({
  title: `rejects an assertion whose aud is the token URL ${name}`,
  requirements: ["BS-AUD-02", "BS-ERR-03"],
  level: "SHOULD",
  outcome: "client-auth-failure",
  requests: async ({ t, client }) => [
    { assertion: client.assertion(undefined, withAudience(alter(await t.tokenUrl()))) },
  ],
}));

// ---------------------------------------------------------------------------------------------- exp

export const EXP_VARIATIONS: readonly AssertionVariation[] = (
  [
    ["rejects a client assertion whose exp is 10 minutes in the past", "BS-EXP-02", expiredBy(600)],
    ["rejects a client assertion whose exp is a day in the past", "BS-EXP-02", expiredBy(86_400)],
    ["rejects a client assertion without exp", "BS-EXP-01", withoutClaim("exp")],
    ["rejects a client assertion whose exp is not a number", "BS-EXP-01", withClaim("exp", "tomorrow")],
    // RFC 7519 §4.1.4: a NumericDate is a JSON number; a server that coerces the string accepts this one.
    [
      "rejects a client assertion whose exp is a numeric string",
      "BS-EXP-01",
      (d) => withClaim("exp", String(d.claims.exp))(d),
    ],
  ] as const satisfies readonly (readonly [string, RequirementId, Mutation])[]
).map(([title, requirement, mutation]): AssertionVariation => ({
  title,
  requirements: [requirement, "BS-ERR-03"],
  outcome: "client-auth-failure",
  requests: mutated(mutation),
}));

// ------------------------------------------------------------------------------------------ iss, sub

const unregistered = `unregistered-${freshJti()}`;

export const ISS_SUB_VARIATIONS: readonly AssertionVariation[] = (
  [
    {
      title: "rejects an assertion from an unregistered client",
      requirement: "BS-ISS-01",
      mutation: (d) => withClaim("sub", unregistered)(withClaim("iss", unregistered)(d)),
      clientId: unregistered,
    },
    { title: "rejects an assertion without iss", requirement: "BS-ISS-01", mutation: withoutClaim("iss") },
    {
      // What ONC (g)(10) test 8.1.04 sends: a registered sub, an iss that names no client.
      title: "rejects an assertion whose iss names no client although sub names this one",
      requirement: "BS-ISS-01",
      mutation: withClaim("iss", "not_a_valid_iss"),
    },
    {
      // RFC 7519 §4.1.1: iss is a StringOrURI, not an array; a server that coerces it reads ["x"] as "x".
      title: "rejects an assertion whose iss is a one-element array holding the client_id",
      requirement: "BS-ISS-01",
      mutation: (d) => withClaim("iss", [d.claims.iss])(d),
    },
    {
      title: "rejects an assertion without sub",
      requirement: "BS-SUB-01",
      mutation: withoutClaim("sub"),
      subMismatch: true,
    },
    {
      // RFC 7519 §4.1.2: sub is a StringOrURI as well.
      title: "rejects an assertion whose sub is a one-element array holding the client_id",
      requirement: "BS-SUB-01",
      mutation: (d) => withClaim("sub", [d.claims.sub])(d),
      subMismatch: true,
    },
    {
      title: "rejects an assertion whose sub differs from iss",
      requirement: "BS-SUB-01",
      mutation: withClaim("sub", "someone-else"),
      clientId: "someone-else",
    },
  ] satisfies readonly {
    title: string;
    requirement: RequirementId;
    mutation: Mutation;
    clientId?: string;
    subMismatch?: true;
  }[]
).map((v): AssertionVariation => ({
  title: v.title,
  requirements: [v.requirement, "BS-ERR-03"],
  outcome: "client-auth-failure",
  ...("subMismatch" in v ? { subMismatch: v.subMismatch } : {}),
  requests: ({ client }) =>
    Promise.resolve([
      {
        assertion: client.assertion(undefined, v.mutation),
        ...("clientId" in v ? { clientId: v.clientId } : {}),
      },
    ]),
}));

// ---------------------------------------------------------------------------------------------- jti

export const JTI_VARIATIONS: readonly AssertionVariation[] = (
  [
    ["rejects an assertion without jti", withoutClaim("jti")],
    ["rejects an assertion whose jti is empty", withClaim("jti", "")],
  ] as const
).map(([title, mutation]): AssertionVariation => ({
  title,
  requirements: ["BS-JTI-01", "BS-ERR-03"],
  outcome: "client-auth-failure",
  requests: mutated(mutation),
}));

// ---------------------------------------------------------------------------------------- structure

/** Reworks a signed compact JWS: `parts` are its [header, payload, signature] segments. */
const reshaped = (render: (parts: string[]) => string): Mutation =>
  replacedBy((compact) => render(compact.split(".")));

export const STRUCTURE_VARIATIONS: readonly AssertionVariation[] = (
  [
    ["rejects a client_assertion that is not a JWS at all", replacedBy(() => "abc")],
    ["rejects a client_assertion of two segments (signature dropped)", reshaped(([h, p]) => `${h}.${p}`)],
    [
      "rejects a client_assertion of five segments (JWE-shaped)",
      reshaped(([h, p, s]) => `${h}.${p}.${s}.${b64url("iv")}.${b64url("tag")}`),
    ],
    [
      "rejects a client_assertion in JWS JSON serialization",
      reshaped(([h, p, s]) => JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] })),
    ],
    [
      "rejects a client_assertion whose header is not base64url",
      reshaped(([, p, s]) => `@@not*base64@@.${p}.${s}`),
    ],
    [
      "rejects a client_assertion whose header is not JSON",
      reshaped(([, p, s]) => `${b64url("alg=RS384")}.${p}.${s}`),
    ],
    [
      "rejects a client_assertion whose header is a JSON array",
      reshaped(([, p, s]) => `${b64url('["RS384"]')}.${p}.${s}`),
    ],
    [
      "rejects a signed client_assertion whose payload is JSON but not an object",
      withRawPayload(() => '"iss sub aud exp jti"'),
    ],
  ] as const satisfies readonly (readonly [string, Mutation])[]
).map(([title, mutation]): AssertionVariation => ({
  title,
  requirements: ["BS-JWTH-03", "BS-ERR-07"],
  outcome: "malformed",
  requests: mutated(mutation),
}));

// ---------------------------------------------------------------------------------------------- kid

export const KID_VARIATIONS: readonly AssertionVariation[] = [
  {
    title: "rejects a client assertion whose kid names no registered key",
    requirements: ["BS-KEY-03", "BS-ERR-03"],
    outcome: "client-auth-failure",
    requests: ({ client }) =>
      Promise.resolve([
        { assertion: client.assertion(undefined, withHeader("kid", `unknown-${freshJti()}`)) },
      ]),
  },
  {
    title: "rejects a client assertion without kid",
    requirements: ["BS-JWTH-01", "BS-ERR-03"],
    outcome: "client-auth-failure",
    requests: mutated(withoutHeader("kid")),
  },
  ...(
    [
      ["path and SQL metacharacters", "../../etc/passwd' OR '1'='1"],
      ["4096 characters", "k".repeat(4096)],
    ] as const
  ).map(([name, kid]): AssertionVariation => ({
    title: `answers a kid of ${name} with invalid_client, not a server error`,
    requirements: ["BS-ERR-07", "BS-KEY-03"],
    outcome: "client-auth-failure",
    requests: mutated(withHeader("kid", kid)),
  })),
];

// ---------------------------------------------------------------------------------------- algorithms

// Under SMART its one algorithm (RS384, ES384); under oauth-jwt the family, the keys choosing at run time.
const RSA = familyName("RSA");
const EC = familyName("EC");
// SMART: its RSA algorithm, "rs384"; oauth-jwt: the algorithm of the client's first key, e.g. "ps256".
const smartRsa = keyFamilySlots().find((s) => s.family === "RSA")?.alg;

export const ALGORITHM_VARIATIONS: readonly AssertionVariation[] = [
  ...["none", "None", "NONE", "nOnE"].map((none): AssertionVariation => ({
    title: `rejects an unsigned client assertion (alg "${none}", empty signature)`,
    requirements: ["BS-ALG-02", "BS-ERR-03"],
    outcome: "client-auth-failure",
    requests: mutated(withHeader("alg", none), signedBy(emptySigner)),
  })),
  // The header names the algorithm of the client's key of the other family, so the server knows that
  // algorithm and the mismatch is the only fault.
  ...(
    [
      {
        keyFamily: "RSA",
        headerFamily: "EC",
        title: `alg ${EC} names an RSA key (signed by that key with ${RSA})`,
      },
      {
        keyFamily: "EC",
        headerFamily: "RSA",
        title: `alg ${RSA} names an EC key (signed by that key with ${EC})`,
      },
    ] as const
  ).map((m): AssertionVariation => ({
    title: `rejects an assertion whose ${m.title}`,
    requirements: ["BS-ALG-04", "BS-ERR-03"],
    outcome: "client-auth-failure",
    requests: ({ client }) => {
      const why = "the mismatch needs an RSA key and an EC key";
      const [key] = client.keysOf(m.keyFamily, why);
      const [other] = client.keysOf(m.headerFamily, why);
      return Promise.resolve([
        {
          assertion: client.assertion(
            key.alg,
            withHeader("alg", other.alg),
            signedBy(keySigner(key.alg, key.privateKey)),
          ),
        },
      ]);
    },
  })),
  ...(["RS256", "PS384"] as const).map((alg): AssertionVariation => ({
    title: `rejects an ${alg}-signed assertion when ${alg} is not advertised`,
    requirements: ["BS-ALG-08", "BS-ALG-05", "BS-ERR-03"],
    level: "SHOULD",
    outcome: "client-auth-failure",
    applies: async (t) =>
      (await t.signingAlgorithms())?.includes(alg) === true ? `the server advertises ${alg}` : undefined,
    requests: ({ client }) => {
      // Any RSA key makes RS256 and PS384; an EC or EdDSA key makes only its own algorithm.
      const [rsa] = client.keysOf("RSA", `${alg} is made only with an RSA key`);
      return Promise.resolve([
        {
          assertion: client.assertion(
            rsa.alg,
            withHeader("alg", alg),
            signedBy(keySigner(alg, rsa.privateKey)),
          ),
        },
      ]);
    },
  })),
  {
    title: smartRsa
      ? `rejects alg "${smartRsa.toLowerCase()}" (algorithm names are case-sensitive)`
      : "rejects the client's alg in lower case (algorithm names are case-sensitive)",
    requirements: ["BS-ALG-09", "BS-ERR-03"],
    outcome: "client-auth-failure",
    requests: ({ client }) => {
      const key = smartRsa
        ? client.keysOf("RSA", `the test sends "${smartRsa.toLowerCase()}"`)[0]
        : client.key();
      return Promise.resolve([
        { assertion: client.assertion(key.alg, withHeader("alg", key.alg.toLowerCase())) },
      ]);
    },
  },
  {
    title: `rejects an ${EC} signature in ASN.1 DER instead of R||S`,
    requirements: ["BS-ALG-06", "BS-ERR-03"],
    outcome: "client-auth-failure",
    requests: ({ client }) =>
      Promise.resolve(
        client.keysOf("EC", "DER encoding only exists for ECDSA signatures").map((ec) => ({
          assertion: client.assertion(ec.alg, signedBy(keySigner(ec.alg, ec.privateKey, "der"))),
          alg: ec.alg,
        })),
      ),
  },
  // The client's RSA or EC public key, in a form a confused server may take as the HMAC secret (its
  // first key of that family, whatever its algorithm).
  ...(
    [
      {
        alg: "HS256",
        family: "RSA",
        encoding: "its PEM SubjectPublicKeyInfo",
        secret: (k: KeyObject) => k.export({ type: "spki", format: "pem" }),
      },
      {
        alg: "HS384",
        family: "RSA",
        encoding: "its PEM PKCS#1 form",
        secret: (k: KeyObject) => k.export({ type: "pkcs1", format: "pem" }),
      },
      {
        alg: "HS256",
        family: "RSA",
        encoding: "its JWK as JSON text",
        secret: (_k: KeyObject, jwk: object) => JSON.stringify(jwk),
      },
      {
        alg: "HS256",
        family: "EC",
        encoding: "its PEM SubjectPublicKeyInfo",
        secret: (k: KeyObject) => k.export({ type: "spki", format: "pem" }),
      },
    ] as const
  ).map((c): AssertionVariation => ({
    title: `rejects ${c.alg} keyed with the client's ${c.family} public key (${c.encoding})`,
    requirements: ["BS-ALG-03", "BS-ERR-03"],
    outcome: "client-auth-failure",
    requests: ({ client }) => {
      const [key] = client.keysOf(c.family, `the HMAC secret is the client's ${c.family} public key`);
      const publicKey = createPublicKey(key.privateKey);
      const secret = c.secret(publicKey, key.publicJwk);
      return Promise.resolve([
        {
          assertion: client.assertion(
            key.alg,
            withHeader("alg", c.alg),
            signedBy(hmacSigner(c.alg === "HS256" ? "sha256" : "sha384", secret)),
          ),
        },
      ]);
    },
  })),
];

// ----------------------------------------------------------------------------------------- signature

/** The article before a key family's name in a title: SMART's "a RS384" titles stay as Allure history knows them. */
const article = (name: string): string => (/^(RSA|ECDSA|EdDSA)$/.test(name) ? "an" : "a");

/** One request per key of the family (oauth-jwt: e.g. RS256 and PS256), each naming its algorithm. */
const perKey =
  (family: "RSA" | "EC" | "OKP", needs: string, make: (client: Client, key: ClientKey) => Promise<string>) =>
  async ({ client }: VariationInput): Promise<readonly VariationRequest[]> => {
    const requests: VariationRequest[] = [];
    for (const key of client.keysOf(family, needs))
      requests.push({ assertion: await make(client, key), alg: key.alg });
    return requests;
  };

/**
 * Per key family: under SMART titled by its one algorithm (RS384, ES384); under oauth-jwt by the family,
 * signed with each algorithm the client's keys of that family use.
 */
export const SIGNATURE_VARIATIONS: readonly AssertionVariation[] = keyFamilySlots().flatMap(
  ({ family, name }): AssertionVariation[] => {
    const needs = `it needs an ${name} key`;
    const row = (
      title: string,
      make: (client: Client, key: ClientKey) => Promise<string>,
    ): AssertionVariation => ({
      title: `rejects ${article(name)} ${name} assertion ${title}`,
      requirements: ["BS-SIG-01", "BS-ERR-03"],
      outcome: "client-auth-failure",
      requests: perKey(family, needs, make),
    });
    return [
      row("whose payload was changed after signing", (client, key) =>
        Promise.resolve(client.assertion(key.alg, tamperedClaim("jti", freshJti()))),
      ),
      row("with one signature bit flipped", (client, key) =>
        Promise.resolve(client.assertion(key.alg, corruptedSignature)),
      ),
      row("signed by an unregistered key under a registered kid", async (client, key) => {
        const { key: foreign } = await generateClientKey(key.alg);
        return client.assertion(key.alg, signedBy(keySigner(key.alg, foreign.privateKey)));
      }),
      // RFC 7523 §3 item 9 and RFC 8725 §3.10: the signature is checked with the client's registered key,
      // never with one the assertion brings along (CVE-2018-0114). The jwk names the registered kid too, so
      // a server that looks keys up by kid in the header's jwk is caught as well.
      row("signed by a key embedded in its jwk header", async (client, key) => {
        const { key: attacker } = await generateClientKey(key.alg);
        return client.assertion(
          key.alg,
          withHeader("jwk", { ...attacker.publicJwk, kid: key.kid }),
          signedBy(keySigner(key.alg, attacker.privateKey)),
        );
      }),
      row("whose signature segment is empty", (client, key) =>
        Promise.resolve(client.assertion(key.alg, signedBy(emptySigner))),
      ),
    ];
  },
);

// ---------------------------------------------------------------------------------------------- jku

export const JKU_VARIATIONS: readonly AssertionVariation[] = [
  {
    title: "rejects any jku from a client registered with an inline JWK Set",
    requirements: ["BS-JKU-03", "BS-ERR-03"],
    outcome: "client-auth-failure",
    client: "inline",
    requests: async ({ t, client }) => {
      const { control } = t.jwks();
      const path = `/inline-client/${freshJti()}.json`;
      await control.setRoute(path, jwksRoute(publicJwks(client.keys))); // the client's genuine public keys
      return [{ assertion: client.assertion(undefined, withHeader("jku", `${control.origin}${path}`)) }];
    },
  },
];

/**
 * Every table, by the backend-services family it comes from: what the app-launch suite applies at the code
 * exchange. A generic-only profile (oauth-jwt) is honoured by each test's requirement ids, as in the
 * backend suites.
 */
export const ASSERTION_VARIATION_TABLES: readonly {
  readonly family: string;
  readonly variations: readonly AssertionVariation[];
}[] = [
  { family: "aud", variations: [...AUD_VARIATIONS, ...AUD_NEAR_MISS_VARIATIONS] },
  { family: "exp", variations: EXP_VARIATIONS },
  { family: "iss and sub", variations: ISS_SUB_VARIATIONS },
  { family: "jti", variations: JTI_VARIATIONS },
  { family: "JWS structure", variations: STRUCTURE_VARIATIONS },
  { family: "kid", variations: KID_VARIATIONS },
  { family: "algorithm", variations: ALGORITHM_VARIATIONS },
  { family: "signature", variations: SIGNATURE_VARIATIONS },
  { family: "jku", variations: JKU_VARIATIONS },
];
