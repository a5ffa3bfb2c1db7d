/**
 * `/api/Inventory`: stock of a SKU per warehouse, search, and the continuous bulk update
 * (omnium-api.md A5 Inventory, C1). Warehouses are stores with `isWarehouse`.
 */
import { z } from 'zod';
import type { Scope } from '../../../auth/scope.ts';
import { inventoryKey, inventorySchema, type Domain, type InventoryItem, type Store } from '../domain/index.ts';
import { defineEndpoint, reply, type Endpoint } from '../endpoint.ts';
import {
  MAX_BATCH,
  bodyObject,
  dateFields,
  isPlainObject,
  isResponse,
  queryBoolean,
  queryList,
  schemaMessage,
  searchPaging,
  storeInScope,
  stringList,
  updateResult,
  type Json,
} from './search.ts';

import { dateTime, idList, pagingFields, updateResultSchema } from './contracts.ts';

/** `OmniumInventorySearchRequest`: `SEARCH_KEYS`, paging, and `isBatchesExcluded` (A5). */
const inventorySearchRequest = z
  .object({
    take: pagingFields.take,
    page: pagingFields.page,
    productCodes: idList.optional(),
    warehouseCodes: idList.optional(),
    marketId: z.string().optional(),
    marketGroupId: z.string().optional(),
    isWebWarehouse: z.boolean().optional(),
    isInStock: z.boolean().optional(),
    lastModified: dateTime.optional(),
    isBatchesExcluded: z.boolean().optional(),
  })
  .meta({ id: 'OmniumInventorySearchRequest' });

/** One SKU in one warehouse as a client sends it: `sku`, `warehouseCode` and `inventory` required. */
const inventoryRequest = inventorySchema.partial().required({ sku: true, warehouseCode: true, inventory: true }).meta({ id: 'OmniumInventoryItemRequest' });

/** A warehouse's stock is visible when the warehouse (a store) is in scope. */
function visible(db: Domain, scope: Scope, item: InventoryItem): boolean {
  const store = db.stores.get(item.warehouseCode);
  return store ? storeInScope(scope, store) : scope.allowsStore(item.warehouseCode);
}

const getInventory = defineEndpoint({
  id: 'Inventory_Get',
  method: 'GET',
  path: '/api/Inventory/{skuId}',
  role: 'InventoryRead',
  limit: 'high-traffic',
  tag: 'Inventory',
  summary: 'Stock of one SKU in every warehouse (or those in warehouseIds)',
  request: { query: z.object({ warehouseIds: idList.optional() }) },
  response: z.object({ totalHits: z.int(), result: z.array(inventorySchema) }).meta({ id: 'OmniumInventoryItemOmniumResult' }),
  resolve: (req, ctx) => {
    const warehouses = queryList(req, 'warehouseIds');
    const result = ctx.db.inventory
      .group(req.params.skuId as string)
      .filter((i) => (warehouses.length === 0 || warehouses.includes(i.warehouseCode)) && visible(ctx.db, ctx.scope, i));
    return reply.json({ totalHits: result.length, result });
  },
});

const SEARCH_KEYS = ['productCodes', 'warehouseCodes', 'marketId', 'marketGroupId', 'isWebWarehouse', 'isInStock', 'lastModified'] as const;

const searchInventory = defineEndpoint({
  id: 'Inventory_Search',
  method: 'POST',
  writes: false, // a search, sent as a POST
  path: '/api/Inventory/Search',
  role: 'InventoryRead',
  limit: 'high-traffic',
  tag: 'Inventory',
  summary: 'Search stock by SKUs, warehouses, market or stock state (at least one is required)',
  request: { body: inventorySearchRequest },
  response: z.object({ totalHits: z.int(), result: z.array(inventorySchema), scrollId: z.null() }).meta({ id: 'OmniumInventoryItemOmniumSearchResult' }),
  resolve: (req, ctx) => {
    const body = bodyObject(req);
    const given = SEARCH_KEYS.filter((k) => {
      const v = body[k];
      return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== '';
    });
    if (given.length === 0) return reply.text('At least one parameter must be set.', 400);
    const paging = searchPaging(body.take, body.page);
    if (isResponse(paging)) return paging;
    const dates = dateFields(body, ['lastModified'] as const);
    if (isResponse(dates)) return dates;
    const codes = stringList(body.productCodes);
    const warehouses = stringList(body.warehouseCodes);
    const marketId = typeof body.marketId === 'string' && body.marketId ? body.marketId.toLowerCase() : undefined;
    const marketGroupId = typeof body.marketGroupId === 'string' && body.marketGroupId ? body.marketGroupId : undefined;
    const groupMarkets = marketGroupId
      ? new Set(ctx.db.markets.all().filter((m) => m.marketGroupId === marketGroupId).map((m) => m.marketId))
      : undefined;
    const candidates = codes.length ? codes.flatMap((c) => ctx.db.inventory.group(c)) : ctx.db.inventory.all();
    const hits = candidates.filter((i) => {
      if (warehouses.length && !warehouses.includes(i.warehouseCode)) return false;
      const store: Store | undefined = ctx.db.stores.get(i.warehouseCode);
      const markets = store?.availableOnMarkets ?? [];
      if (marketId && !markets.some((m) => m.toLowerCase() === marketId)) return false;
      if (groupMarkets && !markets.some((m) => groupMarkets.has(m))) return false;
      if (typeof body.isWebWarehouse === 'boolean' && (store?.isWebWarehouse ?? false) !== body.isWebWarehouse) return false;
      if (typeof body.isInStock === 'boolean' && i.inventory - i.reservedInventory > 0 !== body.isInStock) return false;
      if (dates.lastModified !== undefined && i.modified < dates.lastModified) return false;
      return visible(ctx.db, ctx.scope, i);
    });
    return reply.json({ totalHits: hits.length, result: hits.slice(paging.skip, paging.skip + paging.take), scrollId: null });
  },
});

