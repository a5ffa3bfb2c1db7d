/**
 * `/api/PrivateCustomers` (B2C) and `/api/BusinessCustomers` (B2B): get, search, create,
 * patch (omnium-api.md A5 Customers, C1). Customers are store-scoped only when the tenant
 * setting `RequireStoreIdsForAccess` is on (A3); then their `storeIds` must meet the scope.
 */
import { z } from 'zod';
import type { Scope } from '../../../auth/scope.ts';
import {
  businessCustomerSchema,
  privateCustomerSchema,
  type BusinessCustomer,
  type Domain,
  type PrivateCustomer,
  type Table,
} from '../domain/index.ts';
import { defineEndpoint, reply, type ApiResponse, type Endpoint, type ResolverContext } from '../endpoint.ts';
import {
  applyPatch,
  bodyObject,
  dateFields,
  isResponse,
  plainCopy,
  queryString,
  schemaMessage,
  searchPaging,
  searchResult,
  sortHits,
  sortOrder,
  stringList,
  updateResult,
  within,
  type Json,
} from './search.ts';

import { NOTHING, dateWindowFields, externalIdFilter, idList, pagingFields, patchControls, searchResultOf, updateResultSchema } from './contracts.ts';

type Customer = PrivateCustomer | BusinessCustomer;

/** `OmniumCustomerSearchRequest`: what `searchCustomers` reads, and the fields A5 documents besides. */
const customerSearchRequest = z
  .object({
    ...pagingFields,
    customerId: z.string().optional(),
    customerIds: idList.optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
    query: z.string().optional(),
    storeIds: idList.optional(),
    marketIds: idList.optional(),
    ...dateWindowFields,
    tags: idList.optional(),
    externalIds: externalIdFilter.optional(),
    isCustomerClubMember: z.boolean().optional(),
    disableFacets: z.boolean().optional(),
  })
  .meta({ id: 'OmniumCustomerSearchRequest' });

const MODELS = { private: privateCustomerSchema, business: businessCustomerSchema } as const;

/** A customer as a client sends it: `customerId` required, the rest optional. */
const privateRequest = privateCustomerSchema.partial().required({ customerId: true });
const businessRequest = businessCustomerSchema.partial().required({ customerId: true });
const requests = {
  private: privateRequest.meta({ id: 'OmniumPrivateCustomerRequest' }),
  business: businessRequest.meta({ id: 'OmniumBusinessCustomerRequest' }),
};
const patches = {
  private: privateRequest.extend(patchControls).meta({ id: 'OmniumPrivateCustomerPatch' }),
  business: businessRequest.extend(patchControls).meta({ id: 'OmniumBusinessCustomerPatch' }),
};
const searchResults = {
  private: searchResultOf(privateCustomerSchema, 'OmniumPrivateCustomerOmniumSearchResult'),
  business: searchResultOf(businessCustomerSchema, 'OmniumBusinessCustomerOmniumSearchResult'),
};
type Kind = 'private' | 'business';

const NOT_FOUND = 'Customer was not found';
const notFound = (): ApiResponse => reply.text(NOT_FOUND, 404);

function table(db: Domain, kind: Kind): Table<Customer> {
  return (kind === 'private' ? db.privateCustomers : db.businessCustomers) as Table<Customer>;
}

function customerInScope(db: Domain, scope: Scope, storeIds: readonly string[]): boolean {
  if (!db.settings.requireStoreIdsForAccess || scope.stores === '*') return true;
  return storeIds.some((s) => s !== '' && scope.allowsStore(s));
}

function displayName(c: Customer): string {
  return 'name' in c && typeof c.name === 'string' ? c.name : String(c.fullName ?? '');
}

