// ERP order sync, written in a hurry: a teaching example of what golive catches.
// EVERY "NAIVE:" COMMENT MARKS A MISTAKE. Do not copy this file; see ../resilient-node.

import { writeFileSync } from 'node:fs';
import http from 'node:http';

const apiUrl = process.env.OMNIUM_API_URL;
const clientId = process.env.OMNIUM_CLIENT_ID;
const clientSecret = process.env.OMNIUM_CLIENT_SECRET;
const port = Number(process.env.WEBHOOK_PORT ?? 3000);
const webhookPath = process.env.WEBHOOK_PATH ?? '/webhooks/omnium';
const pollIntervalMs = Number(process.env.POLL_INTERVAL_MS ?? 2000);

// NAIVE: "so I don't have to export the variables every time": the client secret now sits
// in a plain-text file next to the code (guide: "Don't store secrets in plain-text config
// files").
writeFileSync('config.local.json', JSON.stringify({ apiUrl, clientId, clientSecret }, null, 2));

// NAIVE: a new token for every call (guide: "Cache and reuse tokens"), the secret in the
// query string, where proxies and access logs keep it, and the token printed in full.
async function getToken() {
  const res = await fetch(`${apiUrl}/api/token?clientId=${clientId}&clientSecret=${clientSecret}`, { method: 'POST' });
  const token = await res.text();
  console.log('Got token: ' + token);
  return token;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// NAIVE: no timeout, no retry on network errors, and 401/429 retried at once in a tight
// loop (guide: "log the error ... instead of retrying in a loop"; "Back off and retry with
// exponential backoff and jitter"). The only limit is a big try count.
async function callApi(method, path, body) {
  for (let tries = 0; tries < 50; tries++) {
    const token = await getToken();
    const res = await fetch(apiUrl + path, {
      method,
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status === 401 || res.status === 429) continue;
    if (!res.ok) throw new Error('Request failed: ' + res.status);
    return res.json();
  }
  throw new Error('Request failed after 50 tries');
}

let turn = 0;
async function poll() {
  try {
    const search = await callApi('POST', '/api/Orders/Search', { take: 20, page: 0 });
    const orders = search.result ?? [];
    if (orders.length === 0) return;
    const order = await callApi('GET', '/api/Orders/' + orders[turn++ % orders.length].id);
    const sku = order.orderForm?.lineItems?.[0]?.code;
    if (sku) await callApi('GET', '/api/Inventory/' + sku);
    console.log('Synced order ' + order.id);
  } catch (err) {
    console.log('Error: ' + err.message);
  }
}
const timer = setInterval(poll, pollIntervalMs);
poll();

// NAIVE: plain HTTP, no check of the Authorization header, no deduplication, and the
// work done before answering.
const server = http.createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  console.log('Webhook received', req.headers, body); // NAIVE: logs the headers, and with them the webhook secret
  try {
    const event = JSON.parse(body);
    if (event.className === 'Order') {
      const order = await callApi('GET', '/api/Orders/' + event.objectId);
      // NAIVE: reserves the stock again for every delivery, duplicates included.
      const line = order.orderForm?.lineItems?.[0];
      const stock = line ? await callApi('GET', '/api/Inventory/' + line.code + '?warehouseIds=' + order.storeId) : null;
      const item = stock?.result?.[0];
      if (item) {
        await callApi('PUT', '/api/Inventory/UpdateMany?isReservedInventoryOverwritten=true', [
          { sku: item.sku, warehouseCode: item.warehouseCode, inventory: item.inventory, reservedInventory: item.reservedInventory + line.quantity },
        ]);
      }
      console.log('Processed order ' + order.id);
    }
  } catch (err) {
    console.log('Error: ' + err.message);
  }
  res.end('OK');
});
server.listen(port, '127.0.0.1', () => console.log('Webhook server listening on port ' + port));

process.on('SIGTERM', () => {
  clearInterval(timer);
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
