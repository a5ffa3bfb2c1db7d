import { readFileSync } from 'node:fs';
import { type Socket, connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClock } from '../clock.ts';
import { type MockServer, createMockServer, defineEndpoint, defineProfile } from '../index.ts';
import { createRuntime, createSharedRuntimeParts } from '../handlers/runtime.ts';
import type { Journal } from '../journal/journal.ts';
import { omneo } from '../profiles/omneo/index.ts';
import { omnium } from '../profiles/omnium/index.ts';
import { type ApiListener, DEFAULT_BODY_LIMIT, createApiListener } from '../transports/fastify.ts';
import { createCertificateAuthority } from '../transports/tls.ts';
import { tokenFor, trustingFetch } from './client.ts';
import { notes } from './fixtures/notes-profile.ts';

// The mock's robustness cases of shared/spec/security-tests.md §6 (58–67, a scaled-down 68,
// and the second half of 43: 405 with Allow, no stack trace or path in any error body),
// through the real fastify stack: HTTPS on port 0 from createMockServer, and a plain listener
// with short timeouts for the slow-client cases. The case numbers are in each test's name.

/** What an error body must never hold: a stack frame, a file of the mock, an error class's name. */
const LEAK = /\bat [\w$.<>[\]]+ \(|\bat (file:|\/)|node:internal|node_modules|\/work\/|\/home\/|\.[cm]?[jt]s:\d+|\b\w*Error:|FST_ERR/;

function expectNoLeak(body: string): void {
  expect(body, 'an error body').not.toMatch(LEAK);
}

/** One HTTP/1.1 answer read off a raw socket. */
interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting to the answer (or to the close, when none came). */
  ms: number;
  /** The server closed the connection. */
  closed: boolean;
}

/** Parses the first complete response in `text`, or `null`. */
function firstResponse(text: string): Omit<RawAnswer, 'ms' | 'closed'> | null {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = text.slice(end + 4);
  if (Buffer.byteLength(body) < length) return null;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.slice(0, length) };
}

interface RawOptions {
  /** Half-close the connection after writing. */
  end?: boolean;
  /** Resolve at the first complete response (default), or wait for the server to close. */
  untilClose?: boolean;
  /** Give up after this long (the answer is then status 0). */
  timeoutMs?: number;
}

/**
 * Writes `data` on a fresh connection (TLS when the URL is https, trusting `ca`) and reads the
 * first answer: for what fetch will not send (a lying Content-Length, a trickle, a request
 * the server answers before it is all sent).
 */
function rawExchange(url: string, data: readonly (string | Buffer)[], options: RawOptions & { ca?: string } = {}): Promise<RawAnswer> {
  const { hostname, port, protocol } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    let text = '';
    let done = false;
    const socket: Socket =
      protocol === 'https:'
        ? connectTls({ host: hostname, port: Number(port), ca: options.ca }, () => write())
        : connectTcp({ host: hostname, port: Number(port) }, () => write());
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const parsed = firstResponse(text);
      resolve({ ...(parsed ?? { status: 0, headers: {}, body: text }), ms: performance.now() - started, closed });
      socket.destroy();
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 10_000);
    const write = () => {
      for (const chunk of data) socket.write(chunk);
      if (options.end) socket.end();
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!options.untilClose && firstResponse(text)) finish(false);
    });
    // The server may close while we still write (a 413 before the whole body): what it said counts.
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
  });
}

const hostOf = (url: string) => new URL(url).host;

