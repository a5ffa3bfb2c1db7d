/**
 * `/api/Cart` (singular, as in Omnium): add an item (creating the cart), read a cart, and
 * turn it into an order (omnium-api.md A5 Carts, C1). The cart model inherits the order's.
 */
import { z } from 'zod';
import { cartSchema, orderSchema, type Cart, type LineItem, type Order } from '../domain/index.ts';
import { defineEndpoint, reply, type ApiResponse, type Endpoint, type ResolverContext } from '../endpoint.ts';
import { NOTHING } from './contracts.ts';
import { isResponse, queryString, schemaMessage } from './search.ts';

const NOT_FOUND = 'Cart was not found';
const notFound = (): ApiResponse => reply.text(NOT_FOUND, 404);
const round2 = (n: number): number => Math.round(n * 100) / 100;

/** The cart of `cartId` if it exists and is in scope, else the 404/403 answer. */
function cartInScope(ctx: ResolverContext, cartId: string): Cart | ApiResponse {
  const cart = ctx.db.carts.get(cartId);
  if (cart === undefined) return notFound();
  if (!ctx.scope.allows({ storeId: cart.storeId, marketId: cart.marketId })) return reply.forbidden();
  return cart;
}

/** Totals of a set of lines, prices including tax. */
function totals(lines: readonly LineItem[], taxRate: number) {
  const subTotal = round2(lines.reduce((sum, l) => sum + l.placedPrice * l.quantity, 0));
  const taxTotal = round2((subTotal * taxRate) / (100 + taxRate));
  return { subTotal, taxTotal, total: subTotal, totalExclTax: round2(subTotal - taxTotal) };
}

const addItemToCart = defineEndpoint({
  id: 'Cart_AddItemToCart',
  method: 'POST',
  path: '/api/Cart/AddItemToCart',
  role: 'CartAdmin',
  tag: 'Cart',
  summary: 'Add a SKU to a cart, creating the cart when no cartId is given',
  request: {
    query: z.object({
      cartId: z.string().optional(),
      skuId: z.string(),
      quantity: z.int().min(1).optional(),
      marketId: z.string().optional(),
      storeId: z.string().optional(),
      customerId: z.string().optional(),
    }),
  },
  response: cartSchema,
  resolve: async (req, ctx) => {
    const skuId = queryString(req, 'skuId');
    if (!skuId) return reply.text('The SkuId field is required.', 400);
    const quantityText = queryString(req, 'quantity');
    const quantity = quantityText === undefined || quantityText === '' ? 1 : Number(quantityText);
    if (!Number.isInteger(quantity) || quantity < 1) return reply.text('Quantity must be a whole number of at least 1.', 400);
    const cartId = queryString(req, 'cartId');

    let cart: Cart | undefined;
    if (cartId) {
      const found = cartInScope(ctx, cartId);
      if (isResponse(found)) return found;
      cart = found;
    }
    const storeParam = queryString(req, 'storeId');
    const marketParam = queryString(req, 'marketId')?.toLowerCase();
    const storeId = cart?.storeId ?? storeParam ?? defaultStore(ctx, marketParam);
    const store = ctx.db.stores.get(storeId);
    if (!store) return reply.text(`Store '${storeId}' was not found.`, 400);
    const marketId = cart?.marketId ?? marketParam ?? store.availableOnMarkets[0] ?? 'nor';
    const market = ctx.db.markets.get(marketId);
    if (!market) return reply.text(`Market '${marketId}' was not found.`, 400);
    if (!ctx.scope.allows({ storeId, marketId })) return reply.forbidden();

    const product = ctx.db.products.get(skuId);
    const variant = product?.variants.find((v) => v.skuId === skuId);
    if (!product || !variant) return reply.text(`Sku '${skuId}' was not found.`, 404);
    const price = product.prices.find((p) => p.marketId === marketId);
    if (!price || (product.marketIds.length > 0 && !product.marketIds.includes(marketId))) {
      return reply.text(`Sku '${skuId}' is not sold in market '${marketId}'.`, 400);
    }

    const customerId = queryString(req, 'customerId') || cart?.customerId || null;
    const customer = customerId ? ctx.db.privateCustomers.get(customerId) : undefined;
    const now = ctx.now().toISOString();
    const lines = (cart?.orderForm.lineItems ?? []).map((l) => ({ ...l }));
    const existing = lines.find((l) => l.code === skuId);
    if (existing) existing.quantity += quantity;
    else {
      const nextId = lines.reduce((max, l) => Math.max(max, Number(l.lineItemId) || 0), 0) + 1;
      lines.push({
        lineItemId: String(nextId),
        code: skuId,
        displayName: variant.name ?? product.name,
        productId: product.productId,
        placedPrice: price.unitPrice,
        quantity,
        taxRate: market.defaultTaxRate,
      });
    }
    const sums = totals(lines, market.defaultTaxRate);
    const parsed = cartSchema.safeParse({
      ...(cart ?? {
        id: ctx.db.nextCartId(),
        name: 'Default',
        orderNumber: null,
        status: null,
        orderType: null,
        customerType: 'B2C',
        storeId,
        marketId,
        billingCurrency: market.currency,
        created: now,
      }),
      customerId,
      customerName: customer?.fullName ?? cart?.customerName ?? null,
      customerEmail: customer?.email ?? cart?.customerEmail ?? null,
      customerPhone: customer?.phone ?? cart?.customerPhone ?? null,
      billingAddress: customer?.address ?? cart?.billingAddress ?? null,
      modified: now,
      ...sums,
      orderForm: { ...(cart?.orderForm ?? {}), lineItems: lines, subTotal: sums.subTotal, total: sums.total },
    });
    if (!parsed.success) return reply.text(schemaMessage(parsed.error.issues), 400);
    const stored = cart ? ((await ctx.db.carts.replace(cart.id, parsed.data)) as Cart) : await ctx.db.carts.insert(parsed.data);
    return reply.json(stored);
  },
});

