import { describe, expect, it } from 'vitest';
import { createMockServer } from '../server.ts';

// security-tests.md case 95: the two new objects the webhook phase tells in order and out of order.
describe('twinObjects', () => {
  it('makes two new Omnium orders alike but for their ids, sharing no record, each added (110106) then moved to InProgress (310101), raising no event', async () => {
    const mock = await createMockServer({ seed: 7, dataScale: 40, demoUser: false, badTls: false });
    try {
      const raised: unknown[] = [];
      mock.onEvent((e) => raised.push(e));
      const user = await mock.createApiUser({ name: 'twins', roles: ['OrderRead'], stores: ['oslo-online'], markets: ['nor'] });
      const twins = (await mock.twinObjects({ clientId: user.clientId }))!;
      expect(raised).toEqual([]);
      const data = mock.snapshot() as { orders: Record<string, { status: string; storeId: string; orderForm: { lineItems: { code: string; quantity: number }[] } }> };
      for (const t of twins) {
        expect(t.created).toMatchObject({ operationId: 110106, objectId: t.objectId, status: 'New', previousStatus: '' });
        expect(t.changed).toMatchObject({ operationId: 310101, objectId: t.objectId, status: 'InProgress', previousStatus: 'New' });
        expect(Date.parse(t.changed.timestamp) - Date.parse(t.created.timestamp)).toBe(1_000);
        expect(data.orders[t.objectId]).toMatchObject({ status: 'InProgress', storeId: 'oslo-online' });
        expect(t.ids[0]).toBe(t.objectId);
      }
      const [a, b] = twins.map((t) => data.orders[t.objectId]!.orderForm.lineItems);
      expect(a!.map((l) => l.quantity)).toEqual(b!.map((l) => l.quantity));
      // Line i of each is of a SKU at the same place in its product, so their stock changes are at the same paths.
      const products = Object.values((mock.snapshot() as { products: Record<string, { variants: { skuId: string }[] }> }).products);
      const place = (sku: string) => products.map((p) => p.variants.findIndex((v) => v.skuId === sku)).find((i) => i >= 0) ?? -1;
      expect(a!.map((l) => place(l.code))).toEqual(b!.map((l) => place(l.code)));
      const footprints = twins.map((t) => mock.eventFootprint(t.objectId));
      expect(footprints[0]!.filter((k) => footprints[1]!.includes(k))).toEqual([]);
    } finally {
      await mock.close();
    }
  });

  it('makes two new Omneo profiles, each created (its context the profile as made) then awarded points (profile.updated)', async () => {
    const mock = await createMockServer({ profile: 'omneo', seed: 7, dataScale: 20, demoUser: false, badTls: false });
    try {
      const twins = (await mock.twinObjects())!;
      for (const t of twins) {
        expect(t.created).toMatchObject({ trigger: 'profile.created', objectId: t.objectId, context: { id: t.objectId, point_balance: 0, tags: ['golive-twin'] } });
        expect(t.changed).toMatchObject({ trigger: 'profile.updated', objectId: t.objectId, context: { point_balance: 1200, tags: ['golive-twin', 'golive-touched'] } });
      }
      expect(twins[0].objectId).not.toBe(twins[1].objectId);
    } finally {
      await mock.close();
    }
  });
});
