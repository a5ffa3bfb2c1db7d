// ERP order sync, the resilient way: a teaching example for golive.
// Runs with plain Node 20 (no npm packages). See README.md for what each part shows.

import { createApiClient } from './lib/api-client.mjs';
import { log } from './lib/log.mjs';
import { createPoller } from './lib/poller.mjs';
import { loadSettings } from './lib/settings.mjs';
import { createStorefront } from './lib/storefront.mjs';
import { AuthPausedError, createTokenProvider } from './lib/token-provider.mjs';
import { createWebhookServer } from './lib/webhook-server.mjs';

let settings;
try {
  settings = loadSettings();
} catch (error) {
  log.error(`configuration: ${error.message}`);
  process.exit(1);
}

if (settings.breaks.size > 0) log.warn(`break switches on: ${[...settings.breaks].join(', ')}`);
// Break switch only. Never do this for real: it makes every HTTPS call accept any
// certificate, so the client secret goes to whoever answers (checklist token.tls-verified).
if (settings.breaks.has('token.tls-verified')) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const shutdown = new AbortController();
const { signal } = shutdown;
const tokens = createTokenProvider(settings, { signal });
const api = createApiClient(settings, tokens, { signal });
const poller = createPoller(settings, api, { signal });
// The other tenants in OMNIUM_TENANTS (the first is the one above, which also has the webhook
// endpoint and the storefront): each its own token provider, so its own token cache, and poller.
const renewalCache = settings.breaks.has('tenancy.token-per-tenant') ? tokens : null; // break switch only
const otherTenants = (settings.tenants ?? []).slice(1).map((tenant) => {
  const own = { ...settings, ...tenant, clientIdFile: undefined, clientSecretFile: undefined };
  const tenantTokens = createTokenProvider(own, { signal, renewalCache });
  return { tokens: tenantTokens, poller: createPoller(own, createApiClient(own, tenantTokens, { signal }), { signal }) };
});

// How often each event was processed. With deduplication every count stays at 1; the
// webhooks.idempotent break switch shows what a redelivery does without it.
const processed = new Map();

function countProcessing(id) {
  const times = (processed.get(id) ?? 0) + 1;
  processed.set(id, times);
  if (processed.size > 10_000) processed.delete(processed.keys().next().value);
  return times;
}

/**
 * Books an order in the ERP: its quantities are reserved in the stock of the order's store
 * (Omnium's `reservedInventory`). Adding to a reservation is not idempotent by nature, so
 * this is exactly the work a redelivered event must not repeat.
 */
async function reserveStock(order) {
  let reserved = 0;
  for (const line of order?.orderForm?.lineItems ?? []) {
    if (!line.code || !(line.quantity > 0)) continue;
    const stock = await api.get(`/api/Inventory/${encodeURIComponent(line.code)}?warehouseIds=${encodeURIComponent(order.storeId)}`, {
      route: 'GET /api/Inventory/{sku}',
    });
    const item = (stock?.result ?? []).find((i) => i.warehouseCode === order.storeId);
    if (!item) continue;
    const update = { sku: item.sku, warehouseCode: item.warehouseCode, inventory: item.inventory, reservedInventory: item.reservedInventory + line.quantity };
    await api.put('/api/Inventory/UpdateMany?isReservedInventoryOverwritten=true', [update], { route: 'PUT /api/Inventory/UpdateMany' });
    reserved += line.quantity;
  }
  return reserved;
}

// Orders booked in the ERP: an order is booked once, whichever of its events comes first
// ("created", or a status change that overtook it), and whatever comes after.
const booked = new Set();
// The work on each order, one event at a time: two events of one order handled at once would
// both read its stock before either wrote it (and both find it not yet booked).
const queues = new Map();

function oneAtATime(orderId, work) {
  const done = (queues.get(orderId) ?? Promise.resolve()).then(work);
  const settled = done.catch(() => {});
  queues.set(orderId, settled);
  settled.then(() => {
    if (queues.get(orderId) === settled) queues.delete(orderId);
  });
  return done;
}

/**
 * The asynchronous part of a delivery: the payload is only metadata, so fetch the order as it
 * is now (never trust the event's order of arrival), then book it if it is not booked yet.
 */
async function processEvent(event, label) {
  if (event.className !== 'Order' || !event.objectId) return log.info(`webhook: ${label} needs no work`);
  try {
    await oneAtATime(String(event.objectId), async () => {
      const order = await api.get(`/api/Orders/${encodeURIComponent(event.objectId)}`, { route: 'GET /api/Orders/{id}' });
      const times = countProcessing(String(event.id));
      // BREAK: webhooks.idempotent — no deduplication at all: every delivery books the order again.
      if (booked.has(String(order?.id)) && !settings.breaks.has('webhooks.idempotent')) {
        return log.info(`webhook: ${label} processed: order ${order?.id} is ${order?.status}; booked already (times processed: ${times})`);
      }
      const reserved = await reserveStock(order);
      booked.add(String(order?.id));
      if (booked.size > 10_000) booked.delete(booked.values().next().value);
      log.info(`webhook: ${label} processed: order ${order?.id} is ${order?.status}; ${reserved} item(s) reserved in ${order?.storeId} (times processed: ${times})`);
    });
  } catch (error) {
    if (signal.aborted || error instanceof AuthPausedError || error.logged) return;
    log.error(`webhook: ${label} not processed: ${error.message}`);
  }
}

const webhook =
  settings.webhook.port === undefined
    ? null
    : createWebhookServer(settings, { onEvent: processEvent, signal, pages: createStorefront(settings, api, tokens) });

let stopping = false;
async function stop(signalName) {
  if (stopping) return;
  stopping = true;
  log.info(`${signalName}: stopping`);
  shutdown.abort(); // ends sleeps and in-flight requests
  await webhook?.close();
  for (const t of [{ tokens }, ...otherTenants]) t.tokens.close();
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM')); // on, not once: golive signals the group and the process, and stop() runs once
process.on('SIGINT', () => stop('SIGINT'));

try {
  if (webhook) log.info(`webhook endpoint listening on ${await webhook.start()}`);
  else log.warn('WEBHOOK_PORT is not set: no webhook endpoint');
} catch (error) {
  log.error(`webhook endpoint: ${error.message}`);
  process.exit(1);
}
if (settings.breaks.has('credentials.test-not-in-production')) {
  // Break switch: have a token in the shared cache before the harness starts the
  // production run (it starts it once this run is ready).
  await tokens.get().catch(() => {});
}
console.log('ready'); // the harness waits for this line (golive.config.json, readyWhen)
await Promise.all([poller, ...otherTenants.map((t) => t.poller)].map((p) => p.run()));
