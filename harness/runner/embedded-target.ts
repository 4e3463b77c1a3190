/**
 * The embedded reference target as the runner starts it: once per run in global setup, and, for the
 * detection matrix, once per seeded fault in each worker of that fault's project (a "twin" of the
 * run's target, registered with the same clients and keys, whose URL client reads its JWKS from a path of
 * its own on the run's JWKS host, so twins running side by side never see each other's key changes).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { isFault, type Fault, type LaunchUser } from "../../fixtures/reference-server/options.ts";
import { startReferenceServer, type ReferenceServer } from "../../fixtures/reference-server/server.ts";
import type { RawLaunchConfig, TargetConfig } from "../config.ts";
import type { LatitudeId } from "../latitude.ts";
import { HarnessError } from "../errors.ts";
import { jwksRoute } from "../jwks-host.ts";
import { JwksControl } from "../jwks-control.ts";
import { loadPrivateJwks, publicJwks, type ClientKey } from "../keys.ts";
import type { RunState } from "./run-state.ts";

export const EMBEDDED_CLIENT_ID = "conformance-inline-client";
export const EMBEDDED_URL_CLIENT_ID = "conformance-url-client";
export const EMBEDDED_CLIENT_SCOPE = "system/Patient.rs system/Observation.rs";
export const EMBEDDED_URL_CLIENT_SCOPE = "system/*.rs";
export const EMBEDDED_TOKEN_LIFETIME_SECONDS = 10;

/**
 * The redirect URI the embedded target registers for the main client. Nothing listens there: the launch
 * driver intercepts the browser's navigation to it (harness/launch/login.ts).
 */
export const EMBEDDED_REDIRECT_URI = "http://127.0.0.1:48571/callback";
/** The scopes the suite's launches ask the embedded target for. */
export const EMBEDDED_LAUNCH_SCOPE = "launch/patient patient/*.rs openid fhirUser offline_access";
/** How long the embedded target's authorization codes live (the code-lifetime test waits this long). */
export const EMBEDDED_CODE_LIFETIME_SECONDS = 10;
/** The embedded target's login user. */
export const EMBEDDED_LAUNCH_USERNAME = "clinician";
/**
 * The environment variable holding the embedded target's login password (random per run, set by global
 * setup; a detection twin signs in with the same).
 */
export const EMBEDDED_LAUNCH_PASSWORD_ENV = "SMART_EMBEDDED_LAUNCH_PASSWORD";

/**
 * The embedded target's config `launch` block: its login page (`/auth/login`, fields username and
 * password, button #sign-in) and consent page (button #allow), whatever URL each is shown at. README
 * "Testing the launch flow" shows it as the example.
 */
export function embeddedLaunchConfig(): RawLaunchConfig {
  return {
    redirectUri: EMBEDDED_REDIRECT_URI,
    scope: EMBEDDED_LAUNCH_SCOPE,
    codeLifetimeSeconds: EMBEDDED_CODE_LIFETIME_SECONDS,
    login: [
      {
        url: "/auth/login",
        fill: {
          "input[name=username]": EMBEDDED_LAUNCH_USERNAME,
          "input[name=password]": { env: EMBEDDED_LAUNCH_PASSWORD_ENV },
        },
        click: "#sign-in",
      },
      { url: "/auth/", click: "#allow" },
    ],
  };
}

/** The embedded target's login user: the run's password from the environment (set by global setup). */
export function embeddedLaunchUser(): LaunchUser | undefined {
  const password = process.env[EMBEDDED_LAUNCH_PASSWORD_ENV];
  return password ? { username: EMBEDDED_LAUNCH_USERNAME, password } : undefined;
}

export interface EmbeddedServerOptions {
  readonly faults: readonly Fault[];
  /** Latitude points where the target makes the alternate allowed choice. */
  readonly alternate?: readonly LatitudeId[];
  readonly inlineKeys: readonly ClientKey[];
  /**
   * SMART_REFERENCE_REGISTRATION=jwks-url-only: the target registers clients only by JWKS URL, the main
   * client by this URL (where the harness serves `inlineKeys`) instead of inline.
   */
  readonly clientJwksUrl?: string;
  readonly urlClientJwksUrl: string;
  readonly tokenLifetimeSeconds: number;
  readonly tls?: { readonly key: string; readonly cert: string };
  /** SMART_REFERENCE_SSRF_GUARD=1: it refuses to fetch loopback URLs, the harness's JWKS host included. */
  readonly ssrfGuard?: boolean;
}

