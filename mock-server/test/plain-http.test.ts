import { Agent } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JournalEntry, refusedAsPlain } from '../journal/journal.ts';
import { type MockServer, createMockServer } from '../server.ts';
import { plainRequest as plain, plainUrl, tokenFor, trustingFetch } from './client.ts';

let mock: MockServer;
let call: ReturnType<typeof trustingFetch>;

beforeAll(async () => {
  mock = await createMockServer({ dataScale: 12, demoUser: false });
  call = trustingFetch(mock.caCertPath!);
});

afterAll(async () => {
  await call.close();
  await mock.close();
});

const lastEntry = (): JournalEntry => mock.journal.since(0).at(-1)!;

describe('plain HTTP on the port of an HTTPS API', () => {
  it('answers 403 with no body to a request with a bearer token, and journals it as plain with the token', async () => {
    const user = await mock.createApiUser({ name: 'ERP Order Export', roles: ['OrderRead'] });
    const token = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);

    const answer = await plain(plainUrl(mock.apiUrl, '/api/Orders/GetOrders?pageSize=2'), { headers: { authorization: `Bearer ${token}` } });

    expect(answer).toEqual({ status: 403, body: '' });
    const entry = lastEntry();
    expect(entry).toMatchObject({
      transport: 'http',
      listener: 'api',
      method: 'GET',
      status: 403,
      apiUser: user.clientId,
      responseBytes: 0,
      sentInClear: [{ kind: 'token', where: 'header', name: 'authorization' }],
    });
    expect(entry.routeId).not.toBeNull();
    expect(refusedAsPlain(entry)).toBe(true);
    expect(entry.tokenMasked).toMatch(/…/);
    expect(JSON.stringify(entry)).not.toContain(token);
  });

  it('never resolves a plain request: a write with a valid token changes no data', async () => {
    const user = await mock.createApiUser({ name: 'Stock Sync', roles: ['InventoryAdmin'] });
    const token = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
    const before = await mock.snapshot();

    const answer = await plain(plainUrl(mock.apiUrl, '/api/Inventory/UpdateMany'), {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ sku: 'SKU-1', warehouseCode: 'store-oslo', inventory: 999, reservedInventory: 0 }]),
    });

    expect(answer.status).toBe(403);
    expect(await mock.snapshot()).toEqual(before);
    expect(lastEntry()).toMatchObject({ transport: 'http', writes: true, touched: null, fault: null });
  });

  it('issues no token to a plain token request, and records the client secret sent in clear and whose it is', async () => {
    const user = await mock.createApiUser({ name: 'ERP Order Export', roles: ['OrderRead'] });
    const issued: string[] = [];
    const stop = mock.onTokenIssued((_token, clientId) => issued.push(clientId));
    try {
      const answer = await plain(plainUrl(mock.apiUrl, '/api/token?returnAsJson=true'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `clientId=${user.clientId}&clientSecret=${user.clientSecret}`,
      });
      expect(answer).toEqual({ status: 403, body: '' });
    } finally {
      stop();
    }
    expect(issued).toEqual([]);
    const entry = lastEntry();
    expect(entry).toMatchObject({ transport: 'http', tokenRequest: true, issued: null, apiUser: user.clientId, credentialsIn: 'body' });
    expect(entry.sentInClear).toEqual([{ kind: 'client-secret', where: 'body' }]);
    expect(JSON.stringify(entry)).not.toContain(user.clientSecret);
  });

  it('names a secret in the query string of a plain request', async () => {
    const user = await mock.createApiUser({ name: 'ERP Order Export', roles: ['OrderRead'] });
    await plain(plainUrl(mock.apiUrl, `/api/token?clientId=${user.clientId}&clientSecret=${user.clientSecret}`), { method: 'POST' });
    expect(lastEntry()).toMatchObject({
      transport: 'http',
      apiUser: user.clientId,
      credentialsIn: 'query',
      sentInClear: [{ kind: 'client-secret', where: 'query', name: 'clientSecret' }],
    });
  });

  it('records a plain request without credentials as plain, with none sent in clear', async () => {
    expect(await plain(plainUrl(mock.apiUrl, '/api/Health'))).toEqual({ status: 403, body: '' });
    expect(lastEntry()).toMatchObject({ transport: 'http', apiUser: null, sentInClear: [], status: 403 });
  });

  it('answers every request of a kept-alive plain connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers = [await plain(plainUrl(mock.apiUrl, '/api/Health'), { agent }), await plain(plainUrl(mock.apiUrl, '/api/Health?again=1'), { agent })];
      expect(answers.map((a) => a.status)).toEqual([403, 403]);
    } finally {
      agent.destroy();
    }
  });

  it('serves HTTPS on the same port as before', async () => {
    const res = await call(`${mock.apiUrl}/api/Health`);
    expect(res.status).toBe(200);
    expect(await res.text()).not.toBe('');
    expect(lastEntry()).toMatchObject({ transport: 'https', status: 200, sentInClear: [] });
  });
});

describe('closing an API that answers plain HTTP too', () => {
  it('is not held up by a connection that never sends its first byte, nor by a kept-alive plain one', async () => {
    const server = await createMockServer({ dataScale: 12, demoUser: false, badTls: false });
    const { port } = new URL(server.apiUrl);
    const silent = connect(Number(port), '127.0.0.1');
    const closed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    silent.on('error', () => {});
    await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
    // Connections are accepted in order: once a later one is answered, the silent one is in.
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      expect((await plain(plainUrl(server.apiUrl, '/api/Health'), { agent })).status).toBe(403);
      await server.close();
      await closed;
    } finally {
      agent.destroy();
    }
  }, 10_000);
});

describe('a mock without TLS', () => {
  it('serves plain HTTP as ever, and journals it as plain', async () => {
    const server = await createMockServer({ tls: false, dataScale: 12, demoUser: false });
    try {
      expect(server.apiUrl).toMatch(/^http:/);
      const answer = await plain(`${server.apiUrl}/api/Health`);
      expect(answer.status).toBe(200);
      const entry = server.journal.since(0).at(-1)!;
      expect(entry).toMatchObject({ transport: 'http', status: 200, sentInClear: [] });
      expect(refusedAsPlain(entry)).toBe(false);
    } finally {
      await server.close();
    }
  });
});
