// ERP order sync, event-driven: a teaching example for golive.
//
// Two sources of events feed two job queues:
//   the clock      -> 'poll-due' every POLL_INTERVAL_MS -> sync queue: POST /api/Orders/Search
//   the webhook    -> 'event' per new Omnium event      -> booking queue: fetch the order,
//                                                          reserve its lines' stock
// Everything the components report (token issued, retry, 403, gave up...) arrives as an
// event too, and is turned into a log line in one place below.
//
// Plain Node 20 ESM, no npm packages. See README.md.

import { EventEmitter } from 'node:events';
import { JobQueue } from './src/job-queue.mjs';
import { log } from './src/log.mjs';
import { OmniumClient, RequestFailed } from './src/omnium-client.mjs';
import { readSettings } from './src/settings.mjs';
import { seconds } from './src/timing.mjs';
import { TokenStore } from './src/token-store.mjs';
import { WebhookReceiver } from './src/webhook-receiver.mjs';

const WINDOW_OVERLAP_MS = 5000; // each search window starts this long before the previous poll
const MAX_PAGES_PER_POLL = 10;
const PAGE_SIZE = 100; // Omnium's maximum `take`

let settings;
try {
  settings = readSettings();
} catch (error) {
  log.error('config', error.message);
  process.exit(1);
}
if (settings.breaks.size) log.warn('config', `break switches on: ${[...settings.breaks].join(', ')}`);
if (settings.tenantsIgnored) log.warn('config', 'OMNIUM_TENANTS is set, but this sync serves one tenant (OMNIUM_API_URL)');

const shutdown = new AbortController();
const tokens = new TokenStore(settings, shutdown.signal);
const omnium = new OmniumClient(settings, tokens, shutdown.signal);
const clock = new EventEmitter();
const syncQueue = new JobQueue({ concurrency: 1, limit: 1 });
const bookingQueue = new JobQueue({ concurrency: 1 }); // one at a time: reservations read, then write stock
const receiver = settings.webhook ? new WebhookReceiver(settings, shutdown.signal) : null;

// ---------------------------------------------------------------------------------------
// What happened, as log lines. No event carries a token or a secret.

tokens.on('issued', ({ reason, lifetimeMs, renewInMs }) => log.info('auth', `new token (${reason}); valid ${seconds(lifetimeMs)}, renewed after ${seconds(renewInMs)}`));
tokens.on('refused', ({ reason, cooldownMs }) =>
  log.error('auth', `API user rejected (${reason}): check that the API user is active and its secret is current; no API calls for ${seconds(cooldownMs)}`),
);
tokens.on('resumed', () => log.info('auth', 'pause over; trying the API user again'));
tokens.on('reloaded', () => log.info('auth', 'credentials changed on disk; trying the new ones'));
tokens.on('renewal-failed', ({ why }) => log.warn('auth', `timed renewal failed (${why}); the current token is kept until it expires`));
tokens.on('retrying', ({ why, waitMs, attempt }) => log.warn('auth', `token request failed (${why}); retry ${attempt} in ${seconds(waitMs)}`));

omnium.on('retrying', ({ request, why, waitMs, attempt }) => log.warn('api', `${request}: ${why}; retry ${attempt} in ${seconds(waitMs)}`));
omnium.on('forbidden', ({ request }) =>
  log.error('api', `403 Forbidden on ${request}: missing role or store/market access for this API user; not retried (fix the API user's roles or scope)`),
);
omnium.on('gave-up', ({ request, why }) => log.error('api', `${request}: gave up: ${why}`));
omnium.on('dropped', ({ request }) => log.warn('api', `401 on ${request}: request dropped, token cleared; the next poll gets a new one`));

for (const [name, queue] of [['sync', syncQueue], ['booking', bookingQueue]]) {
  queue.on('failed', (job, error) => {
    if (shutdown.signal.aborted) return;
    // A webhook event that cannot be booked is worth a line even while calls are paused;
    // a skipped poll is not (the next one comes anyway).
    if (error instanceof RequestFailed && error.paused && name === 'booking') return log.warn(name, `${job.name} skipped: ${error.message}`);
    if (error instanceof RequestFailed && error.reported) return; // already said
    log.error(name, `${job.name} failed: ${error.message}`);
  });
}

if (receiver) {
  receiver.on('refused', (why) => log.warn('webhook', `delivery refused with 401 (${why})`));
  receiver.on('rejected', (why) => log.warn('webhook', `delivery refused with 400 (${why})`));
  receiver.on('duplicate', (event) => log.info('webhook', `event ${describe(event)} already received; ignored`));
}

// ---------------------------------------------------------------------------------------
// The poll: a delta search whose window moves on every time.

