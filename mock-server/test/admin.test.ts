import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer } from '../server.ts';
import { tokenFor, trustingFetch } from './client.ts';

let mock: MockServer;
let call: ReturnType<typeof trustingFetch>;

beforeAll(async () => {
  mock = await createMockServer({ dataScale: 20 });
  call = trustingFetch(mock.caCertPath!);
});
afterAll(async () => {
  await call.close();
  await mock.close();
});

function admin(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  return fetch(`${mock.adminUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.token ?? mock.adminToken}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

describe('the admin API', () => {
  it('answers 401 without the admin token', async () => {
    expect((await admin('/__admin/health', { token: 'wrong' })).status).toBe(401);
    expect((await fetch(`${mock.adminUrl}/__admin/health`)).status).toBe(401);
    expect((await admin('/__admin/health')).status).toBe(200);
  });

  it('creates an API user, shows its secret once, and lists it masked', async () => {
    const res = await admin('/__admin/api-users', { method: 'POST', body: { name: 'PIM Product Sync', roles: ['ProductAdmin'] } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { clientId: string; clientSecret: string };
    expect(created.clientSecret).toMatch(/^[0-9a-f]{32}-[0-9a-f]{32}$/);
    const list = await (await admin('/__admin/api-users')).text();
    expect(list).toContain(created.clientId);
    expect(list).not.toContain(created.clientSecret);
  });

  it('names the field of a bad request', async () => {
    const unknownRole = await admin('/__admin/api-users', { method: 'POST', body: { name: 'x', roles: ['OrderWriter'] } });
    expect(unknownRole.status).toBe(400);
    expect(((await unknownRole.json()) as { error: string }).error).toContain('OrderWriter');
    const unknownKey = await admin('/__admin/api-users', { method: 'POST', body: { name: 'x', roles: [], colour: 'red' } });
    expect(unknownKey.status).toBe(400);
    expect(((await unknownKey.json()) as { error: string }).error).toContain('colour');
    expect((await admin('/__admin/api-users/nobody', { method: 'PATCH', body: { active: false } })).status).toBe(404);
  });

  it('deactivates, changes roles, shortens token lifetime and revokes tokens, effective on the next request', async () => {
    const created = (await (await admin('/__admin/api-users', { method: 'POST', body: { name: 'ERP', roles: ['OrderRead', 'StoreRead'] } })).json()) as {
      clientId: string;
      clientSecret: string;
    };
    const token = await tokenFor(call, mock.apiUrl, created.clientId, created.clientSecret);
    const get = () => call(`${mock.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get()).status).toBe(200);
    await admin(`/__admin/api-users/${created.clientId}`, { method: 'PATCH', body: { roles: ['OrderRead'] } });
    expect((await get()).status).toBe(403);
    await admin(`/__admin/api-users/${created.clientId}`, { method: 'PATCH', body: { roles: ['StoreRead'], tokenLifetimeSeconds: 20 } });
    expect((await get()).status).toBe(200);
    expect((await admin(`/__admin/api-users/${created.clientId}/revoke-tokens`, { method: 'POST' })).status).toBe(204);
    expect((await get()).status).toBe(401);
    const fresh = await tokenFor(call, mock.apiUrl, created.clientId, created.clientSecret);
    const claims = JSON.parse(Buffer.from(fresh.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(20);
    await admin(`/__admin/api-users/${created.clientId}`, { method: 'PATCH', body: { active: false } });
    expect((await call(`${mock.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(401);
  });

  it('serves the journal since a sequence number', async () => {
    const { lastSeq } = (await (await admin('/__admin/journal')).json()) as { lastSeq: number };
    await (await call(`${mock.apiUrl}/api/Health`)).arrayBuffer();
    const page = (await (await admin(`/__admin/journal?since=${lastSeq}`)).json()) as { lastSeq: number; kept: number; entries: { seq: number; path: string }[] };
    expect(page.entries.map((e) => e.path)).toEqual(['/api/Health']);
    // Nothing dropped yet: every entry handed out is kept.
    expect(page.kept).toBe(page.lastSeq);
    expect((await admin('/__admin/journal?since=abc')).status).toBe(400);
  });

  it('lists the endpoint table with the role each needs', async () => {
    const endpoints = (await (await admin('/__admin/endpoints')).json()) as { id: string; role: string | null }[];
    expect(endpoints.find((e) => e.id === 'Token_Post')?.role).toBeNull();
    expect(endpoints.some((e) => e.role === 'OrderRead')).toBe(true);
  });
});
