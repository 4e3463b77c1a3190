/** JSON Schema checks (ajv) for the documents the suite judges: token responses and OAuth errors. */
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import oauthError from "./schemas/oauth-error.schema.json" with { type: "json" };
import tokenResponse from "./schemas/token-response.schema.json" with { type: "json" };
import type { Check } from "./checks.ts";
import { jsonBody, type Exchange } from "./http.ts";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: true }));
const validators = {
  "token-response": ajv.compile(tokenResponse),
  "oauth-error": ajv.compile(oauthError),
} satisfies Record<string, ValidateFunction>;

export type SchemaName = keyof typeof validators;

/** A check that the response body validates against one of our schemas, naming each violation. */
export function schemaCheck(ex: Exchange, name: SchemaName, rule: string, expectation: string): Check {
  return {
    rule,
    expectation,
    evaluate: () => {
      const validate = validators[name];
      if (validate(jsonBody(ex))) return undefined;
      const problems = (validate.errors ?? []).map(
        (e) => `${e.instancePath.slice(1) || "(body)"} ${e.message ?? e.keyword}`,
      );
      return `the body does not match: ${[...new Set(problems)].join("; ")}`;
    },
  };
}
