import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role, grants } from '../profiles/omnium/roles.ts';
import { OMNIUM_ENDPOINTS } from '../profiles/omnium/table.ts';
import { type MockServer, createMockServer } from '../server.ts';
import { tokenFor, trustingFetch } from './client.ts';

let mock: MockServer;
let call: ReturnType<typeof trustingFetch>;

beforeAll(async () => {
  mock = await createMockServer({ seed: 3, dataScale: 60, tenants: ['acme', 'globex'] });
  call = trustingFetch(mock.caCertPath!);
});

afterAll(async () => {
  await call.close();
  await mock.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function user(roles: string[], extra: Record<string, unknown> = {}) {
  const created = await mock.createApiUser({ name: 'ERP Order Export', roles, ...extra });
  const token = await tokenFor(call, mock.apiUrl, created.clientId, created.clientSecret);
  return { ...created, token };
}

describe('the token endpoint', () => {
  it('takes credentials in the query string and answers the raw JWT as text', async () => {
    const u = await mock.createApiUser({ name: 'Query form', roles: ['OrderRead'] });
    const res = await call(`${mock.apiUrl}/api/token?clientId=${u.clientId}&clientSecret=${u.clientSecret}`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const token = await res.text();
    expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(864_000);
  });

  it('takes credentials in a form body and answers JSON with returnAsJson=true', async () => {
    const u = await mock.createApiUser({ name: 'Form body', roles: ['OrderRead'] });
    const res = await call(`${mock.apiUrl}/api/Token?returnAsJson=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&clientId=${u.clientId}&clientSecret=${u.clientSecret}`,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accessToken: string; tokenType: string; expiresIn: number };
    expect(body.tokenType).toBe('Bearer');
    expect(body.expiresIn).toBe(864_000);
    expect(decodeJwt(body.accessToken).sub).toBe(u.clientId);
  });

  it('answers 401 to a wrong secret and to a deactivated user', async () => {
    const u = await mock.createApiUser({ name: 'Wrong secret', roles: ['OrderRead'] });
    const wrong = await call(`${mock.apiUrl}/api/token?clientId=${u.clientId}&clientSecret=nope`, { method: 'POST' });
    expect(wrong.status).toBe(401);
    mock.patchApiUser(u.clientId, { active: false });
    const off = await call(`${mock.apiUrl}/api/token?clientId=${u.clientId}&clientSecret=${u.clientSecret}`, { method: 'POST' });
    expect(off.status).toBe(401);
  });
});

describe('every API request', () => {
  it('answers 401 with WWW-Authenticate: Bearer and an empty body when no token is sent', async () => {
    const res = await call(`${mock.apiUrl}/api/Orders/ORD-1`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.text()).toBe('');
  });

  it('answers 401 with error="invalid_token" to a bad token', async () => {
    const res = await call(`${mock.apiUrl}/api/Orders/ORD-1`, { headers: bearer('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad') });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 401 at once to an unexpired token of a user deactivated since', async () => {
    const u = await user(['OrderRead']);
    const search = await call(`${mock.apiUrl}/api/Orders/Search`, {
      method: 'POST',
      headers: { ...bearer(u.token), 'content-type': 'application/json' },
      body: '{"take":1}',
    });
    expect(search.status).toBe(200);
    mock.patchApiUser(u.clientId, { active: false });
    const after = await call(`${mock.apiUrl}/api/Orders/Search`, {
      method: 'POST',
      headers: { ...bearer(u.token), 'content-type': 'application/json' },
      body: '{"take":1}',
    });
    expect(after.status).toBe(401);
    const entry = mock.journal.since(0).at(-1)!;
    expect(entry.denied).toBe('API user deactivated');
  });

  it('answers 403 on the next call once a role is withdrawn', async () => {
    const u = await user(['OrderRead', 'StoreRead']);
    const ok = await call(`${mock.apiUrl}/api/Stores`, { headers: bearer(u.token) });
    expect(ok.status).toBe(200);
    mock.patchApiUser(u.clientId, { roles: ['OrderRead'] });
    const res = await call(`${mock.apiUrl}/api/Stores`, { headers: bearer(u.token) });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('');
  });

  it('answers 401 to every token issued before revoke-tokens, and accepts new ones', async () => {
    const u = await user(['OrderRead']);
    mock.revokeTokens(u.clientId);
    const old = await call(`${mock.apiUrl}/api/Orders/GetOrders`, { headers: bearer(u.token) });
    expect(old.status).toBe(401);
    const fresh = await tokenFor(call, mock.apiUrl, u.clientId, u.clientSecret);
    expect((await call(`${mock.apiUrl}/api/Orders/GetOrders`, { headers: bearer(fresh) })).status).toBe(200);
  });

  it('routes paths without regard to case', async () => {
    const u = await user(['OrderRead']);
    for (const path of ['/api/orders/getorders', '/API/ORDERS/GETORDERS', '/api/Orders/GetOrders']) {
      expect((await call(`${mock.apiUrl}${path}`, { headers: bearer(u.token) })).status).toBe(200);
    }
  });

  it('answers 401 to a token of the test environment in production, and of another tenant', async () => {
    const u = await user(['OrderRead']);
    const prod = await call(`${mock.environments.production.apiUrl}/api/Orders/GetOrders`, { headers: bearer(u.token) });
    expect(prod.status).toBe(401);
    const globex = mock.tenants[1]!.environments.test.apiUrl;
    expect((await call(`${globex}/api/Orders/GetOrders`, { headers: bearer(u.token) })).status).toBe(401);
  });

  it('journals where a token sent to another tenant was issued', async () => {
    const u = await user(['OrderRead']);
    const globex = mock.tenants[1]!.environments.test.apiUrl;
    expect((await call(`${mock.apiUrl}/api/Orders/GetOrders`, { headers: bearer(u.token) })).status).toBe(200);
    expect((await call(`${globex}/api/Orders/GetOrders`, { headers: bearer(u.token) })).status).toBe(401);
    const [own, foreign] = mock.journal.since(0).slice(-2);
    expect(own).toMatchObject({ tenant: 'acme', status: 200, tokenIssuedBy: { tenant: 'acme', environment: 'test' } });
    expect(foreign).toMatchObject({ tenant: 'globex', status: 401, denied: 'token signature', apiUser: u.clientId, tokenIssuedBy: { tenant: 'acme', environment: 'test' } });
  });

  it('keeps production API users apart: test credentials get no token there', async () => {
    const u = await mock.createApiUser({ name: 'ERP', roles: ['OrderRead'] });
    const res = await call(`${mock.environments.production.apiUrl}/api/token?clientId=${u.clientId}&clientSecret=${u.clientSecret}`, {
      method: 'POST',
    });
    expect(res.status).toBe(401);
  });
});

describe('role inheritance, every role against every endpoint', () => {
  it('answers 403 exactly where the role table says the role is not enough', async () => {
    const tokens = new Map<string, string>();
    for (const role of ROLES) tokens.set(role, (await user([role])).token);
    const mismatches: string[] = [];
    for (const endpoint of OMNIUM_ENDPOINTS.filter((e) => e.auth)) {
      const path = endpoint.path.replace(/\{(\w+)\}/g, 'nonexistent-$1');
      for (const role of ROLES) {
        const res = await call(`${mock.apiUrl}${path}`, {
          method: endpoint.method,
          headers: { ...bearer(tokens.get(role)!), ...(endpoint.method === 'GET' || endpoint.method === 'HEAD' ? {} : { 'content-type': 'application/json' }) },
          ...(endpoint.method === 'GET' || endpoint.method === 'HEAD' ? {} : { body: '{}' }),
        });
        await res.arrayBuffer();
        const expected403 = !grants([role], endpoint.role as Role | null);
        // Refused: exactly 403. Allowed: an answer about the request itself (2xx, or 400/404/409 for the
        // made-up ids and empty body), never 401, 403 or a server error.
        const allowedAnswer = res.status < 500 && res.status !== 401 && res.status !== 403;
        if (expected403 ? res.status !== 403 : !allowedAnswer) mismatches.push(`${role} ${endpoint.method} ${endpoint.path} → ${res.status}`);
      }
    }
    expect(mismatches).toEqual([]);
  }, 60_000);
});

describe('store and market scoping', () => {
  it('filters searches to the scope and answers 403 to an order of another store', async () => {
    const scoped = await user(['OrderAdmin'], { stores: ['oslo-online'], markets: ['nor'] });
    const res = await call(`${mock.apiUrl}/api/Orders/Search`, {
      method: 'POST',
      headers: { ...bearer(scoped.token), 'content-type': 'application/json' },
      body: JSON.stringify({ take: 100 }),
    });
    const body = (await res.json()) as { result: { id: string; storeId: string }[]; totalHits: number };
    expect(body.result.length).toBeGreaterThan(0);
    expect(new Set(body.result.map((o) => o.storeId))).toEqual(new Set(['oslo-online']));

    const all = await user(['OrderRead']);
    const other = (await (
      await call(`${mock.apiUrl}/api/Orders/Search`, {
        method: 'POST',
        headers: { ...bearer(all.token), 'content-type': 'application/json' },
        body: JSON.stringify({ take: 100 }),
      })
    ).json()) as { result: { id: string; storeId: string }[] };
    const foreign = other.result.find((o) => o.storeId !== 'oslo-online')!;
    expect((await call(`${mock.apiUrl}/api/Orders/${foreign.id}`, { headers: bearer(scoped.token) })).status).toBe(403);
    const own = body.result[0]!;
    expect((await call(`${mock.apiUrl}/api/Orders/${own.id}`, { headers: bearer(scoped.token) })).status).toBe(200);
  });

  it('answers 403 to a write that names a store outside the scope', async () => {
    const scoped = await user(['OrderAdmin'], { stores: ['oslo-online'], markets: ['nor'] });
    const res = await call(`${mock.apiUrl}/api/Orders`, {
      method: 'POST',
      headers: { ...bearer(scoped.token), 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'SCOPE-TEST-1', marketId: 'swe', storeId: 'stockholm-online', orderType: 'Online', status: 'New' }),
    });
    expect(res.status).toBe(403);
  });
});

describe('the journal', () => {
  it('records each request with its route, role, user, status and timing', async () => {
    const u = await user(['OrderRead']);
    const before = mock.journal.lastSeq;
    await (await call(`${mock.apiUrl}/api/Orders/GetOrders?pageSize=2`, { headers: bearer(u.token) })).arrayBuffer();
    const [entry] = mock.journal.since(before);
    expect(entry).toMatchObject({
      method: 'GET',
      path: '/api/Orders/GetOrders',
      routeId: expect.any(String),
      requiredRole: 'OrderRead',
      apiUser: u.clientId,
      environment: 'test',
      tenant: 'acme',
      status: 200,
      aborted: false,
    });
    expect(entry!.tokenId).toBe(decodeJwt(u.token).jti);
    expect(entry!.responseBytes).toBeGreaterThan(0);
    expect(entry!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('names the query parameters and body fields the endpoint does not accept, never their values', async () => {
    const u = await user(['OrderRead']);
    const before = mock.journal.lastSeq;
    const search = { take: 5, selectedStores: ['oslo-online'], customer: { customerId: 'C-1', email: 'kari.nordmann@example.com' } };
    await (await call(`${mock.apiUrl}/api/Orders/Search?debug=1`, { method: 'POST', headers: { ...bearer(u.token), 'content-type': 'application/json' }, body: JSON.stringify(search) })).arrayBuffer();
    await (await call(`${mock.apiUrl}/api/orders/search`, { method: 'POST', headers: { ...bearer(u.token), 'content-type': 'application/json' }, body: '{"Take":5,"SelectedStores":["oslo-online"]}' })).arrayBuffer();
    await (await call(`${mock.apiUrl}/api/Orders/GetOrders?pageSize=2`, { headers: bearer(u.token) })).arrayBuffer();
    await call(`${mock.apiUrl}/api/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', clientId: u.clientId, clientSecret: u.clientSecret }) });

    const entries = mock.journal.since(before);

    expect(entries.map((e) => e.unaccepted)).toEqual([['query.debug', 'body.customer'], [], [], []]);
    expect(JSON.stringify(entries.map((e) => e.unaccepted))).not.toContain('kari');
  });

  it('never holds a full token or secret, wherever the client put them', async () => {
    const u = await user(['OrderRead']);
    await call(`${mock.apiUrl}/api/token?clientId=${u.clientId}&clientSecret=${u.clientSecret}`, { method: 'POST' });
    await call(`${mock.apiUrl}/api/Orders/GetOrders?access_token=${u.token}`, { headers: bearer(u.token) });
    await call(`${mock.apiUrl}/api/Orders/${u.token}`, { headers: bearer(u.token) });
    const text = JSON.stringify(mock.journal.since(0));
    expect(text).not.toContain(u.token);
    expect(text).not.toContain(u.clientSecret);
    expect(text).not.toContain(u.token.split('.')[2]!);
    const inUrl = mock.journal.since(0).filter((e) => e.secretsInUrl.length > 0);
    expect(inUrl.map((e) => e.secretsInUrl[0]!.kind)).toEqual(expect.arrayContaining(['client-secret', 'token']));
  });

  it('holds no piece of a secret sent as the client id, as a query name, after a space, or across the cut of a long body (found by fuzz.test.ts)', async () => {
    const u = await user(['OrderRead']);
    const before = mock.journal.lastSeq;
    // Client id and secret swapped, as two settings mixed up would send them.
    await call(`${mock.apiUrl}/api/token?clientId=${u.clientSecret}&clientSecret=${u.clientId}`, { method: 'POST' });
    await call(`${mock.apiUrl}/api/Orders/GetOrders?${u.token}`, { headers: bearer(u.token) });
    await call(`${mock.apiUrl}/api/Orders/GetOrders?note=%20${u.clientSecret}`, { headers: bearer(u.token) });
    await call(`${mock.apiUrl}/api/Orders/x%20${u.clientSecret}`, { headers: bearer(u.token) });
    const body = JSON.stringify({ take: 1, orderNumber: `${' '.repeat(2_020)}${u.clientSecret}` });
    await call(`${mock.apiUrl}/api/Orders/Search`, { method: 'POST', headers: { ...bearer(u.token), 'content-type': 'application/json' }, body });

    const entries = mock.journal.since(before);
    const text = JSON.stringify(entries);
    // A piece of 12 characters is more than any mask shows (four at each end).
    for (const secret of [u.clientSecret, u.token.split('.')[2]!]) {
      for (let i = 0; i + 12 <= secret.length; i += 6) expect(text).not.toContain(secret.slice(i, i + 12));
    }
    expect(entries.map((e) => e.secretsInUrl.map((s) => s.kind))).toEqual([['client-secret'], ['token'], ['client-secret'], ['client-secret'], []]);
  });

  it('journals the stores an answer touched without a secret a client stored as a store id (found by fuzz.test.ts)', async () => {
    const u = await user(['CustomerAdmin']);
    const before = mock.journal.lastSeq;
    const customer = { customerId: `PC-${Date.now()}`, storeIds: [u.token, `oslo-online ${u.clientSecret}`] };
    const res = await call(`${mock.apiUrl}/api/PrivateCustomers`, { method: 'POST', headers: { ...bearer(u.token), 'content-type': 'application/json' }, body: JSON.stringify(customer) });
    expect(res.status).toBe(200);

    const [entry] = mock.journal.since(before);
    expect(entry!.touched!.stores).toHaveLength(2);
    const text = JSON.stringify(entry!.touched);
    expect(text).not.toContain(u.token.split('.')[2]!.slice(0, 12));
    expect(text).not.toContain(u.clientSecret.slice(0, 12));
  });
});
