import http from 'node:http';
import { type DomainEvent, newEventId } from '../domain/events.ts';
import type { DeliveryRecord } from './delivery-log.ts';
import type { RegisteredSubscription } from './subscriptions.ts';

/** Omnium's event id for a subscription's delivery result (A8). */
export const WEBHOOK_FAILED_OPERATION_ID = 290100;

/**
 * Event 290100 (EventSubscriptionExecuted) as Omnium logs a delivery that finally failed (A8).
 * Passed to `onFailure`; the lead decides where it goes (the journal, the event list).
 */
export interface WebhookFailureEvent {
  id: string;
  operationId: typeof WEBHOOK_FAILED_OPERATION_ID;
  timestamp: string;
  /** `Order webhook: POST <url> |Error: <reason>. Took: <n> ms` */
  message: string;
  className: 'EventSubscription';
  subClassName: 'WebHook';
  /** The failed event's object. */
  objectId: string;
  objectNumber?: string;
  /** `<className> webhook`: `Order webhook` for order events, as in Omnium's example. */
  category: string;
  status: 'Failed';
  market?: string;
  storeId?: string;
  isError: true;
  isRead: false;
  /** `EventId`, `SubscriptionId` and `Attempts` of the failed delivery. */
  attachments: { name: string; value: string }[];
}

/**
 * `timeout`, the Node error code, or the status and its reason phrase (`500 Internal Server
 * Error`). Omnium's own example leaves the reason empty; ours says what the receiver did.
 */
function failureReason(record: DeliveryRecord): string {
  if (record.timedOut) return 'timeout';
  if (record.error !== null && record.status === null) return record.error;
  return `${record.status} ${http.STATUS_CODES[record.status ?? 0] ?? ''}`.trim();
}

/**
 * Event 290100 for `event`'s delivery to `sub` that failed for good, `last` being the record of
 * its last attempt; `now` is the mock clock's time in ms. The sender calls it once per delivery
 * that ends without a 2xx, never for a failure a retry fixed.
 *
 * @example
 * onFailure(failureEvent(event, sub, lastRecord, clock.now()));
 */
export function failureEvent(
  event: DomainEvent,
  sub: Pick<RegisteredSubscription, 'id' | 'verb' | 'url'>,
  last: DeliveryRecord,
  now: number,
): WebhookFailureEvent {
  const failure: WebhookFailureEvent = {
    id: newEventId(),
    operationId: WEBHOOK_FAILED_OPERATION_ID,
    timestamp: new Date(now).toISOString(),
    message: `${event.className} webhook: ${sub.verb} ${sub.url} |Error: ${failureReason(last)}. Took: ${Math.round(last.latencyMs)} ms`,
    className: 'EventSubscription',
    subClassName: 'WebHook',
    objectId: event.objectId,
    category: `${event.className} webhook`,
    status: 'Failed',
    isError: true,
    isRead: false,
    attachments: [
      { name: 'EventId', value: event.id },
      { name: 'SubscriptionId', value: sub.id },
      { name: 'Attempts', value: String(last.attempt) },
    ],
  };
  if (event.objectNumber !== undefined) failure.objectNumber = event.objectNumber;
  if (event.market !== undefined) failure.market = event.market;
  if (event.storeId !== undefined) failure.storeId = event.storeId;
  return failure;
}
