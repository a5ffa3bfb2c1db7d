import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../domain/events.ts';
import { omneo } from '../profiles/omneo/index.ts';
import { ROLES, type Role, grants } from '../profiles/omnium/roles.ts';
import { OMNIUM_ENDPOINTS } from '../profiles/omnium/table.ts';
import { type MockServer, createMockServer } from '../server.ts';
import { pathPattern } from '../transports/http-parse.ts';
import { tokenFor, trustingFetch } from './client.ts';

// Authorisation, scoping, lifecycle and rate-limit cases of shared/spec/security-tests.md §6
// (36, 38–41, 44–46) that the other tests of the mock do not already cover, through the real
// HTTPS stack. Where the others do (35, 36's role withdrawal, 37, 40 at the resolver, 45's
// bucket, 46's take), .scratch/security-input.md names the test. Case numbers are in the names.

type Order = { id: string; storeId: string; marketId: string };

/** mulberry32: the same sequence for the same seed, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('authorisation and scoping, Omnium over HTTPS', () => {
  let mock: MockServer;
  let call: ReturnType<typeof trustingFetch>;
  let admin: string;
  let orders: Order[];

  beforeAll(async () => {
    mock = await createMockServer({ seed: 5, dataScale: 40, demoUser: false, badTls: false, rateLimits: false });
    call = trustingFetch(mock.caCertPath!);
    admin = (await user(['ApiOwner'])).token;
    const all = await send(admin, 'POST', '/api/Orders/Scroll', { take: 1000 });
    orders = ((await all.json()) as { result: Order[] }).result;
  });
  afterAll(async () => {
    await call.close();
    await mock.close();
  });

  async function user(roles: string[], extra: Record<string, unknown> = {}) {
    const created = await mock.createApiUser({ name: 'ERP', roles, ...extra });
    return { ...created, token: await tokenFor(call, mock.apiUrl, created.clientId, created.clientSecret) };
  }

  function send(token: string, method: string, path: string, body?: unknown) {
    return call(`${mock.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async function status(token: string, method: string, path: string, body?: unknown): Promise<number> {
    const res = await send(token, method, path, body);
    await res.arrayBuffer();
    return res.status;
  }

  const orderText = async (id: string) => (await send(admin, 'GET', `/api/Orders/${id}`)).text();

  /** Events raised while `run` runs. */
  async function eventsDuring(run: () => Promise<void>): Promise<DomainEvent[]> {
    const seen: DomainEvent[] = [];
    const stop = mock.onEvent((e) => seen.push(e));
    try {
      await run();
    } finally {
      stop();
    }
    return seen;
  }

  it('36: refuses a demoted admin (OrderAdmin → OrderRead) every write from the next request, old token and all, and leaves the order as it was', async () => {
    const u = await user(['OrderAdmin']);
    const [first, second] = orders;
    expect(await status(u.token, 'PATCH', `/api/Orders/${first!.id}/PatchOrder`, { tags: ['before-demotion'] })).toBe(200);
    mock.patchApiUser(u.clientId, { roles: ['OrderRead'] });
    const before = await orderText(second!.id);
    const events = await eventsDuring(async () => {
      expect(await status(u.token, 'PATCH', `/api/Orders/${second!.id}/PatchOrder`, { tags: ['after-demotion'] })).toBe(403);
      expect(await status(u.token, 'DELETE', `/api/Orders/${second!.id}`)).toBe(403);
      expect(await status(u.token, 'POST', `/api/Orders/${second!.id}/UpdateStatus`, { status: 'Cancelled' })).toBe(403);
    });
    expect(events).toEqual([]);
    expect(await orderText(second!.id)).toBe(before);
    expect(await status(u.token, 'GET', `/api/Orders/${second!.id}`)).toBe(200);
    expect(mock.journal.since(0).filter((e) => e.apiUser === u.clientId && e.status === 403).map((e) => e.denied)).toEqual([
      'missing role OrderAdmin',
      'missing role OrderAdmin',
      'missing role OrderAdmin',
    ]);
  });

  it('38: answers no method of an admin route 2xx to a user holding every Read role: 403 where the table declares it, 405 with Allow where not', async () => {
    const reads = ROLES.filter((r) => r.endsWith('Read'));
    const reader = await user(reads);
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
    const adminPaths = [...new Set(OMNIUM_ENDPOINTS.filter((e) => e.role?.endsWith('Admin')).map((e) => e.path))];
    expect(adminPaths.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const template of adminPaths) {
      const path = template.replace(/\{(\w+)\}/g, 'nonexistent-$1');
      // What the table declares for this path: its own template's endpoints, and another's that
      // matches it too (`GET /api/Inventory/{skuId}` answers `/api/Inventory/UpdateMany`, as ASP.NET routes it).
      const declared = OMNIUM_ENDPOINTS.filter((e) => pathPattern(e.path).test(path));
      for (const method of methods) {
        const own = declared.find((e) => e.method === method && e.path === template) ?? declared.find((e) => e.method === method);
        const res = await send(reader.token, method, path, method === 'GET' || method === 'HEAD' ? undefined : {});
        await res.arrayBuffer();
        if (!own) {
          const allow = declared.map((e) => e.method).filter((m, i, all) => all.indexOf(m) === i).sort().join(', ');
          if (res.status !== 405 || res.headers.get('allow') !== allow) wrong.push(`${method} ${template} → ${res.status} Allow ${res.headers.get('allow')}, expected 405 Allow ${allow}`);
        } else if (!grants(reads, own.role as Role | null)) {
          if (res.status !== 403) wrong.push(`${method} ${template} → ${res.status}, expected 403`);
        } else if (res.status < 300 && own.writes) {
          wrong.push(`${method} ${template} → ${res.status} for a write`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 30_000);

  it('39: gives a store-scoped token 403 for every other store’s order by path, none of them through query or body filters, and 403 for writes that name them', async () => {
    const store = orders[0]!.storeId;
    const scoped = await user(['OrderAdmin'], { stores: [store] });
    const foreign = orders.filter((o) => o.storeId !== store);
    const otherStores = [...new Set(foreign.map((o) => o.storeId))];
    expect(foreign.length).toBeGreaterThan(10);
    const leaks: string[] = [];
    for (const o of foreign) {
      for (const [method, path, body] of [
        ['GET', `/api/Orders/${o.id}`, undefined],
        ['PATCH', `/api/Orders/${o.id}/PatchOrder`, { tags: ['x'] }],
        ['POST', `/api/Orders/${o.id}/UpdateStatus`, { status: 'Cancelled' }],
        ['DELETE', `/api/Orders/${o.id}`, undefined],
      ] as const) {
        const got = await status(scoped.token, method, path, body);
        if (got !== 403) leaks.push(`${method} ${path} → ${got}`);
      }
    }
    expect(leaks).toEqual([]);
    const listed: Order[] = [];
    const byQuery = await send(scoped.token, 'GET', `/api/Orders/GetOrders?pageSize=100&${otherStores.map((s) => `storeId=${s}`).join('&')}`);
    listed.push(...((await byQuery.json()) as { result: Order[] }).result);
    const byBody = await send(scoped.token, 'POST', '/api/Orders/Search', { take: 100, selectedStores: otherStores });
    listed.push(...((await byBody.json()) as { result: Order[] }).result);
    const count = await send(scoped.token, 'GET', `/api/Orders/GetOrders/Count?${otherStores.map((s) => `storeId=${s}`).join('&')}`);
    expect(await count.json()).toBe(0);
    expect(listed).toEqual([]);
    // Its own lists hold only its store.
    const own = ((await (await send(scoped.token, 'POST', '/api/Orders/Scroll', { take: 1000 })).json()) as { result: Order[] }).result;
    expect(own.length).toBeGreaterThan(0);
    expect(new Set(own.map((o) => o.storeId))).toEqual(new Set([store]));
    // Moving its own order to another store, in any casing ASP.NET binds, is refused too.
    const mine = orders.find((o) => o.storeId === store)!;
    expect(await status(scoped.token, 'PATCH', `/api/Orders/${mine.id}/PatchOrder`, { StoreId: otherStores[0] })).toBe(403);
    expect(JSON.parse(await orderText(mine.id))).toMatchObject({ storeId: store });
    expect(JSON.parse(await orderText(mine.id))).not.toHaveProperty('StoreId');
    // A write that names another store is refused and stores nothing.
    const created = { id: 'SCOPE-39', marketId: foreign[0]!.marketId, storeId: foreign[0]!.storeId, orderType: 'Online', status: 'New' };
    expect(await status(scoped.token, 'POST', '/api/Orders', created)).toBe(403);
    expect(await status(scoped.token, 'POST', '/api/Orders/AddMany', [{ ...created, id: 'SCOPE-39b' }])).toBe(403);
    expect(await status(admin, 'GET', '/api/Orders/SCOPE-39')).toBe(404);
    expect(await status(admin, 'GET', '/api/Orders/SCOPE-39b')).toBe(404);
  });

  it('39: answers ids that exist nowhere 404, never 2xx or 5xx (seeded random ids)', async () => {
    const random = seeded(39);
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~%';
    const statuses = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const id = Array.from({ length: 1 + Math.floor(random() * 40) }, () => chars[Math.floor(random() * chars.length)]).join('');
      const path = ['/api/Orders/', '/api/Products/', '/api/PrivateCustomers/'][i % 3]!;
      statuses.add(await status(admin, 'GET', `${path}${encodeURIComponent(id)}`));
    }
    expect([...statuses]).toEqual([404]);
  });

  it('40: gives a token scoped to one market 403 for a product sold only in another, and leaves it out of searches', async () => {
    const product = { productId: 'SWE-ONLY-40', name: 'Sold in Sweden only', marketIds: ['swe'], prices: [{ marketId: 'swe', unitPrice: 100, currencyCode: 'SEK' }] };
    expect(await status(admin, 'POST', '/api/Products', product)).toBeLessThan(300);
    const nor = await user(['ProductRead'], { markets: ['nor'] });
    expect(await status(nor.token, 'GET', '/api/Products/SWE-ONLY-40')).toBe(403);
    const search = await send(nor.token, 'POST', '/api/Products/SearchProducts', { take: 100, searchText: 'Sweden' });
    const hits = ((await search.json()) as { result: { productId: string }[] }).result;
    expect(hits.map((p) => p.productId)).not.toContain('SWE-ONLY-40');
    expect(await status(admin, 'GET', '/api/Products/SWE-ONLY-40')).toBe(200);
  });

  it('90: journals each 403 with what was refused: the role missing, or the store or market out of scope', async () => {
    const own = orders[0]!;
    const foreign = orders.find((o) => o.storeId !== own.storeId)!;
    const reader = await user(['OrderRead', 'ProductRead'], { stores: [own.storeId], markets: ['nor'] });
    expect(await status(reader.token, 'GET', `/api/Orders/${foreign.id}`)).toBe(403);
    expect(await status(reader.token, 'PATCH', `/api/Orders/${own.id}/PatchOrder`, { tags: ['x'] })).toBe(403);
    const product = { productId: 'SWE-ONLY-90', name: 'Sold in Sweden only', marketIds: ['swe'], prices: [{ marketId: 'swe', unitPrice: 100, currencyCode: 'SEK' }] };
    expect(await status(admin, 'POST', '/api/Products', product)).toBeLessThan(300);
    expect(await status(reader.token, 'GET', '/api/Products/SWE-ONLY-90')).toBe(403);
    expect(mock.journal.since(0).filter((e) => e.apiUser === reader.clientId && e.status === 403).map((e) => [e.routeId, e.denied])).toEqual([
      ['Orders_Get', `store ${foreign.storeId} out of scope`],
      ['Orders_PatchOrder', 'missing role OrderAdmin'],
      ['Products_Get', 'market swe out of scope'],
    ]);
  });

  it('41: answers 400 to a PATCH with read-only or unknown fields (id, store_id, role, paid_total), naming them, and leaves the order unchanged', async () => {
    const { id } = orders[1]!;
    const before = await orderText(id);
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 'ORD-HIJACK' }, "The field 'id' can not be set here."],
      [{ store_id: 'other-store' }, "The field 'store_id' can not be set here."],
      [{ role: 'admin' }, "The field 'role' can not be set here."],
      [{ paid_total: 0 }, "The field 'paid_total' can not be set here."],
      [{ created: '2000-01-01T00:00:00Z', modified: '2000-01-01T00:00:00Z' }, "The fields 'created', 'modified' can not be set here."],
      [{ customerPhone: '+47 99999999', paid_total: 0 }, "The field 'paid_total' can not be set here."],
    ];
    const events = await eventsDuring(async () => {
      for (const [body, message] of cases) {
        const res = await send(admin, 'PATCH', `/api/Orders/${id}/PatchOrder`, body);
        expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([400, 'text/plain; charset=utf-8', message]);
      }
    });
    expect(events).toEqual([]);
    expect(await orderText(id)).toBe(before);
    // Fields of the order, in any casing ASP.NET binds, and nested fields the mock does not model, still go through.
    expect(await status(admin, 'PATCH', `/api/Orders/${id}/PatchOrder`, { CustomerPhone: '+47 12345678', billingAddress: { doorCode: '42' } })).toBe(200);
    expect(JSON.parse(await orderText(id))).toMatchObject({ customerPhone: '+47 12345678', billingAddress: { doorCode: '42' } });
    expect(mock.journal.since(0).findLast((e) => e.status === 400)!.unaccepted).toEqual(['body.paid_total']);
  });

  it('41: refuses a create, a replace or a bulk add that sets a field the order does not have, storing nothing', async () => {
    const order = (id: string) => ({ id, marketId: orders[0]!.marketId, storeId: orders[0]!.storeId, orderType: 'Online', status: 'New' });
    expect(await status(admin, 'POST', '/api/Orders', { ...order('MASS-1'), isAdmin: true })).toBe(400);
    expect(await status(admin, 'PUT', '/api/Orders', { ...order('MASS-2'), paid_total: 0 })).toBe(400);
    expect(await status(admin, 'POST', '/api/Orders/AddMany', [order('MASS-3'), { ...order('MASS-4'), role: 'admin' }])).toBe(400);
    for (const id of ['MASS-1', 'MASS-2', 'MASS-3', 'MASS-4']) expect(await status(admin, 'GET', `/api/Orders/${id}`)).toBe(404);
    expect(await status(admin, 'POST', '/api/Orders', order('MASS-5'))).toBe(201);
  });

  it('44: decides random runs of role changes, store moves, deactivations and calls exactly as a model of the rules does (fast-check commands, shrunk on failure)', async () => {
    const roleChoices: readonly (readonly Role[])[] = [[], ['OrderRead'], ['OrderAdmin'], ['StoreRead'], ['ApiOwner'], ['CommerceUser'], ['OrderRead', 'StoreRead']];
    const stores = [...new Set(orders.map((o) => o.storeId))];
    const storeChoices: readonly ('*' | string[])[] = ['*', [stores[0]!], [stores[1]!], stores.slice(0, 2)];
    type Call = { method: string; path: string; role: Role; scoped: boolean; body?: unknown };
    const calls: readonly ((o: Order) => Call)[] = [
      (o) => ({ method: 'GET', path: `/api/Orders/${o.id}`, role: 'OrderRead', scoped: true }),
      (o) => ({ method: 'PATCH', path: `/api/Orders/${o.id}/PatchOrder`, role: 'OrderAdmin', scoped: true, body: { tags: ['case-44'] } }),
      () => ({ method: 'GET', path: '/api/Stores', role: 'StoreRead', scoped: false }),
    ];
    interface Model {
      roles: readonly Role[];
      stores: '*' | string[];
      active: boolean;
    }
    interface Real {
      clientId: string;
      token: string;
    }
    type Command = fc.AsyncCommand<Model, Real>;
    const command = (name: string, run: (m: Model, r: Real) => Promise<void>): Command => ({ check: () => true, run, toString: () => name });
    const setRoles = fc.constantFrom(...roleChoices).map((roles) =>
      command(`roles ${roles.join('+') || 'none'}`, async (m, r) => {
        m.roles = roles;
        mock.patchApiUser(r.clientId, { roles: [...roles] });
      }),
    );
    const setStores = fc.constantFrom(...storeChoices).map((chosen) =>
      command(`stores ${JSON.stringify(chosen)}`, async (m, r) => {
        m.stores = chosen;
        mock.patchApiUser(r.clientId, { stores: chosen });
      }),
    );
    const toggle = fc.constant(
      command('toggle active', async (m, r) => {
        m.active = !m.active;
        mock.patchApiUser(r.clientId, { active: m.active });
      }),
    );
    const call = fc.tuple(fc.constantFrom(...calls), fc.constantFrom(...orders)).map(([make, o]) => {
      const c = make(o);
      return command(`${c.method} ${c.path}`, async (m, r) => {
        const inScope = m.stores === '*' || m.stores.includes(o.storeId);
        const expected = !m.active ? 401 : !grants(m.roles, c.role) ? 403 : c.scoped && !inScope ? 403 : 200;
        expect(await status(r.token, c.method, c.path, c.body), `${c.method} ${c.path} as ${JSON.stringify(m)}`).toBe(expected);
      });
    });
    await fc.assert(
      fc.asyncProperty(fc.commands([setRoles, setStores, toggle, call, call], { maxCommands: 25 }), async (commands) => {
        const u = await user(['OrderRead']);
        await fc.asyncModelRun(() => ({ model: { roles: ['OrderRead'] as readonly Role[], stores: '*' as const, active: true } as Model, real: { clientId: u.clientId, token: u.token } }), commands);
      }),
      { seed: 44, numRuns: 12 },
    );
  }, 60_000);

  it('46: refuses a page of 1,000,000 with 400 text rather than run an unbounded query, and ignores a limit it does not know', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/Orders/GetOrders?pageSize=1000000', undefined],
      ['POST', '/api/Orders/Search', { take: 1_000_000 }],
      ['POST', '/api/Orders/Scroll', { take: 1_000_000 }],
      ['POST', '/api/Products/SearchProducts', { take: 1_000_000 }],
      ['POST', '/api/Orders/Search', { take: 100, page: 1_000_000 }],
    ] as const) {
      const res = await send(admin, method, path, body);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 400, 'text/plain; charset=utf-8']);
      await res.arrayBuffer();
    }
    const unknown = await send(admin, 'GET', '/api/Orders/GetOrders?limit=1000000');
    expect(((await unknown.json()) as { result: unknown[] }).result).toHaveLength(20);
  });
});

