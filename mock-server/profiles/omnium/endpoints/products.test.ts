import { beforeEach, describe, expect, it } from 'vitest';
import { createDomain, type Domain, type Product } from '../domain/index.ts';
import type { Endpoint } from '../endpoint.ts';
import { productEndpoints } from './products.ts';
import { TEST_NOW, testContext, testRequest } from '../test/context.ts';

const call = async (id: string, ctx: ReturnType<typeof testContext>, parts: Parameters<typeof testRequest>[2] = {}) => {
  const e = productEndpoints.find((x) => x.id === id) as Endpoint;
  return e.resolve(testRequest(e.method, e.path, parts), ctx);
};

type Page = { result: Record<string, unknown>[]; totalHits: number; facets: unknown[]; scrollId: string | null };

let db: Domain;
beforeEach(async () => {
  db = await createDomain({ seed: 1, scale: 20, now: () => TEST_NOW });
});

const limitedTo = (marketId: string) => db.products.all().find((p) => p.marketIds.length > 0 && !p.marketIds.includes(marketId)) as Product;

describe('GET /api/Products/{productId}', () => {
  it('finds a product by product id and by SKU id', async () => {
    const product = db.products.all()[0] as Product;
    const byId = await call('Products_Get', testContext(db), { params: { productId: product.productId } });
    const bySku = await call('Products_Get', testContext(db), { params: { productId: product.variants[0]?.skuId as string } });
    expect(byId).toEqual({ status: 200, body: product });
    expect(bySku.body).toBe(product);
    expect(product.prices.length).toBeGreaterThan(0);
  });

  it('answers 404 with ProblemDetails', async () => {
    const res = await call('Products_Get', testContext(db), { params: { productId: 'nope' } });
    expect(res.status).toBe(404);
    expect(res.headers?.['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('answers 403 to a product sold only in markets outside the scope', async () => {
    const product = limitedTo('nor');
    const res = await call('Products_Get', testContext(db, { markets: ['nor'] }), { params: { productId: product.productId } });
    expect(res).toEqual({ status: 403 });
  });
});

describe('POST /api/Products/SearchProducts', () => {
  it('answers list items in the search wrapper', async () => {
    const res = await call('Products_SearchProducts', testContext(db), { body: { take: 5, marketId: 'nor' } });
    const page = res.body as Page;
    expect(page).toMatchObject({ facets: [], scrollId: null, isValid: true });
    expect(page.result).toHaveLength(5);
    expect(page.result[0]).toMatchObject({ productId: expect.any(String), skuIds: expect.any(Array), currencyCode: 'NOK' });
    expect(page.result[0]).not.toHaveProperty('variants');
  });

  it('leaves out products of markets outside the scope', async () => {
    const hidden = limitedTo('nor');
    const page = (await call('Products_SearchProducts', testContext(db, { markets: ['nor'] }), { body: { take: 100 } })).body as Page;
    expect(page.result.some((p) => p.productId === hidden.productId)).toBe(false);
    expect(page.totalHits).toBe(db.products.all().filter((p) => p.marketIds.length === 0 || p.marketIds.includes('nor')).length);
  });

  it('answers 400 text to take above 100', async () => {
    const res = await call('Products_SearchProducts', testContext(db), { body: { take: 500 } });
    expect(res.status).toBe(400);
    expect(typeof res.body).toBe('string');
  });
});

describe('writing products', () => {
  it('creates a product and emits 140106', async () => {
    const ctx = testContext(db);
    const res = await call('Products_Add', ctx, { body: { productId: 'NEW-1', name: 'New', variants: [{ skuId: 'NEW-1-1' }] } });
    expect(res.status).toBe(200);
    expect(db.products.get('NEW-1-1')).toMatchObject({ productId: 'NEW-1', id: 'NEW-1_en' });
    expect(ctx.events[0]).toMatchObject({ operationId: 140106, className: 'Product', objectId: 'NEW-1' });
  });

  it('answers 409 to a duplicate and 400 without productId', async () => {
    const existing = db.products.all()[0] as Product;
    expect((await call('Products_Add', testContext(db), { body: { productId: existing.productId, name: 'x' } })).status).toBe(409);
    expect((await call('Products_Add', testContext(db), { body: { name: 'x' } })).status).toBe(400);
  });

  it("answers 409 to a write whose product or SKU id is another product's, and leaves both as they were (found by fuzz.test.ts: a 500)", async () => {
    const [first, second] = db.products.all() as Product[];
    const sku = first!.variants[0]!.skuId;
    const before = JSON.stringify(db.products.all());
    const writes = [
      call('Products_Add', testContext(db), { body: { productId: 'NEW-3', variants: [{ skuId: second!.productId }] } }),
      call('Products_Put', testContext(db), { body: { productId: sku, name: 'x' } }),
      call('Products_Put', testContext(db), { body: { productId: second!.productId, variants: [{ skuId: sku }] } }),
      call('Products_Patch', testContext(db), { params: { productId: second!.productId }, body: { skuId: first!.productId } }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(409);
      expect(res.body).toMatch(/^The id '.+' belongs to product '.+'\.$/);
    }
    expect(JSON.stringify(db.products.all())).toBe(before);
    expect(db.products.get(second!.productId)).toBe(second);
    expect(db.products.get(sku)).toBe(first);
  });

  it('answers 403 to a product naming a market outside the scope', async () => {
    const res = await call('Products_Add', testContext(db, { markets: ['nor'] }), { body: { productId: 'NEW-2', name: 'x', marketIds: ['swe'] } });
    expect(res.status).toBe(403);
  });

  it('patches only the supplied fields and emits 140105', async () => {
    const ctx = testContext(db);
    const product = db.products.all()[0] as Product;
    const res = await call('Products_Patch', ctx, { params: { productId: product.productId }, body: { name: 'Renamed' } });
    expect(res.body).toMatchObject({ isModified: true, updatedCount: 1 });
    expect(db.products.get(product.productId)).toMatchObject({ name: 'Renamed', prices: product.prices, modified: new Date(TEST_NOW).toISOString() });
    expect(ctx.events[0]?.operationId).toBe(140105);
    expect((await call('Products_Patch', ctx, { params: { productId: 'nope' }, body: {} })).status).toBe(404);
  });
});
