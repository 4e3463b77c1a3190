import {
  covers,
  describeResponse,
  responseObject,
  scopeFor,
  spec,
  test,
  verify,
  type Check,
  type ConformanceContext,
  type Exchange,
} from "../../harness/index.ts";

/** The request was not served: anything but a 2xx carrying the data (403 preferred; 401/404 tolerated). */
function notServed(ex: Exchange, what: string): Check[] {
  return [
    {
      rule: "SMART backend services §access FHIR API (scope covers the request)",
      expectation: `${what} to be refused`,
      evaluate: () =>
        ex.response.status >= 200 &&
        ex.response.status < 300 &&
        responseObject(ex)?.resourceType !== "OperationOutcome" &&
        hasData(ex)
          ? `got ${describeResponse(ex)}`
          : undefined,
    },
  ];
}

/** Whether a response carries FHIR data: a resource, or a Bundle with entries (an empty Bundle hides nothing). */
function hasData(ex: Exchange): boolean {
  const body = responseObject(ex);
  if (!body) return false;
  if (body.resourceType === "Bundle") return Array.isArray(body.entry) && body.entry.length > 0;
  return true;
}

/** A token for `scope`, requested by the configured client; skips when that client may not have it. */
async function tokenFor(t: ConformanceContext, scope: string): Promise<string> {
  const client = await t.client();
  test.skip(!covers(client.scope, scope), `the configured client is not pre-authorised for ${scope}`);
  return t.obtainToken(client, scope);
}

/** The id of some resource of `type`, found with a broader token; skips when there is none. */
async function someId(t: ConformanceContext, type: string): Promise<string> {
  const token = await tokenFor(t, scopeFor(type, "rs"));
  const search = await t.fhirGet(`${type}?_count=1`, token, `find a ${type} (prerequisite)`);
  const id = ((responseObject(search)?.entry as { resource?: { id?: string } }[] | undefined) ?? [])[0]
    ?.resource?.id;
  test.skip(id === undefined, `no ${type} found to test with`);
  return id as string;
}

test.describe("FHIR endpoint scope enforcement", () => {
  test(
    "refuses a search of a resource type the token's scope does not cover",
    spec(["BS-RS-05"]),
    async ({ t }) => {
      const token = await tokenFor(t, scopeFor("Patient", "rs"));
      const client = await t.client();
      test.skip(
        !covers(client.scope, scopeFor("Observation", "rs")),
        "the configured client may not search Observation, so its data cannot be told apart",
      );
      const ex = await t.fhirGet(
        "Observation?_count=5",
        token,
        "search Observation with a Patient-only token",
      );
      await verify(notServed(ex, "an Observation search with a system/Patient.rs token"));
    },
  );

  test(
    "refuses a read of a resource type the token's scope does not cover",
    spec(["BS-RS-05"]),
    async ({ t }) => {
      const id = await someId(t, "Observation");
      const token = await tokenFor(t, scopeFor("Patient", "rs"));
      const ex = await t.fhirGet(`Observation/${id}`, token, "read an Observation with a Patient-only token");
      await verify(notServed(ex, "an Observation read with a system/Patient.rs token"));
    },
  );

  const writes = [
    { name: "create", method: "POST", path: () => "Patient" },
    { name: "update", method: "PUT", path: (id: string) => `Patient/${id}` },
    { name: "delete", method: "DELETE", path: (id: string) => `Patient/${id}` },
  ] as const;
  for (const w of writes) {
    test(`refuses to ${w.name} with a read-and-search token`, spec(["BS-RS-06"]), async ({ t }) => {
      const id = await someId(t, "Patient");
      const token = await tokenFor(t, scopeFor("Patient", "rs"));
      const body =
        w.method === "DELETE"
          ? undefined
          : JSON.stringify({ resourceType: "Patient", ...(w.method === "PUT" ? { id } : {}), active: false });
      const ex = await t.http.send({
        method: w.method,
        url: `${t.config.fhirBaseUrl}/${w.path(id)}`,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/fhir+json",
          ...(body ? { "content-type": "application/fhir+json" } : {}),
        },
        ...(body ? { body } : {}),
        label: `${w.name} Patient with a system/Patient.rs token`,
      });
      await verify([
        {
          rule: "SMART scopes (c/u/d need matching permissions)",
          expectation: `the ${w.name} to be refused`,
          evaluate: () =>
            ex.response.status >= 200 && ex.response.status < 300
              ? `got HTTP ${ex.response.status}: the write was accepted`
              : undefined,
        },
      ]);
    });
  }

  test(
    "refuses a search with a token granted read (r) but not search (s)",
    spec(["BS-RS-07"]),
    async ({ t }) => {
      const client = await t.client();
      test.skip(!covers(client.scope, "system/Patient.r"), "the configured client may not read Patient");
      const { exchange, token } = await t.issueToken(client, "system/Patient.r");
      const scope = responseObject(exchange)?.scope;
      const granted = typeof scope === "string" ? scope : "";
      test.skip(
        covers(granted, "system/Patient.s"),
        `the server granted "${granted}", which includes search`,
      );
      const ex = await t.fhirGet("Patient?_count=1", token, "search Patient with a read-only (r) token");
      await verify(notServed(ex, "a Patient search with a system/Patient.r token"));
    },
  );

  test(
    "refuses a request for a resource type the server does not serve",
    spec(["BS-RS-08"]),
    async ({ t }) => {
      const client = await t.client();
      const token = await t.obtainToken(client);
      const ex = await t.fhirGet("NotAResourceType?_count=1", token, "search an unknown resource type");
      await verify([
        {
          rule: "SMART backend services §enforce authorization",
          expectation: "a 4xx",
          evaluate: () =>
            ex.response.status >= 400 && ex.response.status < 500
              ? undefined
              : `got HTTP ${ex.response.status}`,
        },
      ]);
    },
  );
});
