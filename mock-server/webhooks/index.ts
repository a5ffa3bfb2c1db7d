/** The webhook sender: what the rest of the mock server imports from this folder. */
export { DEFAULT_LOG_SIZE, type DeliveryKind, type DeliveryRecord } from './delivery-log.ts';
export { defaultFailureEvent, deliveryFailure, failureReason } from './failure.ts';
export { createHostGuard, type HostGuard } from './hosts.ts';
export { AUTH_PROBES, type Probe, SIGNATURE_PROBES } from './probes.ts';
export { type BodyLayout, nonCanonical } from './layout.ts';
export { DEFAULT_MAX_RESPONSE_BYTES } from './request.ts';
export { DEFAULT_RETRY_DELAYS_MS, isRetryable, isSuccess, RETRY_EXEMPT_STATUSES } from './retry.ts';
export { createManualScheduler, type ManualScheduler, realScheduler, type Scheduler } from './scheduler.ts';
export {
  type DeliverOptions,
  type RedeliverOptions,
  SIMULATED_TIMEOUT_MS,
  WebhookSender,
  type WebhookSenderOptions,
} from './sender.ts';
export { hexBodySignature, sign, signingKey } from './signature.ts';
export type { EventWire } from './sent-events.ts';
export {
  matches,
  parseSubscription,
  type RegisteredSubscription,
  type Subscription,
  type SubscriptionInput,
  type SubscriptionView,
  viewSubscription,
  type WebhookAuth,
  type WebhookSigning,
} from './subscriptions.ts';
