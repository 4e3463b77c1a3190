import {
  beyond,
  breakTest,
  covers,
  COMMON_TYPES,
  describeResponse,
  oauthErrorChecks,
  responseObject,
  scopeFor,
  searchableType,
  spec,
  test,
  tokenIssuedChecks,
  verify,
  type Check,
  type Client,
  type ConformanceContext,
  type Exchange,
  type RequirementId,
} from "../../harness/index.ts";

/** Requests `scope` with a baseline assertion; returns the exchange and the granted scope when a token came back. */
async function ask(
  t: ConformanceContext,
  client: Client,
  scope: string,
): Promise<{ ex: Exchange; granted?: string }> {
  const ex = await t.requestToken(client, client.assertion(), scope);
  const body = responseObject(ex);
  if (ex.response.status !== 200 || typeof body?.access_token !== "string") return { ex };
  if (typeof body.scope !== "string")
    breakTest("ERR_TARGET_PREREQUISITE", "the token response states no scope, so the grant cannot be judged");
  return { ex, granted: body.scope };
}

/** The type the client may search, or skip. */
function typeOf(client: Client): string {
  const type = searchableType(client.scope);
  if (!type)
    test.skip(true, `the configured scope "${client.scope}" lets the client search no resource type`);
  return type as string;
}

/** Passes when the request was refused with invalid_scope, or granted nothing beyond `limit`. */
function refusedOrWithin(ex: Exchange, granted: string | undefined, limit: string, why: string): Check[] {
  if (granted === undefined) return oauthErrorChecks(ex, { codes: ["invalid_scope"], rule: "RFC 6749 §5.2" });
  return [
    {
      rule: "SMART backend services §evaluate requested access",
      expectation: `no grant beyond ${why} ("${limit}")`,
      evaluate: () => {
        const extra = beyond(granted, limit);
        return extra.length === 0 ? undefined : `granted "${granted}", which adds ${extra.join(" ")}`;
      },
    },
  ];
}

function grantCovers(ex: Exchange, granted: string | undefined, requested: string): Check[] {
  return [
    ...tokenIssuedChecks(ex),
    {
      rule: "SMART scopes §scopes for requesting FHIR resources",
      expectation: `a grant covering "${requested}"`,
      evaluate: () =>
        granted !== undefined && covers(granted, requested)
          ? undefined
          : `granted ${JSON.stringify(granted) ?? "nothing"} (${describeResponse(ex)})`,
    },
  ];
}

test.describe("Scopes: valid requests", () => {
  for (const letters of ["rs", "r", "s"]) {
    test(
      `grants the v2 scope system/<type>.${letters} within the pre-authorisation`,
      spec(["BS-SCOPE-03", "BS-TREQ-01"]),
      async ({ t }) => {
        const client = await t.client();
        const scope = `system/${typeOf(client)}.${letters}`;
        test.skip(!covers(client.scope, scope), `the configured scope does not pre-authorise ${scope}`);
        const { ex, granted } = await ask(t, client, scope);
        await verify(grantCovers(ex, granted, scope));
      },
    );
  }

  test("honours a v1 scope and states it in v1 form", spec(["BS-SCOPE-04"]), async ({ t }) => {
    const client = await t.client();
    const scope = `system/${typeOf(client)}.read`;
    const { ex, granted } = await ask(t, client, scope);
    await verify([
      ...grantCovers(ex, granted, scope),
      {
        rule: "SMART scopes (v1 compatibility)",
        expectation: `the grant to repeat "${scope}" as requested`,
        evaluate: () =>
          granted?.split(" ").includes(scope) ? undefined : `granted ${JSON.stringify(granted)}`,
      },
    ]);
  });

  test(
    "grants v1 and v2 scopes requested together",
    spec(["BS-SCOPE-04", "BS-SCOPE-03"], { level: "SHOULD" }),
    async ({ t }) => {
      const client = await t.client();
      const type = typeOf(client);
      const scope = `system/${type}.read system/${type}.s`;
      const { ex, granted } = await ask(t, client, scope);
      await verify(grantCovers(ex, granted, scope));
    },
  );

  test(
    "narrows a wildcard request to the pre-authorisation",
    spec(["BS-SCOPE-06", "BS-SCOPE-01"]),
    async ({ t }) => {
      const client = await t.client();
      const advertised = (await t.target.discovery()).scopes_supported;
      test.skip(
        !(Array.isArray(advertised) && advertised.includes(scopeFor("*", "rs"))),
        `${scopeFor("*", "rs")} is not advertised in scopes_supported`,
      );
      const { ex, granted } = await ask(t, client, scopeFor("*", "rs"));
      await verify([
        ...tokenIssuedChecks(ex),
        ...refusedOrWithin(ex, granted, client.scope, "the pre-authorisation"),
        {
          rule: "SMART scopes §wildcard scopes",
          expectation: "a non-empty grant",
          evaluate: () => (granted?.trim() ? undefined : `granted ${JSON.stringify(granted)}`),
        },
      ]);
    },
  );

  test("grants no more than was requested", spec(["BS-SCOPE-02"]), async ({ t }) => {
    const client = await t.client();
    const scope = scopeFor(typeOf(client), "rs");
    test.skip(covers(scope, client.scope), "the client is pre-authorised for nothing beyond this request");
    const { ex, granted } = await ask(t, client, scope);
    await verify([...tokenIssuedChecks(ex), ...refusedOrWithin(ex, granted, scope, "the request")]);
  });
});

test.describe("Scopes: requests beyond what may be granted", () => {
  test(
    "never grants a resource type outside the pre-authorisation",
    spec(["BS-SCOPE-01", "BS-SCOPE-11"]),
    async ({ t }) => {
      const client = await t.client();
      const outside = COMMON_TYPES.map((type) => scopeFor(type, "rs")).find((s) => !covers(client.scope, s));
      test.skip(outside === undefined, "the configured scope covers every common resource type");
      const { ex, granted } = await ask(t, client, outside as string);
      await verify(refusedOrWithin(ex, granted, client.scope, "the pre-authorisation"));
    },
  );

  test(
    "never grants write permissions to a client pre-authorised only to read",
    spec(["BS-SCOPE-01"]),
    async ({ t }) => {
      const client = await t.client();
      const type = typeOf(client);
      test.skip(covers(client.scope, scopeFor(type, "cud")), `the client is pre-authorised to write ${type}`);
      const { ex, granted } = await ask(t, client, scopeFor(type, "cruds"));
      await verify(refusedOrWithin(ex, granted, client.scope, "the pre-authorisation"));
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
        const { ex, granted } = await ask(t, client, m.scope(typeOf(client)));
        await verify(refusedOrWithin(ex, granted, client.scope, "the pre-authorisation"));
      },
    );
  }
});

test.describe("Scopes: search constraints", () => {
  test("confines a token to the search constraint of its scope", spec(["BS-SCOPE-09"]), async ({ t }) => {
    const client = await t.client();
    test.skip(!covers(client.scope, "system/Observation.rs"), "the client may not search Observation");
    const laboratory = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    const scope = `system/Observation.rs?category=${laboratory}`;
    const { ex, granted } = await ask(t, client, scope);
    test.skip(
      granted === undefined,
      `the server refused the constrained scope (${describeResponse(ex)}); constraints are optional`,
    );
    test.skip(!granted?.includes("?"), `the server granted "${granted}" without the constraint`);
    const token = responseObject(ex)?.access_token as string;
    const search = await t.fhirGet(
      "Observation?_count=100",
      token,
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
    ]);
  });
});