const updateMany = defineEndpoint({
  id: 'Inventory_UpdateMany',
  method: 'PUT',
  path: '/api/Inventory/UpdateMany',
  role: 'InventoryAdmin',
  limit: 'batch',
  tag: 'Inventory',
  summary: 'Set the stock of up to 1,000 SKU/warehouse pairs; unchanged ones are skipped',
  request: { query: z.object({ isReservedInventoryOverwritten: z.boolean().optional() }), body: z.array(inventoryRequest).max(MAX_BATCH) },
  response: updateResultSchema,
  resolve: async (req, ctx) => {
    if (!Array.isArray(req.body)) return reply.text('The request body must be a list of inventory items.', 400);
    if (req.body.length > MAX_BATCH) return reply.text(`At most ${MAX_BATCH} inventory items per request.`, 400);
    const overwriteReserved = queryBoolean(req, 'isReservedInventoryOverwritten') === true;
    const now = ctx.now().toISOString();
    const items: { item: InventoryItem; existing: InventoryItem | undefined; store: Store }[] = [];
    for (const [index, raw] of req.body.entries()) {
      const body: Json = isPlainObject(raw) ? raw : {};
      if (typeof body.sku !== 'string' || !body.sku) return reply.text(`Item ${index}: The Sku field is required.`, 400);
      if (typeof body.warehouseCode !== 'string' || !body.warehouseCode) return reply.text(`Item ${index}: The WarehouseCode field is required.`, 400);
      const store = ctx.db.stores.get(body.warehouseCode);
      if (!store || !store.isWarehouse) return reply.text(`Item ${index}: Warehouse '${body.warehouseCode}' was not found.`, 400);
      if (!storeInScope(ctx.scope, store)) return reply.forbidden();
      const existing = ctx.db.inventory.get(inventoryKey(body.sku, body.warehouseCode));
      const parsed = inventorySchema.safeParse({
        ...existing,
        ...body,
        reservedInventory:
          existing && !overwriteReserved ? existing.reservedInventory : typeof body.reservedInventory === 'number' ? body.reservedInventory : 0,
        created: existing?.created ?? now,
        modified: now,
      });
      if (!parsed.success) return reply.text(`Item ${index}: ${schemaMessage(parsed.error.issues)}`, 400);
      items.push({ item: parsed.data, existing, store });
    }
    let updated = 0;
    const skus = new Set<string>();
    for (const { item, existing, store } of items) {
      if (existing && JSON.stringify({ ...existing, modified: '' }) === JSON.stringify({ ...item, modified: '' })) continue;
      const key = inventoryKey(item.sku, item.warehouseCode);
      const stored = existing ? ((await ctx.db.inventory.replace(key, item)) as InventoryItem) : await ctx.db.inventory.insert(item);
      updated++;
      skus.add(stored.sku);
      ctx.emit({
        operationId: 350002,
        message: `Inventory of ${stored.sku} in ${stored.warehouseCode} set to ${stored.inventory}`,
        className: 'Inventory',
        objectId: stored.sku,
        category: existing ? 'Updated' : 'Created',
        storeId: stored.warehouseCode,
        ...(store.availableOnMarkets[0] ? { market: store.availableOnMarkets[0] } : {}),
        isError: false,
        isRead: false,
        origin: 'PUT /api/Inventory/UpdateMany',
      });
    }
    await ctx.db.recountStock(skus);
    return reply.json(updateResult({ total: items.length, updated }));
  },
});

/** The inventory endpoints of C1. */
export const inventoryEndpoints: Endpoint[] = [getInventory, searchInventory, updateMany];
