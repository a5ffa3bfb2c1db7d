import type { Role } from '../auth/roles.ts';
import { cartEndpoints } from './carts.ts';
import { customerEndpoints } from './customers.ts';
import { type Endpoint, defineEndpoint } from './endpoint.ts';
import { inventoryEndpoints } from './inventory.ts';
import { openApiDocument } from './openapi.ts';
import { orderEndpoints } from './orders.ts';
import { productEndpoints } from './products.ts';
import { storeEndpoints } from './stores.ts';
import { healthEndpoint, tokenEndpoint } from './token.ts';

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

const document = openApiDocument(apiEndpoints);

/** The OpenAPI document of the simulated API, at the path of the real one. */
const openApiEndpoint = defineEndpoint({
  id: 'Docs_Get',
  method: 'GET',
  path: '/docs/oms/docs.json',
  role: null,
  auth: false,
  limit: 'none',
  tag: 'Docs',
  summary: 'OpenAPI 3 document of this API, with the role each operation requires',
  resolve: () => ({ status: 200, body: document }),
});

/**
 * Every endpoint of the simulated Omnium API, declared once. Routing, enforcement, the
 * OpenAPI document and the least-privilege check all read this table.
 */
export const OMNIUM_ENDPOINTS: readonly Endpoint[] = [...apiEndpoints, openApiEndpoint];

/** The table without resolvers: what the harness needs to compute least privilege. */
export interface EndpointInfo {
  id: string;
  method: string;
  path: string;
  role: Role | null;
  /** Exchanges credentials for a token. */
  issuesToken?: boolean;
  /** Changes data. */
  writes?: boolean;
}

export const OMNIUM_ENDPOINT_INFO: readonly EndpointInfo[] = OMNIUM_ENDPOINTS.map(({ id, method, path, role, issuesToken, writes }) => ({
  id,
  method,
  path,
  role,
  issuesToken,
  writes,
}));
