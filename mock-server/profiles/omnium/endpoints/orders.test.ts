import { beforeEach, describe, expect, it } from 'vitest';
import { createDomain, type Domain, type Order } from '../domain/index.ts';
import type { Endpoint } from '../endpoint.ts';
import { requestProblem } from '../../../handlers/request-schema.ts';
import { orderEndpoints } from './orders.ts';
import { TEST_NOW, testContext, testRequest } from '../test/context.ts';

const endpoint = (id: string): Endpoint => {
  const found = orderEndpoints.find((e) => e.id === id);
  if (!found) throw new Error(`no endpoint ${id}`);
  return found;
};

const call = async (id: string, ctx: ReturnType<typeof testContext>, parts: Parameters<typeof testRequest>[2] = {}) => {
  const e = endpoint(id);
  return e.resolve(testRequest(e.method, e.path, parts), ctx);
};

type Page = { result: Order[]; totalHits: number; facets: unknown[]; scrollId: string | null; isValid: boolean };

let db: Domain;
beforeEach(async () => {
  db = await createDomain({ seed: 1, scale: 50, now: () => TEST_NOW });
});

function newOrder(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    marketId: 'nor',
    storeId: 'oslo-online',
    orderType: 'Online',
    status: 'New',
    customerName: 'Kari Nordmann',
    orderForm: { lineItems: [{ code: 'P-1001-1', placedPrice: 100, quantity: 2 }] },
    ...overrides,
  };
}

const orderIn = (storeId: string) => db.orders.all().find((o) => o.storeId === storeId) as Order;

describe('the order endpoints', () => {
  it('declare the C1 order routes with their roles', () => {
    const table = orderEndpoints.map((e) => `${e.method} ${e.path} ${e.role}`);
    expect(table).toEqual(
      expect.arrayContaining([
        'GET /api/Orders/{orderId} OrderRead',
        'POST /api/Orders/Search OrderRead',
        'POST /api/Orders/Scroll OrderRead',
        'GET /api/Orders/Scroll/{scrollId} OrderRead',
        'GET /api/Orders/GetOrders OrderRead',
        'GET /api/Orders/GetOrders/Count OrderRead',
        'POST /api/Orders OrderAdmin',
        'PUT /api/Orders OrderAdmin',
        'PATCH /api/Orders/{orderId}/PatchOrder OrderAdmin',
        'POST /api/Orders/{orderId}/UpdateStatus OrderAdmin',
        'DELETE /api/Orders/{orderId} OrderAdmin',
        'POST /api/Orders/AddMany OrderAdmin',
      ]),
    );
    expect(endpoint('Orders_AddMany').limit).toBe('batch');
  });
});

describe('GET /api/Orders/{orderId}', () => {
  it('answers the stored order itself', async () => {
    const res = await call('Orders_Get', testContext(db), { params: { orderId: 'ORD-100001' } });
    expect(res.status).toBe(200);
    expect(res.body).toBe(db.orders.get('ORD-100001'));
    expect(res.body).toMatchObject({ id: 'ORD-100001', orderForm: { lineItems: expect.any(Array) } });
  });

  it('answers 404 with the plain text "Order was not found"', async () => {
    const res = await call('Orders_Get', testContext(db), { params: { orderId: 'ORD-999' } });
    expect(res).toEqual({ status: 404, body: 'Order was not found' });
  });

  it('treats order ids as case-sensitive', async () => {
    const res = await call('Orders_Get', testContext(db), { params: { orderId: 'ord-100001' } });
    expect(res.status).toBe(404);
  });

  it('answers 403 to an order of a store outside the scope', async () => {
    const order = orderIn('store-bergen-mall');
    const res = await call('Orders_Get', testContext(db, { stores: ['oslo-online'] }), { params: { orderId: order.id } });
    expect(res).toEqual({ status: 403 });
  });

  it('answers 403 to an order of a market outside the scope', async () => {
    const order = db.orders.all().find((o) => o.marketId === 'swe') as Order;
    const res = await call('Orders_Get', testContext(db, { markets: ['nor'] }), { params: { orderId: order.id } });
    expect(res.status).toBe(403);
  });
});

