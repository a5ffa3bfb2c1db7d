/**
 * `/api/Orders`: reads, searches, scrolls, creates, patches, status updates, deletes and
 * bulk adds (omnium-api.md A5 Orders, C1). Order errors are plain text (A6).
 */
import { z } from 'zod';
import type { Scope } from '../../../auth/scope.ts';
import { DELETED_STATUS, externalIdSchema, orderSchema, propertySchema, type Domain, type Order } from '../domain/index.ts';
import { defineEndpoint, reply, type ApiRequest, type ApiResponse, type Endpoint, type ResolverContext } from '../endpoint.ts';
import {
  MAX_BATCH,
  applyPatch,
  bodyObject,
  dateFields,
  isPlainObject,
  isResponse,
  missingField,
  pagePaging,
  plainCopy,
  queryBoolean,
  queryList,
  queryString,
  schemaMessage,
  scrollBatch,
  searchPaging,
  searchResult,
  sortHits,
  sortOrder,
  stringList,
  updateResult,
  within,
  type Json,
} from './search.ts';
import { NOTHING, dateTime, dateWindowFields, externalIdFilter, idList, patchControls, scrollResultOf, pagingFields as paging, searchResultOf, updateResultSchema } from './contracts.ts';

/** `OmniumOrderSearchRequest`: what `searchFilter` reads, and `disableFacets` (A4). */
const orderSearchRequest = z
  .object({
    ...paging,
    selectedStatuses: idList.optional(),
    selectedStores: idList.optional(),
    selectedMarkets: idList.optional(),
    selectedOrderTypes: idList.optional(),
    ...dateWindowFields,
    orderNumber: z.string().optional(),
    customerId: z.string().optional(),
    externalIds: externalIdFilter.optional(),
    disableFacets: z.boolean().optional(),
  })
  .meta({ id: 'OmniumOrderSearchRequest' });

/** The `GetOrders` query: repeated `storeId`/`status`/`marketId`/`orderType`, and `changedSince`. */
const getOrdersFilterQuery = {
  storeId: idList.optional(),
  status: idList.optional(),
  marketId: idList.optional(),
  orderType: idList.optional(),
  changedSince: dateTime.optional(),
};

/**
 * The fields an order write may set, at the top level: the order model's (omnium-api.md A5's
 * key fields), and no other. Security-tests.md case 41 (OWASP API3, mass assignment) wants a
 * write that sets a field the object does not have (`store_id`, `role`, `paid_total`) or may
 * not change refused, and the object left as it was; omnium-api.md says nothing of unknown
 * fields (ASP.NET would drop them unbound, which is inference), so the case list decides:
 * every order write declares `unknownFields: 'refuse'` and answers such a field 400, naming
 * it. Nested objects (addresses, lines, shipments) stay open: the docs list only some of
 * their fields, and a refusal there would fail integrations the platform accepts.
 */
const orderFields = z.object(orderSchema.shape);

/** An order as a client sends it: the model's fields, the ones `normalizeOrder` fills in optional. */
const newOrder = orderFields.partial().required({ id: true, marketId: true, storeId: true, orderType: true, status: true }).meta({ id: 'OmniumOrderRequest' });
const putOrderBody = orderFields.partial().required({ marketId: true, storeId: true, orderType: true, status: true }).meta({ id: 'OmniumOrderPutRequest' });
/** `OmniumOrderPatch`: the order's fields but those the mock keeps (its id, which the path names, and its timestamps), and the PATCH controls. */
const orderPatch = orderFields.omit({ id: true, created: true, modified: true }).partial().extend(patchControls).meta({ id: 'OmniumOrderPatch' });

/** `OmniumUpdateStatusPatch` (A5 UpdateStatus). */
const updateStatusRequest = z
  .object({
    status: z.string(),
    shipmentInfo: z
      .looseObject({
        shipmentId: z.union([z.string(), z.number()]).optional(),
        trackingNumber: z.string().optional(),
        trackingUrl: z.string().optional(),
        shipmentMethodName: z.string().optional(),
        warehouseCode: z.string().optional(),
        labelLink: z.string().optional(),
        packages: z.array(z.unknown()).optional(),
        comment: z.string().optional(),
        externalIds: z.array(externalIdSchema).optional(),
        properties: z.array(propertySchema).optional(),
        orderStatus: z.string().optional(),
      })
      .optional(),
    skipRunWorkflow: z.boolean().optional(),
    returnId: z.string().optional(),
    userId: z.string().optional(),
  })
  .meta({ id: 'OmniumUpdateStatusPatch' });

