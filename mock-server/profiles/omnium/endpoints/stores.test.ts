import { beforeEach, describe, expect, it } from 'vitest';
import { createDomain, type Domain, type Market, type Store } from '../domain/index.ts';
import type { Endpoint } from '../endpoint.ts';
import { storeEndpoints } from './stores.ts';
import { TEST_NOW, testContext, testRequest } from '../test/context.ts';

const call = async (id: string, ctx: ReturnType<typeof testContext>, parts: Parameters<typeof testRequest>[2] = {}) => {
  const e = storeEndpoints.find((x) => x.id === id) as Endpoint;
  return e.resolve(testRequest(e.method, e.path, parts), ctx);
};

let db: Domain;
beforeEach(async () => {
  db = await createDomain({ seed: 1, scale: 12, now: () => TEST_NOW });
});

describe('GET /api/Stores', () => {
  it('lists every store in the search wrapper', async () => {
    const res = await call('Stores_List', testContext(db), {});
    expect(res.body).toMatchObject({ totalHits: db.stores.count(), facets: [], scrollId: null });
  });

  it('lists only the stores in scope, and only public ones when asked', async () => {
    const scoped = (await call('Stores_List', testContext(db, { stores: ['oslo-online', 'warehouse-nor-central'] }), {})).body as { result: Store[] };
    expect(scoped.result.map((s) => s.id)).toEqual(['oslo-online', 'warehouse-nor-central']);
    const visible = (await call('Stores_List', testContext(db, { stores: ['oslo-online', 'warehouse-nor-central'] }), { query: { filterPublicVisible: 'true' } })).body as { result: Store[] };
    expect(visible.result.map((s) => s.id)).toEqual(['oslo-online']);
  });

  it('answers 404 when no store is in scope', async () => {
    expect(await call('Stores_List', testContext(db, { stores: [] }), {})).toEqual({ status: 404, body: 'No stores found' });
  });
});

describe('GET /api/Stores/{storeId}', () => {
  it('answers the store, ProblemDetails 404, and 403 out of scope', async () => {
    expect((await call('Stores_Get', testContext(db), { params: { storeId: 'store-bergen-mall' } })).body).toBe(db.stores.get('store-bergen-mall'));
    const missing = await call('Stores_Get', testContext(db), { params: { storeId: 'nope' } });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ title: 'Not Found', status: 404 });
    expect((await call('Stores_Get', testContext(db, { markets: ['swe'] }), { params: { storeId: 'store-bergen-mall' } })).status).toBe(403);
  });

  it('finds a store by external id', async () => {
    const store = db.stores.get('oslo-online') as Store;
    const res = await call('Stores_GetByExternalId', testContext(db), { query: { id: store.externalIds[0]?.id as string } });
    expect(res.body).toBe(store);
  });
});

describe('GET /api/Markets', () => {
  it('lists the markets in scope', async () => {
    const all = (await call('Markets_List', testContext(db), {})).body as Market[];
    expect(all.map((m) => m.marketId)).toEqual(['nor', 'swe', 'dnk', 'fin']);
    const scoped = (await call('Markets_List', testContext(db, { markets: ['SWE'] }), {})).body as Market[];
    expect(scoped.map((m) => m.marketId)).toEqual(['swe']);
    expect(storeEndpoints.find((e) => e.id === 'Markets_List')?.role).toBe('SettingsRead');
  });
});
