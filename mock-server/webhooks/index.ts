/** The webhook sender: what the rest of the mock server imports from this folder. */
export { createHostGuard, type HostGuard } from './hosts.ts';
export { createManualScheduler, type ManualScheduler, realScheduler, type Scheduler } from './scheduler.ts';
export {
  DEFAULT_LOG_SIZE,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_RETRY_DELAYS_MS,
  type DeliverOptions,
  type DeliveryKind,
  type DeliveryRecord,
  isRetryable,
  isSuccess,
  type Probe,
  type RedeliverOptions,
  RETRY_EXEMPT_STATUSES,
  SIMULATED_TIMEOUT_MS,
  WEBHOOK_FAILED_OPERATION_ID,
  type WebhookFailureEvent,
  WebhookSender,
  type WebhookSenderOptions,
} from './sender.ts';
export { sign, signingKey } from './signature.ts';
export {
  matches,
  parseSubscription,
  type RegisteredSubscription,
  type Subscription,
  type SubscriptionInput,
  type SubscriptionView,
  viewSubscription,
  type WebhookAuth,
} from './subscriptions.ts';
