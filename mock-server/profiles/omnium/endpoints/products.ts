/**
 * `/api/Products`: get by product or SKU id, search (list items), scroll, create,
 * create-or-replace and patch (omnium-api.md A5 Products, C1). A 404 is ProblemDetails (A6).
 */
import { z } from 'zod';
import type { Scope } from '../../../auth/scope.ts';
import { productSchema, type Domain, type Product } from '../domain/index.ts';
import { defineEndpoint, reply, type ApiResponse, type Endpoint, type ResolverContext } from '../endpoint.ts';
import {
  applyPatch,
  bodyObject,
  dateFields,
  isResponse,
  plainCopy,
  productInScope,
  schemaMessage,
  scrollBatch,
  searchPaging,
  searchResult,
  sortHits,
  sortOrder,
  stringList,
  updateResult,
  type Json,
} from './search.ts';

import { NOTHING, dateTime, idList, patchControls, scrollResultOf, pagingFields as paging, searchResultOf, updateResultSchema } from './contracts.ts';

const notFound = (): ApiResponse => reply.problem(404, 'Not Found');

/** `OmniumProductSearchRequest`: what `searchProducts` reads, and the fields A5 documents besides. */
const productSearchRequest = z
  .object({
    ...paging,
    marketId: z.string().optional(),
    storeId: z.string().optional(),
    customerId: z.string().optional(),
    productIds: idList.optional(),
    productCategoryIds: idList.optional(),
    isActive: z.boolean().optional(),
    isInStock: z.boolean().optional(),
    modifiedFrom: dateTime.optional(),
    isFacetsDisabled: z.boolean().optional(),
    excludedFields: idList.optional(),
    includedFields: idList.optional(),
    language: z.string().optional(),
    sortOrder2nd: paging.sortOrder,
    sortOrder3rd: paging.sortOrder,
  })
  .meta({ id: 'OmniumProductSearchRequest' });

/** `OmniumProductListItemViewModel` (`listItem`). */
const productListItem = z
  .object({
    id: z.string(),
    productId: z.string(),
    skuId: z.string().nullable(),
    name: z.string(),
    language: z.string().nullable(),
    brand: z.string().nullable(),
    productCategoryIds: idList,
    marketIds: idList,
    storeIds: idList,
    isActive: z.boolean(),
    isInStock: z.boolean(),
    availableInventory: z.number(),
    skuIds: idList,
    price: z.number().nullable(),
    currencyCode: z.string().nullable(),
    created: z.string(),
    modified: z.string(),
  })
  .meta({ id: 'OmniumProductListItemViewModel' });

const productScrollResult = scrollResultOf(productSchema, 'OmniumProductOmniumScrollResult');
/** A product as a client sends it: `productId` required, the rest filled in by `normalizeProduct`. */
const productRequest = productSchema.partial().required({ productId: true }).meta({ id: 'OmniumProductRequest' });

type ProductEvent = Parameters<ResolverContext['emit']>[0];

function productEvent(p: Product, fields: Pick<ProductEvent, 'operationId' | 'message' | 'category' | 'origin'>): ProductEvent {
  return { className: 'Product', objectId: p.productId, isError: false, isRead: false, ...fields };
}

/** `OmniumProductListItemViewModel`: what a search lists, not the full product. */
function listItem(p: Product, marketId: string | undefined) {
  const price = (marketId && p.prices.find((x) => x.marketId.toLowerCase() === marketId.toLowerCase())) || p.prices[0];
  return {
    id: p.id,
    productId: p.productId,
    skuId: p.skuId ?? null,
    name: p.name,
    language: p.language ?? null,
    brand: p.brand ?? null,
    productCategoryIds: p.productCategoryIds,
    marketIds: p.marketIds,
    storeIds: p.storeIds,
    isActive: p.isActive,
    isInStock: p.isInStock,
    availableInventory: p.availableInventory,
    skuIds: p.variants.map((v) => v.skuId),
    price: price?.unitPrice ?? null,
    currencyCode: price?.currencyCode ?? null,
    created: p.created,
    modified: p.modified,
  };
}

/** A write may name only stores and markets in scope (empty lists name none). */
function writeInScope(scope: Scope, body: Json): boolean {
  return stringList(body.storeIds).every((s) => scope.allowsStore(s)) && stringList(body.marketIds).every((m) => scope.allowsMarket(m));
}

