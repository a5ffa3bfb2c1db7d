import { beforeEach, describe, expect, it } from 'vitest';
import { createDomain, inventoryKey, type Domain, type InventoryItem } from '../domain/index.ts';
import type { Endpoint } from '../endpoint.ts';
import { inventoryEndpoints } from './inventory.ts';
import { TEST_NOW, testContext, testRequest } from '../test/context.ts';

const call = async (id: string, ctx: ReturnType<typeof testContext>, parts: Parameters<typeof testRequest>[2] = {}) => {
  const e = inventoryEndpoints.find((x) => x.id === id) as Endpoint;
  return e.resolve(testRequest(e.method, e.path, parts), ctx);
};

type Result = { totalHits: number; result: InventoryItem[] };

let db: Domain;
let sku: string;
beforeEach(async () => {
  db = await createDomain({ seed: 1, scale: 20, now: () => TEST_NOW });
  sku = (db.orders.all().find((o) => o.storeId === 'store-oslo-downtown')?.orderForm.lineItems[0]?.code) as string;
});

describe('GET /api/Inventory/{skuId}', () => {
  it('answers the stock of the SKU in every warehouse', async () => {
    const res = await call('Inventory_Get', testContext(db), { params: { skuId: sku } });
    const body = res.body as Result;
    expect(body.totalHits).toBe(db.inventory.group(sku).length);
    expect(body.result.map((i) => i.warehouseCode)).toContain('store-oslo-downtown');
  });

  it('narrows to warehouseIds and to the warehouses in scope', async () => {
    const some = (await call('Inventory_Get', testContext(db), { params: { skuId: sku }, query: { warehouseIds: 'store-oslo-downtown,oslo-online' } })).body as Result;
    expect(some.result.map((i) => i.warehouseCode).sort()).toEqual(['oslo-online', 'store-oslo-downtown']);
    const scoped = (await call('Inventory_Get', testContext(db, { stores: ['store-bergen-mall'] }), { params: { skuId: sku } })).body as Result;
    expect(scoped.result.map((i) => i.warehouseCode)).toEqual(['store-bergen-mall']);
  });
});

describe('POST /api/Inventory/Search', () => {
  it('answers 400 text when no parameter is set', async () => {
    const res = await call('Inventory_Search', testContext(db), { body: { take: 10 } });
    expect(res.status).toBe(400);
    expect(typeof res.body).toBe('string');
  });

  it('finds stock by product codes and warehouse codes', async () => {
    const res = await call('Inventory_Search', testContext(db), { body: { productCodes: [sku], warehouseCodes: ['store-oslo-downtown'] } });
    expect(res.body).toMatchObject({ totalHits: 1, scrollId: null, result: [{ sku, warehouseCode: 'store-oslo-downtown' }] });
  });

  it('finds the stock of a market', async () => {
    const body = (await call('Inventory_Search', testContext(db), { body: { marketId: 'swe', take: 100 } })).body as Result;
    expect(body.result.every((i) => db.stores.get(i.warehouseCode)?.availableOnMarkets.includes('swe'))).toBe(true);
  });
});

describe('PUT /api/Inventory/UpdateMany', () => {
  it('sets the stock, emits 350002 per changed item and recounts the product', async () => {
    const ctx = testContext(db);
    const res = await call('Inventory_UpdateMany', ctx, {
      body: [
        { sku, warehouseCode: 'store-oslo-downtown', inventory: 1234 },
        { sku, warehouseCode: 'store-bergen-mall', inventory: db.inventory.get(inventoryKey(sku, 'store-bergen-mall'))?.inventory },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalCount: 2, updatedCount: 1, unchangedCount: 1 });
    expect(db.inventory.get(inventoryKey(sku, 'store-oslo-downtown'))?.inventory).toBe(1234);
    expect(ctx.events).toEqual([expect.objectContaining({ operationId: 350002, className: 'Inventory', objectId: sku, storeId: 'store-oslo-downtown', market: 'nor' })]);
    expect(db.products.get(sku)?.availableInventory).toBeGreaterThanOrEqual(1234);
  });

  it('keeps reserved stock unless isReservedInventoryOverwritten=true', async () => {
    const key = inventoryKey(sku, 'store-oslo-downtown');
    await db.inventory.update(key, (i) => {
      i.reservedInventory = 2;
    });
    await call('Inventory_UpdateMany', testContext(db), { body: [{ sku, warehouseCode: 'store-oslo-downtown', inventory: 9, reservedInventory: 0 }] });
    expect(db.inventory.get(key)?.reservedInventory).toBe(2);
    await call('Inventory_UpdateMany', testContext(db), { body: [{ sku, warehouseCode: 'store-oslo-downtown', inventory: 9, reservedInventory: 0 }], query: { isReservedInventoryOverwritten: 'true' } });
    expect(db.inventory.get(key)?.reservedInventory).toBe(0);
  });

  it('answers 403 to a warehouse outside the scope and changes nothing', async () => {
    const ctx = testContext(db, { stores: ['oslo-online'] });
    const before = db.inventory.get(inventoryKey(sku, 'oslo-online'))?.inventory;
    const res = await call('Inventory_UpdateMany', ctx, {
      body: [
        { sku, warehouseCode: 'oslo-online', inventory: 77 },
        { sku, warehouseCode: 'store-bergen-mall', inventory: 5 },
      ],
    });
    expect(res).toEqual({ status: 403 });
    expect(db.inventory.get(inventoryKey(sku, 'oslo-online'))?.inventory).toBe(before);
    expect(ctx.events).toHaveLength(0);
  });

  it('answers 400 text to an unknown warehouse or a missing sku', async () => {
    expect((await call('Inventory_UpdateMany', testContext(db), { body: [{ sku, warehouseCode: 'nowhere', inventory: 1 }] })).status).toBe(400);
    expect((await call('Inventory_UpdateMany', testContext(db), { body: [{ warehouseCode: 'oslo-online', inventory: 1 }] })).status).toBe(400);
    expect((await call('Inventory_UpdateMany', testContext(db), { body: { sku } })).status).toBe(400);
  });
});
