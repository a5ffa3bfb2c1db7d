// A small storefront page, served beside the webhook endpoint: the page calls this backend
// (`/shop/orders`), and the backend calls the API server-to-server with its own token. The
// token never reaches the browser (checklist token.not-in-browser; seed 002: "keys kept
// server-side"). The token.not-in-browser break switch renders the token into the page, as
// a front end that calls the API itself would have to.

import { log } from './log.mjs';

const PAGE = (orders) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Order status</title></head>
<body>
<h1>Latest orders</h1>
<ul id="orders"><li>loading…</li></ul>
${orders}
<script>
fetch('/shop/orders')
  .then((res) => res.json())
  .then((orders) => {
    document.getElementById('orders').innerHTML = orders
      .map((o) => '<li>' + o.orderNumber + ': ' + o.status + '</li>')
      .join('');
  });
</script>
</body>
</html>`;

function send(response, status, type, body) {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

/**
 * `handle(request, response)` answers `/shop` and `/shop/orders` and returns true, or returns
 * false for any other path (the webhook endpoint's).
 */
export function createStorefront(settings, api, tokens) {
  const leak = settings.breaks.has('token.not-in-browser');

  async function latestOrders() {
    const search = await api.post('/api/Orders/Search', { take: 5, page: 0, selectedStores: settings.storeIds, disableFacets: true }, { route: 'POST /api/Orders/Search' });
    // Only what the page shows: no customer data, no ids it does not need.
    return (search?.result ?? []).map((o) => ({ orderNumber: o.orderNumber ?? o.id, status: o.status }));
  }

  return async function handle(request, response) {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname === '/shop' && request.method === 'GET') {
      // Break switch: the page gets the token (and keeps it), so the browser could call the API itself.
      const script = leak ? `<script>localStorage.setItem('omniumToken', ${JSON.stringify(await tokens.get())});</script>` : '';
      send(response, 200, 'text/html; charset=utf-8', PAGE(script));
      return true;
    }
    if (pathname === '/shop/orders' && request.method === 'GET') {
      try {
        send(response, 200, 'application/json', JSON.stringify(await latestOrders()));
      } catch (error) {
        if (!error.logged) log.error(`storefront: ${error.message}`);
        send(response, 502, 'application/json', '[]');
      }
      return true;
    }
    return false;
  };
}