describe('hostile request bodies, Omnium over HTTPS', () => {
  let mock: MockServer;
  let call: ReturnType<typeof trustingFetch>;
  let ca: string;
  let token: string;
  let reader: string;

  beforeAll(async () => {
    mock = await createMockServer({ dataScale: 12, demoUser: false, badTls: false, rateLimits: false });
    call = trustingFetch(mock.caCertPath!);
    ca = readFileSync(mock.caCertPath!, 'utf8');
    const admin = await mock.createApiUser({ name: 'ERP Order Sync', roles: ['OrderAdmin', 'ProductAdmin', 'InventoryAdmin', 'CustomerAdmin', 'CartAdmin'] });
    token = await tokenFor(call, mock.apiUrl, admin.clientId, admin.clientSecret);
    const viewer = await mock.createApiUser({ name: 'Viewer', roles: ['StoreRead'] });
    reader = await tokenFor(call, mock.apiUrl, viewer.clientId, viewer.clientSecret);
  });
  afterAll(async () => {
    await call.close();
    await mock.close();
  });

  const send = (path: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST') =>
    call(`${mock.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body });

  /** The answer's status and body; an error body is checked for leaks. */
  async function answerOf(res: { status: number; text(): Promise<string> }): Promise<{ status: number; body: string }> {
    const body = await res.text();
    if (res.status >= 400) expectNoLeak(body);
    return { status: res.status, body };
  }

  async function expectHealthy(): Promise<void> {
    expect((await call(`${mock.apiUrl}/api/Health`)).status).toBe(200);
    const search = await send('/api/Orders/Search', '{"take":1}');
    expect(search.status).toBe(200);
    await search.arrayBuffer();
  }

  const anOrder = async () => ((await (await send('/api/Orders/Search', '{"take":1}')).json()) as { result: { id: string }[] }).result[0]!.id;
  const orderNow = async (id: string) => (await call(`${mock.apiUrl}/api/Orders/${id}`, { headers: { authorization: `Bearer ${token}` } })).text();

  it('answers 400 in plain text to a POST body that is not the object the endpoint takes, a deeply nested array above all (issue 15)', async () => {
    const nested = `${'['.repeat(50)}${']'.repeat(50)}`;
    for (const body of [nested, '[{"take":1}]', '"take"', '42', 'true', 'null']) {
      const res = await answerOf(await send('/api/Orders/Search', body));
      expect(res, body).toEqual({ status: 400, body: expect.stringMatching(/^The request body must be a JSON object, not /) });
    }
    const bulk = await answerOf(await send('/api/Orders/AddMany', '{"id":"X-1"}'));
    expect(bulk).toEqual({ status: 400, body: 'The request body must be a JSON array, not a JSON object.' });
    expect(mock.journal.since(0).at(-1)).toMatchObject({ routeId: 'Orders_AddMany', status: 400 });
  });

  it('refuses a body of the wrong JSON type on every endpoint of the table that reads one, after auth, never resolving it', async () => {
    const wrong: string[] = [];
    const endpoints = omnium.endpoints.filter((e) => e.auth && e.request?.body !== undefined && e.request.bodyType === undefined);
    expect(endpoints.length).toBeGreaterThan(15);
    for (const e of endpoints) {
      const path = e.path.replace(/\{(\w+)\}/g, 'nonexistent-$1');
      // A list endpoint gets an object, every other one a nested array.
      const takesList = e.request!.body instanceof z.ZodArray;
      const res = await answerOf(await send(path, takesList ? '{"a":1}' : '[[[1]]]', {}, e.method));
      if (res.status !== 400 || !res.body.startsWith('The request body must be')) wrong.push(`${e.method} ${e.path} → ${res.status} ${res.body.slice(0, 60)}`);
    }
    expect(wrong).toEqual([]);
    // Authentication and the role come first, as in ASP.NET, where model binding follows authorisation.
    const anonymous = await call(`${mock.apiUrl}/api/Orders/Search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[[1]]' });
    expect(anonymous.status).toBe(401);
    const viewer = await call(`${mock.apiUrl}/api/Orders/Search`, { method: 'POST', headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' }, body: '[[1]]' });
    expect(viewer.status).toBe(403);
  });

  it('58: answers 413 to a body one byte over the limit and takes one at the limit, staying healthy', async () => {
    const head = '{"take":1,"pad":"';
    const atLimit = `${head}${'x'.repeat(DEFAULT_BODY_LIMIT - head.length - 2)}"}`;
    expect(Buffer.byteLength(atLimit)).toBe(DEFAULT_BODY_LIMIT);
    const ok = await send('/api/Orders/Search', atLimit);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();

    const over = `${head}${'x'.repeat(DEFAULT_BODY_LIMIT - head.length - 1)}"}`;
    const request = `POST /api/Orders/Search HTTP/1.1\r\nHost: ${hostOf(mock.apiUrl)}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(over)}\r\n\r\n`;
    const answer = await rawExchange(mock.apiUrl, [request, over], { ca });
    expect(answer.status).toBe(413);
    expect(answer.body).toBe('The request body is larger than the mock takes.');
    expectNoLeak(answer.body);
    await expectHealthy();
  });

  it('59: answers 400 to a Content-Length the body does not match, either way, and to one beside chunked encoding', async () => {
    const host = hostOf(mock.apiUrl);
    const head = (length: number, extra = '') =>
      `POST /api/Orders/Search HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;
    const body = '{"take":1}';
    const shorter = await rawExchange(mock.apiUrl, [head(body.length + 20), body], { ca, end: true });
    const longer = await rawExchange(mock.apiUrl, [head(5), body], { ca });
    const both = await rawExchange(mock.apiUrl, [head(body.length, 'Transfer-Encoding: chunked\r\n'), `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`], { ca });
    for (const answer of [shorter, longer, both]) {
      expect(answer.status).toBe(400);
      expectNoLeak(answer.body);
    }
    await expectHealthy();
  });

  it('60: refuses a gzip body with 415 and Accept-Encoding: identity, never inflating it (a 24 MiB bomb in 24 KiB)', async () => {
    const bomb = gzipSync(Buffer.from(`{"take":1,"pad":"${'0'.repeat(24 * 1024 * 1024)}"}`));
    expect(bomb.length).toBeLessThan(64 * 1024);
    for (const encoding of ['gzip', 'deflate', 'br', 'GZIP, identity']) {
      const res = await send('/api/Orders/Search', bomb, { 'content-encoding': encoding });
      expect(await answerOf(res)).toEqual({ status: 415, body: 'The request body must not be encoded (Content-Encoding: identity).' });
      expect(res.headers.get('accept-encoding')).toBe('identity');
    }
    expect(mock.journal.since(0).at(-1)).toMatchObject({ status: 415, requestBody: null });
    expect((await send('/api/Orders/Search', '{"take":1}', { 'content-encoding': 'identity' })).status).toBe(200);
    await expectHealthy();
  });

  it('61: answers malformed JSON 400 with a plain message that quotes nothing of the body, never 500', async () => {
    for (const body of ['{', '{"take":}', '[1,]', 'nul', '{"take":1}}', "{'take':1}", '{"take":1,}', '\u0000', '{"a":"\\x"}']) {
      const res = await answerOf(await send('/api/Orders/Search', body));
      expect(res.status, body).toBe(400);
      expect(res.body).toMatch(/^The request body is not valid JSON( \(at position \d+\))?\.$/);
    }
    await expectHealthy();
  });

  it('62: refuses __proto__ and constructor.prototype keys with 400, escaped or nested, and nothing is polluted', async () => {
    const id = await anOrder();
    const before = await orderNow(id);
    const poisoned = [
      '{"__proto__":{"isAdmin":true}}',
      '{"constructor":{"prototype":{"isAdmin":true}}}',
      '{"\\u005f_proto__":{"isAdmin":true}}',
      '{"take":1,"customer":{"__proto__":{"isAdmin":true}}}',
      '{"tags":["x"],"billingAddress":{"constructor":{"prototype":{"isAdmin":true}}}}',
    ];
    for (const body of poisoned) {
      const search = await answerOf(await send('/api/Orders/Search', body));
      expect(search, body).toEqual({ status: 400, body: expect.stringMatching(/^The request body has a forbidden key: (__proto__|constructor\.prototype)\.$/) });
      const patch = await send(`/api/Orders/${id}/PatchOrder`, body, {}, 'PATCH');
      expect(patch.status, body).toBe(400);
    }
    expect(await orderNow(id)).toBe(before);
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'isAdmin')).toBe(false);
    // A key that is only named like them is an ordinary field.
    expect((await send('/api/Orders/Search', '{"take":1,"constructor":"x","proto":1}')).status).toBe(200);
  });

  it('63: answers 400 to JSON nested 100,000 deep, array or object, and stays alive; 64 levels are fine', async () => {
    const n = 100_000;
    for (const body of [`${'['.repeat(n)}${']'.repeat(n)}`, `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`, `{"take":1,"x":${'['.repeat(n)}${']'.repeat(n)}}`]) {
      expect(await answerOf(await send('/api/Orders/Search', body))).toEqual({ status: 400, body: 'The request body nests deeper than 64 levels.' });
    }
    const deepest = `{"take":1,"x":${'['.repeat(63)}${']'.repeat(63)}}`;
    expect((await send('/api/Orders/Search', deepest)).status).toBe(200);
    await expectHealthy();
  });

  it('64: answers 415 to JSON labelled text/plain or sent as a form, and takes the JSON media types ASP.NET reads', async () => {
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await answerOf(await send('/api/Orders/Search', '{"take":1}', { 'content-type': type }));
      expect(res.status, type).toBe(415);
      expect(res.body).toMatch(/^The request body must be JSON \(Content-Type: application\/json\), not /);
    }
    for (const type of ['application/json', 'application/json; charset=utf-8', 'text/json', 'application/vnd.api+json', 'application/json-patch+json']) {
      expect((await send('/api/Orders/Search', '{"take":1}', { 'content-type': type })).status, type).toBe(200);
    }
    // The token endpoint reads a form: its own media type is not judged.
    expect(mock.journal.since(0).some((e) => e.tokenRequest && e.status === 200)).toBe(true);
  });

  it('43: answers 405 with Allow from the endpoint table to a method a path does not declare, 404 to an unknown path', async () => {
    const expectations: [string, string, string][] = [
      ['PUT', '/api/Orders/Search', 'DELETE, GET, POST'],
      ['PATCH', '/api/Stores', 'GET'],
      ['HEAD', '/api/Health', 'GET'],
      ['OPTIONS', '/api/orders/search', 'DELETE, GET, POST'],
      ['GET', '/api/Orders/ORD-1/PatchOrder', 'PATCH'],
      ['DELETE', '/api/Token', 'POST'],
    ];
    for (const [method, path, allow] of expectations) {
      const res = await call(`${mock.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      expect([method, path, res.status, res.headers.get('allow')]).toEqual([method, path, 405, allow]);
      expectNoLeak(await res.text());
    }
    expect(mock.journal.since(0).at(-1)).toMatchObject({ method: 'DELETE', status: 405, routeId: null });
    const unknown = await call(`${mock.apiUrl}/api/NoSuchThing`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('allow')).toBeNull();
    // An id as long as a request line may be is looked up (and not found); a longer one is 414, quoting nothing.
    expect((await call(`${mock.apiUrl}/api/Orders/${'x'.repeat(8_000)}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    const tooLong = await call(`${mock.apiUrl}/api/Orders/${'x'.repeat(9_000)}`, { headers: { authorization: `Bearer ${token}` } });
    expect([tooLong.status, await tooLong.text()]).toEqual([414, 'The request URL is too long.']);
    expect(mock.journal.since(0).at(-1)).toMatchObject({ status: 414, routeId: null });
    // One fetch will not send; and a method no HTTP parser knows never reaches a route: Node's parser answers 400.
    const trace = await rawExchange(mock.apiUrl, [`TRACE /api/Stores HTTP/1.1\r\nHost: ${hostOf(mock.apiUrl)}\r\n\r\n`], { ca });
    expect([trace.status, trace.headers.allow]).toEqual([405, 'GET']);
    const foo = await rawExchange(mock.apiUrl, [`FOO /api/Orders/Search HTTP/1.1\r\nHost: ${hostOf(mock.apiUrl)}\r\n\r\n`], { ca });
    expect(foo.status).toBe(400);
    expectNoLeak(foo.body);
  });
});

describe('hostile request bodies, Omneo over HTTPS: its own error shapes', () => {
  let mock: MockServer;
  let call: ReturnType<typeof trustingFetch>;
  let token: string;

  beforeAll(async () => {
    mock = await createMockServer({ profile: omneo, demoUser: false, badTls: false });
    call = trustingFetch(mock.caCertPath!);
    const machine = await mock.createApiUser({ name: 'Loyalty Sync', roles: ['*'] });
    const res = await call(`${mock.apiUrl}/api/v3/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: machine.clientId, client_secret: machine.clientSecret, scope: '*' }).toString(),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await call.close();
    await mock.close();
  });

  const post = async (body: string, type = 'application/json') => {
    const res = await call(`${mock.apiUrl}/api/v3/profiles`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type, accept: 'application/json' }, body });
    const text = await res.text();
    expectNoLeak(text);
    return { status: res.status, body: JSON.parse(text) as unknown };
  };

  it('answers a body of the wrong JSON type with Laravel 422 {message, errors}, and a malformed or mislabelled one with {message}', async () => {
    expect(await post(`${'['.repeat(40)}${']'.repeat(40)}`)).toEqual({
      status: 422,
      body: { message: 'The given data was invalid.', errors: { body: ['The request body must be a JSON object, not a JSON array.'] } },
    });
    expect(await post('{"first_name":')).toEqual({ status: 400, body: { message: expect.stringMatching(/^The request body is not valid JSON/) } });
    expect(await post('{"__proto__":{"isAdmin":true}}')).toEqual({ status: 400, body: { message: 'The request body has a forbidden key: __proto__.' } });
    expect(await post('{"first_name":"Kari"}', 'text/plain')).toEqual({ status: 415, body: { message: 'The request body must be JSON (Content-Type: application/json), not text/plain.' } });
  });

  it('answers a URL it cannot read or route, and a head over the size limit, with {message}, quoting nothing of the request', async () => {
    const get = async (path: string) => {
      const res = await call(`${mock.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
      return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as unknown };
    };
    expect(await get('/api/v3/profiles/%E0%A4%A')).toEqual({ status: 400, type: expect.stringMatching(/^application\/json/), body: { message: 'The request URL can not be read.' } });
    expect(await get(`/api/v3/profiles/${'x'.repeat(9_000)}`)).toEqual({ status: 414, type: expect.stringMatching(/^application\/json/), body: { message: 'The request URL is too long.' } });
    expect(mock.journal.since(0).slice(-2).map((e) => [e.status, e.routeId])).toEqual([[400, null], [414, null]]);
    // Over Node's 16 KiB of head: refused by the HTTP parser, before any route, in the platform's shape all the same.
    const huge = await rawExchange(mock.apiUrl, [`GET /api/v3/profiles?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: ${hostOf(mock.apiUrl)}\r\n\r\n`], { ca: readFileSync(mock.caCertPath!, 'utf8'), untilClose: true });
    expect(huge.status).toBe(431);
    expect(JSON.parse(huge.body)).toEqual({ message: 'The request headers are too large.' });
    expect(huge.closed).toBe(true);
  });
});

describe('the mock’s own failures', () => {
  it('43: answers a resolver that throws with 500 "Internal server error", never its message, stack or paths', async () => {
    const crashing = defineEndpoint({
      id: 'Notes_Crash',
      method: 'GET',
      path: '/v1/crash',
      role: 'notes:read',
      tag: 'Notes',
      summary: 'Throws',
      request: {},
      resolve: () => {
        throw new Error(`ENOENT: no such file, open '${import.meta.dirname}/secret.ts' at Object.<anonymous> (/work/main/x.ts:1:1)`);
      },
    });
    const profile = defineProfile({ ...notes, endpoints: [...notes.endpoints, crashing] });
    const mock = await createMockServer({ profile, demoUser: false, badTls: false });
    const call = trustingFetch(mock.caCertPath!);
    try {
      const reader = await mock.createApiUser({ name: 'Reader', roles: ['notes:read'] });
      const res = await call(`${mock.apiUrl}/v1/crash`, { headers: { 'x-api-key': reader.clientSecret } });
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).toBe('Internal server error');
      expectNoLeak(body);
      // The engine's default answer to a body a profile without a shape of its own cannot take: the message as plain text.
      const writer = await mock.createApiUser({ name: 'Writer', roles: ['notes:write'] });
      const wrong = await call(`${mock.apiUrl}/v1/notes`, { method: 'POST', headers: { 'x-api-key': writer.clientSecret, 'content-type': 'application/json' }, body: '["hi"]' });
      expect(wrong.status).toBe(400);
      expect(wrong.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await wrong.text()).toBe('The request body must be a JSON object, not a JSON array.');
    } finally {
      await call.close();
      await mock.close();
    }
  });

  it('answers a bare 500 when the pipeline itself throws on an error path, never fastify\'s JSON quoting the exception', async () => {
    const leaking = `refusal broke at ${import.meta.dirname}/refusals.ts:12:3`;
    const profile = defineProfile({
      ...notes,
      refusals: {
        ...notes.refusals,
        invalidRequest: () => {
          throw new Error(leaking);
        },
      },
    });
    const mock = await createMockServer({ profile, demoUser: false, badTls: false, tls: false });
    try {
      for (const res of [
        await fetch(`${mock.apiUrl}/v1/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' }),
        await fetch(`${mock.apiUrl}/v1/notes/%E0%A4%A`),
      ]) {
        expect(res.status).toBe(500);
        const body = await res.text();
        expect(body).toBe('Internal server error');
        expectNoLeak(body);
      }
      const head = await rawExchange(mock.apiUrl, [`GET /v1/notes?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: ${hostOf(mock.apiUrl)}\r\n\r\n`], { untilClose: true });
      expect([head.status, head.body]).toEqual([500, 'Internal server error']);
    } finally {
      await mock.close();
    }
  });
});

