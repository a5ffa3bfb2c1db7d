/**
 * The simulated platform's public face: what the harness, scenarios and users import.
 * Nothing outside `mock-server/` reaches past this file.
 */
export { createMockServer } from './server.ts';
export type { MockServer, MockServerOptions, TenantInfo, EnvironmentInfo } from './server.ts';
export type { MockControl, TlsConnectionRecord, EventSpec } from './control.ts';
export { BAD_TLS_KINDS, type BadTlsKind } from './transports/tls.ts';
export type { ApiUserSpec, ApiUserView, ApiUserPatch, CreatedApiUser, EnvironmentName } from './auth/api-users.ts';
export { mask, fingerprint } from './secrets.ts';
export { ROLES, minimalRoles, expandRole, effectiveRoles, grants, isRole, type Role } from './profiles/omnium/roles.ts';
export type { ScopeList } from './auth/scope.ts';
export { OMNIUM_ENDPOINT_INFO, type EndpointInfo } from './profiles/omnium/table.ts';
export { type Journal, type JournalEntry, type RequestIdentity, type SecretKind, requestKey } from './journal/journal.ts';
export { createClock, createManualClock, type Clock } from './clock.ts';
export { type DomainEvent, forgedCopy } from './domain/events.ts';
export type { FaultRule, FaultRuleInput, FaultAction, FaultMatch, FaultRuleStatus } from './faults/rules.ts';
export { parseFaultRule } from './faults/rules.ts';
export type { RateLimitSettings } from './faults/rate-limit.ts';
export type { ScenarioController } from './admin/routes.ts';
export type { DeliveryRecord, RegisteredSubscription, SubscriptionInput, WebhookFailureEvent } from './webhooks/index.ts';
