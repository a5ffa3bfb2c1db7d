import { createHmac } from 'node:crypto';
import { describe, expect } from 'vitest';
import type { DomainEvent } from '../domain/events.ts';
import { it, orderEvent, START, TOKEN } from './test/sender.ts';

describe('delivery', () => {
  it('posts the event as JSON with a bearer token', async ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/hooks/omnium?tenant=a`, auth: { type: 'bearer', token: TOKEN } });
    const event = orderEvent();
    sender.publish(event);
    await sender.idle();

    const [req] = receiver.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/hooks/omnium?tenant=a');
    expect(req?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(req?.body ?? '')).toEqual(event);
    expect(sender.log()).toMatchObject([
      {
        seq: 1,
        eventId: event.id,
        subscriptionId: 's1',
        attempt: 1,
        kind: 'delivery',
        verb: 'POST',
        url: `${receiver.origin}/hooks/omnium?tenant=a`,
        scheme: 'http',
        status: 200,
        error: null,
        timedOut: false,
        startedAt: new Date(START).toISOString(),
      },
    ]);
  });

  it('sends basic auth as base64 of username:password', async ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/`, auth: { type: 'basic', username: 'omnium', password: 'pa55word-for-hooks' } });
    sender.publish(orderEvent());
    await sender.idle();
    expect(receiver.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('omnium:pa55word-for-hooks').toString('base64')}`);
  });

  it('sends a header of its own, the custom headers and the PUT verb', async ({ sender, receiver }) => {
    sender.subscribe({
      url: `${receiver.origin}/hooks`,
      verb: 'put',
      auth: { type: 'header', name: 'X-Api-Key', value: 'key-0123456789abcdef' },
      headers: { 'x-tenant': 'acme' },
    });
    sender.publish(orderEvent());
    await sender.idle();
    const [req] = receiver.requests;
    expect(req?.method).toBe('PUT');
    expect(req?.headers['x-api-key']).toBe('key-0123456789abcdef');
    expect(req?.headers['x-tenant']).toBe('acme');
    expect(req?.headers.authorization).toBeUndefined();
    expect(sender.log()[0]?.authSent).toBe('X-Api-Key: key-…cdef');
  });

  it('signs with Standard Webhooks headers when signing is set', async ({ sender, receiver }) => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    sender.subscribe({ url: `${receiver.origin}/`, signing: { type: 'standard-webhooks', secret } });
    const event = orderEvent();
    sender.publish(event);
    await sender.idle();
    const [req] = receiver.requests;
    const timestamp = Math.floor(START / 1000);
    // Computed here from the spec, independently of signature.ts.
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${event.id}.${timestamp}.${req?.body}`).digest('base64');
    expect(req?.headers['webhook-id']).toBe(event.id);
    expect(req?.headers['webhook-timestamp']).toBe(String(timestamp));
    expect(req?.headers['webhook-signature']).toBe(`v1,${expected}`);
  });
});

describe('deliberate misbehaviour', () => {
  it('sends a duplicate with the same event id', async ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/` });
    const event = orderEvent();
    sender.publish(event);
    await sender.idle();
    const record = await sender.deliver('s1', event, { note: 'duplicate check' });
    expect(record).toMatchObject({ kind: 'duplicate', attempt: 1, status: 200, note: 'duplicate check' });
    expect(receiver.bodies()).toEqual([event, event]);
  });

  it('redelivers after a simulated timeout: timed out while the receiver works, then again with the same id', async ({ sender, receiver, scheduler, failures, advance }) => {
    // Slow only on the redelivery that is to time out.
    receiver.respond((req) => ({ status: 200, delayMs: req.n === 2 ? 1000 : 0 }));
    sender.subscribe({ url: `${receiver.origin}/` });
    const event = orderEvent();
    sender.publish(event);
    await sender.idle();

    const [first] = await sender.redeliver(event.id, { afterTimeout: true });
    expect(first).toMatchObject({ kind: 'duplicate', timedOut: true, error: 'timeout', status: null, note: 'simulated timeout' });
    expect(first?.latencyMs).toBeLessThan(1000);
    expect(scheduler.pending()).toEqual([1000]);
    await advance(1000);
    await sender.idle();

    expect(sender.log().map((r) => [r.kind, r.attempt, r.status])).toEqual([
      ['delivery', 1, 200],
      ['duplicate', 1, null],
      ['retry', 2, 200],
    ]);
    await receiver.waitFor(3);
    expect(receiver.bodies().map((b) => (b as DomainEvent).id)).toEqual([event.id, event.id, event.id]);
    expect(failures).toEqual([]);
  });

  it('redelivers after a delay on the scheduler', async ({ sender, receiver, scheduler }) => {
    sender.subscribe({ url: `${receiver.origin}/` });
    const event = orderEvent();
    sender.publish(event);
    await sender.idle();
    const later = sender.redeliver(event.id, { delayMs: 30_000 });
    expect(scheduler.pending()).toEqual([30_000]);
    scheduler.advance(30_000);
    const [record] = await later;
    expect(record).toMatchObject({ kind: 'duplicate', eventId: event.id, startedAt: new Date(START + 30_000).toISOString() });
    expect(receiver.requests).toHaveLength(2);
  });

  it('refuses to redeliver an event it never sent', async ({ sender }) => {
    await expect(sender.redeliver('nope')).rejects.toMatchObject({ code: 'GOLIVE_ERR_NOT_FOUND' });
  });
});

describe('close', () => {
  it('stops on close: scheduled retries dropped, later publishes ignored', async ({ sender, receiver }) => {
    receiver.respond(() => ({ status: 500 }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.drain();
    expect(sender.pending()).toEqual({ inFlight: 0, scheduled: 1 });
    await sender.close();
    expect(sender.pending()).toEqual({ inFlight: 0, scheduled: 0 });
    sender.publish(orderEvent());
    await sender.idle();
    expect(sender.log()).toHaveLength(1);
    await expect(sender.deliver('s1', orderEvent())).rejects.toThrow('the webhook sender is closed');
  });
});
