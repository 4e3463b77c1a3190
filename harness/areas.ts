/**
 * The spec area of a conformance test, as the report's tree and summary.json group tests: the area of the
 * suite folder its file is in (one requirement family per folder), so every test of a file stands under
 * one area whatever requirement id it names first (the FHIR bearer-token tests under "FHIR endpoint", all
 * kid tests under "Key resolution").
 */
const SUITE_AREAS: Readonly<Record<string, string>> = {
  "app-launch": "App launch",
  "client-assertion": "Client assertion",
  discovery: "Discovery",
  fhir: "FHIR endpoint",
  introspection: "Introspection",
  "key-resolution": "Key resolution",
  revocation: "Revocation",
  scopes: "Scopes",
  signature: "Signature and algorithms",
  "token-errors": "Token errors",
  "token-request": "Token request",
  "token-response": "Token response",
  transport: "Transport",
  client: "Client",
};

/** The area of the suite file at `file` (a path with a `suites/<folder>/` part); undefined outside one. */
export function suiteArea(file: string): string | undefined {
  const folder = /(?:^|[\\/])suites[\\/]([^\\/]+)[\\/]/.exec(file)?.[1];
  return folder === undefined ? undefined : SUITE_AREAS[folder];
}
