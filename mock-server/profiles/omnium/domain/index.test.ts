import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, ORDER_TYPES, createDomain, inventoryKey } from './index.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const small = () => createDomain({ seed: 1, scale: 50, now: () => NOW });

describe('createDomain', () => {
  it('gives the same snapshot for the same seed, scale and now', async () => {
    const [a, b] = await Promise.all([small(), small()]);
    expect(a.snapshot()).toEqual(b.snapshot());
  });

  it('gives different data for a different seed', async () => {
    const [a, b] = await Promise.all([small(), createDomain({ seed: 2, scale: 50, now: () => NOW })]);
    expect(a.snapshot().orders).not.toEqual(b.snapshot().orders);
  });

  it('seeds the number of orders asked for, with ids from ORD-100001', async () => {
    const db = await small();
    expect(db.orders.count()).toBe(50);
    expect(db.scale).toBe(50);
    expect(db.orders.get('ORD-100001')?.orderNumber).toBe('ORD-100001');
    expect(db.orders.get('ORD-100050')).toBeDefined();
  });

  it.each([1, 2, 3, 42])('gives the named stores and markets orders, lines and stock with seed %i', async (seed) => {
    const db = await createDomain({ seed, scale: 1, now: () => NOW });
    for (const storeId of ['oslo-online', 'store-oslo-downtown', 'store-bergen-mall']) {
      const orders = db.orders.all().filter((o) => o.storeId === storeId);
      expect(orders.length, storeId).toBeGreaterThan(0);
      for (const o of orders) {
        expect(o.orderForm.lineItems.length).toBeGreaterThan(0);
        for (const line of o.orderForm.lineItems) expect(db.inventory.get(inventoryKey(line.code, storeId)), `${line.code}@${storeId}`).toBeDefined();
      }
    }
    for (const marketId of ['nor', 'swe']) expect(db.orders.all().some((o) => o.marketId === marketId)).toBe(true);
  });

  it('has orders in every status, of every type, for B2C and B2B', async () => {
    const db = await small();
    const orders = db.orders.all();
    for (const status of ORDER_STATUSES) expect(orders.some((o) => o.status === status), status).toBe(true);
    for (const type of ORDER_TYPES) expect(orders.some((o) => o.orderType === type), type).toBe(true);
    for (const ct of ['B2C', 'B2B']) expect(orders.some((o) => o.customerType === ct), ct).toBe(true);
  });

  it('seeds the four Nordic markets with lower-case ids and the named stores', async () => {
    const db = await small();
    expect(db.markets.all().map((m) => m.marketId)).toEqual(['nor', 'swe', 'dnk', 'fin']);
    for (const id of ['oslo-online', 'store-oslo-downtown', 'store-bergen-mall', 'stockholm-online', 'copenhagen-online', 'helsinki-online']) {
      expect(db.stores.get(id)?.isWarehouse, id).toBe(true);
    }
    expect(db.stores.all().some((s) => !s.isWarehouse)).toBe(true);
  });

  it('dates everything at or before now, in ISO-8601 UTC', async () => {
    const db = await small();
    const nowIso = new Date(NOW).toISOString();
    for (const o of db.orders.all()) {
      expect(o.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(o.created <= o.modified && o.modified <= nowIso).toBe(true);
    }
  });

  it('keeps order totals consistent with the lines', async () => {
    const db = await small();
    for (const o of db.orders.all()) {
      const sum = o.orderForm.lineItems.reduce((s, l) => s + l.placedPrice * l.quantity, 0);
      expect(o.subTotal).toBeCloseTo(sum, 2);
      expect(o.totalExclTax + o.taxTotal).toBeCloseTo(o.total, 2);
      expect(o.orderForm.payments[0]?.amount).toBe(o.total);
    }
  });

  it('finds a product by its product id and by any of its SKU ids', async () => {
    const db = await small();
    const product = db.products.all()[0];
    expect(product).toBeDefined();
    const sku = product?.variants[0]?.skuId as string;
    expect(db.products.get(product?.productId as string)).toBe(product);
    expect(db.products.get(sku)).toBe(product);
  });

  it('keeps the id index in step with updates and removals', async () => {
    const db = await small();
    const before = db.orders.get('ORD-100001');
    const after = await db.orders.update('ORD-100001', (o) => {
      o.status = 'Completed';
    });
    expect(after).not.toBe(before);
    expect(db.orders.get('ORD-100001')).toBe(after);
    expect(db.orders.all()).toContain(after);
    db.orders.remove('ORD-100001');
    expect(db.orders.get('ORD-100001')).toBeUndefined();
    expect(db.orders.count()).toBe(49);
  });

  it('returns to the seeded state on reset', async () => {
    const db = await small();
    const seeded = db.snapshot();
    await db.orders.update('ORD-100002', (o) => {
      o.status = 'OrderCanceled';
    });
    db.orders.remove('ORD-100003');
    db.settings.requireStoreIdsForAccess = true;
    expect(db.snapshot()).not.toEqual(seeded);
    await db.reset();
    expect(db.snapshot()).toEqual(seeded);
    expect(db.orders.get('ORD-100003')).toBeDefined();
    expect(db.settings.requireStoreIdsForAccess).toBe(false);
    expect(db.nextOrderNumber()).toBe('ORD-100051');
  });

  it('takes a snapshot that later writes do not change', async () => {
    const db = await small();
    const snap = db.snapshot();
    const status = snap.orders['ORD-100004']?.status;
    await db.orders.update('ORD-100004', (o) => {
      o.status = 'Deleted';
    });
    expect(snap.orders['ORD-100004']?.status).toBe(status);
  });

  it('recounts product stock from the inventory', async () => {
    const db = await small();
    const product = db.products.all()[0];
    const sku = product?.variants[0]?.skuId as string;
    for (const item of db.inventory.group(sku)) {
      await db.inventory.update(inventoryKey(item.sku, item.warehouseCode), (i) => {
        i.inventory = 0;
        i.reservedInventory = 0;
      });
    }
    await db.recountStock([sku]);
    expect(db.products.get(sku)?.variants[0]?.availableInventory).toBe(0);
  });

  it('loads 100,000 orders', async () => {
    const db = await createDomain({ seed: 1, scale: 100_000, now: () => NOW });
    expect(db.orders.count()).toBe(100_000);
  }, 120_000);
});
