import { beforeEach, describe, expect, it } from 'vitest';
import { createDomain, type Domain, type PrivateCustomer } from '../domain/index.ts';
import { customerEndpoints } from './customers.ts';
import type { Endpoint } from '../endpoint.ts';
import { TEST_NOW, testContext, testRequest } from '../test/context.ts';

const call = async (id: string, ctx: ReturnType<typeof testContext>, parts: Parameters<typeof testRequest>[2] = {}) => {
  const e = customerEndpoints.find((x) => x.id === id) as Endpoint;
  return e.resolve(testRequest(e.method, e.path, parts), ctx);
};

type Page = { result: Record<string, unknown>[]; totalHits: number; facets: unknown[]; scrollId: null; isValid: true };

let db: Domain;
beforeEach(async () => {
  db = await createDomain({ seed: 1, scale: 20, now: () => TEST_NOW });
});

const first = () => db.privateCustomers.all()[0] as PrivateCustomer;

describe('private customers', () => {
  it('answers a customer by id, and 404 text for an unknown one', async () => {
    const c = first();
    expect(await call('PrivateCustomers_Get', testContext(db), { params: { customerId: c.customerId } })).toEqual({ status: 200, body: c });
    expect(await call('PrivateCustomers_Get', testContext(db), { params: { customerId: 'nope' } })).toEqual({ status: 404, body: 'Customer was not found' });
  });

  it('ignores the store scope unless RequireStoreIdsForAccess is on', async () => {
    const c = first();
    const ctx = testContext(db, { stores: ['store-helsinki-kamppi'] });
    expect((await call('PrivateCustomers_Get', ctx, { params: { customerId: c.customerId } })).status).toBe(200);
    db.settings.requireStoreIdsForAccess = true;
    expect((await call('PrivateCustomers_Get', ctx, { params: { customerId: c.customerId } })).status).toBe(403);
    const page = (await call('PrivateCustomers_Search', ctx, { body: { take: 100 } })).body as Page;
    expect(page.result.every((r) => (r.storeIds as string[]).includes('store-helsinki-kamppi'))).toBe(true);
  });

  it('searches by email, case-insensitively, in the search wrapper', async () => {
    const c = first();
    const res = await call('PrivateCustomers_Search', testContext(db), { body: { email: String(c.email).toUpperCase() } });
    expect(res.body).toMatchObject({ totalHits: 1, facets: [], scrollId: null, isValid: true, result: [{ customerId: c.customerId }] });
  });

  it('answers 400 text to take above 100', async () => {
    expect((await call('PrivateCustomers_Search', testContext(db), { body: { take: 101 } })).status).toBe(400);
  });

  it('creates a customer with a computed full name and emits 330100', async () => {
    const ctx = testContext(db);
    const res = await call('PrivateCustomers_Add', ctx, { body: { customerId: 'C-NEW', firstName: 'Kari', lastName: 'Nordmann', marketId: 'nor' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customerId: 'C-NEW', fullName: 'Kari Nordmann', created: new Date(TEST_NOW).toISOString() });
    expect(ctx.events[0]).toMatchObject({ operationId: 330100, className: 'PrivateCustomer', objectId: 'C-NEW', category: 'Created', market: 'nor' });
  });

  it('answers 409 to a duplicate customerId and 400 without one', async () => {
    expect((await call('PrivateCustomers_Add', testContext(db), { body: { customerId: first().customerId } })).status).toBe(409);
    const res = await call('PrivateCustomers_Add', testContext(db), { body: { firstName: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/CustomerId/);
  });

  it('patches the customer named in the body and emits 330113', async () => {
    const ctx = testContext(db);
    const c = first();
    const res = await call('PrivateCustomers_Patch', ctx, { body: { customerId: c.customerId, lastName: 'Hansen' } });
    expect(res.body).toMatchObject({ isModified: true });
    expect(db.privateCustomers.get(c.customerId)).toMatchObject({ lastName: 'Hansen', fullName: `${c.firstName} Hansen`, email: c.email });
    expect(ctx.events[0]).toMatchObject({ operationId: 330113, objectId: c.customerId });
    expect((await call('PrivateCustomers_Patch', ctx, { body: { customerId: 'nope', lastName: 'x' } })).status).toBe(404);
  });
});

describe('business customers', () => {
  it('answers a business customer by id and searches them', async () => {
    const b = db.businessCustomers.all()[0];
    expect((await call('BusinessCustomers_Get', testContext(db), { params: { id: b?.customerId as string } })).body).toBe(b);
    const page = (await call('BusinessCustomers_Search', testContext(db), { body: { marketIds: ['nor'], take: 100 } })).body as Page;
    expect(page.totalHits).toBe(db.businessCustomers.all().filter((c) => c.marketId === 'nor').length);
  });

  it('creates a business customer and emits 330200', async () => {
    const ctx = testContext(db);
    const res = await call('BusinessCustomers_Add', ctx, { body: { customerId: 'B-NEW', name: 'Fjord AS' } });
    expect(res.status).toBe(200);
    expect(ctx.events[0]).toMatchObject({ operationId: 330200, className: 'BusinessCustomer' });
  });
});