function searchProducts(db: Domain, scope: Scope, body: Json): Product[] | ApiResponse {
  const dates = dateFields(body, ['modifiedFrom'] as const);
  if (isResponse(dates)) return dates;
  const marketId = typeof body.marketId === 'string' && body.marketId ? body.marketId.toLowerCase() : undefined;
  const storeId = typeof body.storeId === 'string' && body.storeId ? body.storeId : undefined;
  const productIds = stringList(body.productIds);
  const categories = stringList(body.productCategoryIds);
  const hits = db.products.all().filter(
    (p) =>
      productInScope(scope, p) &&
      (marketId === undefined || p.marketIds.length === 0 || p.marketIds.some((m) => m.toLowerCase() === marketId)) &&
      (storeId === undefined || p.storeIds.length === 0 || p.storeIds.includes(storeId)) &&
      (productIds.length === 0 || productIds.includes(p.productId)) &&
      (categories.length === 0 || p.productCategoryIds.some((c) => categories.includes(c))) &&
      (typeof body.isActive !== 'boolean' || p.isActive === body.isActive) &&
      (typeof body.isInStock !== 'boolean' || p.isInStock === body.isInStock) &&
      (dates.modifiedFrom === undefined || p.modified >= dates.modifiedFrom),
  );
  return sortHits(hits, sortOrder(body.sortOrder, 'DocumentId'), (p) => p.productId);
}

/** A complete product from what a client sent, or a 400 naming the field. */
function normalizeProduct(body: Json, ctx: ResolverContext, existing: Product | undefined): Product | ApiResponse {
  if (typeof body.productId !== 'string' || body.productId.trim() === '') return reply.text('The ProductId field is required.', 400);
  const now = ctx.now().toISOString();
  const language = typeof body.language === 'string' && body.language ? body.language : 'en';
  const parsed = productSchema.safeParse({
    id: `${body.productId}_${language}`,
    name: '',
    language,
    ...body,
    created: existing?.created ?? (typeof body.created === 'string' ? body.created : now),
    modified: now,
  });
  return parsed.success ? parsed.data : reply.text(schemaMessage(parsed.error.issues), 400);
}

/** The ids a product answers to at `GET /api/Products/{id}`: its own, its SKU's and its variants'. */
const idsOf = (p: Product): string[] => [p.productId, ...(p.skuId ? [p.skuId] : []), ...p.variants.map((v) => v.skuId)];

/**
 * A 409 when an id `product` would answer to is another product's: product and SKU ids share one
 * lookup, so a product may not take another's id, nor one of its SKUs (`self`: the product
 * written, when it exists).
 */
function idTaken(db: Domain, product: Product, self: Product | undefined): ApiResponse | undefined {
  for (const id of idsOf(product)) {
    const other = db.products.get(id);
    if (other !== undefined && other !== self) return reply.text(`The id '${id}' belongs to product '${other.productId}'.`, 409);
  }
  return undefined;
}

const getProduct = defineEndpoint({
  id: 'Products_Get',
  method: 'GET',
  path: '/api/Products/{productId}',
  role: 'ProductRead',
  limit: 'high-traffic',
  tag: 'Products',
  summary: 'Get a product by product id or SKU id, with all valid prices',
  request: NOTHING,
  response: productSchema,
  resolve: (req, ctx) => {
    const product = ctx.db.products.get(req.params.productId as string);
    if (product === undefined) return notFound();
    if (!productInScope(ctx.scope, product)) return reply.forbidden();
    return { status: 200, body: product };
  },
});

const searchProductsEndpoint = defineEndpoint({
  id: 'Products_SearchProducts',
  method: 'POST',
  writes: false, // a search, sent as a POST
  path: '/api/Products/SearchProducts',
  role: 'ProductRead',
  limit: 'high-traffic',
  tag: 'Products',
  summary: 'Search products (list items; take ≤ 100, 0-based page)',
  request: { body: productSearchRequest },
  response: searchResultOf(productListItem, 'OmniumProductListItemViewModelOmniumSearchResult'),
  resolve: (req, ctx) => {
    const body = bodyObject(req);
    const paging = searchPaging(body.take, body.page);
    if (isResponse(paging)) return paging;
    const hits = searchProducts(ctx.db, ctx.scope, body);
    if (isResponse(hits)) return hits;
    const marketId = typeof body.marketId === 'string' ? body.marketId : undefined;
    return reply.json(searchResult(hits, paging, (p) => listItem(p, marketId)));
  },
});

const scrollProducts = defineEndpoint({
  id: 'Products_Scroll',
  method: 'POST',
  writes: false, // a search, sent as a POST
  path: '/api/Products/Scroll',
  role: 'ProductRead',
  tag: 'Products',
  summary: 'Start a scroll over a product search',
  request: { body: productSearchRequest },
  response: productScrollResult,
  resolve: (req, ctx) => {
    const body = bodyObject(req);
    const batch = scrollBatch(body.take);
    if (isResponse(batch)) return batch;
    const hits = searchProducts(ctx.db, ctx.scope, body);
    if (isResponse(hits)) return hits;
    const page = ctx.db.scrolls.open('products', hits.map((p) => p.productId), batch);
    return reply.json({ totalHits: page.totalHits, result: currentProducts(ctx.db, page.result), scrollId: page.scrollId });
  },
});