describe('POST /api/Orders/Search', () => {
  it('answers the search wrapper with 20 hits by default', async () => {
    const res = await call('Orders_Search', testContext(db), { body: {} });
    const page = res.body as Page;
    expect(res.status).toBe(200);
    expect(page).toMatchObject({ totalHits: 50, facets: [], scrollId: null, isValid: true });
    expect(page.result).toHaveLength(20);
  });

  it('pages with a 0-based page', async () => {
    const all = (await call('Orders_Search', testContext(db), { body: { take: 50, sortOrder: 'DocumentId' } })).body as Page;
    const second = (await call('Orders_Search', testContext(db), { body: { take: 10, page: 1, sortOrder: 'DocumentId' } })).body as Page;
    expect(second.result.map((o) => o.id)).toEqual(all.result.slice(10, 20).map((o) => o.id));
  });

  it('answers 400 text to take above 100', async () => {
    const res = await call('Orders_Search', testContext(db), { body: { take: 101 } });
    expect(res.status).toBe(400);
    expect(typeof res.body).toBe('string');
  });

  it('answers 400 text when take * page exceeds 10,000', async () => {
    expect((await call('Orders_Search', testContext(db), { body: { take: 100, page: 100 } })).status).toBe(200);
    const res = await call('Orders_Search', testContext(db), { body: { take: 100, page: 101 } });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/10000/);
  });

  it('filters silently to the stores in scope', async () => {
    const res = await call('Orders_Search', testContext(db, { stores: ['oslo-online'] }), { body: { take: 100 } });
    const page = res.body as Page;
    expect(page.totalHits).toBe(db.orders.all().filter((o) => o.storeId === 'oslo-online').length);
    expect(page.result.every((o) => o.storeId === 'oslo-online')).toBe(true);
  });

  it('filters by status, store and modified date and sorts as asked', async () => {
    const from = '2025-12-01T00:00:00.000Z';
    const res = await call('Orders_Search', testContext(db), {
      body: { take: 100, selectedStatuses: ['Completed'], selectedStores: ['oslo-online', 'store-oslo-downtown'], modifiedFrom: from, sortOrder: 'ModifiedAscending' },
    });
    const hits = (res.body as Page).result;
    const expected = db.orders
      .all()
      .filter((o) => o.status === 'Completed' && ['oslo-online', 'store-oslo-downtown'].includes(o.storeId) && o.modified >= from);
    expect(hits.map((o) => o.id).sort()).toEqual(expected.map((o) => o.id).sort());
    expect(hits.map((o) => o.modified)).toEqual([...hits.map((o) => o.modified)].sort());
  });

  it('answers 400 to an invalid date', async () => {
    const res = await call('Orders_Search', testContext(db), { body: { modifiedFrom: 'yesterday' } });
    expect(res.status).toBe(400);
  });
});

describe('scrolling orders', () => {
  it('hands out every hit in batches, then an empty result', async () => {
    const ctx = testContext(db);
    const first = (await call('Orders_Scroll', ctx, { body: { take: 20 } })).body as Page;
    expect(first.totalHits).toBe(50);
    expect(first.result).toHaveLength(20);
    const seen = first.result.map((o) => o.id);
    let scrollId = first.scrollId as string;
    for (;;) {
      const next = (await call('Orders_ScrollNext', ctx, { params: { scrollId } })).body as Page;
      if (next.result.length === 0) break;
      seen.push(...next.result.map((o) => o.id));
      scrollId = next.scrollId as string;
    }
    expect(new Set(seen).size).toBe(50);
  });

  it('answers 404 text to an unknown scroll id', async () => {
    const res = await call('Orders_ScrollNext', testContext(db), { params: { scrollId: 'nope' } });
    expect(res.status).toBe(404);
    expect(typeof res.body).toBe('string');
  });

  it('forgets a scroll after 5 idle minutes', async () => {
    let now = TEST_NOW;
    const timed = await createDomain({ seed: 1, scale: 20, now: () => now });
    const ctx = testContext(timed);
    const first = (await call('Orders_Scroll', ctx, { body: { take: 5 } })).body as Page;
    now += 5 * 60_000 + 1;
    const res = await call('Orders_ScrollNext', ctx, { params: { scrollId: first.scrollId as string } });
    expect(res.status).toBe(404);
  });
});