function searchCustomers(db: Domain, scope: Scope, kind: Kind, body: Json): Customer[] | ApiResponse {
  const dates = dateFields(body, ['modifiedFrom', 'modifiedTo', 'createdFrom', 'createdTo'] as const);
  if (isResponse(dates)) return dates;
  const ids = [...stringList(body.customerIds), ...stringList(body.customerId)];
  const email = typeof body.email === 'string' && body.email ? body.email.toLowerCase() : undefined;
  const phone = typeof body.phone === 'string' && body.phone ? body.phone.replace(/\s/g, '') : undefined;
  const query = typeof body.query === 'string' && body.query ? body.query.toLowerCase() : undefined;
  const storeIds = stringList(body.storeIds);
  const marketIds = stringList(body.marketIds).map((m) => m.toLowerCase());
  const tags = stringList(body.tags);
  const hits = table(db, kind)
    .all()
    .filter(
      (c) =>
        (ids.length === 0 || ids.includes(c.customerId)) &&
        (email === undefined || c.email?.toLowerCase() === email) &&
        (phone === undefined || c.phone?.replace(/\s/g, '') === phone) &&
        (query === undefined ||
          [displayName(c), c.email, c.phone, c.customerNumber, c.customerId].some((v) => v?.toLowerCase().includes(query))) &&
        (storeIds.length === 0 || c.storeIds.some((s) => storeIds.includes(s))) &&
        (marketIds.length === 0 || marketIds.includes(String(c.marketId).toLowerCase())) &&
        (tags.length === 0 || c.tags.some((t) => tags.includes(t))) &&
        (typeof body.isCustomerClubMember !== 'boolean' ||
          ('isCustomerClubMember' in c && c.isCustomerClubMember === body.isCustomerClubMember)) &&
        within(c.modified, dates.modifiedFrom, dates.modifiedTo) &&
        within(c.created, dates.createdFrom, dates.createdTo) &&
        customerInScope(db, scope, c.storeIds),
    );
  return sortHits(hits, sortOrder(body.sortOrder, 'CreatedDescending'), (c) => c.customerId);
}

/** A complete customer from what a client sent (full name computed), or a 400. */
function normalize(kind: Kind, body: Json, ctx: ResolverContext, existing: Customer | undefined): Customer | ApiResponse {
  const now = ctx.now().toISOString();
  const base = {
    ...body,
    created: existing?.created ?? (typeof body.created === 'string' ? body.created : now),
    modified: now,
  };
  const parsed =
    kind === 'private'
      ? privateCustomerSchema.safeParse({
          ...base,
          fullName: [body.firstName, body.lastName].filter((n) => typeof n === 'string' && n).join(' ') || null,
        })
      : businessCustomerSchema.safeParse(base);
  return parsed.success ? parsed.data : reply.text(schemaMessage(parsed.error.issues), 400);
}

function customerEvent(kind: Kind, c: Customer, fields: Pick<Parameters<ResolverContext['emit']>[0], 'operationId' | 'message' | 'category' | 'origin'>) {
  return {
    className: kind === 'private' ? ('PrivateCustomer' as const) : ('BusinessCustomer' as const),
    objectId: c.customerId,
    ...(c.customerNumber ? { objectNumber: c.customerNumber } : {}),
    ...(c.marketId ? { market: c.marketId } : {}),
    isError: false,
    isRead: false as const,
    ...fields,
  };
}

const base = (kind: Kind) => (kind === 'private' ? '/api/PrivateCustomers' : '/api/BusinessCustomers');
const prefix = (kind: Kind) => (kind === 'private' ? 'PrivateCustomers' : 'BusinessCustomers');

function getEndpoint(kind: Kind, param: string): Endpoint {
  return defineEndpoint({
    id: `${prefix(kind)}_Get`,
    method: 'GET',
    path: `${base(kind)}/{${param}}`,
    role: 'CustomerRead',
    tag: prefix(kind),
    summary: `Get a ${kind} customer by id`,
    request: NOTHING,
    response: MODELS[kind],
    resolve: (req, ctx) => {
      const customer = table(ctx.db, kind).get(req.params[param] as string);
      if (customer === undefined) return notFound();
      if (!customerInScope(ctx.db, ctx.scope, customer.storeIds)) return reply.forbidden();
      return { status: 200, body: customer };
    },
  });
}

function searchEndpoint(kind: Kind): Endpoint {
  return defineEndpoint({
    id: `${prefix(kind)}_Search`,
    method: 'POST',
    writes: false, // a search, sent as a POST
    path: `${base(kind)}/Search`,
    role: 'CustomerRead',
    tag: prefix(kind),
    summary: `Search ${kind} customers (take ≤ 100, 0-based page)`,
    request: { body: customerSearchRequest },
    response: searchResults[kind],
    resolve: (req, ctx) => {
      const body = bodyObject(req);
      const paging = searchPaging(body.take, body.page);
      if (isResponse(paging)) return paging;
      const hits = searchCustomers(ctx.db, ctx.scope, kind, body);
      if (isResponse(hits)) return hits;
      return reply.json(searchResult(hits, paging));
    },
  });
}

/**
 * `GET /api/BusinessCustomers/Search`: deprecated in favour of the POST form (omnium-api.md, C: O15),
 * still served; it takes the paging of a search as query parameters.
 */
