import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { createDomain } from './domain/index.ts';
import { OMNIUM_ENDPOINTS } from './table.ts';
import { TEST_NOW, testContext, testRequest } from './test/context.ts';

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }>;
};
type Document = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }> };
};

/** The document as `GET /docs/oms/docs.json` serves it. */
async function served(): Promise<Document> {
  const docs = OMNIUM_ENDPOINTS.find((e) => e.id === 'Docs_Get')!;
  const db = await createDomain({ seed: 1, scale: 5, now: () => TEST_NOW });
  const res = await docs.resolve(testRequest('GET', docs.path), testContext(db));
  return JSON.parse(JSON.stringify(res.body)) as Document;
}

function operation(doc: Document, id: string): Operation {
  for (const methods of Object.values(doc.paths)) for (const op of Object.values(methods)) if (op.operationId === id) return op;
  throw new Error(`no operation ${id}`);
}

/**
 * What redocly's recommended rules still warn about, each for a reason we keep: the paths are
 * Omnium's own (a scroll's next batch beside an order's sub-resources), and the health check
 * has no client error to answer.
 */
const KNOWN_WARNINGS = [
  'no-ambiguous-paths /api/Orders/Scroll/{scrollId} ~ /api/Orders/{orderId}/PatchOrder',
  'no-ambiguous-paths /api/Orders/Scroll/{scrollId} ~ /api/Orders/{orderId}/UpdateStatus',
  'operation-4xx-response /api/Health',
];

describe('the OpenAPI document', () => {
  it("passes redocly's recommended rules with no error, and only the warnings we keep", async () => {
    const doc = await served();
    const config = await createConfig({ extends: ['recommended'] });

    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'docs.json', config });

    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    const warnings = problems.map((p) => {
      if (p.ruleId === 'no-ambiguous-paths') return `${p.ruleId} ${[...p.message.matchAll(/`([^`]+)`/g)].map((m) => m[1]).join(' ~ ')}`;
      const pointer = decodeURIComponent(p.location[0]?.pointer ?? '').replace(/~1/g, '/');
      return `${p.ruleId} ${/^#\/paths\/([^/]*(?:\/[^/]*)*?)\/(get|post|put|patch|delete)\//.exec(pointer)?.[1] ?? pointer}`;
    });
    expect(warnings.sort()).toEqual([...KNOWN_WARNINGS].sort());
  });

  it('names the servers, and gives each path parameter one name wherever the path is the same', async () => {
    const doc = await served();

    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers.map((s) => s.url)).toContain('/');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/Orders/{orderId}', '/api/Orders/{orderId}/PatchOrder']));
    expect(Object.keys(doc.paths)).not.toContain('/api/Orders/{id}');
  });

  it('publishes request bodies, query parameters and responses from the endpoint table, for a typed client', async () => {
    const doc = await served();
    const schemaOf = (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')]!;

    const search = operation(doc, 'Orders_Search');
    const body = schemaOf(search.requestBody!.content['application/json']!.schema.$ref);
    expect(Object.keys(body.properties!)).toEqual(expect.arrayContaining(['take', 'page', 'selectedStores', 'modifiedFrom', 'customerId', 'disableFacets']));
    expect(body.additionalProperties).toBe(false);

    expect(operation(doc, 'Orders_Get').responses['200']!.content!['application/json']!.schema.$ref).toBe('#/components/schemas/OmniumOrder');
    const found = schemaOf(search.responses['200']!.content!['application/json']!.schema.$ref);
    expect(found.properties!.result).toEqual({ type: 'array', items: { $ref: '#/components/schemas/OmniumOrder' } });
    expect(operation(doc, 'Orders_Add').responses['201']).toBeDefined();
    expect(operation(doc, 'Orders_AddMany').responses['204']).toBeDefined();
    expect(operation(doc, 'Orders_GetOrders').parameters!.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['storeId', 'status', 'marketId', 'orderType', 'changedSince', 'pageSize', 'page']);
    expect(operation(doc, 'Cart_AddItemToCart').parameters!.find((p) => p.name === 'skuId')).toMatchObject({ in: 'query', required: true });
    expect(Object.keys(operation(doc, 'Token_Post').requestBody!.content)).toEqual(['application/x-www-form-urlencoded']);
    expect(Object.keys(operation(doc, 'Token_Post').responses['200']!.content!)).toEqual(['text/plain', 'application/json']);
  });

  it('gives every endpoint of the table its request schema', () => {
    for (const e of OMNIUM_ENDPOINTS) expect(e.request, e.id).not.toBeNull();
  });
});