describe('GET /api/Orders/GetOrders', () => {
  it('takes repeated storeId and status keys and a changedSince', async () => {
    const since = '2025-11-01T00:00:00Z';
    const res = await call('Orders_GetOrders', testContext(db), {
      query: { storeId: ['oslo-online', 'store-bergen-mall'], status: ['New', 'Completed', 'InProgress'], changedSince: since, pageSize: '100' },
    });
    const page = res.body as Page;
    const expected = db.orders
      .all()
      .filter((o) => ['oslo-online', 'store-bergen-mall'].includes(o.storeId) && ['New', 'Completed', 'InProgress'].includes(o.status) && o.modified >= new Date(since).toISOString());
    expect(page.totalHits).toBe(expected.length);
    expect(page.result.map((o) => o.id).sort()).toEqual(expected.map((o) => o.id).sort());
  });

  it('pages with a 1-based page and pageSize', async () => {
    const all = (await call('Orders_GetOrders', testContext(db), { query: { pageSize: '50' } })).body as Page;
    const p2 = (await call('Orders_GetOrders', testContext(db), { query: { pageSize: '10', page: '2' } })).body as Page;
    expect(p2.result.map((o) => o.id)).toEqual(all.result.slice(10, 20).map((o) => o.id));
    expect((await call('Orders_GetOrders', testContext(db), { query: { page: '0' } })).status).toBe(400);
    expect((await call('Orders_GetOrders', testContext(db), { query: { pageSize: '101' } })).status).toBe(400);
  });

  it('counts with a bare integer', async () => {
    const res = await call('Orders_GetOrdersCount', testContext(db, { stores: ['oslo-online'] }), { query: {} });
    expect(res.body).toBe(db.orders.all().filter((o) => o.storeId === 'oslo-online').length);
  });
});

describe('POST /api/Orders', () => {
  it('creates the order, answers 201 with it and emits 110106', async () => {
    const ctx = testContext(db);
    const res = await call('Orders_Add', ctx, { body: newOrder('WEB-1') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: 'WEB-1',
      orderNumber: 'WEB-1',
      subTotal: 200,
      total: 200,
      billingCurrency: 'NOK',
      created: new Date(TEST_NOW).toISOString(),
      modified: new Date(TEST_NOW).toISOString(),
    });
    expect(db.orders.get('WEB-1')).toBe(res.body);
    expect(ctx.events).toEqual([
      expect.objectContaining({ operationId: 110106, className: 'Order', objectId: 'WEB-1', category: 'Created', storeId: 'oslo-online', market: 'nor', status: 'New', origin: 'POST /api/Orders' }),
    ]);
  });

  it('answers 409 to a duplicate id', async () => {
    const ctx = testContext(db);
    const res = await call('Orders_Add', ctx, { body: newOrder('ORD-100001') });
    expect(res.status).toBe(409);
    expect(typeof res.body).toBe('string');
    expect(ctx.events).toHaveLength(0);
  });

  it.each(['id', 'marketId', 'storeId', 'orderType', 'status'])('answers 400 text naming a missing %s', async (field) => {
    const body: Record<string, unknown> = newOrder('WEB-2');
    delete body[field];
    const res = await call('Orders_Add', testContext(db), { body });
    expect(res.status).toBe(400);
    expect(String(res.body).toLowerCase()).toContain(field.toLowerCase());
  });

  it('answers 400 text naming a field of the wrong type', async () => {
    const res = await call('Orders_Add', testContext(db), { body: newOrder('WEB-3', { orderForm: { lineItems: [{ code: 'X', placedPrice: 'ten', quantity: 1 }] } }) });
    expect(res.status).toBe(400);
    expect(res.body).toContain('placedPrice');
  });

  it('answers 403 to an order for a store outside the scope', async () => {
    const ctx = testContext(db, { stores: ['store-oslo-downtown'] });
    const res = await call('Orders_Add', ctx, { body: newOrder('WEB-4') });
    expect(res).toEqual({ status: 403 });
    expect(db.orders.has('WEB-4')).toBe(false);
  });

  // Security-tests.md case 41 (mass assignment) over an inference (ASP.NET drops what it does
  // not bind): a field the order does not have is refused, before the resolver, by the engine's
  // request checks (the end-to-end test is test/authorization-cases.test.ts). Nested objects stay open.
  it('refuses a top-level field the order does not have, keeps a nested one the mock does not model', async () => {
    const declared = endpoint('Orders_Add').request!;
    const headers = { 'content-type': 'application/json' };
    expect(requestProblem(declared, { headers, body: newOrder('WEB-5', { customField: { a: 1 }, paid_total: 0 }) })).toMatchObject({
      kind: 'fields',
      status: 400,
      fields: ['customField', 'paid_total'],
    });
    const nested = newOrder('WEB-5', { billingAddress: { line1: 'Storgata 1', doorCode: '1234' } });
    expect(requestProblem(declared, { headers, body: nested })).toBeNull();
    const res = await call('Orders_Add', testContext(db), { body: nested });
    expect((res.body as { billingAddress: Record<string, unknown> }).billingAddress.doorCode).toBe('1234');
  });
});

