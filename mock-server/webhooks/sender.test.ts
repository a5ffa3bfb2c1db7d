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

describe('body signatures and the platform wire', () => {
  const SECRET = 'omneo-shared-secret-0123456789';
  const hex = (body: string, key = SECRET) => createHmac('sha256', key).update(body, 'utf8').digest('hex');

  it('puts the lowercase hex HMAC-SHA256 of the raw body in the named header', async ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/`, signing: { type: 'hmac-sha256-hex', header: 'X-Omneo-Hmac-SHA256', secret: SECRET } });
    sender.publish(orderEvent());
    await sender.idle();
    const [req] = receiver.requests;
    // Computed here from the spec (PHP's hash_hmac('sha256', $body, $secret)), independently of signature.ts.
    expect(req?.headers['x-omneo-hmac-sha256']).toBe(hex(req!.body));
    expect(req?.headers['x-omneo-hmac-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(req?.headers['webhook-signature']).toBeUndefined();
  });

  it("sends the platform's body and headers for an event when it has a wire", async ({ newSender, receiver }) => {
    const sender = newSender({ wire: { body: (e) => e.context, headers: (e) => ({ 'X-Omneo-Event': String(e.trigger) }) } });
    sender.subscribe({ url: `${receiver.origin}/`, signing: { type: 'hmac-sha256-hex', header: 'X-Omneo-Hmac-SHA256', secret: SECRET } });
    sender.publish(orderEvent({ trigger: 'profile.updated', context: { id: 'p-1', first_name: 'Ada' } }));
    await sender.idle();
    const [req] = receiver.requests;
    expect(JSON.parse(req!.body)).toEqual({ id: 'p-1', first_name: 'Ada' });
    expect(req?.headers['x-omneo-event']).toBe('profile.updated');
    expect(req?.headers['x-omneo-hmac-sha256']).toBe(hex(req!.body));
  });

  it('leaves out events raised by the API users in skipEventsBy', async ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/`, skipEventsBy: ['integration-1'] });
    sender.publish(orderEvent({ userId: 'integration-1' }));
    sender.publish(orderEvent({ userId: 'someone-else' }));
    sender.publish(orderEvent());
    await sender.idle();
    expect(receiver.requests).toHaveLength(2);
  });

  it('probes a signed subscription: no signature, a wrong secret, a changed body, another tenant; each one wrong in that way only', async ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/`, signing: { type: 'hmac-sha256-hex', header: 'X-Sig', secret: SECRET } });
    const real = orderEvent();
    sender.publish(real);
    await sender.idle();
    const realBody = receiver.requests[0]!.body;
    const forged = { ...orderEvent(), objectId: 'ORD-OTHER' };
    const other = 'tenant-b-secret-0123456789abcdef';
    for (const probe of ['no-signature', 'wrong-signature', 'tampered-body', 'other-tenant'] as const) {
      const record = await sender.deliver('s1', forged, { probe, otherTenantToken: other, signedAs: real });
      expect(record).toMatchObject({ kind: 'probe', probe, attempt: 1 });
    }
    const [none, wrong, tampered, otherTenant] = receiver.requests.slice(1);
    const forgedBody = JSON.stringify(forged);
    for (const r of [none, wrong, tampered, otherTenant]) expect(r?.body).toBe(forgedBody);
    expect(none?.headers['x-sig']).toBeUndefined();
    expect(wrong?.headers['x-sig']).toMatch(/^[0-9a-f]{64}$/);
    expect(wrong?.headers['x-sig']).not.toBe(hex(forgedBody));
    // A valid signature, of the body the real event was delivered with.
    expect(tampered?.headers['x-sig']).toBe(hex(realBody));
    expect(otherTenant?.headers['x-sig']).toBe(hex(forgedBody, other));
  });

  it('sends a non-canonical layout of the same value, signed over the bytes sent (case 93)', async ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/`, signing: { type: 'hmac-sha256-hex', header: 'X-Sig', secret: SECRET } });
    const event = { ...orderEvent(), objectId: 'ORD/Ø-1' };
    const record = await sender.deliver('s1', event, { layout: 'non-canonical' });
    expect(record).toMatchObject({ kind: 'delivery', layout: 'non-canonical', status: 200 });
    const [req] = receiver.requests;
    // Not the platform's bytes, the same value, with whitespace, \u escapes and keys reordered.
    expect(req?.body).not.toBe(JSON.stringify(event));
    expect(JSON.parse(req!.body)).toEqual(event);
    expect(req?.body).toMatch(/\n {2}"/);
    expect(req?.body).toContain('\\u00d8');
    expect(req?.body).toContain('\\/');
    expect(Object.keys(JSON.parse(req!.body))).toEqual(Object.keys(event).reverse());
    expect(req?.headers['content-length']).toBe(String(Buffer.byteLength(req!.body)));
    // Signed over what was sent, not over the canonical JSON a re-serialising receiver would hash.
    expect(req?.headers['x-sig']).toBe(hex(req!.body));
    expect(req?.headers['x-sig']).not.toBe(hex(JSON.stringify(JSON.parse(req!.body))));
  });

  it('refuses a signature probe on a subscription that is not signed, and a tampered-body probe without the signed event', async ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/`, auth: { type: 'bearer', token: TOKEN } });
    await expect(sender.deliver('s1', orderEvent(), { probe: 'no-signature' })).rejects.toThrow('probe: subscription s1 is not signed, so no-signature cannot be sent');
    sender.subscribe({ id: 'signed', url: `${receiver.origin}/`, signing: { type: 'hmac-sha256-hex', header: 'X-Sig', secret: SECRET } });
    await expect(sender.deliver('signed', orderEvent(), { probe: 'tampered-body' })).rejects.toThrow('signedAs: required for the tampered-body probe');
  });

  it('masks the signing secret when listing', ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/`, signing: { type: 'hmac-sha256-hex', header: 'X-Sig', secret: SECRET } });
    expect(sender.list()[0]?.signing).toEqual({ type: 'hmac-sha256-hex', header: 'X-Sig', secret: expect.not.stringContaining(SECRET) });
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

