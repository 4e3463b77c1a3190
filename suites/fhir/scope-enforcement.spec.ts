import {
  covers,
  describeResponse,
  expectGrantable,
  grantLimit,
  handedOut,
  notGrantableReason,
  responseObject,
  scopeFor,
  spec,
  test,
  verify,
  type Check,
  type ConformanceContext,
  type Exchange,
} from "../../harness/index.ts";

/**
 * The request was not served: anything but a 2xx carrying the data, or an export kick-off accepted (202).
 * Which refusal is the server's choice (403, 401 or 404; harness/latitude.ts out-of-scope-status, AMB-14).
 */
function notServed(ex: Exchange, what: string, type?: string): Check[] {
  return [
    {
      rule: "SMART backend services §access FHIR API (scope covers the request)",
      expectation: `${what} to be refused`,
      evaluate: () => {
        const out = type === undefined ? undefined : handedOut(ex, type);
        if (out !== undefined) return `got ${out}`;
        return ex.response.status >= 200 &&
          ex.response.status < 300 &&
          responseObject(ex)?.resourceType !== "OperationOutcome" &&
          hasData(ex)
          ? `got ${describeResponse(ex)}`
          : undefined;
      },
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
  test.skip(!expectGrantable(client.registration, scope), notGrantableReason(client.registration, scope));
  return t.obtainToken(client, scope);
}

/** The id of some resource of `type`, found with a broader token; skips when there is none. */
async function someId(t: ConformanceContext, type: string): Promise<string> {
  const configured = t.config.protectedRequests?.read;
  if (configured?.startsWith(`${type}/`)) return configured.slice(type.length + 1);
  const request = await t.protectedRequest(type);
  test.skip(
    request?.kind !== "search",
    `the server offers no ${type} search to find one with (name one in protectedRequests.read)`,
  );
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
        !covers(grantLimit(client.registration), scopeFor("Observation", "rs")),
        "the configured client may not search Observation, so its data cannot be told apart",
      );
      const request = await t.protectedRequest("Observation");
      test.skip(request === undefined, "protectedRequests in the config names no request for Observation");
      const observations = request as NonNullable<typeof request>;
      const ex = await t.sendProtected(
        observations,
        `Bearer ${token}`,
        `${observations.what} with a Patient-only token`,
      );
      await verify(notServed(ex, `${observations.what} with a system/Patient.rs token`, "Observation"));
    },
  );

  test(
    "refuses a read of a resource type the token's scope does not cover",
    spec(["BS-RS-05"]),
    async ({ t }) => {
      const id = await someId(t, "Observation");
      const token = await tokenFor(t, scopeFor("Patient", "rs"));
      const ex = await t.fhirGet(`Observation/${id}`, token, "read an Observation with a Patient-only token");
      await verify(notServed(ex, "an Observation read with a system/Patient.rs token", "Observation"));
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
      test.skip(
        !expectGrantable(client.registration, "system/Patient.r"),
        notGrantableReason(client.registration, "system/Patient.r"),
      );
      test.skip(
        (await t.protectedRequest("Patient"))?.kind !== "search",
        "the server offers no Patient search",
      );
      const { exchange, token } = await t.issueToken(client, "system/Patient.r");
      const scope = responseObject(exchange)?.scope;
      // No scope member: the grant is the request (RFC 6749 §5.1).
      const granted = typeof scope === "string" ? scope : "system/Patient.r";
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