/**
 * Idle connections opened by case 67. security-tests.md says 10,000; 2,000 shows the same
 * thing (the listener keeps answering, and closes them at its headers timeout) within the
 * time and file descriptors a test on two cores has (both ends of each live in this process).
 */
const IDLE_CONNECTIONS = 2_000;

describe('slow and idle clients, on listeners with 1 s timeouts', () => {
  const HEADERS_TIMEOUT_MS = 1_000;
  // Far from the headers timeout on the listeners of cases 65 and 67, so a connection closed in
  // seconds was closed by the headers timeout (Node's request timeout would close it too).
  const FAR_MS = 30_000;
  /** Slack for a loaded two-core machine: the check interval (250 ms) and then some. */
  const SLACK_MS = 3_000;
  const REQUEST_TIMEOUT_MS = 1_500;
  let listener: ApiListener;
  let secure: ApiListener;
  let slowBody: ApiListener;
  let ca: string;
  let url: string;
  let journal: Journal;

  beforeAll(async () => {
    // A small journal, so case 68's scaled-down run shows its bounds.
    const shared = createSharedRuntimeParts({ profile: omnium, clock: createClock(), journal: { maxEntries: 5, maxBodyBytes: 1_024 }, rateLimits: false });
    journal = shared.journal;
    const rt = await createRuntime(shared, { tenant: 'acme', environment: 'test', dataScale: 8 });
    listener = await createApiListener(rt, omnium.endpoints, {
      host: '127.0.0.1',
      port: 0,
      name: 'api',
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: FAR_MS,
    });
    url = listener.url;
    slowBody = await createApiListener(rt, omnium.endpoints, {
      host: '127.0.0.1',
      port: 0,
      name: 'api',
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
    // The same, over HTTPS and answering plain HTTP on its port, as createMockServer's listeners do.
    const tls = await createCertificateAuthority('hostile-input CA');
    ca = tls.cert;
    secure = await createApiListener(rt, omnium.endpoints, {
      host: '127.0.0.1',
      port: 0,
      name: 'api',
      tls: await tls.issue(['127.0.0.1']),
      refusePlainHttp: true,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: FAR_MS,
    });
  });
  afterAll(async () => {
    await listener.close();
    await secure.close();
    await slowBody.close();
  });

  /** Sends `request` one byte every 20 ms; resolves when the server closes, with its answer's status. */
  function trickle(target: string, request: string): Promise<{ status: number; ms: number }> {
    const { protocol, port } = new URL(target);
    const started = performance.now();
    return new Promise((resolve) => {
      const socket: Socket = protocol === 'https:' ? connectTls({ host: '127.0.0.1', port: Number(port), ca }) : connectTcp({ host: '127.0.0.1', port: Number(port) });
      let text = '';
      let i = 0;
      // Node's headersTimeout counts from the first byte, so trickling does not extend it.
      const timer = setInterval(() => {
        if (i < request.length && socket.writable) socket.write(request[i++]!);
      }, 20);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ status: Number(text.split(' ')[1] ?? 0), ms: performance.now() - started });
      });
    });
  }

  /** Latencies of health checks made one after another until `until` settles. */
  async function healthWhile(until: Promise<unknown>): Promise<number[]> {
    let settled = false;
    void until.finally(() => (settled = true));
    const latencies: number[] = [];
    while (!settled) {
      const started = performance.now();
      const res = await fetch(`${url}/api/Health`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
    }
    return latencies;
  }

  it('65: closes a slowloris connection (headers a byte at a time) at the headers timeout with 408, while another client is served at normal latency', { timeout: 30_000 }, async () => {
    const request = `GET /api/Health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    const slow = trickle(url, request);
    const latencies = await healthWhile(slow);
    const { status, ms } = await slow;
    expect(status).toBe(408);
    expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(250);
  });

  it('65: closes a slowloris connection over TLS, and one in plain HTTP to the HTTPS port, at the same timeout', { timeout: 30_000 }, async () => {
    const request = `GET /api/Health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    const [overTls, plain] = await Promise.all([trickle(secure.url, request), trickle(secure.url.replace('https:', 'http:'), request)]);
    for (const { ms } of [overTls, plain]) {
      expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
    }
    expect(overTls.status).toBe(408);
    expect(plain.status).toBe(408);
  });

  it('66: answers a slow request body 408 at the request timeout', async () => {
    const answer = await rawExchange(slowBody.url, ['POST /api/Orders/Search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"take":'], {
      untilClose: true,
    });
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
    expect(answer.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(answer.ms).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    expectNoLeak(answer.body);
  });

  it(`67: keeps answering with ${IDLE_CONNECTIONS} idle connections open, and closes them at the headers timeout`, { timeout: 30_000 }, async () => {
    const opened: Promise<void>[] = [];
    const closed: Promise<void>[] = [];
    const openedAt = performance.now();
    for (let i = 0; i < IDLE_CONNECTIONS; i++) {
      const socket = connectTcp({ host: '127.0.0.1', port: listener.port });
      socket.on('error', () => {});
      // Read (and drop) the 408, so the server's close is seen.
      socket.resume();
      opened.push(new Promise((resolve) => socket.once('connect', () => resolve())));
      closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
    }
    await Promise.all(opened);
    const started = performance.now();
    const health = await fetch(`${url}/api/Health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('Healthy');
    expect(performance.now() - started).toBeLessThan(500);
    const search = await fetch(`${url}/api/Orders/Search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"take":1}' });
    expect(search.status).toBe(401);
    // Bounded: each is closed by the headers timeout, long before anything else would.
    await Promise.all(closed);
    expect(performance.now() - openedAt).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  });

  it('68 (scaled down): keeps the last N journal entries, bodies cut at the cap with a marker, under 500 KB bodies', async () => {
    const body = `{"take":1,"pad":"${'x'.repeat(500 * 1024)}"}`;
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${url}/api/Orders/Search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    const entries = journal.since(0);
    expect(entries).toHaveLength(5);
    expect(entries.map((e) => e.seq)).toEqual([...Array(5).keys()].map((i) => journal.lastSeq - 4 + i));
    for (const e of entries) {
      expect(e.requestBytes).toBe(Buffer.byteLength(body));
      expect(e.requestBody!.length).toBeLessThan(1_024 + 40);
      expect(e.requestBody).toMatch(/…\[\d+ more\]$/);
    }
  });

});
