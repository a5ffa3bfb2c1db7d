import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from './delivery-log.ts';
import { defaultFailureEvent, deliveryFailure, failureReason } from './failure.ts';
import { START, orderEvent } from './test/sender.ts';

const sub = { id: 's1', verb: 'POST' as const, url: 'http://127.0.0.1:4000/hooks' };

/** The last attempt's record, as far as a failure reads it. */
const last = (fields: Partial<DeliveryRecord>): DeliveryRecord => ({
  seq: 4,
  eventId: 'e',
  subscriptionId: 's1',
  attempt: 4,
  kind: 'retry',
  verb: 'POST',
  url: sub.url,
  scheme: 'http',
  authSent: null,
  status: 500,
  error: null,
  timedOut: false,
  latencyMs: 12.4,
  responseBytes: 0,
  startedAt: new Date(START).toISOString(),
  startMono: 0,
  ...fields,
});

describe('a delivery that failed for good', () => {
  it('names the event, the subscription, the attempts, the reason and when', () => {
    const event = orderEvent();
    expect(deliveryFailure(event, sub, last({}), START + 21_000)).toEqual({ event, subscription: sub, attempts: 4, reason: '500 Internal Server Error', latencyMs: 12.4, at: START + 21_000 });
  });

  it('gives the reason as timeout, the Node error code, or the status with its phrase', () => {
    expect(failureReason(last({ status: null, error: 'timeout', timedOut: true }))).toBe('timeout');
    expect(failureReason(last({ status: null, error: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(failureReason(last({ status: 404 }))).toBe('404 Not Found');
    expect(failureReason(last({ status: 599 }))).toBe('599');
  });

  it('is logged as a plain record when the profile has no shape of its own for it', () => {
    const event = orderEvent();
    expect(defaultFailureEvent(deliveryFailure(event, sub, last({}), START))).toMatchObject({ className: 'WebhookDelivery', objectId: event.objectId, status: 'Failed', isError: true, eventId: event.id, subscriptionId: 's1', attempts: 4, reason: '500 Internal Server Error' });
  });
});