const businessSearchByGet: Endpoint = defineEndpoint({
  id: 'BusinessCustomers_SearchGet',
  method: 'GET',
  path: '/api/BusinessCustomers/Search',
  role: 'CustomerRead',
  tag: 'BusinessCustomers',
  summary: 'Search business customers (deprecated: use POST /api/BusinessCustomers/Search)',
  deprecated: 'POST /api/BusinessCustomers/Search',
  request: { query: z.object({ take: z.int().min(1).max(100).optional(), page: z.int().min(0).optional() }) },
  response: searchResults.business,
  resolve: (req, ctx) => {
    const paging = searchPaging(queryString(req, 'take'), queryString(req, 'page'));
    if (isResponse(paging)) return paging;
    const hits = searchCustomers(ctx.db, ctx.scope, 'business', {});
    if (isResponse(hits)) return hits;
    return reply.json(searchResult(hits, paging));
  },
});

function addEndpoint(kind: Kind): Endpoint {
  return defineEndpoint({
    id: `${prefix(kind)}_Add`,
    method: 'POST',
    path: base(kind),
    role: 'CustomerAdmin',
    tag: prefix(kind),
    summary: `Create a ${kind} customer (customerId required)`,
    request: { body: requests[kind] },
    response: MODELS[kind],
    resolve: async (req, ctx) => {
      const body = bodyObject(req);
      if (typeof body.customerId !== 'string' || body.customerId.trim() === '') return reply.text('The CustomerId field is required.', 400);
      if (!customerInScope(ctx.db, ctx.scope, stringList(body.storeIds))) return reply.forbidden();
      const customers = table(ctx.db, kind);
      if (customers.has(body.customerId)) return reply.text(`A customer with id '${body.customerId}' already exists.`, 409);
      const customer = normalize(kind, body, ctx, undefined);
      if (isResponse(customer)) return customer;
      const stored = await customers.insert(customer);
      ctx.emit(
        customerEvent(kind, stored, {
          operationId: kind === 'private' ? 330100 : 330200,
          message: 'Customer added',
          category: 'Created',
          origin: `POST ${base(kind)}`,
        }),
      );
      return reply.json(stored);
    },
  });
}

function patchEndpoint(kind: Kind): Endpoint {
  const name = kind === 'private' ? 'PatchPrivateCustomer' : 'PatchBusinessCustomer';
  // Omnium documents an event id for private-customer patches only (330113).
  const operationId = kind === 'private' ? 330113 : undefined;
  return defineEndpoint({
    id: `${prefix(kind)}_Patch`,
    method: 'PATCH',
    path: `${base(kind)}/${name}`,
    role: 'CustomerAdmin',
    tag: prefix(kind),
    summary: `Change only the supplied fields of a ${kind} customer (customerId in the body)`,
    request: { body: patches[kind] },
    response: updateResultSchema,
    resolve: async (req, ctx) => {
      const body = bodyObject(req);
      if (typeof body.customerId !== 'string' || body.customerId.trim() === '') return reply.text('The CustomerId field is required.', 400);
      const customers = table(ctx.db, kind);
      const customer = customers.get(body.customerId);
      if (customer === undefined) return notFound();
      if (!customerInScope(ctx.db, ctx.scope, customer.storeIds)) return reply.forbidden();
      if (body.storeIds !== undefined && !customerInScope(ctx.db, ctx.scope, stringList(body.storeIds))) return reply.forbidden();
      const next = plainCopy(customer);
      applyPatch(next, body, ['customerId']);
      if (kind === 'private') {
        next.fullName = [next.firstName, next.lastName].filter((n) => typeof n === 'string' && n).join(' ') || null;
      }
      if (JSON.stringify(next) === JSON.stringify(customer)) return reply.json(updateResult({ updated: 0 }));
      next.modified = ctx.now().toISOString();
      const parsed = (kind === 'private' ? privateCustomerSchema : businessCustomerSchema).safeParse(next);
      if (!parsed.success) return reply.text(schemaMessage(parsed.error.issues), 400);
      const stored = (await customers.replace(customer.customerId, parsed.data)) as Customer;
      if (operationId !== undefined) {
        ctx.emit(customerEvent(kind, stored, { operationId, message: 'Customer patched', category: 'Updated', origin: `PATCH ${base(kind)}/${name}` }));
      }
      return reply.json(updateResult({ updated: 1 }));
    },
  });
}

/** The customer endpoints of C1, plus `POST /api/BusinessCustomers` (event 330200). */
export const customerEndpoints: Endpoint[] = [
  getEndpoint('private', 'customerId'),
  searchEndpoint('private'),
  addEndpoint('private'),
  patchEndpoint('private'),
  getEndpoint('business', 'id'),
  searchEndpoint('business'),
  businessSearchByGet,
  addEndpoint('business'),
];