// Security-tests.md case 57: a restart with deliveries pending delivers each later or reports it
// undelivered, never drops it silently (Standard Webhooks and Svix: failure visibility for
// consumers). The mock keeps no queue across a restart, so every delivery still owed at close()
// is reported to onFailure (Omnium's event 290100 in the mock), as a final failure would be.
describe('close', () => {
  it('57: reports a delivery waiting for its retry as undelivered, with its last answer, and ignores later publishes', async ({ sender, receiver, failures }) => {
    receiver.respond(() => ({ status: 500 }));
    sender.subscribe({ url: `${receiver.origin}/` });
    const event = orderEvent();
    sender.publish(event);
    await sender.drain();
    expect(sender.pending()).toEqual({ inFlight: 0, scheduled: 1 });
    expect(failures).toEqual([]);
    await sender.close();
    expect(sender.pending()).toEqual({ inFlight: 0, scheduled: 0 });
    expect(failures).toEqual([
      expect.objectContaining({ event, subscription: expect.objectContaining({ id: 's1' }), attempts: 1, reason: 'closed before delivery (last attempt: 500 Internal Server Error)' }),
    ]);
    sender.publish(orderEvent());
    await sender.idle();
    expect(sender.log()).toHaveLength(1);
    expect(failures).toHaveLength(1);
    await expect(sender.deliver('s1', orderEvent())).rejects.toThrow('the webhook sender is closed');
  });

  it('57: reports a delivery cut short in flight as undelivered, and one that got its 2xx as nothing', async ({ sender, receiver, failures }) => {
    // The slow one is still at work when the sender closes (its answer would come too late).
    receiver.respond((req) => (req.body.includes('"ORD-SLOW"') ? { status: 200, delayMs: 5_000 } : { status: 200 }));
    sender.subscribe({ url: `${receiver.origin}/` });
    const slow = orderEvent({ objectId: 'ORD-SLOW' });
    const fast = orderEvent();
    sender.publish(fast);
    await sender.drain();
    sender.publish(slow);
    await receiver.waitFor(2);
    await sender.close();
    expect(failures).toEqual([expect.objectContaining({ event: slow, attempts: 1, reason: 'closed before delivery' })]);
    expect(sender.log().map((r) => [r.eventId, r.status, r.error])).toEqual([
      [fast.id, 200, null],
      [slow.id, null, 'closed'],
    ]);
  });
});