export function startEmbeddedServer(options: EmbeddedServerOptions): Promise<ReferenceServer> {
  const launchUser = embeddedLaunchUser();
  return startReferenceServer({
    ...(options.tls ? { tls: options.tls } : {}),
    clients: [
      options.clientJwksUrl
        ? {
            clientId: EMBEDDED_CLIENT_ID,
            scope: EMBEDDED_CLIENT_SCOPE,
            jwksUrl: options.clientJwksUrl,
            redirectUris: [EMBEDDED_REDIRECT_URI],
          }
        : {
            clientId: EMBEDDED_CLIENT_ID,
            scope: EMBEDDED_CLIENT_SCOPE,
            jwks: publicJwks(options.inlineKeys),
            redirectUris: [EMBEDDED_REDIRECT_URI],
          },
      {
        clientId: EMBEDDED_URL_CLIENT_ID,
        scope: EMBEDDED_URL_CLIENT_SCOPE,
        jwksUrl: options.urlClientJwksUrl,
      },
    ],
    faults: options.faults,
    alternate: options.alternate ?? [],
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    ...(options.ssrfGuard ? { ssrfGuard: true } : {}),
    ...(options.clientJwksUrl ? { registration: "jwks-url-only" as const } : {}),
    ...(launchUser ? { launchUser } : {}),
    codeLifetimeSeconds: EMBEDDED_CODE_LIFETIME_SECONDS,
  });
}

export interface FaultyTwin {
  readonly config: TargetConfig;
  readonly state: RunState;
  close(): Promise<void>;
}

/** A protectedResource on the run's reference target, moved to the same path on the twin. */
function onTwin(
  resource: NonNullable<TargetConfig["protectedResource"]>,
  config: TargetConfig,
  twin: ReferenceServer,
): NonNullable<TargetConfig["protectedResource"]> {
  const from = config.fhirBaseUrl ?? config.tokenEndpoint;
  if (from === undefined || new URL(resource.url).origin !== new URL(from).origin) return resource;
  const url = new URL(resource.url);
  return { ...resource, url: `${twin.origin}${url.pathname}${url.search}` };
}

/** Starts a twin of the run's embedded target with one seeded fault; the config and state point at it. */
export async function startFaultyTwin(
  config: TargetConfig,
  state: RunState,
  fault: string,
): Promise<FaultyTwin> {
  if (!isFault(fault)) {
    throw new HarnessError("ERR_HARNESS_CONFIG", `unknown reference-server fault "${fault}"`);
  }
  const embedded = state.embeddedTarget;
  const urlClient = state.jwksUrlClient;
  if (!embedded || !urlClient || !config.jwksUrlClient) {
    throw new HarnessError(
      "ERR_HARNESS_CONFIG",
      "a seeded fault can only be tested against the embedded reference target",
    );
  }
  const control = new JwksControl(urlClient.controlUrl, new URL(urlClient.controlUrl).origin);
  // One path per twin: a fault's project may run two workers, each with its own twin, side by side.
  const path = `/jwks/twin/${fault}/${randomUUID()}/url-client.json`;
  const urlKeys = await loadPrivateJwks(urlClient.privateJwksPath, "jwksUrlClient.privateJwksPath");
  await control.setRoute(path, jwksRoute(publicJwks(urlKeys)));
  const jwksUrl = `${control.origin}${path}`;
  const server = await startEmbeddedServer({
    faults: [fault],
    inlineKeys: config.client.keys,
    // The main client's keys never change in a run: a twin reads them at the run's URL.
    ...(config.client.byUrl ? { clientJwksUrl: config.client.byUrl.jwksUrl } : {}),
    urlClientJwksUrl: jwksUrl,
    tokenLifetimeSeconds: embedded.tokenLifetimeSeconds,
    ...(embedded.tls
      ? {
          tls: {
            key: readFileSync(embedded.tls.keyPath, "utf8"),
            cert: readFileSync(embedded.tls.certPath, "utf8"),
          },
        }
      : {}),
  });
  return {
    config: {
      ...config,
      name: `embedded reference target (faults: ${fault})`,
      // A run without a FHIR base (protectedResource only) keeps it so on the twin.
      ...(config.fhirBaseUrl !== undefined ? { fhirBaseUrl: server.fhirBaseUrl } : {}),
      tokenEndpoint: server.tokenUrl,
      jwksUrlClient: { ...config.jwksUrlClient, jwksUrl },
      ...(config.protectedResource
        ? { protectedResource: onTwin(config.protectedResource, config, server) }
        : {}),
    },
    state: { ...state, faults: [fault] },
    close: () => server.close(),
  };
}