let windowStart = new Date(Date.now() - settings.lookbackMs);

async function searchChangedOrders() {
  const startedAt = new Date();
  const modifiedFrom = windowStart.toISOString();
  // The next window begins at this poll's start (minus an overlap), whatever this one's
  // outcome: each search is a new request. Bookings come from webhooks, not from here.
  windowStart = new Date(startedAt.getTime() - WINDOW_OVERLAP_MS);
  let found = 0;
  let total = 0;
  for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
    const answer = await omnium.post('/api/Orders/Search', {
      modifiedFrom,
      selectedStores: settings.storeIds,
      sortOrder: 'ModifiedAscending',
      take: PAGE_SIZE,
      page,
      disableFacets: true,
    });
    const orders = answer?.result ?? [];
    total = answer?.totalHits ?? orders.length;
    found += orders.length;
    if (orders.length < PAGE_SIZE || found >= total) break;
  }
  log.info('sync', `${found} order(s) changed since ${modifiedFrom}${found < total ? ` (${total} in all; the rest next time)` : ''}`);
}

clock.on('poll-due', () => {
  // Polls never overlap: while one is running (or waiting out a 429), the tick is skipped.
  if (syncQueue.size === 0) syncQueue.push('order search', searchChangedOrders);
});

// ---------------------------------------------------------------------------------------
// The webhook: an Order event books the order's quantities in its store's stock.

function describe(event) {
  const text = (v) => String(v ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
  return `${text(event.id)} (${text(event.className)} ${text(event.objectId)})`;
}

async function bookOrder(event) {
  let order;
  try {
    order = await omnium.get(`/api/Orders/${encodeURIComponent(event.objectId)}`);
  } catch (error) {
    if (error instanceof RequestFailed && error.status === 404) return log.warn('booking', `order ${event.objectId} not found; nothing reserved`);
    throw error;
  }
  const wanted = new Map();
  for (const line of order?.orderForm?.lineItems ?? []) {
    if (line.code && line.quantity > 0) wanted.set(line.code, (wanted.get(line.code) ?? 0) + line.quantity);
  }
  const store = order.storeId;
  const updates = [];
  for (const [sku, quantity] of wanted) {
    const stock = await omnium.get(`/api/Inventory/${encodeURIComponent(sku)}?warehouseIds=${encodeURIComponent(store)}`);
    const item = (stock?.result ?? []).find((i) => i.warehouseCode === store);
    if (!item) {
      log.warn('booking', `order ${order.id}: no stock of ${sku} in ${store}; line not reserved`);
      continue;
    }
    // Absolute values, so that repeating this PUT (a retry after a lost answer) is harmless.
    updates.push({ sku, warehouseCode: store, inventory: item.inventory, reservedInventory: (item.reservedInventory ?? 0) + quantity });
  }
  if (updates.length) await omnium.put('/api/Inventory/UpdateMany?isReservedInventoryOverwritten=true', updates);
  const units = updates.reduce((sum, u) => sum + wanted.get(u.sku), 0);
  log.info('booking', `order ${order.id} (${order.status}) booked: ${units} unit(s) of ${updates.length} SKU(s) reserved in ${store}`);
}

receiver?.on('event', (delivery) => {
  const { event } = delivery;
  if (event.className !== 'Order' || !event.objectId) {
    log.info('webhook', `event ${describe(event)} accepted; nothing to do for it`);
    return;
  }
  log.info('webhook', `event ${describe(event)} accepted`);
  delivery.work = bookingQueue.push(`booking of order ${event.objectId}`, () => bookOrder(event));
});

// ---------------------------------------------------------------------------------------
// Start and stop.

let ticker;
let stopping = false;
async function stop(signalName) {
  if (stopping) return;
  stopping = true;
  log.info('app', `${signalName}: stopping`);
  clearInterval(ticker);
  setTimeout(() => process.exit(0), 5000).unref(); // whatever still hangs, we stop
  shutdown.abort();
  tokens.close();
  await Promise.allSettled([receiver?.close(), syncQueue.close(), bookingQueue.close()]);
  process.exit(0);
}
// `on`, not `once`: a supervisor may signal both the process group and the process, and a
// second SIGTERM must not kill us half-way through stopping.
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

if (receiver) {
  try {
    log.info('webhook', `listening on ${await receiver.listen()}`);
  } catch (error) {
    log.error('webhook', `cannot listen: ${error.message}`);
    process.exit(1);
  }
} else {
  log.warn('webhook', 'WEBHOOK_PORT is not set: no webhook endpoint, polling only');
}
console.log('ready');
ticker = setInterval(() => clock.emit('poll-due'), settings.pollIntervalMs);
clock.emit('poll-due');
