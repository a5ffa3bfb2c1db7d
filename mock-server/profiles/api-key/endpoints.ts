/**
 * The fulfilment service's API: a shop's server pushes an order (only what fulfilment needs:
 * `unknownFields: 'refuse'`, so a payload with billing or payment data is answered 400 naming
 * the fields), reads its status back by id or by the shop's reference, and may cancel it
 * before it ships. Errors are JSON `{ error }` sentences.
 */
import { z } from 'zod';
import { type ApiResponse, type Endpoint, defineEndpoint, reply } from '../../handlers/endpoint.ts';
import { type FulfilmentData, type FulfilmentOrder, type OrderInput, orderInput, orderStatusView, statusView } from './domain.ts';
import { ORDERS_READ, ORDERS_WRITE } from './permissions.ts';

const error = (message: string, status: number): ApiResponse => reply.json({ error: message }, status);
const notFound = (id: string) => error(`no order ${id}`, 404);

const pushOrder = defineEndpoint<FulfilmentData>({
  id: 'Orders_Push',
  method: 'POST',
  path: '/v1/orders',
  role: ORDERS_WRITE,
  tag: 'Orders',
  summary: 'Pushes an order to fulfil (only the fields fulfilment needs)',
  request: { body: orderInput, unknownFields: 'refuse' },
  response: orderStatusView,
  okStatus: 201,
  resolve(req, ctx) {
    const { db } = ctx;
    const parsed = orderInput.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return error(`${issue.path.join('.') || 'body'}: ${issue.message}`, 422);
    }
    const input: OrderInput = parsed.data;
    const existing = [...db.orders.values()].find((o) => o.reference === input.reference);
    if (existing) return error(`an order with reference ${input.reference} exists already (${existing.id})`, 409);
    const at = ctx.now().toISOString();
    const order: FulfilmentOrder = { id: `ful_${String(db.nextId++).padStart(6, '0')}`, ...input, status: 'received', carrier: null, trackingNumber: null, createdAt: at, updatedAt: at };
    db.orders.set(order.id, order);
    return reply.json(statusView(order), 201);
  },
});

const getOrder = defineEndpoint<FulfilmentData>({
  id: 'Orders_Get',
  method: 'GET',
  path: '/v1/orders/{orderId}',
  role: ORDERS_READ,
  tag: 'Orders',
  summary: "An order's fulfilment status",
  request: {},
  response: orderStatusView,
  resolve(req, { db }) {
    const order = db.orders.get(req.params.orderId!);
    return order ? reply.json(statusView(order)) : notFound(req.params.orderId!);
  },
});

const listOrders = defineEndpoint<FulfilmentData>({
  id: 'Orders_List',
  method: 'GET',
  path: '/v1/orders',
  role: ORDERS_READ,
  tag: 'Orders',
  summary: "Orders' statuses, by the shop's reference or status, 50 a page",
  request: { query: z.object({ reference: z.string().optional(), status: z.string().optional(), page: z.coerce.number().int().min(1).optional() }) },
  response: z.object({ data: z.array(orderStatusView), page: z.int(), hasMore: z.boolean() }),
  resolve(req, { db }) {
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const reference = one(req.query.reference);
    const status = one(req.query.status);
    const page = Number(one(req.query.page) ?? 1);
    if (!Number.isInteger(page) || page < 1) return error('page: a whole number from 1', 400);
    const all = [...db.orders.values()].filter((o) => (reference === undefined || o.reference === reference) && (status === undefined || o.status === status));
    const data = all.slice((page - 1) * 50, page * 50).map(statusView);
    return reply.json({ data, page, hasMore: all.length > page * 50 });
  },
});

const cancelOrder = defineEndpoint<FulfilmentData>({
  id: 'Orders_Cancel',
  method: 'POST',
  path: '/v1/orders/{orderId}/cancel',
  role: ORDERS_WRITE,
  tag: 'Orders',
  summary: 'Cancels an order that has not shipped',
  request: {},
  response: orderStatusView,
  resolve(req, ctx) {
    const { db } = ctx;
    const order = db.orders.get(req.params.orderId!);
    if (!order) return notFound(req.params.orderId!);
    if (order.status === 'shipped' || order.status === 'delivered') return error(`order ${order.id} has ${order.status}: too late to cancel`, 409);
    if (order.status !== 'cancelled') {
      order.status = 'cancelled';
      order.updatedAt = ctx.now().toISOString();
    }
    return reply.json(statusView(order));
  },
});

const health = defineEndpoint<FulfilmentData>({
  id: 'Health_Get',
  method: 'GET',
  path: '/v1/health',
  role: null,
  auth: false,
  limit: 'none',
  tag: 'Health',
  summary: 'Answers 200 while the service is up',
  request: {},
  response: z.object({ status: z.literal('ok') }),
  resolve: () => reply.json({ status: 'ok' }),
});

export const API_KEY_ENDPOINTS: readonly Endpoint<FulfilmentData>[] = [health, pushOrder, listOrders, getOrder, cancelOrder];