describe('PUT /api/Orders', () => {
  it('generates the order number and uses it as id', async () => {
    const body: Record<string, unknown> = newOrder('x');
    delete body.id;
    const res = await call('Orders_Put', testContext(db), { body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'ORD-100051', orderNumber: 'ORD-100051' });
    expect(db.orders.has('ORD-100051')).toBe(true);
  });
});

describe('PATCH /api/Orders/{orderId}/PatchOrder', () => {
  it('changes only the supplied fields, merges properties and emits 310100', async () => {
    const ctx = testContext(db);
    const before = db.orders.get('ORD-100001') as Order;
    const res = await call('Orders_PatchOrder', ctx, {
      params: { orderId: 'ORD-100001' },
      body: { customerPhone: '+47 12345678', properties: [{ key: 'erpId', value: 'E-1' }], tags: ['exported'] },
    });
    expect(res.body).toEqual({ errorCount: 0, errorMessage: null, isModified: true, totalCount: 1, updatedCount: 1, unchangedCount: 0, notFoundCount: 0 });
    const after = db.orders.get('ORD-100001') as Order;
    expect(after.customerPhone).toBe('+47 12345678');
    expect(after.customerName).toBe(before.customerName);
    expect(after.properties).toEqual([...before.properties, { key: 'erpId', value: 'E-1' }]);
    expect(after.tags).toEqual([...new Set([...before.tags, 'exported'])]);
    expect(ctx.events[0]).toMatchObject({ operationId: 310100, objectId: 'ORD-100001', previousStatus: before.status });
  });

  it('reports an unchanged order as not modified, without an event', async () => {
    const ctx = testContext(db);
    const before = db.orders.get('ORD-100001') as Order;
    const res = await call('Orders_PatchOrder', ctx, { params: { orderId: 'ORD-100001' }, body: { status: before.status } });
    expect(res.body).toMatchObject({ isModified: false, unchangedCount: 1 });
    expect(ctx.events).toHaveLength(0);
  });

  it('replaces properties when keepExistingCustomProperties is false', async () => {
    await call('Orders_PatchOrder', testContext(db), {
      params: { orderId: 'ORD-100001' },
      body: { properties: [{ key: 'only', value: '1' }], keepExistingCustomProperties: false },
    });
    expect(db.orders.get('ORD-100001')?.properties).toEqual([{ key: 'only', value: '1' }]);
  });

  it('answers 404 text for an unknown order and 403 out of scope', async () => {
    expect(await call('Orders_PatchOrder', testContext(db), { params: { orderId: 'nope' }, body: {} })).toEqual({ status: 404, body: 'Order was not found' });
    const order = orderIn('store-bergen-mall');
    expect((await call('Orders_PatchOrder', testContext(db, { stores: ['oslo-online'] }), { params: { orderId: order.id }, body: { tags: ['x'] } })).status).toBe(403);
  });
});

