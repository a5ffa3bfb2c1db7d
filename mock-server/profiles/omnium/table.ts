import { z } from 'zod';
import { cartEndpoints } from './endpoints/carts.ts';
import { customerEndpoints } from './endpoints/customers.ts';
import { type Endpoint, defineEndpoint } from './endpoint.ts';
import { inventoryEndpoints } from './endpoints/inventory.ts';
import { openApiDocument } from '../../handlers/openapi.ts';
import { orderEndpoints } from './endpoints/orders.ts';
import { productEndpoints } from './endpoints/products.ts';
import { storeEndpoints } from './endpoints/stores.ts';
import { healthEndpoint, tokenEndpoint } from './endpoints/token.ts';

const apiEndpoints: readonly Endpoint[] = [
  tokenEndpoint,
  healthEndpoint,
  ...orderEndpoints,
  ...productEndpoints,
  ...inventoryEndpoints,
  ...customerEndpoints,
  ...cartEndpoints,
  ...storeEndpoints,
];

let document: Record<string, unknown> | undefined;

/**
 * The document, made on its first request: converting every schema to JSON Schema cost about
 * 50 ms of CPU, a tenth of `golive serve`'s start, when it was made as this module loaded.
 * Servers: relative first (the listener that serves the document; each environment has its
 * own), then the real API's hosts (A1).
 */
const openApi = () =>
  (document ??= openApiDocument('Omnium OMS', apiEndpoints, [
    { url: '/', description: 'This simulation (wherever it serves this document)' },
    { url: 'https://api.omnium.no', description: 'Omnium production' },
    { url: 'https://apitest.omnium.no', description: 'Omnium test' },
  ]));

/** The OpenAPI document of the simulated API, at the path of the real one. */
const openApiEndpoint = defineEndpoint({
  id: 'Docs_Get',
  method: 'GET',
  path: '/docs/oms/docs.json',
  role: null,
  auth: false,
  limit: 'none',
  tag: 'Docs',
  summary: 'OpenAPI 3.1 document of this API, with the role each operation requires',
  request: {},
  response: z.looseObject({ openapi: z.string() }).meta({ id: 'OpenApiDocument' }),
  resolve: () => ({ status: 200, body: openApi() }),
});

/**
 * Every endpoint of the simulated Omnium API, declared once. Routing, enforcement, the
 * OpenAPI document and the least-privilege check all read this table.
 */
export const OMNIUM_ENDPOINTS: readonly Endpoint[] = [...apiEndpoints, openApiEndpoint];
