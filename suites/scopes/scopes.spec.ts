import {
  beyond,
  covers,
  COMMON_TYPES,
  describeResponse,
  expectGrantable,
  grantLimit,
  handedOut,
  LATITUDE,
  notGrantableReason,
  oauthErrorChecks,
  parseScopes,
  responseObject,
  scopeFor,
  searchableType,
  spec,
  test,
  tokenIssuedChecks,
  typesOutsideGrant,
  verify,
  type Check,
  type Client,
  type ConformanceContext,
  type Exchange,
  type RequirementId,
} from "../../harness/index.ts";

/** A token request's outcome: on a token, the grant and whether the response stated it. */
interface Asked {
  readonly ex: Exchange;
  readonly requested: string;
  readonly token?: string;
  /** The response's scope, or where it has none the request: RFC 6749 §5.1 omits scope only when identical. */
  readonly granted?: string;
  readonly stated: boolean;
}

/** Requests `scope` with a baseline assertion. */
async function ask(t: ConformanceContext, client: Client, scope: string): Promise<Asked> {
  const ex = await t.requestToken(client, client.assertion(), scope);
  const body = responseObject(ex);
  if (ex.response.status !== 200 || typeof body?.access_token !== "string")
    return { ex, requested: scope, stated: false };
  // A missing scope is judged once, by "states the granted scope in the token response" (BS-TRESP-06).
  const stated = typeof body.scope === "string";
  return {
    ex,
    requested: scope,
    token: body.access_token,
    granted: stated ? (body.scope as string) : scope,
    stated,
  };
}

/** How a grant reads in a failure message. */
function shown(asked: Asked): string {
  return asked.stated
    ? `"${asked.granted ?? ""}"`
    : `"${asked.granted ?? ""}" (no scope member: the request, RFC 6749 §5.1)`;
}

/** The type the client may search, or skip. */
function typeOf(client: Client): string {
  const type = searchableType(client.scope);
  if (!type)
    test.skip(true, `the configured scope "${client.scope}" lets the client search no resource type`);
  return type as string;
}

/** Skips unless the config lets the suite expect the server to grant `scope` to the client. */
function skipUnlessGrantable(client: Client, scope: string): void {
  test.skip(!expectGrantable(client.registration, scope), notGrantableReason(client.registration, scope));
}

/**
 * Whether the client's scopes are SMART resource scopes (system/Patient.rs), which the SMART scope tests
 * build on; a server with scope strings of its own (vendor:api/read) is judged by the RFC 6749 §3.3 tests.
 */
function smartScopes(client: Client): boolean {
  return parseScopes(`${client.scope} ${client.registration.scope}`).some((s) => s.kind === "resource");
}

/** Skips a test that speaks SMART scope syntax when the configured scopes are not SMART scopes. */
function skipUnlessSmartScopes(client: Client): void {
  test.skip(
    !smartScopes(client),
    `the configured scopes ("${client.registration.scope}") are not SMART resource scopes: this test speaks SMART scope syntax`,
  );
}

/** Passes when the request was refused with invalid_scope, or granted nothing beyond `limit`. */
function refusedOrWithin(
  asked: Asked,
  limit: string,
  why: string,
  rule = "SMART backend services §evaluate requested access",
): Check[] {
  const { ex, granted } = asked;
  if (granted === undefined) return oauthErrorChecks(ex, { codes: ["invalid_scope"], rule: "RFC 6749 §5.2" });
  return [
    {
      rule,
      expectation: `no grant beyond ${why} ("${limit}")`,
      evaluate: () => {
        const extra = beyond(granted, limit);
        return extra.length === 0 ? undefined : `granted ${shown(asked)}, which adds ${extra.join(" ")}`;
      },
    },
  ];
}

function grantCovers(asked: Asked): Check[] {
  const { ex, granted, requested } = asked;
  return [
    ...tokenIssuedChecks(ex),
    {
      rule: "SMART scopes §scopes for requesting FHIR resources",
      expectation: `a grant covering "${requested}"`,
      evaluate: () =>
        granted !== undefined && covers(granted, requested)
          ? undefined
          : `granted ${granted === undefined ? "nothing" : shown(asked)} (${describeResponse(ex)})`,
    },
  ];
}

/** At most this many resource types are probed with each token (the requests add up over the suite). */
const PROBES_PER_TOKEN = 2;

/**
 * What the token can do, not just what its scope string says: a protected request for each of up to two
 * resource types the grant does not cover (types the server holds, from its CapabilityStatement) must hand
 * out nothing of that type — 401, 403 and 404 are all refusals (AMB-14). A grant of undefined permissions
 * (`system/Patient.xyz`) is held to the pre-authorisation. No probe when no token was issued.
 */
