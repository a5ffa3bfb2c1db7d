import { describe, expect, it } from 'vitest';
import type { DeliveryFailure, DomainEvent } from '../../domain/events.ts';
import { omniumFailureEvent } from './failure-events.ts';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);

const orderEvent: DomainEvent = {
  id: 'evt00000000000000001',
  operationId: 310101,
  timestamp: new Date(START).toISOString(),
  message: 'Order status updated',
  className: 'Order',
  objectId: 'ORD-1',
  objectNumber: 'ORD-1',
  category: 'Updated',
  market: 'NOR',
  storeId: 'oslo-online',
  isError: false,
  isRead: false,
};

const failure = (fields: Partial<DeliveryFailure> = {}): DeliveryFailure => ({
  event: orderEvent,
  subscription: { id: 's1', verb: 'POST', url: 'http://127.0.0.1:4000/hooks' },
  attempts: 4,
  reason: '500 Internal Server Error',
  latencyMs: 12.4,
  at: START + 21_000,
  ...fields,
});

describe('omniumFailureEvent', () => {
  it('writes event 290100 as Omnium logs it, with the event, the subscription and the attempts attached', () => {
    expect(omniumFailureEvent(failure())).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{20}$/),
      operationId: 290100,
      timestamp: new Date(START + 21_000).toISOString(),
      message: 'Order webhook: POST http://127.0.0.1:4000/hooks |Error: 500 Internal Server Error. Took: 12 ms',
      className: 'EventSubscription',
      subClassName: 'WebHook',
      objectId: 'ORD-1',
      objectNumber: 'ORD-1',
      category: 'Order webhook',
      status: 'Failed',
      market: 'NOR',
      storeId: 'oslo-online',
      isError: true,
      isRead: false,
      attachments: [
        { name: 'EventId', value: orderEvent.id },
        { name: 'SubscriptionId', value: 's1' },
        { name: 'Attempts', value: '4' },
      ],
    });
  });

  it('leaves out the object number, market and store an event does not have', () => {
    const bare: DomainEvent = { id: 'evt00000000000000002', timestamp: orderEvent.timestamp, className: 'Product', objectId: 'P-1', category: 'Updated' };
    const event = omniumFailureEvent(failure({ event: bare }));
    expect(event).not.toHaveProperty('objectNumber');
    expect(event).not.toHaveProperty('market');
    expect(event).not.toHaveProperty('storeId');
    expect(event.category).toBe('Product webhook');
  });
});
