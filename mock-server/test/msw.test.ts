import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { DEFAULT_MSW_CREDENTIALS, createHandlers, createOmniumHandlers } from '../msw.ts';
import { omneo } from '../profiles/omneo/index.ts';
import { wrongTypes } from '../faults/reshape.ts';

const omnium = createOmniumHandlers({ seed: 2, dataScale: 20 });
const omneoApi = createHandlers(omneo, { seed: 2, dataScale: 5 });
const server = setupServer(...omnium.handlers, ...omneoApi.handlers);

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

  it('reshape the real answer as the HTTP server does: wrong types, and a large body made as it is read (case 83)', async () => {
    const t = await token();
    const get = () => fetch(`${base}/api/Stores`, { headers: { authorization: `Bearer ${t}` } });
    const real = await (await get()).json();
    omnium.faults.add({ match: { path: '/api/Stores', times: 1 }, action: { kind: 'wrong-types' } });
    expect(await (await get()).json()).toEqual(wrongTypes(real));
    omnium.faults.add({ match: { path: '/api/Stores', times: 1 }, action: { kind: 'large-body', bytes: 2_000_000 } });
    const large = await get();
    const bytes = new Uint8Array(await large.arrayBuffer());
    expect([large.headers.get('content-length'), bytes.length]).toEqual(['2000000', 2_000_000]);
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual(real);
    expect(omnium.journal.since(0).findLast((e) => e.fault?.kind === 'large-body')?.responseBytes).toBe(2_000_000);
  });

  it('record a journal', () => {
    expect(omnium.journal.since(0).some((e) => e.routeId === 'Token_Post' && e.credentialsIn === 'body')).toBe(true);
  });

  it('refuse what the HTTP server refuses, in the platform\'s shape: 405 with Allow, a body not JSON, an encoded body', async () => {
    const t = await token();
    const auth = { authorization: `Bearer ${t}` };
    const wrongMethod = await fetch(`${base}/api/token`, { method: 'PATCH', headers: auth });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    const malformed = await fetch(`${base}/api/Orders/Search`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"take":' });
    expect([malformed.status, malformed.headers.get('content-type'), await malformed.text()]).toEqual([400, 'text/plain; charset=utf-8', 'The request body is not valid JSON.']);
    const encoded = await fetch(`${base}/api/Orders/Search`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync('{"take":1}') });
    expect([encoded.status, encoded.headers.get('accept-encoding')]).toEqual([415, 'identity']);
    expect(omnium.journal.since(0).slice(-3).map((e) => e.status)).toEqual([405, 400, 415]);
    // Omneo answers a body it cannot read as Laravel does: { message }.
    const omneoBad = await fetch('https://api.demo.getomneo.com/api/v3/profiles', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"first_name":' });
    expect(omneoBad.status).toBe(400);
    expect(await omneoBad.json()).toEqual({ message: 'The request body is not valid JSON.' });
  });
});
