import { beforeEach, describe, expect, it } from 'vitest';
import { createDomain, type Cart, type Domain, type Order, type Product } from '../domain/index.ts';
import { cartEndpoints } from './carts.ts';
import type { Endpoint } from '../endpoint.ts';
import { TEST_NOW, testContext, testRequest } from '../test/context.ts';

const call = async (id: string, ctx: ReturnType<typeof testContext>, parts: Parameters<typeof testRequest>[2] = {}) => {
  const e = cartEndpoints.find((x) => x.id === id) as Endpoint;
  return e.resolve(testRequest(e.method, e.path, parts), ctx);
};

let db: Domain;
let sku: string;
beforeEach(async () => {
  db = await createDomain({ seed: 1, scale: 20, now: () => TEST_NOW });
  const product = db.products.all().find((p) => p.marketIds.length === 0 && p.storeIds.length === 0) as Product;
  sku = product.variants[0]?.skuId as string;
});

describe('POST /api/Cart/AddItemToCart', () => {
  it('creates a cart without cartId, priced in the market', async () => {
    const res = await call('Cart_AddItemToCart', testContext(db), { query: { skuId: sku, quantity: '2', storeId: 'oslo-online' } });
    expect(res.status).toBe(200);
    const cart = res.body as Cart;
    const price = db.products.get(sku)?.prices.find((p) => p.marketId === 'nor')?.unitPrice as number;
    expect(cart).toMatchObject({ storeId: 'oslo-online', marketId: 'nor', billingCurrency: 'NOK', total: price * 2 });
    expect(cart.orderForm.lineItems).toEqual([expect.objectContaining({ code: sku, quantity: 2, placedPrice: price })]);
    expect(db.carts.get(cart.id)).toBe(cart);
  });

  it('adds to the quantity of a line already in the cart', async () => {
    const ctx = testContext(db);
    const cart = (await call('Cart_AddItemToCart', ctx, { query: { skuId: sku } })).body as Cart;
    const again = (await call('Cart_AddItemToCart', ctx, { query: { cartId: cart.id, skuId: sku, quantity: '3' } })).body as Cart;
    expect(again.id).toBe(cart.id);
    expect(again.orderForm.lineItems).toEqual([expect.objectContaining({ code: sku, quantity: 4 })]);
  });

  it('answers 403 to a store outside the scope', async () => {
    const res = await call('Cart_AddItemToCart', testContext(db, { stores: ['oslo-online'] }), { query: { skuId: sku, storeId: 'stockholm-online' } });
    expect(res.status).toBe(403);
  });

  it('answers 400 text without skuId and 404 for an unknown cart', async () => {
    expect((await call('Cart_AddItemToCart', testContext(db), { query: {} })).status).toBe(400);
    expect(await call('Cart_AddItemToCart', testContext(db), { query: { skuId: sku, cartId: 'nope' } })).toEqual({ status: 404, body: 'Cart was not found' });
  });
});

describe('GET /api/Cart/{cartId}', () => {
  it('answers a seeded cart, 404 text for an unknown one and 403 out of scope', async () => {
    const cart = db.carts.all().find((c) => c.storeId === 'stockholm-online') as Cart;
    expect(await call('Cart_Get', testContext(db), { params: { cartId: cart.id } })).toEqual({ status: 200, body: cart });
    expect((await call('Cart_Get', testContext(db), { params: { cartId: 'nope' } })).status).toBe(404);
    expect((await call('Cart_Get', testContext(db, { markets: ['nor'] }), { params: { cartId: cart.id } })).status).toBe(403);
  });
});

describe('POST /api/Cart/CreateOrderFromCart/{cartId}', () => {
  it('creates a New order from the cart, removes the cart and emits 110100', async () => {
    const ctx = testContext(db);
    const cart = db.carts.all()[0] as Cart;
    const res = await call('Cart_CreateOrderFromCart', ctx, { params: { cartId: cart.id }, query: { orderType: 'ClickAndCollect' } });
    expect(res.status).toBe(200);
    const order = res.body as Order;
    expect(order).toMatchObject({ id: 'ORD-100021', status: 'New', orderType: 'ClickAndCollect', storeId: cart.storeId, total: cart.total });
    expect(order.orderForm.lineItems).toEqual(cart.orderForm.lineItems);
    expect(db.orders.get(order.id)).toBe(order);
    expect(db.carts.has(cart.id)).toBe(false);
    expect(ctx.events).toEqual([
      expect.objectContaining({ operationId: 110100, className: 'Order', objectId: order.id, status: 'New', category: 'Created', origin: `POST /api/Cart/CreateOrderFromCart/${cart.id}` }),
    ]);
  });
});
