/**
 * Why a server-side or client-side SHALL of the catalog has no test (yet): no conformance test, no client
 * check. `npm run check:reqs` fails when such a SHALL has neither a test nor a reason here, and when a reason
 * names a requirement that has tests.
 */
import type { RequirementId } from "./requirements.ts";

export const UNTESTED_REASONS: Partial<Record<RequirementId, string>> = {
  "BS-REG-02":
    "Protecting an inline JWK Set from corruption happens inside the server; no request can observe it. Attestation only.",
  "BS-REG-03":
    "Assigning a client_id is part of out-of-band registration; every test presupposes it (the config names the ids).",
  "BS-TREQ-06":
    "Needs a registered client that is not allowed client_credentials; the target config has no such client yet.",
  "BS-TLS-03":
    "Needs an https JWKS URL with a bad certificate; the harness serves JWKS over http on loopback for now (see BS-TLS-01).",
  "BS-CLI-01":
    "How a client keeps its private key is invisible on the wire; the client judge sees only what it sends (its public key set is judged under BS-CLI-02).",
};
