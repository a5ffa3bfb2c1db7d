import { beforeEach, describe, expect, it } from 'vitest';
import { createScope } from '../../auth/scope.ts';
import type { ApiRequest, Endpoint, HttpMethod, ResolverContext } from '../../handlers/endpoint.ts';
import { type FulfilmentData, createFulfilmentData } from './domain.ts';
import { API_KEY_ENDPOINTS } from './endpoints.ts';

const NOW = Date.UTC(2026, 0, 15, 12);
const endpoint = (id: string) => API_KEY_ENDPOINTS.find((e) => e.id === id) as Endpoint<FulfilmentData>;
const request = (method: HttpMethod, path: string, parts: Partial<Pick<ApiRequest, 'params' | 'query' | 'body'>> = {}): ApiRequest => ({
  method,
  path,
  params: parts.params ?? {},
  query: parts.query ?? {},
  headers: {},
  body: parts.body,
  transport: 'https',
});

let db: FulfilmentData;
let ctx: ResolverContext<FulfilmentData>;
beforeEach(() => {
  db = createFulfilmentData({ seed: 1, now: () => NOW });
  ctx = {
    db,
    scope: createScope('*', '*'),
    clientId: 'woo',
    granted: ['orders:write'],
    subject: null,
    tokens: { issue: async () => null, mint: async () => null, revoke: () => undefined },
    now: () => new Date(NOW),
    emit: () => undefined,
  };
});

const ORDER = { reference: 'WC-5001', items: [{ sku: 'TSHIRT-M', quantity: 2 }], shipTo: { name: 'Ada Lovelace', line1: '1 Analytical Row', postcode: 'N1 9GU', city: 'London', country: 'GB' } };

describe('POST /v1/orders', () => {
  it('takes an order with only what fulfilment needs and answers 201 with its status, no address back', async () => {
    const res = await endpoint('Orders_Push').resolve(request('POST', '/v1/orders', { body: ORDER }), ctx);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 'ful_000021', reference: 'WC-5001', status: 'received', carrier: null, trackingNumber: null, createdAt: new Date(NOW).toISOString(), updatedAt: new Date(NOW).toISOString() });
    expect(db.orders.get('ful_000021')?.shipTo.city).toBe('London');
  });

  it('refuses fields it does not need (data minimisation): the engine refuses them before the resolver', () => {
    const push = endpoint('Orders_Push');
    expect(push.request?.unknownFields).toBe('refuse');
    expect([push.role, push.okStatus, push.writes]).toEqual(['orders:write', 201, true]);
  });

  it('answers 422 naming the field of a value it cannot take, 409 to a reference pushed twice', async () => {
    const bad = await endpoint('Orders_Push').resolve(request('POST', '/v1/orders', { body: { ...ORDER, items: [] } }), ctx);
    expect(bad).toMatchObject({ status: 422, body: { error: expect.stringMatching(/^items: /) } });
    await endpoint('Orders_Push').resolve(request('POST', '/v1/orders', { body: ORDER }), ctx);
    const twice = await endpoint('Orders_Push').resolve(request('POST', '/v1/orders', { body: ORDER }), ctx);
    expect(twice).toEqual({ status: 409, body: { error: 'an order with reference WC-5001 exists already (ful_000021)' } });
  });
});

describe('GET /v1/orders/{orderId} and GET /v1/orders', () => {
  it("reads an order's status back, 404 naming an unknown one", async () => {
    const res = await endpoint('Orders_Get').resolve(request('GET', '/v1/orders/ful_000001', { params: { orderId: 'ful_000001' } }), ctx);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object).sort()).toEqual(['carrier', 'createdAt', 'id', 'reference', 'status', 'trackingNumber', 'updatedAt']);
    expect(await endpoint('Orders_Get').resolve(request('GET', '/v1/orders/nope', { params: { orderId: 'nope' } }), ctx)).toEqual({ status: 404, body: { error: 'no order nope' } });
  });

  it("finds orders by the shop's reference and by status", async () => {
    const byRef = await endpoint('Orders_List').resolve(request('GET', '/v1/orders', { query: { reference: '1003' } }), ctx);
    expect(byRef.body).toMatchObject({ data: [{ reference: '1003' }], page: 1, hasMore: false });
    const shipped = (await endpoint('Orders_List').resolve(request('GET', '/v1/orders', { query: { status: 'shipped' } }), ctx)).body as { data: { status: string; trackingNumber: string }[] };
    expect(shipped.data.length).toBeGreaterThan(0);
    for (const o of shipped.data) expect(o).toMatchObject({ status: 'shipped', trackingNumber: expect.any(String) });
  });
});

describe('POST /v1/orders/{orderId}/cancel', () => {
  it('cancels an order not yet shipped, and refuses 409 once it has', async () => {
    const received = [...db.orders.values()].find((o) => o.status === 'received')!;
    const shipped = [...db.orders.values()].find((o) => o.status === 'shipped')!;
    const cancel = (id: string) => endpoint('Orders_Cancel').resolve(request('POST', `/v1/orders/${id}/cancel`, { params: { orderId: id } }), ctx);
    expect(await cancel(received.id)).toMatchObject({ status: 200, body: { id: received.id, status: 'cancelled' } });
    expect(await cancel(shipped.id)).toEqual({ status: 409, body: { error: `order ${shipped.id} has shipped: too late to cancel` } });
  });
});

describe('the table', () => {
  it('declares each endpoint once, open only for health', () => {
    expect(API_KEY_ENDPOINTS.map((e) => `${e.method} ${e.path} ${e.role ?? 'open'}`)).toEqual([
      'GET /v1/health open',
      'POST /v1/orders orders:write',
      'GET /v1/orders orders:read',
      'GET /v1/orders/{orderId} orders:read',
      'POST /v1/orders/{orderId}/cancel orders:write',
    ]);
  });

  it('seeds the same orders for the same seed', () => {
    expect(createFulfilmentData({ seed: 1, now: () => NOW }).snapshot()).toEqual(db.snapshot());
  });
});
