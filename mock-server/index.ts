/**
 * The simulated platform's public face: what the harness, scenarios and users import.
 * Nothing outside `mock-server/` reaches past this file.
 */
export { createMockServer } from './server.ts';
export type { MockServer, MockServerOptions, TenantInfo, EnvironmentInfo } from './server.ts';
export type { MockControl, TlsConnectionRecord, TwinObject, EventSpec, PlatformFacts, Where, FaultRules, Webhooks } from './control.ts';
export { BAD_TLS_KINDS, type BadTlsKind } from './transports/tls.ts';
export type { ApiUserSpec, ApiUserView, ApiUserPatch, CreatedApiUser, EnvironmentName } from './auth/api-users.ts';
export { mask, fingerprint } from './secrets.ts';
export type { ScopeList, Scope } from './auth/scope.ts';
// The profile seam: what a platform is made of (see README, "How to add a profile").
export { defineProfile, endpointInfo, ENV_NAME_KEYS, type Profile, type ProfileData, type ProfileEvents, type NewObject, type UnknownEventShape, type DataOptions, type EndpointInfo, type EnvNameKey, type Refusals, type WebhookAuthStyle } from './handlers/profile.ts';
export { defineEndpoint, reply, type Endpoint, type ApiRequest, type ApiResponse, type ResolverContext, type HttpMethod, type RequestProblem, type TokenIssuer, type IssuedToken } from './handlers/endpoint.ts';
export type { IssueOptions } from './auth/tokens.ts';
export { definePermissions, type Permissions, type PermissionSpec } from './auth/permissions.ts';
export { type CredentialScheme, type CredentialTarget, type Admission, type Grant, type Refusal, isGrant } from './auth/scheme.ts';
export { bearerJwt, bearerJwtScheme, type BearerJwtOptions } from './auth/bearer-jwt.ts';
export { apiKeyScheme, type ApiKeySchemeOptions } from './auth/api-key.ts';
export { PROFILES, DEFAULT_PROFILE, getProfile } from './profiles/index.ts';
export type { Role as OmniumRole } from './profiles/omnium/roles.ts';
export {
  type ClearCredential,
  type Journal,
  type JournalEntry,
  PLAIN_HTTP_REFUSED,
  type RequestIdentity,
  type SecretKind,
  refusedAsPlain,
  requestKey,
} from './journal/journal.ts';
export { createClock, createManualClock, type Clock } from './clock.ts';
export { type DomainEvent, type EventFields, type DeliveryFailure, forgedCopy } from './domain/events.ts';
export type { FaultRule, FaultRuleInput, FaultAction, FaultMatch, FaultRuleStatus, RetryAfter } from './faults/rules.ts';
export { parseFaultRule } from './faults/rules.ts';
export type { RateLimitSettings } from './faults/rate-limit.ts';
export type { ScenarioController } from './admin/routes.ts';
export type { DeliveryRecord, EventWire, Probe, RegisteredSubscription, SubscriptionInput } from './webhooks/index.ts';
export { AUTH_PROBES, SIGNATURE_PROBES, hexBodySignature } from './webhooks/index.ts';
