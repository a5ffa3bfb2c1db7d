import http from 'node:http';
import { type DeliveryFailure, type DomainEvent, newEventId } from '../domain/events.ts';
import type { DeliveryRecord } from './delivery-log.ts';
import type { RegisteredSubscription } from './subscriptions.ts';

/**
 * `timeout`, the Node error code, or the status and its reason phrase (`500 Internal Server
 * Error`): what the receiver did, in a few words.
 */
export function failureReason(record: DeliveryRecord): string {
  if (record.timedOut) return 'timeout';
  if (record.error !== null && record.status === null) return record.error;
  return `${record.status} ${http.STATUS_CODES[record.status ?? 0] ?? ''}`.trim();
}

/**
 * The failure of `event`'s delivery to `sub`, `last` being the record of its last attempt; `now`
 * is the mock clock's time in ms. The sender reports one per delivery that ends without a 2xx,
 * never for a failure a retry fixed; the profile says how the platform logs it.
 */
export function deliveryFailure(event: DomainEvent, sub: Pick<RegisteredSubscription, 'id' | 'verb' | 'url'>, last: DeliveryRecord, now: number): DeliveryFailure {
  return {
    event,
    subscription: { id: sub.id, verb: sub.verb, url: sub.url },
    attempts: last.attempt,
    reason: failureReason(last),
    latencyMs: last.latencyMs,
    at: now,
  };
}

/** How a failure is logged when the profile has no shape of its own for it. */
export function defaultFailureEvent(f: DeliveryFailure): DomainEvent {
  return {
    id: newEventId(),
    timestamp: new Date(f.at).toISOString(),
    className: 'WebhookDelivery',
    objectId: f.event.objectId,
    status: 'Failed',
    isError: true,
    eventId: f.event.id,
    subscriptionId: f.subscription.id,
    attempts: f.attempts,
    reason: f.reason,
  };
}
