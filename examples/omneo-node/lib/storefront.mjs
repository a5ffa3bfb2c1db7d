// A Shopify storefront page for a logged-in customer, served beside the webhook endpoint, that
// shows the customer's Omneo profile the way Omneo's Shopify app does (omnium-api.md B2,
// method 4):
//
// 1. The shop's server signs the customer id: hex HMAC-SHA256(key = the shop's id secret,
//    message = the customer id), what Liquid's `customer.id | hmac_sha256: shop.metafields.omneo.id_secret`
//    renders into the theme. The id secret stays on the server: only the signature is in the page.
// 2. The page exchanges `{ id, signature }` for a token of that one customer
//    (`POST /shopify/api/v1/auth/token`), then reads `GET /id/api/v1/profiles/me` with it.
//
// The browser cannot call the API's host itself (another origin, no CORS), so both calls go
// through this server under `/shop/apps/omneo/...`, as Shopify's app proxy forwards
// `/apps/...`: the proxy passes on the customer's request only (the body of the first, the
// customer's own Authorization header on the second) and adds no credential of ours. The page
// never sees the client secret, the id secret, the machine user's token or the webhook secret
// (checklist token.not-in-browser); the customer's own token may be in it, as it is on Shopify.

import { createHmac, randomBytes } from 'node:crypto';
import { send } from './http.mjs';
import { log } from './log.mjs';

const PROXY = '/shop/apps/omneo';
const TOKEN_PATH = '/shopify/api/v1/auth/token';
const ME_PATH = '/id/api/v1/profiles/me';
const MAX_BODY_BYTES = 10_000;

/** Liquid's `hmac_sha256` filter: the hex HMAC-SHA256 of the customer id, keyed with the shop's id secret. */
export function signCustomerId(customerId, idSecret) {
  return createHmac('sha256', idSecret).update(String(customerId), 'utf8').digest('hex');
}

/** A value for an inline script: JSON that cannot close the script element. */
const scriptValue = (value) => JSON.stringify(value).replace(/</g, '\\u003c');

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** How the page gets the signature: rendered by the server, or (break switch) computed in the browser. */
function signatureScript(customer) {
  if (customer.signature) return 'const signature = async () => customer.signature;';
  // Break switch token.not-in-browser: the theme signs the id in the browser, so the shop's
  // id secret is in the page, and anyone can sign any customer id with it.
  return `async function signature() {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(customer.idSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(String(customer.id)));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}`;
}

/**
 * The page's script. `customer` is what the server rendered: `{ id, signature }`, or with the
 * break switch `{ id, idSecret }`.
 */
function pageScript(customer) {
  return `
const customer = ${scriptValue(customer)};
const show = (text) => { document.getElementById('greeting').textContent = text; };
${signatureScript(customer)}
async function main() {
  const login = await fetch('${PROXY}${TOKEN_PATH}', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ id: customer.id, signature: await signature() }),
  });
  if (!login.ok) return show('Your loyalty profile could not be loaded (' + login.status + ').');
  const { token } = await login.json(); // this customer's own token, kept in memory only
  const me = await fetch('${PROXY}${ME_PATH}', { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' } });
  if (!me.ok) return show('Your loyalty profile could not be loaded (' + me.status + ').');
  const { data } = await me.json();
  show('Welcome back, ' + (data.first_name || data.full_name || 'member') + '!');
  document.getElementById('points').textContent = (data.point_balance ?? 0) + ' points' + (data.tier_handle ? ', ' + data.tier_handle + ' tier' : '');
}
main().catch(() => show('Your loyalty profile could not be loaded.'));
`;
}

