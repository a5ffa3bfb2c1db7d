import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MSW_CREDENTIALS, createOmniumHandlers } from '../msw.ts';

const omnium = createOmniumHandlers({ seed: 2, dataScale: 20 });
const server = setupServer(...omnium.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const base = 'https://apitest.omnium.no';

async function token(): Promise<string> {
  const res = await fetch(`${base}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ clientId: DEFAULT_MSW_CREDENTIALS.clientId, clientSecret: DEFAULT_MSW_CREDENTIALS.clientSecret }),
  });
  expect(res.status).toBe(200);
  return res.text();
}

describe('the msw handlers', () => {
  it('serve the same API in-process: token, search, get by id', async () => {
    const t = await token();
    const search = await fetch(`${base}/api/Orders/Search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ take: 5 }),
    });
    expect(search.status).toBe(200);
    const { result } = (await search.json()) as { result: { id: string }[] };
    expect(result.length).toBeGreaterThan(0);
    const one = await fetch(`${base}/api/orders/${result[0]!.id}`, { headers: { authorization: `Bearer ${t}` } });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { id: string }).id).toBe(result[0]!.id);
  });

  it('enforce tokens and roles as the HTTP server does', async () => {
    expect((await fetch(`${base}/api/Orders/GetOrders`)).status).toBe(401);
    const t = await token();
    omnium.users.patch(DEFAULT_MSW_CREDENTIALS.clientId, { roles: ['ProductRead'] });
    expect((await fetch(`${base}/api/Orders/GetOrders`, { headers: { authorization: `Bearer ${t}` } })).status).toBe(403);
    omnium.users.patch(DEFAULT_MSW_CREDENTIALS.clientId, { roles: ['ApiOwner'] });
    expect((await fetch(`${base}/api/Orders/GetOrders`, { headers: { authorization: `Bearer ${t}` } })).status).toBe(200);
  });

  it('prefer a static path over a parameter, as fastify does', async () => {
    const t = await token();
    const res = await fetch(`${base}/api/Orders/GetOrders/Count`, { headers: { authorization: `Bearer ${t}` } });
    expect(res.status).toBe(200);
    expect(Number(await res.text())).toBeGreaterThan(0);
  });

  it('record a journal', () => {
    expect(omnium.journal.since(0).some((e) => e.routeId === 'Token_Post' && e.credentialsIn === 'body')).toBe(true);
  });
});
