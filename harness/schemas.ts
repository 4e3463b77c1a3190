/** JSON Schema checks (ajv) for the documents the suite judges: token responses and OAuth errors. */
import type { ValidateFunction } from "ajv";
import type { Check } from "./checks.ts";
import { jsonBody, type Exchange } from "./http.ts";
import { VALIDATORS } from "./validators.ts";

const validators = {
  "token-response": VALIDATORS.tokenResponse,
  "oauth-error": VALIDATORS.oauthError,
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
