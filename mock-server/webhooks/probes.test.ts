import { describe, expect } from 'vitest';
import { it, orderEvent, TOKEN } from './test/sender.ts';

describe('auth probes', () => {
  it('probes without auth, with a wrong token and with another tenant\'s token, recording the answers', async ({ sender, receiver, scheduler, failures }) => {
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

  it('refuses probes it cannot make', async ({ sender, receiver }) => {
    sender.subscribe({ url: `${receiver.origin}/` });
    sender.subscribe({ url: `${receiver.origin}/`, auth: { type: 'bearer', token: TOKEN } });
    await expect(sender.deliver('s1', orderEvent(), { probe: 'wrong-token' })).rejects.toThrow('probe: subscription s1 has no auth to replace');
    await expect(sender.deliver('s2', orderEvent(), { probe: 'other-tenant' })).rejects.toThrow('otherTenantToken: required');
    await expect(sender.deliver('s9', orderEvent())).rejects.toThrow('subscriptionId: no subscription s9');
    await expect(sender.deliver('s2', orderEvent(), { probe: 'other-tenant', otherTenantToken: 'a\r\nx-injected: 1' })).rejects.toThrow('otherTenantToken: may not contain CR, LF');
  });
});
