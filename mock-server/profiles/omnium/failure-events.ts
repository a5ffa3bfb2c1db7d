import { type DeliveryFailure, type DomainEvent, newEventId } from '../../domain/events.ts';

/** Omnium's event id for a subscription's delivery result (A8). */
export const WEBHOOK_FAILED_OPERATION_ID = 290100;

/**
 * Event 290100 (EventSubscriptionExecuted) as Omnium logs a delivery that finally failed (A8):
 * `Order webhook: POST <url> |Error: <reason>. Took: <n> ms`, with the event, the subscription
 * and the attempts attached. Omnium's own example leaves the reason empty; ours says what the
 * receiver did.
 *
 * @example
 * omniumFailureEvent({ event, subscription, attempts: 4, reason: '500 Internal Server Error', latencyMs: 12, at: now });
 */
export function omniumFailureEvent(f: DeliveryFailure): DomainEvent {
  const { event, subscription: sub } = f;
  const failure: DomainEvent = {
    id: newEventId(),
    operationId: WEBHOOK_FAILED_OPERATION_ID,
    timestamp: new Date(f.at).toISOString(),
    message: `${event.className} webhook: ${sub.verb} ${sub.url} |Error: ${f.reason}. Took: ${Math.round(f.latencyMs)} ms`,
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
      { name: 'Attempts', value: String(f.attempts) },
    ],
  };
  if (event.objectNumber !== undefined) failure.objectNumber = event.objectNumber;
  if (event.market !== undefined) failure.market = event.market;
  if (event.storeId !== undefined) failure.storeId = event.storeId;
  return failure;
}
