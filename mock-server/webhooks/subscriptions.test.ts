import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../domain/events.ts';
import { matches, parseSubscription, viewSubscription } from './subscriptions.ts';

const event = (extra: Partial<DomainEvent> = {}): DomainEvent => ({
  id: 'kpzvL5oBTOMIzPDw4ELu',
  operationId: 111102,
  timestamp: '2026-02-17T07:23:07.638Z',
  message: 'Workflow completed',
  className: 'Order',
  objectId: 'ORD-12345',
  category: 'Workflow',
  market: 'nor',
  storeId: 'oslo-online',
  status: 'New',
  isError: false,
  isRead: false,
  ...extra,
});

const URL_ = 'http://127.0.0.1:4000/hooks';

describe('parseSubscription', () => {
  it('fills the defaults and normalises the URL and the verb', () => {
    expect(parseSubscription({ url: 'http://127.0.0.1:4000' })).toEqual({ url: 'http://127.0.0.1:4000/', verb: 'POST', timeoutMs: 10_000 });
    expect(parseSubscription({ url: `${URL_}#frag`, verb: 'put' })).toMatchObject({ url: URL_, verb: 'PUT' });
  });

  it('accepts every auth type, filters and signing', () => {
    const full = {
      id: 'erp-orders',
      name: 'ERP orders',
      url: URL_,
      verb: 'POST' as const,
      auth: { type: 'basic' as const, username: 'u', password: '' },
      headers: { 'x-tenant': 'acme' },
      classNames: ['Order'],
      categories: ['Created', 'Workflow'],
      statuses: ['New'],
      stores: ['oslo-online'],
      markets: ['NOR'],
      errorsOnly: false,
      timeoutMs: 5000,
      fallbackToHttp: true,
      signing: { type: 'standard-webhooks' as const, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    };
    expect(parseSubscription(full)).toEqual(full);
    expect(parseSubscription({ url: URL_, auth: { type: 'bearer', token: 't' } }).auth).toEqual({ type: 'bearer', token: 't' });
    expect(parseSubscription({ url: URL_, auth: { type: 'header', name: 'X-Api-Key', value: 'k' } }).auth).toEqual({ type: 'header', name: 'X-Api-Key', value: 'k' });
  });

  it.each([
    [{}, 'url: expected an absolute http:// or https:// URL'],
    [{ url: 'not a url' }, 'url: expected an absolute http:// or https:// URL'],
    [{ url: 'ftp://127.0.0.1/' }, 'url: expected an absolute http:// or https:// URL, not ftp:'],
    [{ url: 'http://user:pw@127.0.0.1/' }, 'url: put credentials in auth, not in the URL'],
    [{ url: URL_, verb: 'GET' }, 'verb: expected POST or PUT'],
    [{ url: URL_, auth: { type: 'oauth' } }, 'auth.type: expected { type: "bearer", token }, { type: "basic", username, password } or { type: "header", name, value }'],
    [{ url: URL_, auth: { type: 'bearer' } }, 'auth.token: expected a non-empty string'],
    [{ url: URL_, auth: { type: 'bearer', token: 'a\r\nb' } }, 'auth.token: may not contain CR, LF, NUL'],
    [{ url: URL_, auth: { type: 'bearer', token: 'price-in-€' } }, 'auth.token: may not contain CR, LF, NUL'],
    [{ url: URL_, auth: { type: 'basic', username: 'a:b', password: 'p' } }, 'auth.username: expected a string without ":"'],
    [{ url: URL_, auth: { type: 'header', name: 'bad name', value: 'v' } }, 'auth.name: expected a header name'],
    [{ url: URL_, headers: { 'content-length': '3' } }, 'headers.content-length: is set by the sender; choose another header'],
    [{ url: URL_, headers: { 'bad name': 'v' } }, 'headers.bad name: expected a header name'],
    [{ url: URL_, headers: [] }, 'headers: expected an object of header names to strings'],
    [{ url: URL_, headers: { 'x-a': 'line\nbreak' } }, 'headers.x-a: may not contain CR, LF, NUL'],
    [{ url: URL_, auth: { type: 'bearer', token: 't' }, headers: { Authorization: 'x' } }, 'headers.authorization: is set by auth; give it in one place'],
    [{ url: URL_, signing: { type: 'standard-webhooks', secret: 's' }, headers: { 'webhook-id': 'x' } }, 'headers.webhook-id: is set by signing'],
    [{ url: URL_, signing: { type: 'hmac', secret: 's' } }, 'signing.type: expected { type: "standard-webhooks", secret } or { type: "hmac-sha256-hex", header, secret }'],
    [{ url: URL_, signing: { type: 'hmac-sha256-hex', header: 'X Sig', secret: 's' } }, 'signing.header: expected a header name'],
    [{ url: URL_, signing: { type: 'hmac-sha256-hex', header: 'X-Sig', secret: '' } }, 'signing.secret: expected a non-empty string'],
    [{ url: URL_, headers: { 'X-Sig': 'v' }, signing: { type: 'hmac-sha256-hex', header: 'x-sig', secret: 's' } }, 'headers.x-sig: is set by signing'],
    [{ url: URL_, signing: { type: 'standard-webhooks', secret: 'whsec_!!' } }, 'signing.secret: expected a secret: whsec_ and base64, or any non-empty string'],
    [{ url: URL_, stores: 'oslo' }, 'stores: expected a list of store ids'],
    [{ url: URL_, statuses: [''] }, 'statuses.0: expected a non-empty string'],
    [{ url: URL_, errorsOnly: 'yes' }, 'errorsOnly: expected true or false'],
    [{ url: URL_, timeoutMs: 0 }, 'timeoutMs: expected a whole number of milliseconds from 1 to 600000'],
    [{ url: URL_, id: 'a b' }, 'id: expected letters, digits, ".", "_" or "-" (at most 64)'],
    [{ url: URL_, filter: 'x' }, 'filter: unknown field'],
    ['x', 'subscription: expected an object'],
  ])('refuses %j, naming the field', (input, message) => {
    expect(() => parseSubscription(input)).toThrow(expect.objectContaining({ code: 'GOLIVE_ERR_BAD_REQUEST', message: expect.stringContaining(message) }));
  });
});

describe('matches', () => {
  const sub = (filters: object) => parseSubscription({ url: URL_, ...filters });

  it('matches every event when no filter is given', () => {
    expect(matches(sub({}), event())).toBe(true);
  });

  it('requires every filter given to hold', () => {
    const s = sub({ classNames: ['Order'], categories: ['Workflow'], statuses: ['New'] });
    expect(matches(s, event())).toBe(true);
    expect(matches(s, event({ className: 'Product' }))).toBe(false);
    expect(matches(s, event({ category: 'Created' }))).toBe(false);
    expect(matches(s, event({ status: 'Shipped' }))).toBe(false);
  });

  it('compares stores and markets case-insensitively, and class names exactly', () => {
    expect(matches(sub({ stores: ['OSLO-Online'], markets: ['NOR'] }), event())).toBe(true);
    expect(matches(sub({ markets: ['swe'] }), event())).toBe(false);
    expect(matches(sub({ classNames: ['order'] }), event())).toBe(false);
  });

  it('does not match a filter on a field the event lacks', () => {
    expect(matches(sub({ stores: ['oslo-online'] }), event({ storeId: undefined }))).toBe(false);
    expect(matches(sub({ statuses: ['New'] }), event({ status: undefined }))).toBe(false);
  });

  it('passes only error events with errorsOnly', () => {
    expect(matches(sub({ errorsOnly: true }), event())).toBe(false);
    expect(matches(sub({ errorsOnly: true }), event({ isError: true }))).toBe(true);
  });
});

describe('viewSubscription', () => {
  it('masks the token, the password, the header values and the signing secret', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const base = { id: 's1', url: URL_, verb: 'POST' as const, timeoutMs: 1000 };
    expect(viewSubscription({ ...base, auth: { type: 'bearer', token: 'abcdefghijklmnopqrstuvwxyz' } }).auth).toEqual({ type: 'bearer', token: 'abcd…wxyz' });
    expect(viewSubscription({ ...base, auth: { type: 'basic', username: 'omnium', password: 'short' } }).auth).toEqual({ type: 'basic', username: 'omnium', password: '…' });
    const view = viewSubscription({ ...base, auth: { type: 'header', name: 'x-api-key', value: 'key-0123456789abcdef' }, headers: { 'x-other': 'other-0123456789' }, signing: { type: 'standard-webhooks', secret } });
    expect(view.auth).toEqual({ type: 'header', name: 'x-api-key', value: 'key-…cdef' });
    expect(view.headers).toEqual({ 'x-other': 'othe…6789' });
    expect(view.signing).toEqual({ type: 'standard-webhooks', secret: 'whse…LaSw' });
  });
});
