/**
 * The harness's public entry. Suites import from here and nowhere else.
 */
export {
  spec,
  test,
  specArea,
  tokenRequestParams,
  breakTest,
  withoutParam,
  withParam,
  Client,
  type ClientRules,
  ConformanceContext,
  Target,
} from "./conformance.ts";
export {
  verify,
  oauthErrorChecks,
  clientAuthFailureChecks,
  tokenIssuedChecks,
  describeResponse,
  header,
  responseObject,
  ConformanceViolation,
  NOT_OBSERVED,
  type Check,
  type OAuthErrorCode,
} from "./checks.ts";
export {
  b64url,
  baselineAssertion,
  build,
  corruptedSignature,
  decodeCompact,
  emptySigner,
  expiredBy,
  freshJti,
  hmacSigner,
  keySigner,
  nowSeconds,
  serialize,
  signedBy,
  tamperedClaim,
  withAudience,
  withClaim,
  withHeader,
  withoutClaim,
  withoutHeader,
  withRawPayload,
  replacedBy,
  JWT_BEARER,
  BASELINE_LIFETIME_SECONDS,
  type AssertionDraft,
  type Mutation,
  type Signer,
  type SignatureAlg,
} from "./assertion.ts";
export { jsonBody, mediaType, type Exchange, type FormParams } from "./http.ts";
export {
  codeExchangeTitle,
  issuerOf,
  variationChecks,
  variationSpec,
  tokenRequestSender,
  ASSERTION_VARIATION_TABLES,
  ALGORITHM_VARIATIONS,
  AUD_NEAR_MISS_VARIATIONS,
  AUD_VARIATIONS,
  EXP_VARIATIONS,
  ISS_SUB_VARIATIONS,
  JKU_VARIATIONS,
  JTI_VARIATIONS,
  KID_VARIATIONS,
  SIGNATURE_VARIATIONS,
  STRUCTURE_VARIATIONS,
  type AssertionVariation,
  type VariationInput,
  type VariationOutcome,
  type VariationRequest,
  type VariationSender,
  type VariationSent,
} from "./assertion-variations.ts";
export {
  doesNotApply,
  familyName,
  generateClientKey,
  keyFamily,
  keyFamilySlots,
  keysPerAlg,
  templateKey,
  type ClientKey,
  type KeyFamily,
  type KeyFamilySlot,
  type SigningAlg,
} from "./keys.ts";
export { HarnessError } from "./errors.ts";
export {
  beyond,
  covers,
  parseScopes,
  resourceTypes,
  searchableType,
  COMMON_TYPES,
  expectGrantable,
  grantLimit,
  notGrantableReason,
  typesOutsideGrant,
  type Registration,
} from "./scopes.ts";
export {
  handedOut,
  handedOutBy,
  served,
  type ProtectedRequest,
  type ProtectedRequestsConfig,
} from "./protected-requests.ts";
export { activeProfile, scopeFor } from "./profiles.ts";
export { metadataUrls, stringList } from "./auth-server-metadata.ts";
export { LATITUDE, type LatitudeId, type LatitudePoint } from "./latitude.ts";
export { JwksControl } from "./jwks-control.ts";
export { tlsHandshake, type HandshakeOutcome } from "./tls-probe.ts";
export { schemaCheck, type SchemaName } from "./schemas.ts";
export { jwksRoute, type HostedRoute } from "./jwks-host.ts";
export { publicJwks } from "./keys.ts";
export { requirements, type RequirementId, type Level } from "./requirements.ts";
export {
  LaunchDriver,
  launchEndpoints,
  NO_LAUNCH_BLOCK,
  type AuthorizeResult,
  type LaunchEndpoints,
  type LaunchSession,
  type LaunchTokens,
} from "./launch/driver.ts";
export {
  authorizeRequest,
  authorizeUrl,
  changedParams,
  freshState,
  redirectOutcome,
  type AuthorizeOutcome,
  type AuthorizeRequest,
  type ParamChanges,
} from "./launch/authorize-request.ts";
export { codeExchangeParams, refreshParams } from "./launch/code-exchange.ts";
export {
  idTokenChecks,
  verifyIdToken,
  ID_TOKEN_RULES,
  type IdTokenItem,
  type IdTokenVerification,
} from "./launch/id-token.ts";
export { codeVerifier, pkcePair, s256Challenge, type PkceMethod, type PkcePair } from "./launch/pkce.ts";
export {
  clientCheck,
  clientTest,
  JudgedSession,
  type IssuedToken,
  type TokenRequest,
} from "./client-judge/fixture.ts";
export {
  ASSERTION_CLAIM_CHECKS,
  ASSERTION_HEADER_CHECKS,
  BULK_DATA_CHECKS,
  DISCOVERY_CHECKS,
  FOREIGN_SERVER_CHECKS,
  KEY_SET_CHECKS,
  SIGNATURE_CHECKS,
  TOKEN_LIFETIME_CHECKS,
  TOKEN_REQUEST_CHECKS,
  TOKEN_USE_CHECKS,
  TRANSPORT_CHECKS,
} from "./client-judge/client-checks.ts";
