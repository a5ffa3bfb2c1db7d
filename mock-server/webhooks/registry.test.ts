import { describe, expect } from 'vitest';
import { GoliveError } from '../../errors.ts';
import { it, orderEvent, TOKEN } from './test/sender.ts';

describe('filters', () => {
  it('sends only the events a subscription filters for, to each matching subscription once', async ({ sender, receiver }) => {
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
});

describe('guard rails', () => {
  it('refuses a host that is not loopback, naming it', ({ sender }) => {
    expect(() => sender.subscribe({ url: 'https://erp.example.com/hooks' })).toThrow(
      new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'url: host erp.example.com is not loopback; webhooks go only to 127.0.0.0/8, ::1 and localhost unless allowHosts names the host'),
    );
    expect(() => sender.subscribe({ url: 'http://10.0.0.5:8080/' })).toThrow('url: host 10.0.0.5 is not loopback');
    expect(() => sender.subscribe({ url: 'http://[::ffff:10.0.0.5]/' })).toThrow('is not loopback');
    expect(sender.list()).toEqual([]);
  });

  it('accepts every loopback form, and the hosts allowHosts names', ({ sender, newSender }) => {
    for (const url of ['http://127.0.0.1:1/', 'http://127.1.2.3:1/', 'http://localhost:1/', 'http://[::1]:1/', 'http://[::ffff:127.0.0.1]:1/']) {
      expect(() => sender.subscribe({ url })).not.toThrow();
    }
    const wider = newSender({ allowHosts: ['10.0.0.0/8', 'erp.test'] });
    expect(() => wider.subscribe({ url: 'http://10.1.2.3/' })).not.toThrow();
    expect(() => wider.subscribe({ url: 'https://ERP.test/hooks' })).not.toThrow();
    expect(() => wider.subscribe({ url: 'https://other.test/hooks' })).toThrow('host other.test');
  });

  it('refuses an allowHosts entry it cannot read', ({ newSender }) => {
    expect(() => newSender({ allowHosts: ['10.0.0.0/40'] })).toThrow('allowHosts.0: "10.0.0.0/40" is not a CIDR range');
  });

  it('never shows a full secret: authSent and list() are masked', async ({ sender, receiver }) => {
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
});