describe('rate limits over HTTPS', () => {
  it('45: counts every token of an API user against one bucket (a new token does not refill it), leaves other users alone, and says so in Retry-After and RateLimit', async () => {
    const small = await createMockServer({ dataScale: 8, demoUser: false, badTls: false, rateLimits: { bucketCapacity: 4, refillTokens: 1, refillIntervalMs: 60_000, headers: true } });
    const call = trustingFetch(small.caCertPath!);
    try {
      const a = await small.createApiUser({ name: 'A', roles: ['StoreRead'] });
      const b = await small.createApiUser({ name: 'B', roles: ['StoreRead'] });
      const get = (token: string) => call(`${small.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${token}` } });
      const first = await tokenFor(call, small.apiUrl, a.clientId, a.clientSecret);
      const second = await tokenFor(call, small.apiUrl, a.clientId, a.clientSecret);
      const statuses: number[] = [];
      for (const token of [first, second, first, second]) {
        const res = await get(token);
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 200, 200]);
      const fresh = await tokenFor(call, small.apiUrl, a.clientId, a.clientSecret);
      const refused = await get(fresh);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get('ratelimit-policy')).toBe('"burst";q=4;w=240');
      expect(refused.headers.get('ratelimit')).toMatch(/^"burst";r=0;t=\d+$/);
      expect((await get(first)).status).toBe(429);
      const other = await get(await tokenFor(call, small.apiUrl, b.clientId, b.clientSecret));
      expect(other.status).toBe(200);
      expect(other.headers.get('ratelimit')).toMatch(/^"burst";r=3;t=\d+$/);
    } finally {
      await call.close();
      await small.close();
    }
  });
});

describe('page sizes, Omneo over HTTPS', () => {
  it('46: clamps page[size]=1000000 to 100, never an unbounded page', async () => {
    const mock = await createMockServer({ profile: omneo, demoUser: false, badTls: false, dataScale: 150 });
    const call = trustingFetch(mock.caCertPath!);
    try {
      const machine = await mock.createApiUser({ name: 'Loyalty Sync', roles: ['*'] });
      const res = await call(`${mock.apiUrl}/api/v3/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: machine.clientId, client_secret: machine.clientSecret, scope: '*' }).toString(),
      });
      const token = ((await res.json()) as { access_token: string }).access_token;
      const page = await call(`${mock.apiUrl}/api/v3/profiles?page[size]=1000000`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
      expect(page.status).toBe(200);
      const body = (await page.json()) as { data: unknown[]; meta: { per_page: number; total: number; last_page: number } };
      expect(body.meta.per_page).toBe(100);
      expect(body.meta.total).toBeGreaterThan(100);
      expect(body.data).toHaveLength(100);
      expect(body.meta.last_page).toBe(Math.ceil(body.meta.total / 100));
    } finally {
      await call.close();
      await mock.close();
    }
  });
});