function currentProducts(db: Domain, ids: readonly string[]): Product[] {
  return ids.map((id) => db.products.get(id)).filter((p): p is Product => p !== undefined);
}

const scrollProductsNext = defineEndpoint({
  id: 'Products_ScrollNext',
  method: 'GET',
  path: '/api/Products/Scroll/{scrollId}',
  role: 'ProductRead',
  limit: 'high-traffic',
  tag: 'Products',
  summary: 'Next batch of a product scroll (empty at the end)',
  request: NOTHING,
  response: productScrollResult,
  resolve: (req, ctx) => {
    const page = ctx.db.scrolls.next<string>('products', req.params.scrollId as string);
    if (!page) return reply.text('Scroll was not found or has expired', 404);
    return reply.json({ totalHits: page.totalHits, result: currentProducts(ctx.db, page.result), scrollId: page.scrollId });
  },
});

const addProduct = defineEndpoint({
  id: 'Products_Add',
  method: 'POST',
  path: '/api/Products',
  role: 'ProductAdmin',
  tag: 'Products',
  summary: 'Create a product',
  request: { body: productRequest },
  response: productSchema,
  resolve: async (req, ctx) => {
    const body = bodyObject(req);
    if (!writeInScope(ctx.scope, body)) return reply.forbidden();
    const product = normalizeProduct(body, ctx, undefined);
    if (isResponse(product)) return product;
    if (ctx.db.products.has(product.productId)) return reply.text(`A product with id '${product.productId}' already exists.`, 409);
    const taken = idTaken(ctx.db, product, undefined);
    if (taken) return taken;
    const stored = await ctx.db.products.insert(product);
    ctx.emit(productEvent(stored, { operationId: 140106, message: 'Product added', category: 'Created', origin: 'POST /api/Products' }));
    return reply.json(stored);
  },
});

const putProduct = defineEndpoint({
  id: 'Products_Put',
  method: 'PUT',
  path: '/api/Products',
  role: 'ProductAdmin',
  tag: 'Products',
  summary: 'Create or replace a product',
  request: { body: productRequest },
  response: productSchema,
  resolve: async (req, ctx) => {
    const body = bodyObject(req);
    if (!writeInScope(ctx.scope, body)) return reply.forbidden();
    // Replaced is the product of that id, not one that has a SKU of that id (that one is refused below).
    const found = typeof body.productId === 'string' ? ctx.db.products.get(body.productId) : undefined;
    const existing = found?.productId === body.productId ? found : undefined;
    if (existing && !productInScope(ctx.scope, existing)) return reply.forbidden();
    const product = normalizeProduct(body, ctx, existing);
    if (isResponse(product)) return product;
    const taken = idTaken(ctx.db, product, existing);
    if (taken) return taken;
    const stored = existing ? ((await ctx.db.products.replace(existing.productId, product)) as Product) : await ctx.db.products.insert(product);
    ctx.emit(
      productEvent(stored, {
        operationId: 140106,
        message: existing ? 'Product replaced' : 'Product added',
        category: existing ? 'Updated' : 'Created',
        origin: 'PUT /api/Products',
      }),
    );
    return reply.json(stored);
  },
});

const patchProduct = defineEndpoint({
  id: 'Products_Patch',
  method: 'PATCH',
  path: '/api/Products/{productId}',
  role: 'ProductAdmin',
  tag: 'Products',
  summary: 'Change only the supplied fields of a product',
  request: { body: productSchema.partial().extend(patchControls).meta({ id: 'OmniumProductPatch' }) },
  response: updateResultSchema,
  resolve: async (req, ctx) => {
    const product = ctx.db.products.get(req.params.productId as string);
    if (product === undefined) return notFound();
    const body = bodyObject(req);
    if (!productInScope(ctx.scope, product) || !writeInScope(ctx.scope, body)) return reply.forbidden();
    const next = plainCopy(product);
    applyPatch(next, body, ['id', 'productId']);
    if (JSON.stringify(next) === JSON.stringify(product)) return reply.json(updateResult({ updated: 0 }));
    next.modified = ctx.now().toISOString();
    const parsed = productSchema.safeParse(next);
    if (!parsed.success) return reply.text(schemaMessage(parsed.error.issues), 400);
    const taken = idTaken(ctx.db, parsed.data, product);
    if (taken) return taken;
    const stored = (await ctx.db.products.replace(product.productId, parsed.data)) as Product;
    ctx.emit(
      productEvent(stored, { operationId: 140105, message: 'Product patched', category: 'Updated', origin: `PATCH /api/Products/${product.productId}` }),
    );
    return reply.json(updateResult({ updated: 1 }));
  },
});

/** The product endpoints of C1, plus PUT and the scroll pair of A5. */
export const productEndpoints: Endpoint[] = [
  getProduct,
  searchProductsEndpoint,
  scrollProducts,
  scrollProductsNext,
  addProduct,
  putProduct,
  patchProduct,
];
