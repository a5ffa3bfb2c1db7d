// The integration's own traffic: every POLL_INTERVAL_MS it searches the recent orders of
// its stores, reads one of them in full and looks up the stock of one of its lines. A real
// ERP sync would export the order; here a log line stands in for that.
//
// Polls never overlap: the next one is scheduled when the previous one has finished, so a
// slow or throttled API slows the poller down instead of piling up requests.

import { HEALTH_PATH } from './api-client.mjs';
import { sleep } from './backoff.mjs';
import { log } from './log.mjs';
import { AuthPausedError } from './token-provider.mjs';

/** Break switches transport.https-only and data.no-deprecated-endpoints: their call every this many polls, the first included. */
const HEALTH_EVERY = 10;
/** A customer record as the ERP holds it (made up), for the `data.minimal-payloads` break switch. */
const ERP_CUSTOMER = { customerId: 'ERP-C-10001', firstName: 'Kari', lastName: 'Nordmann', email: 'kari.nordmann@example.com', phone: '+47 912 34 567' };

export function createPoller(settings, api, { signal }) {
  let turn = 0;
  let polls = 0;

  // A delta sync asks for the orders modified up to now: each poll has its own window, and a
  // retry of one poll sends the very same body again.
  const since = new Date(Date.now() - 365 * 24 * 3600 * 1000).toISOString();

  async function pollOnce() {
    const filter = { take: 20, page: 0, selectedStores: settings.storeIds, modifiedFrom: since, modifiedTo: new Date().toISOString(), disableFacets: true };
    // Break switch: the ERP's whole customer record rides along with every search, which
    // takes a customerId at most (data minimisation: send ids, not records).
    const body = settings.breaks.has('data.minimal-payloads') ? { ...filter, customer: ERP_CUSTOMER } : filter;
    const search = await api.post('/api/Orders/Search', body, { route: 'POST /api/Orders/Search' });
    const orders = search?.result ?? [];
    if (orders.length === 0) return log.info('poll: no orders found');
    const pick = orders[turn++ % orders.length]; // a different order each time
    const order = await api.get(`/api/Orders/${encodeURIComponent(pick.id)}`, { route: 'GET /api/Orders/{id}' });
    const sku = order?.orderForm?.lineItems?.find((line) => line.code)?.code;
    if (!sku) return log.info(`poll: order ${order?.id} (${order?.status}) has no lines`);
    const stock = await api.get(`/api/Inventory/${encodeURIComponent(sku)}`, { route: 'GET /api/Inventory/{sku}' });
    const available = (stock?.result ?? []).reduce((sum, item) => sum + (item.inventory ?? 0), 0);
    log.info(`poll: ${orders.length} orders; order ${order.id} (${order.status}); ${sku}: ${available} in stock`);
  }

  function report(error) {
    if (signal.aborted || error instanceof AuthPausedError || error.logged) return; // said already
    log.error(`poll failed: ${error.message}`);
  }

  async function run() {
    while (!signal.aborted) {
      // Break switch only: now and then a health check, whose URL api-client builds on http://.
      if (settings.breaks.has('transport.https-only') && polls++ % HEALTH_EVERY === 0) {
        await api.get(HEALTH_PATH, { route: `GET ${HEALTH_PATH}` }).catch(report);
      }
      // Break switch only: now and then the business customers by the deprecated GET form of their search.
      if (settings.breaks.has('data.no-deprecated-endpoints') && polls++ % HEALTH_EVERY === 0) {
        await api.get('/api/BusinessCustomers/Search?take=5&page=0', { route: 'GET /api/BusinessCustomers/Search' }).catch(report);
      }
      await pollOnce().catch(report);
      await sleep(settings.pollIntervalMs, signal).catch(() => {});
    }
  }

  return { run };
}
