import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from './delivery-log.ts';
import { failureEvent } from './failure-events.ts';
import { orderEvent, START } from './test/sender.ts';

const sub = { id: 's1', verb: 'POST' as const, url: 'http://127.0.0.1:4000/hooks' };

/** The last attempt's record, as far as a failure event reads it. */
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

describe('failureEvent', () => {
  it('writes event 290100 as Omnium logs it, with the event, the subscription and the attempts attached', () => {
    const event = orderEvent();
    expect(failureEvent(event, sub, last({}), START + 21_000)).toEqual({
      id: expect.any(String),
      operationId: 290100,
      timestamp: new Date(START + 21_000).toISOString(),
      message: 'Order webhook: POST http://127.0.0.1:4000/hooks |Error: 500 Internal Server Error. Took: 12 ms',
      className: 'EventSubscription',
      subClassName: 'WebHook',
      objectId: event.objectId,
      objectNumber: event.objectNumber,
      category: 'Order webhook',
      status: 'Failed',
      market: 'NOR',
      storeId: 'oslo-online',
      isError: true,
      isRead: false,
      attachments: [
        { name: 'EventId', value: event.id },
        { name: 'SubscriptionId', value: 's1' },
        { name: 'Attempts', value: '4' },
      ],
    });
  });

  it('gives the reason as timeout, the Node error code, or the status with its phrase', () => {
    const reason = (fields: Partial<DeliveryRecord>) => /\|Error: (.*)\. Took/.exec(failureEvent(orderEvent(), sub, last(fields), START).message)?.[1];
    expect(reason({ status: null, error: 'timeout', timedOut: true })).toBe('timeout');
    expect(reason({ status: null, error: 'ECONNREFUSED' })).toBe('ECONNREFUSED');
    expect(reason({ status: 404 })).toBe('404 Not Found');
    expect(reason({ status: 599 })).toBe('599');
  });

  it('leaves out the object number, market and store an event does not have', () => {
    const { objectNumber: _n, market: _m, storeId: _s, ...bare } = orderEvent({ className: 'Product' });
    const failure = failureEvent(bare, sub, last({}), START);
    expect(failure).not.toHaveProperty('objectNumber');
    expect(failure).not.toHaveProperty('market');
    expect(failure).not.toHaveProperty('storeId');
    expect(failure.category).toBe('Product webhook');
  });
});