async function whatTheTokenCanDo(t: ConformanceContext, client: Client, asked: Asked): Promise<Check[]> {
  const { token, granted } = asked;
  // Scope strings of the server's own (not SMART's) say nothing about FHIR types to probe.
  if (token === undefined || granted === undefined || !smartScopes(client)) return [];
  const capabilities = await t.target.capabilities();
  const held = capabilities ? [...capabilities.types.keys()] : COMMON_TYPES;
  const checks: Check[] = [];
  for (const type of typesOutsideGrant(granted, grantLimit(client.registration), held)) {
    if (checks.length >= PROBES_PER_TOKEN) break;
    const request = await t.protectedRequest(type);
    if (!request) continue;
    const ex = await t.sendProtected(
      request,
      `Bearer ${token}`,
      `${request.what} with the token granted ${shown(asked)} (what the token can do)`,
    );
    checks.push({
      rule: "SMART backend services §access FHIR API (the token reaches only what its grant covers)",
      expectation: `${request.what} to hand out nothing with a token granted ${shown(asked)}`,
      evaluate: () => handedOut(ex, type),
    });
  }
  return checks;
}

test.describe("Scopes: valid requests", () => {
  for (const letters of ["rs", "r", "s"]) {
    test(
      `grants the v2 scope system/<type>.${letters} within the pre-authorisation`,
      spec(["BS-SCOPE-03", "BS-TREQ-01"]),
      async ({ t }) => {
        const client = await t.client();
        const scope = `system/${typeOf(client)}.${letters}`;
        skipUnlessGrantable(client, scope);
        const asked = await ask(t, client, scope);
        await verify([...grantCovers(asked), ...(await whatTheTokenCanDo(t, client, asked))]);
      },
    );
  }

  test("honours a v1 scope and states it in v1 form", spec(["BS-SCOPE-04"]), async ({ t }) => {
    const client = await t.client();
    const scope = `system/${typeOf(client)}.read`;
    skipUnlessGrantable(client, scope);
    const asked = await ask(t, client, scope);
    await verify([
      ...grantCovers(asked),
      {
        rule: "SMART scopes (v1 compatibility)",
        expectation: `the grant to repeat "${scope}" as requested`,
        evaluate: () =>
          asked.granted?.split(" ").includes(scope) ? undefined : `granted ${JSON.stringify(asked.granted)}`,
      },
      ...(await whatTheTokenCanDo(t, client, asked)),
    ]);
  });

  test(
    "grants v1 and v2 scopes requested together",
    spec(["BS-SCOPE-04", "BS-SCOPE-03"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const type = typeOf(client);
      const scope = `system/${type}.read system/${type}.s`;
      skipUnlessGrantable(client, scope);
      const asked = await ask(t, client, scope);
      await verify([...grantCovers(asked), ...(await whatTheTokenCanDo(t, client, asked))]);
    },
  );

  test(
    "narrows a wildcard request to the pre-authorisation",
    spec(["BS-SCOPE-06", "BS-SCOPE-01"]),
    async ({ t }) => {
      const client = await t.client();
      const wildcard = scopeFor("*", "rs");
      const advertised = (await t.target.discovery()).scopes_supported;
      test.skip(
        !(Array.isArray(advertised) && advertised.includes(wildcard)),
        `${wildcard} is not advertised in scopes_supported`,
      );
      const asked = await ask(t, client, wildcard);
      const limit = grantLimit(client.registration);
      // Beyond the registration, the server may narrow the wildcard or refuse it (RFC 6749 §5.2 invalid_scope).
      const mayRefuse = !expectGrantable(client.registration, wildcard);
      if (asked.token === undefined && mayRefuse) {
        await verify(
          oauthErrorChecks(asked.ex, {
            codes: LATITUDE["wildcard-beyond-registration"].codes,
            rule: "RFC 6749 §5.2 (a wildcard beyond the registration)",
          }),
        );
        return;
      }
      await verify([
        ...tokenIssuedChecks(asked.ex),
        ...refusedOrWithin(asked, limit, "the pre-authorisation"),
        {
          rule: "SMART scopes §wildcard scopes",
          expectation: "a non-empty grant",
          evaluate: () => (asked.granted?.trim() ? undefined : `granted ${JSON.stringify(asked.granted)}`),
        },
        ...(await whatTheTokenCanDo(t, client, asked)),
      ]);
    },
  );

  test("grants no more than was requested", spec(["BS-SCOPE-02"]), async ({ t }) => {
    const client = await t.client();
    // SMART scopes: a read scope of one type; the server's own scope strings: the first one registered.
    const smart = smartScopes(client);
    const scope = smart
      ? scopeFor(typeOf(client), "rs")
      : (client.registration.scope.split(" ")[0] ?? client.scope);
    test.skip(
      covers(scope, grantLimit(client.registration)),
      "the client is pre-authorised for nothing beyond this request",
    );
    skipUnlessGrantable(client, scope);
    const asked = await ask(t, client, scope);
    await verify([
      ...tokenIssuedChecks(asked.ex),
      ...refusedOrWithin(asked, scope, "the request", smart ? undefined : "RFC 6749 §3.3"),
      ...(await whatTheTokenCanDo(t, client, asked)),
    ]);
  });
});

/**
 * A scope the server knows but has not registered for the client: config client.unregisteredScope, else
 * (SMART scopes) a system read scope of a common type outside the registration; skips when there is none.
 */
function unregisteredScope(t: ConformanceContext, client: Client): string {
  test.skip(
    client.registration.kind === "none",
    "the server registers no scopes per client (config scopeRegistration none)",
  );
  const limit = grantLimit(client.registration);
  const named = client.clientId === t.config.client.clientId ? t.config.client.unregisteredScope : undefined;
  const derived = smartScopes(client)
    ? COMMON_TYPES.map((type) => scopeFor(type, "rs")).find((s) => !covers(limit, s))
    : undefined;
  const scope = named ?? derived;
  test.skip(
    scope === undefined,
    smartScopes(client)
      ? "the registration covers every common resource type; set client.unregisteredScope in the config"
      : "set client.unregisteredScope in the config to a scope string the server knows but has not registered for the client",
  );
  return scope as string;
}

/** A scope string no server defines (RFC 6749 §3.3 scope tokens are the server's own). */
const UNKNOWN_SCOPE = "conformance-test:undefined-scope";

test.describe("Scopes: the server's own scope strings (RFC 6749 §3.3)", () => {
  test(
    "grants nothing beyond the registration to a request that adds an unregistered scope",
    spec(["BS-SCOPE-01"]),
    async ({ t }) => {
      const client = await t.client();
      const extra = unregisteredScope(t, client);
      const asked = await ask(t, client, `${client.registration.scope} ${extra}`);
      await verify([
        ...refusedOrWithin(asked, grantLimit(client.registration), "the registration", "RFC 6749 §3.3"),
        ...(await whatTheTokenCanDo(t, client, asked)),
      ]);
    },
  );

  test(
    "states the granted scope in the token response when it differs from the request",
    spec(["BS-TRESP-06"]),
    async ({ t }) => {
      const client = await t.client();
      const extra = unregisteredScope(t, client);
      const requested = `${client.registration.scope} ${extra}`;
      const ex = await t.requestToken(client, client.assertion(), requested);
      const body = responseObject(ex);
      const issued = ex.response.status === 200 && typeof body?.access_token === "string";
      const scope = typeof body?.scope === "string" ? body.scope : undefined;
      await verify([
        {
          rule: "RFC 6749 §5.1 (scope: REQUIRED if it differs from the scope requested)",
          expectation: `a scope member stating the grant, as the request "${requested}" names a scope not registered`,
          applies: {
            // Granted as requested, an omitted scope means the request (§5.1): then nothing differs.
            observed: issued && (scope === undefined || scope !== requested),
            event: `no grant that differs from the request was made (${describeResponse(ex)})`,
          },
          evaluate: () => {
            if (scope === undefined)
              return "no scope member, although the grant cannot be the request (it names a scope not registered)";
            return undefined;
          },
        },
      ]);
    },
  );

  test(
    "answers a scope it does not define with invalid_scope or a grant without it",
    spec(["BS-SCOPE-01", "BS-SCOPE-11"]),
    async ({ t }) => {
      const client = await t.client();
      test.skip(
        client.registration.scope.split(" ").includes(UNKNOWN_SCOPE),
        `the client's registration names "${UNKNOWN_SCOPE}"`,
      );
      const asked = await ask(t, client, `${client.scope} ${UNKNOWN_SCOPE}`);
      await verify([
        ...refusedOrWithin(asked, grantLimit(client.registration), "the registration", "RFC 6749 §3.3"),
        {
          rule: "RFC 6749 §3.3 / §5.2 (an unknown scope is refused with invalid_scope or left out of the grant)",
          expectation: `no grant of "${UNKNOWN_SCOPE}"`,
          evaluate: () =>
            asked.granted?.split(" ").includes(UNKNOWN_SCOPE) ? `granted ${shown(asked)}` : undefined,
        },
        ...(await whatTheTokenCanDo(t, client, asked)),
      ]);
    },
  );
});

test.describe("Scopes: requests beyond what may be granted", () => {
  test(
    "never grants a resource type outside the pre-authorisation",
    spec(["BS-SCOPE-01", "BS-SCOPE-11"]),
    async ({ t }) => {
      const client = await t.client();
      skipUnlessSmartScopes(client);
      test.skip(
        client.registration.kind === "none",
        "the server registers no scopes per client (config scopeRegistration none): any system read scope for a type it holds may be granted",
      );
      const limit = grantLimit(client.registration);
      const outside = COMMON_TYPES.map((type) => scopeFor(type, "rs")).find((s) => !covers(limit, s));
      test.skip(outside === undefined, "the registration covers every common resource type");
      const asked = await ask(t, client, outside as string);
      await verify([
        ...refusedOrWithin(asked, limit, "the pre-authorisation"),
        ...(await whatTheTokenCanDo(t, client, asked)),
      ]);
    },
  );

  test(
    "never grants write permissions to a client pre-authorised only to read",
    spec(["BS-SCOPE-01"]),
    async ({ t }) => {
      const client = await t.client();
      const type = typeOf(client);
      const limit = grantLimit(client.registration);
      test.skip(covers(limit, scopeFor(type, "cud")), `the client is pre-authorised to write ${type}`);
      const asked = await ask(t, client, scopeFor(type, "cruds"));
      await verify([
        ...refusedOrWithin(asked, limit, "the pre-authorisation"),
        ...(await whatTheTokenCanDo(t, client, asked)),
      ]);
    },
  );

  const malformed: readonly { title: string; scope: (type: string) => string; requirement: RequirementId }[] =
    [
      {
        title: "undefined permission letters (.xyz)",
        scope: (type) => `system/${type}.xyz`,
        requirement: "BS-SCOPE-05",
      },
      {
        title: "permission letters out of order (.dus)",
        scope: (type) => `system/${type}.dus`,
        requirement: "BS-SCOPE-05",
      },
      {
        title: "an unknown action (.unknownAction)",
        scope: (type) => `system/${type}.unknownAction`,
        requirement: "BS-SCOPE-05",
      },
      {
        title: "an unknown resource type",
        scope: () => scopeFor("UnknownResource", "rs"),
        requirement: "BS-SCOPE-07",
      },
      {
        title: "a patient/ context",
        scope: (type) => scopeFor(type, "rs", "patient"),
        requirement: "BS-SCOPE-08",
      },
      { title: "a user/ context", scope: (type) => scopeFor(type, "rs", "user"), requirement: "BS-SCOPE-08" },
    ];
  for (const m of malformed) {
    test(
      `grants nothing for a scope with ${m.title}`,
      spec([m.requirement, "BS-SCOPE-01"], { level: "SHALL" }),
      async ({ t }) => {
        const client = await t.client();
        const scope = m.scope(typeOf(client));
        const asked = await ask(t, client, scope);
        await verify([
          ...refusedOrWithin(asked, grantLimit(client.registration), "the pre-authorisation"),
          {
            rule: "SMART scopes (a scope the server cannot read is never granted as asked)",
            expectation: `no grant of "${scope}" itself`,
            evaluate: () =>
              asked.granted?.split(" ").includes(scope) ? `granted ${shown(asked)}` : undefined,
          },
          ...(await whatTheTokenCanDo(t, client, asked)),
        ]);
      },
    );
  }
});

test.describe("Scopes: search constraints", () => {
  test("confines a token to the search constraint of its scope", spec(["BS-SCOPE-09"]), async ({ t }) => {
    const client = await t.client();
    test.skip(
      !covers(grantLimit(client.registration), "system/Observation.rs"),
      "the client may not search Observation",
    );
    const laboratory = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    const scope = `system/Observation.rs?category=${laboratory}`;
    const asked = await ask(t, client, scope);
    const { ex, granted } = asked;
    test.skip(
      granted === undefined,
      `the server refused the constrained scope (${describeResponse(ex)}); constraints are optional`,
    );
    test.skip(!granted?.includes("?"), `the server granted "${granted}" without the constraint`);
    const request = await t.protectedRequest("Observation");
    test.skip(
      request?.kind !== "search",
      "the server offers no Observation search to see which Observations the token reaches",
    );
    const search = await t.fhirGet(
      "Observation?_count=100",
      asked.token,
      "search Observation with the constrained token",
    );
    const entries =
      (responseObject(search)?.entry as
        { resource?: { category?: { coding?: { code?: string }[] }[] } }[] | undefined) ?? [];
    const outside = entries.filter(
      (e) =>
        !(e.resource?.category ?? []).some((c) => (c.coding ?? []).some((cd) => cd.code === "laboratory")),
    );
    await verify([
      {
        rule: "SMART scopes §finer-grained resource constraints",
        expectation: "no Observation outside category laboratory",
        evaluate: () =>
          outside.length === 0 ? undefined : `${outside.length} Observation(s) of other categories returned`,
      },
      ...(await whatTheTokenCanDo(t, client, asked)),
    ]);
  });
});
