import { describe, expect } from 'vitest';
import { createCertificateAuthority } from '../transports/tls.ts';
import { it, orderEvent, TOKEN } from './test/sender.ts';

describe('HTTPS', () => {
  it('delivers to an https:// receiver whose certificate the given CA issued', async ({ newSender, newReceiver }) => {
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

  it('never accepts a certificate it cannot verify', async ({ newSender, newReceiver }) => {
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
});

describe('what it reads of an answer', () => {
  it('reads at most maxResponseBytes of a response and drops the rest', async ({ receiver, newSender }) => {
    const small = newSender({ maxResponseBytes: 1024 });
    receiver.respond(() => ({ status: 200, body: Buffer.alloc(200_000, 'x') }));
    small.subscribe({ url: `${receiver.origin}/` });
    small.publish(orderEvent());
    await small.idle();
    expect(small.log()[0]).toMatchObject({ status: 200, responseBytes: 1024, responseTruncated: true });
  });

  it('records a redirect as its status and does not follow it', async ({ sender, receiver, scheduler, failures }) => {
    receiver.respond((req) => (req.url === '/old' ? { status: 302, headers: { location: `${receiver.origin}/new` } } : { status: 200 }));
    sender.subscribe({ url: `${receiver.origin}/old` });
    sender.publish(orderEvent());
    await sender.idle();
    expect(receiver.requests.map((r) => r.url)).toEqual(['/old']);
    expect(sender.log()).toMatchObject([{ status: 302, location: `${receiver.origin}/new` }]);
    expect(scheduler.pending()).toEqual([]);
    expect(failures[0]?.reason).toBe('302 Found');
  });
});

describe('plain HTTP behind an https:// URL', () => {
  it('records that the receiver speaks only plain HTTP, and retries as for any connection error', async ({ sender, receiver, scheduler }) => {
    sender.subscribe({ url: `https://127.0.0.1:${receiver.port}/hooks` });
    sender.publish(orderEvent());
    await sender.drain();
    expect(sender.log()).toMatchObject([{ scheme: 'https', status: null, plainHttpOnly: true, error: 'ERR_SSL_WRONG_VERSION_NUMBER' }]);
    expect(receiver.requests).toHaveLength(0);
    expect(scheduler.pending()).toEqual([1000]);
  });

  it('falls back to http:// for the same attempt when fallbackToHttp is set', async ({ sender, receiver }) => {
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
