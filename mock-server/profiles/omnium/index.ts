/**
 * Omnium OMS (omnium-api.md Part A): client credentials exchanged at `POST /api/Token` for a
 * 10-day HS256 JWT, roles with inheritance, API users scoped to stores and markets, order
 * events delivered as webhooks.
 */
import { defaultSecret } from '../../auth/api-users.ts';
import { bearerJwtScheme } from '../../auth/bearer-jwt.ts';
import { defineProfile } from '../../handlers/profile.ts';
import { type Domain, createDomain } from './domain/index.ts';
import { omniumEvents } from './events.ts';
import { OMNIUM_ROLES } from './roles.ts';
import { OMNIUM_ENDPOINTS } from './table.ts';

type Fields = Record<string, unknown>;

function addString(set: Set<string>, value: unknown, lower: boolean): void {
  if (typeof value === 'string' && value) set.add(lower ? value.toLowerCase() : value);
}

function addStrings(set: Set<string>, values: unknown, lower: boolean): void {
  if (Array.isArray(values)) for (const v of values as unknown[]) if (typeof v === 'string') set.add(lower ? v.toLowerCase() : v);
}

// Field by field rather than over lists of names: this runs on every successful response.
function collect(item: unknown, stores: Set<string>, markets: Set<string>): void {
  if (typeof item !== 'object' || item === null) return;
  const o = item as Fields;
  addString(stores, o.storeId, false);
  addString(stores, o.warehouseCode, false);
  addString(markets, o.marketId, true);
  addString(markets, o.market, true);
  addStrings(stores, o.storeIds, false);
  addStrings(markets, o.marketIds, true);
}

/**
 * The stores and markets of the entities a response carried: the entity itself, the
 * `result` list of a search, and an `order` inside a workflow result. Cheap: no deep walk.
 */
function touched(body: unknown): { stores: string[]; markets: string[] } | null {
  if (typeof body !== 'object' || body === null) return null;
  const stores = new Set<string>();
  const markets = new Set<string>();
  const items = Array.isArray(body) ? body : Array.isArray((body as Fields).result) ? ((body as Fields).result as unknown[]) : [body];
  for (const item of items) collect(item, stores, markets);
  collect((body as Fields).order, stores, markets);
  return stores.size || markets.size ? { stores: [...stores], markets: [...markets] } : null;
}

export const omnium = defineProfile<Domain>({
  name: 'omnium',
  title: 'Omnium OMS',
  endpoints: OMNIUM_ENDPOINTS,
  scheme: bearerJwtScheme,
  permissions: OMNIUM_ROLES,
  createData: (options) => createDomain(options),
  env: {
    apiUrl: 'OMNIUM_API_URL',
    clientId: 'OMNIUM_CLIENT_ID',
    clientSecret: 'OMNIUM_CLIENT_SECRET',
    clientIdFile: 'OMNIUM_CLIENT_ID_FILE',
    clientSecretFile: 'OMNIUM_CLIENT_SECRET_FILE',
    tenants: 'OMNIUM_TENANTS',
    webhookPort: 'WEBHOOK_PORT',
    webhookPath: 'WEBHOOK_PATH',
    webhookToken: 'WEBHOOK_TOKEN',
    webhookTlsCert: 'WEBHOOK_TLS_CERT',
    webhookTlsKey: 'WEBHOOK_TLS_KEY',
  },
  webhookPath: '/webhooks/omnium',
  mswBaseUrl: 'https://apitest.omnium.no',
  // Omnium's secrets look like two 32-hex groups joined by "-" (omnium-api.md A2).
  newSecret: defaultSecret,
  touched,
  universe: (db) => ({ stores: db.stores.all().map((s) => s.id), markets: db.markets.all().map((m) => m.marketId) }),
  events: omniumEvents,
});
