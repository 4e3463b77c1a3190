/**
 * The suite's JSON Schema validators, compiled ahead of time (scripts/build-validators.ts writes
 * schemas/validators.generated.cjs from schemas/*.schema.json; `npm test` checks it is current), so no
 * process of a run loads ajv's compiler or compiles a schema: each validator is a plain function with
 * ajv's `errors` on it.
 */
import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv";

interface Generated {
  readonly tokenResponse: ValidateFunction;
  readonly oauthError: ValidateFunction;
  readonly targetConfig: ValidateFunction;
}

export const VALIDATORS = createRequire(import.meta.url)("./schemas/validators.generated.cjs") as Generated;
