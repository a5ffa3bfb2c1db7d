import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect } from 'vitest';
import type { DomainEvent } from '../domain/events.ts';
import { createRetryPolicy } from './retry.ts';
import { WebhookSender } from './sender.ts';
import { it, orderEvent, START, statuses } from './test/sender.ts';

describe('createRetryPolicy', () => {
  const answer = (status: number | null, timedOut = false) => ({ status, timedOut });

  it('waits the delay of the next retry, until there is none left, then calls it failed', () => {
    const policy = createRetryPolicy([10, 20]);
    expect([1, 2, 3].map((attempt) => policy.after(attempt, answer(503)))).toEqual([10, 20, 'failed']);
    expect(policy.after(1, answer(null, true))).toBe(10);
  });

  it('ends at a success, or at a failure the policy does not retry', () => {
    const policy = createRetryPolicy();
    expect(policy.after(1, answer(204))).toBe('done');
    expect([400, 404, 429, 302].map((status) => policy.after(1, answer(status)))).toEqual(['failed', 'failed', 'failed', 'failed']);
  });

  it('retries even a success when forced, while delays are left', () => {
    const policy = createRetryPolicy([10]);
    expect(policy.after(1, answer(200), true)).toBe(10);
    expect(policy.after(2, answer(200), true)).toBe('done');
    expect(policy.after(2, answer(500), true)).toBe('failed');
  });

  it('refuses a delay that is not milliseconds ≥ 0, naming it', () => {
    expect(() => createRetryPolicy([1000, -1])).toThrow('retryDelaysMs.1: expected milliseconds ≥ 0');
    expect(() => createRetryPolicy([Number.NaN])).toThrow('retryDelaysMs.0');
  });
});

describe('retry policy, against a real receiver', () => {
  it('retries a failing receiver after 1 s, 5 s and 15 s, then reports the delivery failed', async ({ sender, receiver, scheduler, failures, advance }) => {
    receiver.respond(() => ({ status: 500 }));
    sender.subscribe({ url: `${receiver.origin}/hooks` });
    const event = orderEvent();
    sender.publish(event);
    await sender.drain();
    expect(sender.log()).toHaveLength(1);
    expect(scheduler.pending()).toEqual([1000]);

    await advance(999);
    expect(sender.log()).toHaveLength(1);
    await advance(1);
    expect(sender.log()).toHaveLength(2);
    expect(scheduler.pending()).toEqual([6000]);
    await advance(5000);
    expect(scheduler.pending()).toEqual([21_000]);
    expect(failures).toEqual([]);
    await advance(15_000);

    const log = sender.log();
    expect(log.map((r) => [r.attempt, r.kind, r.status])).toEqual([
      [1, 'delivery', 500],
      [2, 'retry', 500],
      [3, 'retry', 500],
      [4, 'retry', 500],
    ]);
    expect(log.map((r) => Date.parse(r.startedAt) - START)).toEqual([0, 1000, 6000, 21_000]);
    expect(new Set(receiver.bodies().map((b) => (b as DomainEvent).id))).toEqual(new Set([event.id]));
    expect(scheduler.pending()).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toEqual({
      event,
      subscription: { id: 's1', verb: 'POST', url: `${receiver.origin}/hooks` },
      attempts: 4,
      reason: '500 Internal Server Error',
      latencyMs: expect.any(Number),
      at: START + 21_000,
    });
    await sender.idle();
  });

  it.for([400, 404, 429])('does not retry a %i, and logs it as failed', async (status, { sender, receiver, scheduler, failures }) => {
    receiver.respond(() => ({ status }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.idle();
    expect(scheduler.pending()).toEqual([]);
    expect(statuses(sender.log())).toEqual([status]);
    expect(failures).toHaveLength(1);
  });

  it.for([200, 201, 202, 204])('does not retry a %i and logs no failure', async (status, { sender, receiver, failures }) => {
    receiver.respond(() => ({ status }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.idle();
    expect(statuses(sender.log())).toEqual([status]);
    expect(failures).toEqual([]);
  });

  it.for([401, 403, 409, 502, 503])('retries a %i', async (status, { sender, receiver, scheduler }) => {
    receiver.respond(() => ({ status }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.drain();
    expect(scheduler.pending()).toEqual([1000]);
  });

  it('does not count a failure that a retry fixed', async ({ sender, receiver, failures, advance }) => {
    receiver.respond((req) => ({ status: req.n === 1 ? 500 : 200 }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.drain();
    await advance(1000);
    await sender.idle();
    expect(statuses(sender.log())).toEqual([500, 200]);
    expect(failures).toEqual([]);
  });

  it('retries after a timeout, the receiver still at work', async ({ sender, receiver, scheduler }) => {
    receiver.respond(() => ({ status: 200, delayMs: 2000 }));
    sender.subscribe({ url: `${receiver.origin}/`, timeoutMs: 100 });
    sender.publish(orderEvent());
    await sender.drain();
    expect(sender.log()[0]).toMatchObject({ status: null, error: 'timeout', timedOut: true });
    expect(sender.log()[0]?.latencyMs).toBeGreaterThanOrEqual(95);
    expect(scheduler.pending()).toEqual([1000]);
  });

  it('retries when the connection is refused', async ({ sender, scheduler }) => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    sender.subscribe({ url: `http://127.0.0.1:${port}/` });
    sender.publish(orderEvent());
    await sender.drain();
    expect(sender.log()[0]).toMatchObject({ status: null, error: 'ECONNREFUSED', timedOut: false });
    expect(scheduler.pending()).toEqual([1000]);
  });

  it('drops the retries of a subscription that is removed', async ({ sender, receiver, advance }) => {
    receiver.respond(() => ({ status: 503 }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.drain();
    expect(sender.unsubscribe('s1')).toBe(true);
    await advance(1000);
    await sender.idle();
    expect(sender.log()).toHaveLength(1);
  });

  it('waits on real timers by default, and idle() resolves when the last retry is done', async ({ receiver, clock, failures, closers }) => {
    const real = new WebhookSender({ clock, retryDelaysMs: [5, 5], onFailure: (e) => failures.push(e) });
    closers.push(() => real.close());
    receiver.respond(() => ({ status: 500 }));
    real.subscribe({ url: `${receiver.origin}/` });
    real.publish(orderEvent());
    await real.idle();
    expect(real.log().map((r) => r.kind)).toEqual(['delivery', 'retry', 'retry']);
    expect(failures).toHaveLength(1);
  });
});