/** `OmniumOrderWorkflowExecutionResult`. */
const workflowResult = z
  .object({
    isAborted: z.boolean(),
    order: orderSchema,
    orderActionExecutionResults: z.array(
      z.object({
        actionStatus: z.enum(['Success', 'Warning', 'Error']),
        actionType: z.string(),
        cancelWorkflow: z.boolean(),
        errorReason: z.string().nullable(),
        isInvisible: z.boolean(),
        translateKey: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'OmniumOrderWorkflowExecutionResult' });

const orderSearchResult = searchResultOf(orderSchema, 'OmniumOrderOmniumSearchResult');
const orderScrollResult = scrollResultOf(orderSchema, 'OmniumOrderOmniumScrollResult');

const NOT_FOUND = 'Order was not found';
const notFound = (): ApiResponse => reply.text(NOT_FOUND, 404);

const REQUIRED_FOR_POST = ['id', 'marketId', 'storeId', 'orderType', 'status'] as const;
const REQUIRED_FOR_PUT = ['marketId', 'storeId', 'orderType', 'status'] as const;

const round2 = (n: number): number => Math.round(n * 100) / 100;

type OrderEvent = Parameters<ResolverContext['emit']>[0];

function orderEvent(
  order: Order,
  fields: Pick<OrderEvent, 'operationId' | 'message' | 'category' | 'origin'> & { previousStatus?: string },
): OrderEvent {
  return {
    className: 'Order',
    subClassName: order.orderType,
    objectId: order.id,
    objectNumber: order.orderNumber,
    storeId: order.storeId,
    market: order.marketId,
    status: order.status,
    isError: false,
    isRead: false,
    tags: order.tags,
    ...fields,
  };
}

/** The order of `req.params[name]` if it exists and is in scope, else the 404/403 answer. */
function orderInScope(req: ApiRequest, ctx: ResolverContext, name: string): Order | ApiResponse {
  const order = ctx.db.orders.get(req.params[name] as string);
  if (order === undefined) return notFound();
  if (!ctx.scope.allows(order)) return reply.forbidden();
  return order;
}

/** Market and store of a write: they must exist (400) and be in scope (403). */
function checkPlacement(db: Domain, scope: Scope, marketId: unknown, storeId: unknown): ApiResponse | undefined {
  if (typeof marketId === 'string' && !db.markets.has(marketId)) return reply.text(`Market '${marketId}' was not found.`, 400);
  if (typeof storeId === 'string' && !db.stores.has(storeId)) return reply.text(`Store '${storeId}' was not found.`, 400);
  if (!scope.allows({ marketId: marketId as string, storeId: storeId as string })) return reply.forbidden();
  return undefined;
}

/**
 * A complete order from what a client posted: defaults filled in, totals computed when
 * absent, then checked against the schema (400 text naming the field).
 */
function normalizeOrder(input: Json, ctx: ResolverContext, existing: Order | undefined): Order | ApiResponse {
  const now = ctx.now().toISOString();
  const market = ctx.db.markets.get(input.marketId as string);
  const form = isPlainObject(input.orderForm) ? { ...input.orderForm } : {};
  const lines = Array.isArray(form.lineItems) ? form.lineItems.filter(isPlainObject) : [];
  form.lineItems = lines.map((line, n) => ({ lineItemId: String(n + 1), taxRate: market?.defaultTaxRate ?? null, ...line }));
  const computed = round2(
    lines.reduce((sum, l) => sum + (typeof l.placedPrice === 'number' && typeof l.quantity === 'number' ? l.placedPrice * l.quantity : 0), 0),
  );
  const rate = market?.defaultTaxRate ?? 25;
  const total = typeof input.total === 'number' ? input.total : computed;
  const taxTotal = typeof input.taxTotal === 'number' ? input.taxTotal : round2((total * rate) / (100 + rate));
  form.subTotal ??= typeof input.subTotal === 'number' ? input.subTotal : computed;
  form.total ??= total;
  const candidate = {
    customerType: 'B2C',
    billingCurrency: market?.currency ?? null,
    ...input,
    orderNumber: typeof input.orderNumber === 'string' && input.orderNumber !== '' ? input.orderNumber : input.id,
    created: existing?.created ?? (typeof input.created === 'string' ? input.created : now),
    modified: now,
    subTotal: typeof input.subTotal === 'number' ? input.subTotal : computed,
    taxTotal,
    total,
    totalExclTax: typeof input.totalExclTax === 'number' ? input.totalExclTax : round2(total - taxTotal),
    orderForm: form,
  };
  const parsed = orderSchema.safeParse(candidate);
  return parsed.success ? parsed.data : reply.text(schemaMessage(parsed.error.issues), 400);
}

interface OrderFilter {
  statuses: string[];
  stores: string[];
  markets: string[];
  orderTypes: string[];
  createdFrom?: string;
  createdTo?: string;
  modifiedFrom?: string;
  modifiedTo?: string;
  orderNumber?: string;
  customerId?: string;
  externalIds: string[];
}

function filterOrders(db: Domain, scope: Scope, f: OrderFilter): Order[] {
  const statuses = f.statuses.length ? new Set(f.statuses) : undefined;
  const stores = f.stores.length ? new Set(f.stores) : undefined;
  const markets = f.markets.length ? new Set(f.markets) : undefined;
  const types = f.orderTypes.length ? new Set(f.orderTypes) : undefined;
  const externalIds = f.externalIds.length ? new Set(f.externalIds) : undefined;
  const hits: Order[] = [];
  for (const o of db.orders.all()) {
    // Soft-deleted orders are found only when asked for by status.
    if (statuses ? !statuses.has(o.status) : o.status === DELETED_STATUS) continue;
    if (stores && !stores.has(o.storeId)) continue;
    if (markets && !markets.has(o.marketId)) continue;
    if (types && !types.has(o.orderType)) continue;
    if (!within(o.created, f.createdFrom, f.createdTo)) continue;
    if (!within(o.modified, f.modifiedFrom, f.modifiedTo)) continue;
    if (f.orderNumber !== undefined && o.orderNumber !== f.orderNumber) continue;
    if (f.customerId !== undefined && o.customerId !== f.customerId) continue;
    if (externalIds && !o.externalIds.some((e) => externalIds.has(e.id))) continue;
    if (!scope.allows(o)) continue;
    hits.push(o);
  }
  return hits;
}

/** The filter of an `OmniumOrderSearchRequest`, or a 400. */
function searchFilter(body: Json): OrderFilter | ApiResponse {
  const dates = dateFields(body, ['createdFrom', 'createdTo', 'modifiedFrom', 'modifiedTo'] as const);
  if (isResponse(dates)) return dates;
  const externalIds = Array.isArray(body.externalIds)
    ? body.externalIds.map((e) => (isPlainObject(e) ? e.id : e)).filter((e): e is string => typeof e === 'string')
    : [];
  return {
    statuses: stringList(body.selectedStatuses),
    stores: stringList(body.selectedStores),
    markets: stringList(body.selectedMarkets),
    orderTypes: stringList(body.selectedOrderTypes),
    ...dates,
    ...(typeof body.orderNumber === 'string' && body.orderNumber ? { orderNumber: body.orderNumber } : {}),
    ...(typeof body.customerId === 'string' && body.customerId ? { customerId: body.customerId } : {}),
    externalIds,
  };
}

/** `GetOrders` query: repeated `storeId`/`status`, and `changedSince`. */
function getOrdersFilter(req: ApiRequest): OrderFilter | ApiResponse {
  const changedSince = dateFields({ changedSince: queryString(req, 'changedSince') }, ['changedSince'] as const);
  if (isResponse(changedSince)) return changedSince;
  return {
    statuses: queryList(req, 'status'),
    stores: queryList(req, 'storeId'),
    markets: queryList(req, 'marketId'),
    orderTypes: queryList(req, 'orderType'),
    ...(changedSince.changedSince ? { modifiedFrom: changedSince.changedSince } : {}),
    externalIds: [],
  };
}

const getOrder = defineEndpoint({
  id: 'Orders_Get',
  method: 'GET',
  path: '/api/Orders/{orderId}',
  role: 'OrderRead',
  tag: 'Orders',
  summary: 'Get an order by id',
  request: NOTHING,
  response: orderSchema,
  // The hot path: one Map lookup, the stored record as it is, with its text serialised once
  // per version of the record rather than on every read (a 2 KB order took ~10 µs a request).
  resolve: (req, ctx) => {
    const order = ctx.db.orders.get(req.params.orderId as string);
    if (order === undefined) return notFound();
    if (!ctx.scope.allows(order)) return reply.forbidden();
    return { status: 200, body: order, json: ctx.db.orders.json(order) };
  },
});

const searchOrders = defineEndpoint({
  id: 'Orders_Search',
  method: 'POST',
  writes: false, // a search, sent as a POST
  path: '/api/Orders/Search',
  role: 'OrderRead',
  tag: 'Orders',
  summary: 'Search orders (take ≤ 100, 0-based page)',
  request: { body: orderSearchRequest },
  response: orderSearchResult,
  resolve: (req, ctx) => {
    const body = bodyObject(req);
    const paging = searchPaging(body.take, body.page);
    if (isResponse(paging)) return paging;
    const filter = searchFilter(body);
    if (isResponse(filter)) return filter;
    const hits = sortHits(filterOrders(ctx.db, ctx.scope, filter), sortOrder(body.sortOrder, 'CreatedDescending'), (o) => o.id);
    return reply.json(searchResult(hits, paging));
  },
});

const scrollOrders = defineEndpoint({
  id: 'Orders_Scroll',
  method: 'POST',
  writes: false, // a search, sent as a POST
  path: '/api/Orders/Scroll',
  role: 'OrderRead',
  tag: 'Orders',
  summary: 'Start a scroll over an order search (batches of up to 1,000)',
  request: { body: orderSearchRequest },
  response: orderScrollResult,
  resolve: (req, ctx) => {
    const body = bodyObject(req);
    const batch = scrollBatch(body.take);
    if (isResponse(batch)) return batch;
    const filter = searchFilter(body);
    if (isResponse(filter)) return filter;
    const hits = sortHits(filterOrders(ctx.db, ctx.scope, filter), sortOrder(body.sortOrder, 'CreatedDescending'), (o) => o.id);
    const page = ctx.db.scrolls.open('orders', hits.map((o) => o.id), batch);
    return reply.json({ totalHits: page.totalHits, result: current(ctx.db, page.result), scrollId: page.scrollId });
  },
});

/** The orders of these ids as they are now (a scroll keeps ids, so later changes show). */
function current(db: Domain, ids: readonly string[]): Order[] {
  return ids.map((id) => db.orders.get(id)).filter((o): o is Order => o !== undefined);
}

const scrollOrdersNext = defineEndpoint({
  id: 'Orders_ScrollNext',
  method: 'GET',
  path: '/api/Orders/Scroll/{scrollId}',
  role: 'OrderRead',
  tag: 'Orders',
  summary: 'Next batch of an order scroll (empty at the end)',
  request: NOTHING,
  response: orderScrollResult,
  resolve: (req, ctx) => {
    const page = ctx.db.scrolls.next<string>('orders', req.params.scrollId as string);
    if (!page) return reply.text('Scroll was not found or has expired', 404);
    return reply.json({ totalHits: page.totalHits, result: current(ctx.db, page.result), scrollId: page.scrollId });
  },
});

const getOrders = defineEndpoint({
  id: 'Orders_GetOrders',
  method: 'GET',
  path: '/api/Orders/GetOrders',
  role: 'OrderRead',
  tag: 'Orders',
  summary: 'Orders by store, status and changedSince (1-based page, pageSize ≤ 100)',
  request: { query: z.object({ ...getOrdersFilterQuery, pageSize: z.int().min(1).max(100).optional(), page: z.int().min(1).optional() }) },
  response: orderSearchResult,
  resolve: (req, ctx) => {
    const paging = pagePaging(queryString(req, 'pageSize'), queryString(req, 'page'));
    if (isResponse(paging)) return paging;
    const filter = getOrdersFilter(req);
    if (isResponse(filter)) return filter;
    // Oldest change first: a delta sync pages forward without skipping.
    const hits = sortHits(filterOrders(ctx.db, ctx.scope, filter), 'ModifiedAscending', (o) => o.id);
    return reply.json(searchResult(hits, paging));
  },
});

const countOrders = defineEndpoint({
  id: 'Orders_GetOrdersCount',
  method: 'GET',
  path: '/api/Orders/GetOrders/Count',
  role: 'OrderRead',
  tag: 'Orders',
  summary: 'Number of orders GetOrders would find (a bare integer)',
  request: { query: z.object(getOrdersFilterQuery) },
  response: z.int(),
  resolve: (req, ctx) => {
    const filter = getOrdersFilter(req);
    if (isResponse(filter)) return filter;
    return reply.json(filterOrders(ctx.db, ctx.scope, filter).length);
  },
});

const addOrder = defineEndpoint({
  id: 'Orders_Add',
  method: 'POST',
  path: '/api/Orders',
  role: 'OrderAdmin',
  tag: 'Orders',
  summary: 'Create an order with its own id (unique across markets)',
  request: { body: newOrder, unknownFields: 'refuse' },
  response: orderSchema,
  okStatus: 201,
  resolve: async (req, ctx) => {
    const body = bodyObject(req);
    const missing = missingField(body, REQUIRED_FOR_POST);
    if (missing) return reply.text(missing, 400);
    const placement = checkPlacement(ctx.db, ctx.scope, body.marketId, body.storeId);
    if (placement) return placement;
    if (ctx.db.orders.has(body.id as string)) return reply.text(`An order with id '${String(body.id)}' already exists.`, 409);
    const order = normalizeOrder(body, ctx, undefined);
    if (isResponse(order)) return order;
    const stored = await ctx.db.orders.insert(order);
    ctx.emit(orderEvent(stored, { operationId: 110106, message: 'Order added', category: 'Created', previousStatus: '', origin: 'POST /api/Orders' }));
    return reply.json(stored, 201);
  },
});

const putOrder = defineEndpoint({
  id: 'Orders_Put',
  method: 'PUT',
  path: '/api/Orders',
  role: 'OrderAdmin',
  tag: 'Orders',
  summary: 'Create an order with a generated order number, or replace one',
  request: { body: putOrderBody, unknownFields: 'refuse' },
  response: orderSchema,
  resolve: async (req, ctx) => {
    const body = bodyObject(req);
    const missing = missingField(body, REQUIRED_FOR_PUT);
    if (missing) return reply.text(missing, 400);
    const placement = checkPlacement(ctx.db, ctx.scope, body.marketId, body.storeId);
    if (placement) return placement;
    const orderNumber = typeof body.orderNumber === 'string' && body.orderNumber ? body.orderNumber : ctx.db.nextOrderNumber();
    const id = typeof body.id === 'string' && body.id ? body.id : orderNumber;
    const existing = ctx.db.orders.get(id);
    if (existing && !ctx.scope.allows(existing)) return reply.forbidden();
    const order = normalizeOrder({ ...body, id, orderNumber }, ctx, existing);
    if (isResponse(order)) return order;
    const stored = existing ? ((await ctx.db.orders.replace(id, order)) as Order) : await ctx.db.orders.insert(order);
    ctx.emit(
      orderEvent(stored, {
        operationId: 110106,
        message: existing ? 'Order replaced' : 'Order added',
        category: existing ? 'Updated' : 'Created',
        previousStatus: existing?.status ?? '',
        origin: 'PUT /api/Orders',
      }),
    );
    return reply.json(stored, 200);
  },
});

const patchOrder = defineEndpoint({
  id: 'Orders_PatchOrder',
  method: 'PATCH',
  path: '/api/Orders/{orderId}/PatchOrder',
  role: 'OrderAdmin',
  tag: 'Orders',
  summary: 'Change only the supplied fields of an order (no workflow)',
  request: { body: orderPatch, unknownFields: 'refuse' },
  response: updateResultSchema,
  resolve: async (req, ctx) => {
    const order = orderInScope(req, ctx, 'orderId');
    if (isResponse(order)) return order;
    const body = bodyObject(req);
    const next = plainCopy(order);
    applyPatch(next, body, ['id']);
    if (next.storeId !== order.storeId || next.marketId !== order.marketId) {
      const placement = checkPlacement(ctx.db, ctx.scope, next.marketId, next.storeId);
      if (placement) return placement;
    }
    const unchanged = JSON.stringify(next) === JSON.stringify(order);
    if (unchanged) return reply.json(updateResult({ updated: 0 }));
    next.modified = ctx.now().toISOString();
    const parsed = orderSchema.safeParse(next);
    if (!parsed.success) return reply.text(schemaMessage(parsed.error.issues), 400);
    const stored = (await ctx.db.orders.replace(order.id, parsed.data)) as Order;
    ctx.emit(
      orderEvent(stored, {
        operationId: 310100,
        message: 'Order patched',
        category: 'Updated',
        previousStatus: order.status,
        origin: `PATCH /api/Orders/${order.id}/PatchOrder`,
      }),
    );
    return reply.json(updateResult({ updated: 1 }));
  },
});

const updateStatus = defineEndpoint({
  id: 'Orders_UpdateStatus',
  method: 'POST',
  path: '/api/Orders/{orderId}/UpdateStatus',
  role: 'OrderAdmin',
  tag: 'Orders',
  summary: 'Set the status of an order or one shipment, running the workflow unless skipped',
  request: { body: updateStatusRequest },
  response: workflowResult,
  resolve: async (req, ctx) => {
    const body = bodyObject(req);
    const order = orderInScope(req, ctx, 'orderId');
    if (isResponse(order)) return order;
    if (typeof body.status !== 'string' || body.status.trim() === '') return reply.text('The Status field is required.', 400);
    if (order.isReadOnly) return reply.text('The order is read-only and can not be updated.', 400);
    const status = body.status;
    const skipWorkflow = body.skipRunWorkflow === true;
    const info = isPlainObject(body.shipmentInfo) ? body.shipmentInfo : undefined;
    const shipmentId = typeof info?.shipmentId === 'string' || typeof info?.shipmentId === 'number' ? String(info.shipmentId) : undefined;
    if (shipmentId !== undefined && !order.orderForm.shipments.some((s) => s.shipmentId === shipmentId)) {
      return reply.text(`Shipment '${shipmentId}' was not found on the order.`, 400);
    }
    const previousStatus = order.status;
    const now = ctx.now().toISOString();
    const stored = (await ctx.db.orders.update(order.id, (draft) => {
      for (const shipment of draft.orderForm.shipments) {
        if (shipmentId !== undefined && shipment.shipmentId !== shipmentId) continue;
        shipment.status = status;
        if (info && shipmentId !== undefined) {
          for (const key of ['trackingNumber', 'trackingUrl', 'shipmentMethodName', 'warehouseCode', 'labelLink'] as const) {
            if (typeof info[key] === 'string') (shipment as Json)[key === 'shipmentMethodName' ? 'shippingMethodName' : key] = info[key];
          }
        }
      }
      // One shipment moved: the order follows once every shipment has the same status.
      const shipments = draft.orderForm.shipments;
      if (shipmentId === undefined || shipments.every((s) => s.status === status)) draft.status = status;
      draft.modified = now;
    })) as Order;
    const partial = stored.status !== status;
    ctx.emit(
      orderEvent(stored, {
        operationId: partial ? 310103 : skipWorkflow ? 310102 : 310101,
        message: partial ? `Shipment ${shipmentId} status updated to ${status}` : `Order status updated to ${status}`,
        category: skipWorkflow ? 'Updated' : 'Workflow',
        previousStatus,
        origin: `POST /api/Orders/${order.id}/UpdateStatus`,
      }),
    );
    return reply.json({
      isAborted: false,
      order: stored,
      orderActionExecutionResults: skipWorkflow
        ? []
        : [{ actionStatus: 'Success', actionType: 'ChangeStatus', cancelWorkflow: false, errorReason: null, isInvisible: false, translateKey: null }],
    });
  },
});

const deleteOrder = defineEndpoint({
  id: 'Orders_Delete',
  method: 'DELETE',
  path: '/api/Orders/{orderId}',
  role: 'OrderAdmin',
  tag: 'Orders',
  summary: 'Delete an order: soft (status Deleted) unless deletePermanently=true',
  request: { query: z.object({ deletePermanently: z.boolean().optional() }) },
  response: null,
  resolve: async (req, ctx) => {
    const order = orderInScope(req, ctx, 'orderId');
    if (isResponse(order)) return order;
    const permanently = queryBoolean(req, 'deletePermanently') === true;
    let event: Order = order;
    if (permanently) {
      ctx.db.orders.remove(order.id);
    } else {
      const now = ctx.now().toISOString();
      event = (await ctx.db.orders.update(order.id, (draft) => {
        draft.status = DELETED_STATUS;
        draft.modified = now;
      })) as Order;
    }
    ctx.emit(
      orderEvent(event, {
        operationId: 110109,
        message: permanently ? 'Order deleted permanently' : 'Order deleted',
        category: 'Deleted',
        previousStatus: order.status,
        origin: `DELETE /api/Orders/${order.id}`,
      }),
    );
    return reply.empty(200);
  },
});

const addMany = defineEndpoint({
  id: 'Orders_AddMany',
  method: 'POST',
  path: '/api/Orders/AddMany',
  role: 'OrderAdmin',
  limit: 'batch',
  tag: 'Orders',
  summary: 'Add or update up to 1,000 orders; unchanged ones are skipped',
  request: { body: z.array(newOrder).max(MAX_BATCH), unknownFields: 'refuse' },
  response: null,
  okStatus: 204,
  resolve: async (req, ctx) => {
    if (!Array.isArray(req.body)) return reply.text('The request body must be a list of orders.', 400);
    if (req.body.length > MAX_BATCH) return reply.text(`At most ${MAX_BATCH} orders per request.`, 400);
    const orders: Order[] = [];
    for (const [index, item] of req.body.entries()) {
      const body = isPlainObject(item) ? item : {};
      const missing = missingField(body, REQUIRED_FOR_POST);
      if (missing) return reply.text(`Order ${index}: ${missing}`, 400);
      const placement = checkPlacement(ctx.db, ctx.scope, body.marketId, body.storeId);
      if (placement) return placement.status === 400 ? reply.text(`Order ${index}: ${String(placement.body)}`, 400) : placement;
      const existing = ctx.db.orders.get(body.id as string);
      if (existing && !ctx.scope.allows(existing)) return reply.forbidden();
      const order = normalizeOrder(body, ctx, existing);
      if (isResponse(order)) return reply.text(`Order ${index}: ${String(order.body)}`, 400);
      orders.push(order);
    }
    for (const order of orders) {
      const existing = ctx.db.orders.get(order.id);
      if (existing && sameExceptModified(existing, order)) continue;
      const stored = existing ? ((await ctx.db.orders.replace(order.id, order)) as Order) : await ctx.db.orders.insert(order);
      ctx.emit(
        orderEvent(stored, {
          operationId: 110106,
          message: existing ? 'Order updated' : 'Order added',
          category: existing ? 'Updated' : 'Created',
          previousStatus: existing?.status ?? '',
          origin: 'POST /api/Orders/AddMany',
        }),
      );
    }
    return reply.empty(204);
  },
});

function sameExceptModified(a: Order, b: Order): boolean {
  return JSON.stringify({ ...a, modified: '' }) === JSON.stringify({ ...b, modified: '' });
}

/** Every order endpoint of C1 (token and health live elsewhere). */
export const orderEndpoints: Endpoint[] = [
  getOrder,
  searchOrders,
  scrollOrders,
  scrollOrdersNext,
  getOrders,
  countOrders,
  addOrder,
  putOrder,
  patchOrder,
  updateStatus,
  deleteOrder,
  addMany,
];
