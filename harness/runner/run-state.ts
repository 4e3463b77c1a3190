/**
 * What the run's global setup hands to test workers and reporters: which config is in force, where the
 * URL client's keys are, and how to reach the harness's JWKS host. Passed as a file named in
 * SMART_RUN_STATE, written to a private temporary folder (never under reports/).
 */
import { readFileSync } from "node:fs";
import { HarnessError } from "../errors.ts";

export const RUN_STATE_ENV = "SMART_RUN_STATE";

export interface RunState {
  readonly targetConfigPath: string;
  /** True when the target is the embedded reference server. */
  readonly embedded: boolean;
  /** Seeded faults of the embedded target (empty for a conformant one or an external target). */
  readonly faults: readonly string[];
  readonly startedAt: string;
  readonly jwksUrlClient?: {
    /** Private JWKS of the keys the harness serves at the registered JWKS URL. */
    readonly privateJwksPath: string;
    readonly controlUrl: string;
  };
  /**
   * The JWKS host serving the main client's public keys, when the config registers it by URL
   * (`client.jwksUrl`); the same host as jwksUrlClient's when both listen at one address.
   */
  readonly clientJwks?: {
    readonly controlUrl: string;
  };
  /** How the embedded target was started, so a worker can start a twin of it with a seeded fault. */
  readonly embeddedTarget?: {
    readonly tokenLifetimeSeconds: number;
    readonly tls?: { readonly keyPath: string; readonly certPath: string };
  };
}

export function readRunState(): RunState {
  const path = process.env[RUN_STATE_ENV];
  if (!path) {
    throw new HarnessError(
      "ERR_HARNESS_INTERNAL",
      `${RUN_STATE_ENV} is not set: run the suite through playwright.config.ts`,
    );
  }
  return JSON.parse(readFileSync(path, "utf8")) as RunState;
}

/** The public part of the run (no paths, no secrets), for reporters that run after teardown. */
export interface RunInfo {
  readonly name: string;
  /** Absent when the config names none (oauth-jwt without a FHIR server). */
  readonly fhirBaseUrl?: string;
  readonly embedded: boolean;
  readonly faults: readonly string[];
  /** The target's clock minus ours, from the Date header of the first response (seconds). */
  readonly clockSkewSeconds?: number;
}

export const RUN_INFO_ENV = "SMART_RUN_INFO";

export function readRunInfo(): RunInfo | undefined {
  const text = process.env[RUN_INFO_ENV];
  return text ? (JSON.parse(text) as RunInfo) : undefined;
}