describe('POST /api/Orders/{orderId}/UpdateStatus', () => {
  it('sets the status, answers the workflow result and emits 310101 with the previous status', async () => {
    const ctx = testContext(db);
    const order = db.orders.all().find((o) => o.status === 'New') as Order;
    const res = await call('Orders_UpdateStatus', ctx, { params: { orderId: order.id }, body: { status: 'InProgress' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ isAborted: false, order: { id: order.id, status: 'InProgress' }, orderActionExecutionResults: [{ actionStatus: 'Success' }] });
    expect(db.orders.get(order.id)?.status).toBe('InProgress');
    expect(db.orders.get(order.id)?.modified).toBe(new Date(TEST_NOW).toISOString());
    expect(ctx.events).toEqual([
      expect.objectContaining({ operationId: 310101, className: 'Order', objectId: order.id, status: 'InProgress', previousStatus: 'New', storeId: order.storeId, market: order.marketId, isError: false, isRead: false }),
    ]);
  });

  it('emits 310102 when the workflow is skipped', async () => {
    const ctx = testContext(db);
    await call('Orders_UpdateStatus', ctx, { params: { orderId: 'ORD-100001' }, body: { status: 'Completed', skipRunWorkflow: true } });
    expect(ctx.events[0]?.operationId).toBe(310102);
  });

  it('moves one shipment, and the order only once every shipment has that status', async () => {
    const order = db.orders.all().find((o) => o.status === 'PartiallyShipped') as Order;
    const ctx = testContext(db);
    await call('Orders_UpdateStatus', ctx, { params: { orderId: order.id }, body: { status: 'InTransit', shipmentInfo: { shipmentId: '2', trackingNumber: 'T-1' } } });
    const after = db.orders.get(order.id) as Order;
    expect(after.orderForm.shipments.map((s) => s.status)).toEqual(['InTransit', 'InTransit']);
    expect(after.status).toBe('InTransit');
    expect(after.orderForm.shipments[1]).toMatchObject({ trackingNumber: 'T-1' });
    expect(ctx.events[0]).toMatchObject({ status: 'InTransit', previousStatus: 'PartiallyShipped' });
  });

  it('answers 400 text when status is missing', async () => {
    const ctx = testContext(db);
    const res = await call('Orders_UpdateStatus', ctx, { params: { orderId: 'ORD-100001' }, body: {} });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/Status/);
    expect(ctx.events).toHaveLength(0);
  });

  it('answers 400 text to a read-only order', async () => {
    await db.orders.update('ORD-100001', (o) => {
      o.isReadOnly = true;
    });
    const res = await call('Orders_UpdateStatus', testContext(db), { params: { orderId: 'ORD-100001' }, body: { status: 'Completed' } });
    expect(res.status).toBe(400);
  });

  it('answers 404 text and 403 as a by-id access does', async () => {
    expect(await call('Orders_UpdateStatus', testContext(db), { params: { orderId: 'nope' }, body: { status: 'New' } })).toEqual({ status: 404, body: 'Order was not found' });
    const order = orderIn('stockholm-online');
    expect((await call('Orders_UpdateStatus', testContext(db, { markets: ['nor'] }), { params: { orderId: order.id }, body: { status: 'New' } })).status).toBe(403);
  });
});

describe('DELETE /api/Orders/{orderId}', () => {
  it('soft-deletes: status Deleted, event 110109, gone from searches', async () => {
    const ctx = testContext(db);
    const order = db.orders.get('ORD-100001') as Order;
    const res = await call('Orders_Delete', ctx, { params: { orderId: order.id } });
    expect(res.status).toBe(200);
    expect(db.orders.get(order.id)?.status).toBe('Deleted');
    expect(ctx.events[0]).toMatchObject({ operationId: 110109, category: 'Deleted', status: 'Deleted', previousStatus: order.status });
    const page = (await call('Orders_Search', ctx, { body: { take: 100 } })).body as Page;
    expect(page.result.some((o) => o.id === order.id)).toBe(false);
  });

  it('removes the order with deletePermanently=true', async () => {
    await call('Orders_Delete', testContext(db), { params: { orderId: 'ORD-100001' }, query: { deletePermanently: 'true' } });
    expect(db.orders.has('ORD-100001')).toBe(false);
  });
});

describe('POST /api/Orders/AddMany', () => {
  it('adds the orders, answers 204 and emits one 110106 per order', async () => {
    const ctx = testContext(db);
    const res = await call('Orders_AddMany', ctx, { body: [newOrder('B-1'), newOrder('B-2', { storeId: 'store-bergen-mall', orderType: 'Pos', status: 'Completed' })] });
    expect(res).toEqual({ status: 204 });
    expect(db.orders.has('B-1') && db.orders.has('B-2')).toBe(true);
    expect(ctx.events.map((e) => [e.operationId, e.objectId])).toEqual([
      [110106, 'B-1'],
      [110106, 'B-2'],
    ]);
  });

  it('skips unchanged orders when the same batch comes again', async () => {
    const ctx = testContext(db);
    await call('Orders_AddMany', ctx, { body: [newOrder('B-3')] });
    const snapshot = db.snapshot();
    await call('Orders_AddMany', ctx, { body: [newOrder('B-3')] });
    expect(db.snapshot()).toEqual(snapshot);
    expect(ctx.events).toHaveLength(1);
  });

  it('answers 403 and stores nothing when one order is outside the scope', async () => {
    const ctx = testContext(db, { stores: ['oslo-online'] });
    const res = await call('Orders_AddMany', ctx, { body: [newOrder('B-4'), newOrder('B-5', { storeId: 'store-bergen-mall' })] });
    expect(res.status).toBe(403);
    expect(db.orders.has('B-4')).toBe(false);
  });

  it('answers 400 to more than 1,000 orders', async () => {
    const res = await call('Orders_AddMany', testContext(db), { body: Array.from({ length: 1001 }, (_, i) => newOrder(`M-${i}`)) });
    expect(res.status).toBe(400);
  });
});
