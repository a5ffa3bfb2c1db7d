import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer } from '../server.ts';
import { tokenFor, trustingFetch } from './client.ts';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { HTML_ERROR_PAGE, withExtraFields, wrongTypes } from '../faults/reshape.ts';

let mock: MockServer;
let call: ReturnType<typeof trustingFetch>;
let clientId: string;
let token: string;

beforeAll(async () => {
  mock = await createMockServer({ dataScale: 20, rateLimits: false });
  call = trustingFetch(mock.caCertPath!);
  const user = await mock.createApiUser({ name: 'ERP', roles: ['OrderRead', 'StoreRead'] });
  clientId = user.clientId;
  token = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
});
afterAll(async () => {
  await call.close();
  await mock.close();
});

const get = (path: string, signal?: AbortSignal) =>
  call(`${mock.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, ...(signal ? { signal } : {}) });

/** The cause chain of a fetch failure, as codes. */
function codes(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) if (e.code) out.push(e.code);
  return out;
}

describe('fault rules over real sockets', () => {
  it('resets the connection: the client sees ECONNRESET (or a closed socket) and the journal marks the fault', async () => {
    const rule = mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'reset' } });
    const error = await get('/api/Stores').then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).not.toBeNull();
    expect(codes(error).some((c) => c === 'ECONNRESET' || c === 'UND_ERR_SOCKET')).toBe(true);
    const entry = mock.journal.since(0).findLast((e) => e.fault?.id === rule.id)!;
    expect(entry).toMatchObject({ status: 0, fault: { kind: 'reset' } });
    expect((await get('/api/Stores')).status).toBe(200);
  });

  it('hangs until the client gives up, and the journal records when the client closed the socket', async () => {
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Markets', times: 1 }, action: { kind: 'hang' } });
    const error = await get('/api/Markets', AbortSignal.timeout(300)).then(
      () => null,
      (err: unknown) => err,
    );
    expect((error as Error).name).toMatch(/TimeoutError|AbortError/);
    await expect.poll(() => mock.journal.since(0).find((e) => e.fault?.kind === 'hang')?.aborted).toBe(true);
    const entry = mock.journal.since(0).find((e) => e.fault?.kind === 'hang')!;
    // The client's 300 ms began before the request reached the mock (60 ms before, once, on loaded CI):
    // what counts is that the mock held it well past an immediate answer until the client gave up.
    expect(entry.abortedAtMono! - entry.mono).toBeGreaterThanOrEqual(150);
  });

  it('answers 429 with Retry-After in seconds, as an HTTP date, or without it', async () => {
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'status', status: 429, retryAfter: { seconds: 7 } } });
    const a = await get('/api/Stores');
    expect([a.status, a.headers.get('retry-after')]).toEqual([429, '7']);
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'status', status: 429, retryAfter: { httpDate: 30 } } });
    const b = await get('/api/Stores');
    expect(Date.parse(b.headers.get('retry-after')!)).toBeGreaterThan(Date.now() + 20_000);
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'status', status: 429, retryAfter: 'absent' } });
    const c = await get('/api/Stores');
    expect([c.status, c.headers.get('retry-after')]).toEqual([429, null]);
  });

  it('answers 429 with Retry-After 0, a past date, or a value no parser should trust (case 75)', async () => {
    const sent = [];
    for (const retryAfter of [{ seconds: 0 }, { httpDate: -60 }, { value: 'soon' }]) {
      mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'status', status: 429, retryAfter } });
      sent.push((await get('/api/Stores')).headers.get('retry-after'));
    }
    expect(sent[0]).toBe('0');
    expect(Date.parse(sent[1]!)).toBeLessThan(Date.now() - 50_000);
    expect(sent[2]).toBe('soon');
  });

  it('answers 400 and 404 with a plain message and 422 with a validation error, as the platforms do (case 79)', async () => {
    const answers = [];
    for (const status of [400, 404, 422] as const) {
      mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'status', status } });
      const r = await get('/api/Stores');
      answers.push([r.status, r.headers.get('content-type'), await r.text()]);
    }
    expect(answers).toEqual([
      [400, 'text/plain; charset=utf-8', 'The request is not valid.'],
      [404, 'text/plain; charset=utf-8', 'Not found.'],
      [422, 'application/json; charset=utf-8', '{"message":"The given data was invalid.","errors":{}}'],
    ]);
  });

  it('answers 503, an empty body, malformed JSON and a truncated body on demand', async () => {
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'status', status: 503 } });
    expect((await get('/api/Stores')).status).toBe(503);
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'empty' } });
    expect(await (await get('/api/Stores')).text()).toBe('');
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'malformed-json' } });
    await expect((await get('/api/Stores')).json()).rejects.toThrow();
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'truncated' } });
    await expect(get('/api/Stores').then((r) => r.text())).rejects.toThrow();
  });

  it('reshapes the real answer on demand: values of the wrong types, undocumented fields, an HTML error page declared text/html (case 83)', async () => {
    const real = await (await get('/api/Stores')).json();
    const answers = [];
    for (const kind of ['wrong-types', 'extra-fields', 'html'] as const) {
      mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind } });
      const res = await get('/api/Stores');
      answers.push([res.status, res.headers.get('content-type'), await res.text()]);
    }
    expect(answers).toEqual([
      [200, 'application/json; charset=utf-8', JSON.stringify(wrongTypes(real))],
      [200, 'application/json; charset=utf-8', JSON.stringify(withExtraFields(real))],
      [200, 'text/html; charset=utf-8', HTML_ERROR_PAGE],
    ]);
    expect(mock.journal.since(0).slice(-3).map((e) => [e.status, e.fault?.kind])).toEqual([
      [200, 'wrong-types'],
      [200, 'extra-fields'],
      [200, 'html'],
    ]);
    expect(await (await get('/api/Stores')).json()).toEqual(real);
  });

  it('leaves an answer with no JSON body as it was, and journals the fault as unchanged', async () => {
    const real = await get('/api/Orders/NO-SUCH-ORDER');
    const text = await real.text();
    const answers = [];
    for (const action of [{ kind: 'wrong-types' }, { kind: 'extra-fields' }, { kind: 'large-body', bytes: 1_000_000 }] as const) {
      mock.faults.add({ match: { apiUser: clientId, path: '/api/Orders/NO-SUCH-ORDER', times: 1 }, action });
      const res = await get('/api/Orders/NO-SUCH-ORDER');
      answers.push([res.status, await res.text()]);
    }
    expect(answers).toEqual(Array(3).fill([real.status, text]));
    expect(mock.journal.since(0).slice(-3).map((e) => e.fault?.kind)).toEqual(['wrong-types unchanged', 'extra-fields unchanged', 'large-body unchanged']);
  });

  it('sends a large body as long as the rule says, with its Content-Length: whitespace before the same JSON, and journals the bytes sent (case 83)', async () => {
    const real = await (await get('/api/Stores')).json();
    const rule = mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'large-body', bytes: 8_000_000 } });
    const res = await get('/api/Stores');
    const text = await res.text();
    expect([res.status, res.headers.get('content-length'), Buffer.byteLength(text)]).toEqual([200, '8000000', 8_000_000]);
    expect(JSON.parse(text)).toEqual(real);
    await expect.poll(() => mock.journal.since(0).find((e) => e.fault?.id === rule.id)).toMatchObject({ responseBytes: 8_000_000, aborted: false, fault: { kind: 'large-body' } });
    // The connection goes on serving: the next calls on it are answered as usual.
    for (let i = 0; i < 3; i++) expect(await (await get('/api/Stores')).json()).toEqual(real);
  });

  it('journals the abort of a client that stops reading a large body (a capped read), with the bytes sent until then', async () => {
    const bytes = 64_000_000;
    const rule = mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'large-body', bytes } });
    const url = new URL(`${mock.apiUrl}/api/Stores`);
    // A client that caps its reads at 1 MB: it closes the connection once it has read that much.
    const read = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(url, { ca: readFileSync(mock.caCertPath!, 'utf8'), headers: { authorization: `Bearer ${token}` } }, (res) => {
        let got = 0;
        res.on('data', (chunk: Buffer) => {
          got += chunk.length;
          if (got >= 1_000_000) {
            req.destroy();
            resolve(got);
          }
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end();
    });
    expect(read).toBeLessThan(bytes);
    await expect.poll(() => mock.journal.since(0).find((e) => e.fault?.id === rule.id)?.aborted).toBe(true);
    const entry = mock.journal.since(0).find((e) => e.fault?.id === rule.id)!;
    // What reached the connection: what the client read, and what the buffers between held.
    expect(entry.responseBytes).toBeGreaterThanOrEqual(read);
    expect(entry.responseBytes).toBeLessThan(bytes);
    expect((await get('/api/Stores')).status).toBe(200);
  });

  it('adds the IETF RateLimit fields to the real answer when a ratelimit rule says so (case 77), and journals r and t', async () => {
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'ratelimit', remaining: 0, resetSeconds: 30 } });
    const res = await get('/api/Stores');
    expect(res.status).toBe(200);
    await expect(res.json()).resolves.toBeTruthy();
    expect([res.headers.get('ratelimit'), res.headers.get('ratelimit-policy')]).toEqual(['"default";r=0;t=30', '"default";q=12000;w=120']);
    const next = await get('/api/Stores');
    expect(next.headers.get('ratelimit')).toBeNull();
  });

  it('answers 401 and revokes the tokens when the rule says so', async () => {
    const user = await mock.createApiUser({ name: 'ERP 2', roles: ['StoreRead'] });
    const t = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
    mock.faults.add({ match: { apiUser: user.clientId, times: 1 }, action: { kind: 'status', status: 401, revokeTokens: true } });
    const first = await call(`${mock.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${t}` } });
    expect(first.status).toBe(401);
    const second = await call(`${mock.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${t}` } });
    expect(second.status).toBe(401);
  });

  it("answers a redirect to another origin, keeping the request's path and query, with no body, and journals it", async () => {
    const rule = mock.faults.add({
      match: { apiUser: clientId, path: '/api/Stores', times: 1 },
      action: { kind: 'redirect', status: 307, location: 'https://127.0.0.1:9' },
    });
    const res = await call(`${mock.apiUrl}/api/Stores?pageSize=2`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    expect([res.status, res.headers.get('location'), await res.text()]).toEqual([307, 'https://127.0.0.1:9/api/Stores?pageSize=2', '']);
    expect(mock.journal.since(0).findLast((e) => e.fault?.id === rule.id)).toMatchObject({ status: 307, fault: { kind: 'redirect 307' } });
    expect((await get('/api/Stores')).status).toBe(200);
  });

  it('delays a response by the rule latency', async () => {
    mock.faults.add({ match: { apiUser: clientId, path: '/api/Stores', times: 1 }, action: { kind: 'latency', ms: 200 } });
    expect((await get('/api/Stores')).status).toBe(200);
    await expect.poll(() => mock.journal.since(0).findLast((e) => e.fault?.kind === 'latency')?.latencyMs).toBeGreaterThanOrEqual(190);
  });
});

describe('rate limits', () => {
  // Successful token requests only: failed ones are limited per client id (jwt-attacks.test.ts, case 34).
  it('answers 429 with Retry-After once the bucket is empty, and exempts successful token requests', async () => {
    const small = await createMockServer({ dataScale: 20, rateLimits: { bucketCapacity: 3, refillTokens: 1, refillIntervalMs: 60_000 } });
    const smallCall = trustingFetch(small.caCertPath!);
    const user = await small.createApiUser({ name: 'Burst', roles: ['StoreRead'] });
    const t = await tokenFor(smallCall, small.apiUrl, user.clientId, user.clientSecret);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await smallCall(`${small.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${t}` } });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 5; i++) await tokenFor(smallCall, small.apiUrl, user.clientId, user.clientSecret);
    expect(small.journal.since(0).findLast((e) => e.status === 429)?.denied).toBe('rate limit (bucket)');
    await smallCall.close();
    await small.close();
  });
});

describe('the admin API for faults and the clock', () => {
  const admin = (path: string, method = 'GET', body?: unknown) =>
    fetch(`${mock.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${mock.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('adds, lists and removes rules, and names the field of a bad rule', async () => {
    const added = (await (await admin('/__admin/faults', 'POST', { match: { path: '/api/Orders/**' }, action: { kind: 'status', status: 503 } })).json()) as {
      id: string;
    };
    const list = (await (await admin('/__admin/faults')).json()) as { id: string }[];
    expect(list.map((r) => r.id)).toContain(added.id);
    expect((await admin(`/__admin/faults/${added.id}`, 'DELETE')).status).toBe(204);
    expect((await admin(`/__admin/faults/${added.id}`, 'DELETE')).status).toBe(404);
    const bad = await admin('/__admin/faults', 'POST', { match: { probability: 2 }, action: { kind: 'reset' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('match.probability');
  });

  it('adds a redirect rule, and refuses one to a host that is not loopback', async () => {
    const user = await mock.createApiUser({ name: 'Redirected', roles: ['StoreRead'] });
    const t = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
    const added = await admin('/__admin/faults', 'POST', { match: { apiUser: user.clientId, times: 1 }, action: { kind: 'redirect', status: 302, location: 'https://localhost:9/moved' } });
    expect(added.status).toBe(201);
    const res = await call(`${mock.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${t}` }, redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([302, 'https://localhost:9/moved']);
    const away = await admin('/__admin/faults', 'POST', { action: { kind: 'redirect', status: 307, location: 'https://attacker.example/' } });
    expect(away.status).toBe(400);
    expect(((await away.json()) as { error: string }).error).toContain('action.location: expected an absolute http:// or https:// URL of a loopback host');
  });

  it('shifts the clock, so a token expires without waiting', async () => {
    const user = await mock.createApiUser({ name: 'Clock', roles: ['StoreRead'], tokenLifetimeSeconds: 60 });
    const t = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
    const ok = await call(`${mock.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${t}` } });
    expect(ok.status).toBe(200);
    await admin('/__admin/clock', 'POST', { shiftMs: 61_000 });
    const res = await call(`${mock.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${t}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('The token expired');
    await admin('/__admin/clock', 'POST', { shiftMs: -61_000 });
  });
});