const PAGE = (nonce, script, notice) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>My rewards</title></head>
<body>
<h1>My rewards</h1>
<p id="greeting">${notice ? escapeHtml(notice) : 'Loading your loyalty profile…'}</p>
<p id="points"></p>
${script ? `<script nonce="${nonce}">${script}</script>` : ''}
</body>
</html>`;

function reply(response, status, headers, body) {
  response.writeHead(status, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers }).end(body);
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * `handle(request, response)` answers `/shop` and the app proxy under `/shop/apps/omneo/` and
 * returns true, or returns false for any other path (the webhook endpoint's).
 */
export function createStorefront(settings, api) {
  const { apiUrl, breaks, requestTimeoutMs } = settings;
  const { idSecret } = settings.shop;
  const leak = breaks.has('token.not-in-browser');
  let customerLookup = null;

  /**
   * The logged-in customer's Shopify id. In a real shop Shopify knows who is logged in; in this
   * demo it is SHOP_CUSTOMER_ID, or the first profile of the tenant with a `shopify` identity,
   * looked up once through the API (with the machine user's token, on the server).
   */
  function customerId() {
    if (settings.shop.customerId) return Promise.resolve(settings.shop.customerId);
    customerLookup ??= api
      .get('/api/v3/profiles?page[size]=50', { route: 'GET /api/v3/profiles' })
      .then((list) => {
        const shopify = (list?.data ?? []).flatMap((p) => p.identities ?? []).find((i) => i.handle === 'shopify' && i.is_active !== false);
        if (!shopify) throw new Error('no profile with a shopify identity');
        return String(shopify.identifier);
      })
      .catch((error) => {
        customerLookup = null; // the next page view tries again
        throw error;
      });
    return customerLookup;
  }

  async function page(response) {
    const nonce = randomBytes(16).toString('base64');
    const headers = {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'`,
    };
    if (!idSecret) return reply(response, 200, headers, PAGE(nonce, '', 'The shop is not connected to Omneo (OMNEO_ID_SECRET is not set).'));
    let id;
    try {
      id = await customerId();
    } catch (error) {
      if (!error.logged) log.error(`storefront: no customer to show: ${error.message}`);
      return reply(response, 200, headers, PAGE(nonce, '', 'Your loyalty profile is not available right now.'));
    }
    // Break switch: the id secret goes to the page, which signs the id itself.
    const customer = leak ? { id, idSecret } : { id, signature: signCustomerId(id, idSecret) };
    reply(response, 200, headers, PAGE(nonce, pageScript(customer), ''));
  }

  /** Forwards one call of the page to the API, with only what the customer sent; answers with the API's answer. */
  async function forward(response, path, init) {
    try {
      const answer = await send(`${apiUrl}${path}`, { ...init, timeoutMs: requestTimeoutMs });
      reply(response, answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }, answer.text);
    } catch (error) {
      log.warn(`storefront: ${init.method} ${path} failed (${error.message})`);
      reply(response, 502, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Bad Gateway' }));
    }
  }

  return async function handle(request, response) {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname === '/shop' && request.method === 'GET') {
      await page(response);
      return true;
    }
    if (pathname === `${PROXY}${TOKEN_PATH}` && request.method === 'POST') {
      let body;
      try {
        body = JSON.parse(await readBody(request));
      } catch {
        reply(response, 400, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Bad Request' }));
        return true;
      }
      // Only the two fields the exchange takes: the customer id and the signature the page was given.
      const exchange = JSON.stringify({ id: body?.id, signature: body?.signature });
      await forward(response, TOKEN_PATH, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: exchange });
      return true;
    }
    if (pathname === `${PROXY}${ME_PATH}` && request.method === 'GET') {
      // The customer's own token, as the page sent it; never one of ours.
      const authorization = request.headers.authorization;
      const headers = { Accept: 'application/json', ...(authorization ? { Authorization: authorization } : {}) };
      await forward(response, ME_PATH, { method: 'GET', headers });
      return true;
    }
    if (pathname === '/shop' || pathname.startsWith(`${PROXY}/`)) {
      reply(response, 404, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Not Found' }));
      return true;
    }
    return false;
  };
}