/** Without a store: the web warehouse of the market (or the first web store in scope). */
function defaultStore(ctx: ResolverContext, marketId: string | undefined): string {
  const web = ctx.db.stores
    .all()
    .filter((s) => s.isWebWarehouse && s.isPublicVisible && (!marketId || s.availableOnMarkets.includes(marketId)));
  return (web.find((s) => ctx.scope.allows({ storeId: s.id, marketId: s.availableOnMarkets[0] ?? null })) ?? web[0])?.id ?? 'oslo-online';
}

const getCart = defineEndpoint({
  id: 'Cart_Get',
  method: 'GET',
  path: '/api/Cart/{cartId}',
  role: 'CartRead',
  tag: 'Cart',
  summary: 'Get a cart by id',
  request: NOTHING,
  response: cartSchema,
  resolve: (req, ctx) => {
    const cart = cartInScope(ctx, req.params.cartId as string);
    return isResponse(cart) ? cart : { status: 200, body: cart };
  },
});

const createOrderFromCart = defineEndpoint({
  id: 'Cart_CreateOrderFromCart',
  method: 'POST',
  path: '/api/Cart/CreateOrderFromCart/{cartId}',
  role: 'CartAdmin',
  tag: 'Cart',
  summary: 'Turn a cart into a new order (status New); the cart is removed',
  request: { query: z.object({ orderType: z.string().optional() }) },
  response: orderSchema,
  resolve: async (req, ctx) => {
    const cart = cartInScope(ctx, req.params.cartId as string);
    if (isResponse(cart)) return cart;
    if (cart.orderForm.lineItems.length === 0) return reply.text('The cart has no order lines.', 400);
    const orderType = queryString(req, 'orderType') || 'Online';
    const number = ctx.db.nextOrderNumber();
    const now = ctx.now().toISOString();
    const store = ctx.db.stores.get(cart.storeId);
    const { name: _name, ...fromCart } = cart;
    const parsed = orderSchema.safeParse({
      ...fromCart,
      id: number,
      orderNumber: number,
      status: 'New',
      orderType,
      created: now,
      modified: now,
      properties: [...cart.properties, { key: 'cartId', value: cart.id }],
      orderForm: {
        ...cart.orderForm,
        shipments: cart.orderForm.shipments.length
          ? cart.orderForm.shipments
          : [
              {
                shipmentId: '1',
                shippingMethodName: orderType === 'ClickAndCollect' ? 'Click & Collect' : 'Standard',
                warehouseCode: store?.isWarehouse ? store.id : null,
                status: 'New',
                lineItems: cart.orderForm.lineItems,
                address: cart.billingAddress ?? null,
              },
            ],
      },
    });
    if (!parsed.success) return reply.text(schemaMessage(parsed.error.issues), 400);
    const order: Order = await ctx.db.orders.insert(parsed.data);
    ctx.db.carts.remove(cart.id);
    ctx.emit({
      operationId: 110100,
      message: 'Order created from cart',
      className: 'Order',
      subClassName: order.orderType,
      objectId: order.id,
      objectNumber: order.orderNumber,
      category: 'Created',
      storeId: order.storeId,
      market: order.marketId,
      status: order.status,
      previousStatus: '',
      isError: false,
      isRead: false,
      origin: `POST /api/Cart/CreateOrderFromCart/${cart.id}`,
      tags: order.tags,
    });
    return reply.json(order);
  },
});

/** The cart endpoints of C1. */
export const cartEndpoints: Endpoint[] = [addItemToCart, getCart, createOrderFromCart];
