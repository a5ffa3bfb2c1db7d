/**
 * `/api/Stores` and `/api/Markets`: the tenant's stores (warehouses included) and markets
 * (omnium-api.md A5 Stores and markets, C1). A store 404 is ProblemDetails (A6).
 */
import { z } from 'zod';
import { marketSchema, storeSchema } from '../domain/index.ts';
import { defineEndpoint, reply, type Endpoint } from '../endpoint.ts';
import { NOTHING, searchResultOf } from './contracts.ts';
import { queryBoolean, queryString, storeInScope } from './search.ts';

const listStores = defineEndpoint({
  id: 'Stores_List',
  method: 'GET',
  path: '/api/Stores',
  role: 'StoreRead',
  tag: 'Stores',
  summary: 'Every store in scope (filterPublicVisible=true: only public ones)',
  request: { query: z.object({ filterPublicVisible: z.boolean().optional() }) },
  response: searchResultOf(storeSchema, 'OmniumStoreOmniumSearchResult'),
  resolve: (req, ctx) => {
    const publicOnly = queryBoolean(req, 'filterPublicVisible') === true;
    const result = ctx.db.stores.all().filter((s) => storeInScope(ctx.scope, s) && (!publicOnly || s.isPublicVisible));
    if (result.length === 0) return reply.text('No stores found', 404);
    return reply.json({ result, totalHits: result.length, facets: [], scrollId: null, isValid: true });
  },
});

const getStore = defineEndpoint({
  id: 'Stores_Get',
  method: 'GET',
  path: '/api/Stores/{storeId}',
  role: 'StoreRead',
  tag: 'Stores',
  summary: 'Get a store by id',
  request: NOTHING,
  response: storeSchema,
  resolve: (req, ctx) => {
    const store = ctx.db.stores.get(req.params.storeId as string);
    if (store === undefined) return reply.problem(404, 'Not Found');
    if (!storeInScope(ctx.scope, store)) return reply.forbidden();
    return { status: 200, body: store };
  },
});

const getByExternalId = defineEndpoint({
  id: 'Stores_GetByExternalId',
  method: 'GET',
  path: '/api/Stores/GetByExternalId',
  role: 'StoreRead',
  tag: 'Stores',
  summary: 'Get a store by one of its external ids',
  request: { query: z.object({ id: z.string() }) },
  response: storeSchema,
  resolve: (req, ctx) => {
    const id = queryString(req, 'id');
    const store = id ? ctx.db.stores.all().find((s) => s.externalIds.some((e) => e.id === id)) : undefined;
    if (store === undefined) return reply.problem(404, 'Not Found');
    if (!storeInScope(ctx.scope, store)) return reply.forbidden();
    return { status: 200, body: store };
  },
});

const listMarkets = defineEndpoint({
  id: 'Markets_List',
  method: 'GET',
  path: '/api/Markets',
  // Omnium documents no role for markets; settings are where markets live (A3).
  role: 'SettingsRead',
  tag: 'Markets',
  summary: 'The markets in scope (OmniumMarket[])',
  request: NOTHING,
  response: z.array(marketSchema),
  resolve: (_req, ctx) => reply.json(ctx.db.markets.all().filter((m) => ctx.scope.allowsMarket(m.marketId))),
});

/** The store and market endpoints of C1, plus GetByExternalId. */
export const storeEndpoints: Endpoint[] = [listStores, getStore, getByExternalId, listMarkets];
