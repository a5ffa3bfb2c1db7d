import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GoliveError } from '../../errors.ts';
import { createManualClock } from '../clock.ts';
import type { DomainEvent } from '../domain/events.ts';
import { createCertificateAuthority } from '../transports/tls.ts';
import { createManualScheduler, type ManualScheduler } from './scheduler.ts';
import type { DeliveryRecord } from './delivery-log.ts';
import type { WebhookFailureEvent } from './failure-events.ts';
import { WebhookSender, type WebhookSenderOptions } from './sender.ts';
import { type Receiver, startReceiver } from './test/receiver.ts';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);

let n = 0;
const orderEvent = (extra: Partial<DomainEvent> = {}): DomainEvent => ({
  id: `evt${String(++n).padStart(17, '0')}`,
  operationId: 310101,
  timestamp: '2026-01-15T12:00:00.000Z',
  message: 'Order status updated',
  className: 'Order',
  subClassName: 'Online',
  objectId: `ORD-${n}`,
  objectNumber: `ORD-${n}`,
  category: 'Updated',
  market: 'NOR',
  storeId: 'oslo-online',
  status: 'Shipped',
  previousStatus: 'New',
  isError: false,
  isRead: false,
  ...extra,
});

const TOKEN = 'whk-bearer-0123456789abcdefghij';

let clock: ReturnType<typeof createManualClock>;
let scheduler: ManualScheduler;
let failures: WebhookFailureEvent[];
let receiver: Receiver;
let sender: WebhookSender;
const closers: (() => Promise<void>)[] = [];

function newSender(options: Partial<WebhookSenderOptions> = {}): WebhookSender {
  const s = new WebhookSender({ clock, scheduler, onFailure: (e) => failures.push(e), ...options });
  closers.push(() => s.close());
  return s;
}

async function newReceiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  closers.push(() => r.close());
  return r;
}

beforeEach(async () => {
  clock = createManualClock(START);
  scheduler = createManualScheduler({ clock });
  failures = [];
  receiver = await newReceiver();
  sender = newSender();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Moves the manual scheduler and waits for the sends it started. */
async function advance(ms: number): Promise<void> {
  scheduler.advance(ms);
  await sender.drain();
}

const statuses = (log: DeliveryRecord[]) => log.map((r) => r.status);

describe('delivery', () => {
  it('posts the event as JSON with a bearer token', async () => {
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

  it('sends basic auth as base64 of username:password', async () => {
    sender.subscribe({ url: `${receiver.origin}/`, auth: { type: 'basic', username: 'omnium', password: 'pa55word-for-hooks' } });
    sender.publish(orderEvent());
    await sender.idle();
    expect(receiver.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('omnium:pa55word-for-hooks').toString('base64')}`);
  });

  it('sends a header of its own, the custom headers and the PUT verb', async () => {
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

  it('sends only the events a subscription filters for, to each matching subscription once', async () => {
    const shipped = sender.subscribe({ url: `${receiver.origin}/shipped`, classNames: ['Order'], statuses: ['Shipped'], stores: ['OSLO-ONLINE'] });
    const errors = sender.subscribe({ url: `${receiver.origin}/errors`, errorsOnly: true });
    sender.publish(orderEvent()); // shipped only
    sender.publish(orderEvent({ status: 'New' })); // nobody
    sender.publish(orderEvent({ storeId: 'bergen' })); // nobody
    sender.publish(orderEvent({ className: 'Product', isError: true })); // errors only
    sender.publish(orderEvent({ isError: true })); // both
    await sender.idle();
    const paths = receiver.requests.map((r) => r.url).sort();
    expect(paths).toEqual(['/errors', '/errors', '/shipped', '/shipped']);
    expect(sender.log().filter((r) => r.subscriptionId === shipped.id)).toHaveLength(2);
    expect(sender.log().filter((r) => r.subscriptionId === errors.id)).toHaveLength(2);
  });

  it('delivers to an https:// receiver whose certificate the given CA issued', async () => {
    const ca = await createCertificateAuthority('webhook test CA');
    const secure = await newReceiver({ tls: await ca.issue(['127.0.0.1', 'localhost']) });
    const trusting = newSender({ ca: ca.cert });
    trusting.subscribe({ url: `${secure.origin}/hooks` });
    trusting.subscribe({ url: `https://localhost:${secure.port}/hooks` });
    trusting.publish(orderEvent());
    await trusting.idle();
    expect(trusting.log().map((r) => [r.scheme, r.status, r.error])).toEqual([
      ['https', 200, null],
      ['https', 200, null],
    ]);
    expect(secure.requests).toHaveLength(2);
  });

  it('never accepts a certificate it cannot verify', async () => {
    const ca = await createCertificateAuthority('webhook test CA');
    const stranger = await createCertificateAuthority('someone else');
    const secure = await newReceiver({ tls: await ca.issue(['127.0.0.1']) });
    const wrongCa = newSender({ ca: stranger.cert });
    wrongCa.subscribe({ url: `${secure.origin}/hooks` });
    wrongCa.publish(orderEvent());
    await wrongCa.drain();
    const [record] = wrongCa.log();
    expect(record?.status).toBeNull();
    expect(record?.error).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
    expect(secure.requests).toHaveLength(0);
  });

  it('reads at most maxResponseBytes of a response and drops the rest', async () => {
    const small = newSender({ maxResponseBytes: 1024 });
    receiver.respond(() => ({ status: 200, body: Buffer.alloc(200_000, 'x') }));
    small.subscribe({ url: `${receiver.origin}/` });
    small.publish(orderEvent());
    await small.idle();
    expect(small.log()[0]).toMatchObject({ status: 200, responseBytes: 1024, responseTruncated: true });
  });

  it('signs with Standard Webhooks headers when signing is set', async () => {
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

  it('keeps delivering when the onLog listener throws', async () => {
    const noisy = newSender({
      onLog: () => {
        throw new Error('listener bug');
      },
    });
    noisy.subscribe({ url: `${receiver.origin}/` });
    noisy.publish(orderEvent());
    noisy.publish(orderEvent());
    await noisy.idle();
    expect(statuses(noisy.log())).toEqual([200, 200]);
  });
});

describe('retry policy', () => {
  it('retries a failing receiver after 1 s, 5 s and 15 s, then logs event 290100', async () => {
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
    expect(failures[0]).toMatchObject({
      operationId: 290100,
      className: 'EventSubscription',
      subClassName: 'WebHook',
      status: 'Failed',
      category: 'Order webhook',
      objectId: event.objectId,
      isError: true,
      timestamp: new Date(START + 21_000).toISOString(),
    });
    expect(failures[0]?.message).toMatch(new RegExp(`^Order webhook: POST ${receiver.origin}/hooks \\|Error: 500 Internal Server Error\\. Took: \\d+ ms$`));
    expect(failures[0]?.attachments).toEqual([
      { name: 'EventId', value: event.id },
      { name: 'SubscriptionId', value: 's1' },
      { name: 'Attempts', value: '4' },
    ]);
    await sender.idle();
  });

  it.each([400, 404, 429])('does not retry a %i, and logs it as failed', async (status) => {
    receiver.respond(() => ({ status }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.idle();
    expect(scheduler.pending()).toEqual([]);
    expect(statuses(sender.log())).toEqual([status]);
    expect(failures).toHaveLength(1);
  });

  it.each([200, 201, 202, 204])('does not retry a %i and logs no failure', async (status) => {
    receiver.respond(() => ({ status }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.idle();
    expect(statuses(sender.log())).toEqual([status]);
    expect(failures).toEqual([]);
  });

  it.each([401, 403, 409, 502, 503])('retries a %i', async (status) => {
    receiver.respond(() => ({ status }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.drain();
    expect(scheduler.pending()).toEqual([1000]);
  });

  it('starts the timeout of a queued send only when it goes out', async () => {
    // 320 sends to a receiver taking 50 ms each, at most 32 at a time: 500 ms or more in all, but
    // each send is on the wire for about 50 ms, far from the 400 ms timeout.
    receiver.respond(() => ({ status: 200, delayMs: 50 }));
    sender.subscribe({ url: `${receiver.origin}/`, timeoutMs: 400 });
    const started = performance.now();
    for (let i = 0; i < 320; i++) sender.publish(orderEvent());
    await sender.idle();
    expect(performance.now() - started).toBeGreaterThan(400);
    expect(sender.log().filter((r) => r.status !== 200)).toEqual([]);
    expect(receiver.requests).toHaveLength(320);
  });

    it('does not count a failure that a retry fixed', async () => {
    receiver.respond((req) => ({ status: req.n === 1 ? 500 : 200 }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.drain();
    await advance(1000);
    await sender.idle();
    expect(statuses(sender.log())).toEqual([500, 200]);
    expect(failures).toEqual([]);
  });

  it('retries after a timeout, the receiver still at work', async () => {
    receiver.respond(() => ({ status: 200, delayMs: 2000 }));
    sender.subscribe({ url: `${receiver.origin}/`, timeoutMs: 100 });
    sender.publish(orderEvent());
    await sender.drain();
    expect(sender.log()[0]).toMatchObject({ status: null, error: 'timeout', timedOut: true });
    expect(sender.log()[0]?.latencyMs).toBeGreaterThanOrEqual(95);
    expect(scheduler.pending()).toEqual([1000]);
  });

  it('retries when the connection is refused', async () => {
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

  it('records a redirect as its status and does not follow it', async () => {
    receiver.respond((req) => (req.url === '/old' ? { status: 302, headers: { location: `${receiver.origin}/new` } } : { status: 200 }));
    sender.subscribe({ url: `${receiver.origin}/old` });
    sender.publish(orderEvent());
    await sender.idle();
    expect(receiver.requests.map((r) => r.url)).toEqual(['/old']);
    expect(sender.log()).toMatchObject([{ status: 302, location: `${receiver.origin}/new` }]);
    expect(scheduler.pending()).toEqual([]);
    expect(failures[0]?.message).toContain('|Error: 302 Found.');
  });

  it('drops the retries of a subscription that is removed', async () => {
    receiver.respond(() => ({ status: 503 }));
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.publish(orderEvent());
    await sender.drain();
    expect(sender.unsubscribe('s1')).toBe(true);
    await advance(1000);
    await sender.idle();
    expect(sender.log()).toHaveLength(1);
  });

  it('waits on real timers by default, and idle() resolves when the last retry is done', async () => {
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

describe('deliberate misbehaviour', () => {
  it('sends a duplicate with the same event id', async () => {
    sender.subscribe({ url: `${receiver.origin}/` });
    const event = orderEvent();
    sender.publish(event);
    await sender.idle();
    const record = await sender.deliver('s1', event, { note: 'duplicate check' });
    expect(record).toMatchObject({ kind: 'duplicate', attempt: 1, status: 200, note: 'duplicate check' });
    expect(receiver.bodies()).toEqual([event, event]);
  });

  it('redelivers after a simulated timeout: timed out while the receiver works, then again with the same id', async () => {
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

  it('redelivers after a delay on the scheduler', async () => {
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

  it('refuses to redeliver an event it never sent', async () => {
    await expect(sender.redeliver('nope')).rejects.toMatchObject({ code: 'GOLIVE_ERR_NOT_FOUND' });
  });

  it('probes without auth, with a wrong token and with another tenant\'s token, recording the answers', async () => {
    const otherTenant = 'tenant-b-bearer-abcdefghijklmnop';
    receiver.respond((req) => {
      const auth = req.headers.authorization;
      if (auth === `Bearer ${TOKEN}`) return { status: 200 };
      if (auth === `Bearer ${otherTenant}`) return { status: 403 };
      return { status: 401, headers: { 'www-authenticate': 'Bearer' } };
    });
    sender.subscribe({ url: `${receiver.origin}/`, auth: { type: 'bearer', token: TOKEN } });
    const event = orderEvent();
    const noAuth = await sender.deliver('s1', event, { probe: 'no-auth' });
    const wrong = await sender.deliver('s1', event, { probe: 'wrong-token' });
    const other = await sender.deliver('s1', event, { probe: 'other-tenant', otherTenantToken: otherTenant });
    const right = await sender.deliver('s1', event);

    expect([noAuth, wrong, other, right].map((r) => [r.kind, r.probe, r.status])).toEqual([
      ['probe', 'no-auth', 401],
      ['probe', 'wrong-token', 401],
      ['probe', 'other-tenant', 403],
      ['delivery', undefined, 200],
    ]);
    expect(noAuth.authSent).toBeNull();
    expect(receiver.requests[0]?.headers.authorization).toBeUndefined();
    const wrongSent = receiver.requests[1]?.headers.authorization ?? '';
    expect(wrongSent).not.toBe(`Bearer ${TOKEN}`);
    expect(wrongSent).toHaveLength(`Bearer ${TOKEN}`.length);
    expect(other.authSent).toBe('Bearer tena…mnop');
    await sender.idle();
    expect(scheduler.pending()).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('refuses probes it cannot make', async () => {
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.subscribe({ url: `${receiver.origin}/`, auth: { type: 'bearer', token: TOKEN } });
    await expect(sender.deliver('s1', orderEvent(), { probe: 'wrong-token' })).rejects.toThrow('probe: subscription s1 has no auth to replace');
    await expect(sender.deliver('s2', orderEvent(), { probe: 'other-tenant' })).rejects.toThrow('otherTenantToken: required');
    await expect(sender.deliver('s9', orderEvent())).rejects.toThrow('subscriptionId: no subscription s9');
    await expect(sender.deliver('s2', orderEvent(), { probe: 'other-tenant', otherTenantToken: 'a\r\nx-injected: 1' })).rejects.toThrow('otherTenantToken: may not contain CR, LF');
  });
});

describe('plain HTTP behind an https:// URL', () => {
  it('records that the receiver speaks only plain HTTP, and retries as for any connection error', async () => {
    sender.subscribe({ url: `https://127.0.0.1:${receiver.port}/hooks` });
    sender.publish(orderEvent());
    await sender.drain();
    expect(sender.log()).toMatchObject([{ scheme: 'https', status: null, plainHttpOnly: true, error: 'ERR_SSL_WRONG_VERSION_NUMBER' }]);
    expect(receiver.requests).toHaveLength(0);
    expect(scheduler.pending()).toEqual([1000]);
  });

  it('falls back to http:// for the same attempt when fallbackToHttp is set', async () => {
    sender.subscribe({ url: `https://127.0.0.1:${receiver.port}/hooks`, fallbackToHttp: true, auth: { type: 'bearer', token: TOKEN } });
    sender.publish(orderEvent());
    await sender.idle();
    expect(sender.log().map((r) => [r.attempt, r.scheme, r.url, r.status, r.plainHttpOnly, r.fallback])).toEqual([
      [1, 'https', `https://127.0.0.1:${receiver.port}/hooks`, null, true, undefined],
      [1, 'http', `http://127.0.0.1:${receiver.port}/hooks`, 200, true, true],
    ]);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });
});

describe('guard rails', () => {
  it('refuses a host that is not loopback, naming it', () => {
    expect(() => sender.subscribe({ url: 'https://erp.example.com/hooks' })).toThrow(
      new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'url: host erp.example.com is not loopback; webhooks go only to 127.0.0.0/8, ::1 and localhost unless allowHosts names the host'),
    );
    expect(() => sender.subscribe({ url: 'http://10.0.0.5:8080/' })).toThrow('url: host 10.0.0.5 is not loopback');
    expect(() => sender.subscribe({ url: 'http://[::ffff:10.0.0.5]/' })).toThrow('is not loopback');
    expect(sender.list()).toEqual([]);
  });

  it('accepts every loopback form, and the hosts allowHosts names', () => {
    for (const url of ['http://127.0.0.1:1/', 'http://127.1.2.3:1/', 'http://localhost:1/', 'http://[::1]:1/', 'http://[::ffff:127.0.0.1]:1/']) {
      expect(() => sender.subscribe({ url })).not.toThrow();
    }
    const wider = newSender({ allowHosts: ['10.0.0.0/8', 'erp.test'] });
    expect(() => wider.subscribe({ url: 'http://10.1.2.3/' })).not.toThrow();
    expect(() => wider.subscribe({ url: 'https://ERP.test/hooks' })).not.toThrow();
    expect(() => wider.subscribe({ url: 'https://other.test/hooks' })).toThrow('host other.test');
  });

  it('refuses an allowHosts entry it cannot read', () => {
    expect(() => newSender({ allowHosts: ['10.0.0.0/40'] })).toThrow('allowHosts.0: "10.0.0.0/40" is not a CIDR range');
  });

  it('never shows a full secret: authSent and list() are masked', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    sender.subscribe({ url: `${receiver.origin}/`, auth: { type: 'bearer', token: TOKEN }, headers: { 'x-extra-key': 'extra-0123456789abc' }, signing: { type: 'standard-webhooks', secret } });
    sender.subscribe({ url: `${receiver.origin}/`, auth: { type: 'basic', username: 'omnium', password: 'pa55word-for-hooks' } });
    sender.publish(orderEvent());
    await sender.idle();
    const log = sender.log();
    const b64 = Buffer.from('omnium:pa55word-for-hooks').toString('base64');
    expect(log.map((r) => r.authSent)).toEqual(['Bearer whk-…ghij', `Basic ${b64.slice(0, 4)}…${b64.slice(-4)}`]);
    const shown = JSON.stringify([log, sender.list()]);
    for (const s of [TOKEN, 'pa55word-for-hooks', secret, 'extra-0123456789abc']) expect(shown).not.toContain(s);
    expect(sender.list()[0]?.auth).toEqual({ type: 'bearer', token: 'whk-…ghij' });
  });

  it('keeps only the last logSize records', async () => {
    const short = newSender({ logSize: 3 });
    short.subscribe({ url: `${receiver.origin}/` });
    for (let i = 0; i < 5; i++) short.publish(orderEvent());
    await short.idle();
    expect(short.log().map((r) => r.seq)).toEqual([3, 4, 5]);
  });

  it('stops on close: scheduled retries dropped, later publishes ignored', async () => {
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
