import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse, Endpoint } from '../../../handlers/endpoint.ts';
import { createHandlers } from '../../../transports/msw.ts';
import type { OmneoData, Webhook } from '../domain/index.ts';
import { omneo } from '../index.ts';
import type { LaravelPage } from '../laravel.ts';
import { OMNEO_SCOPES } from '../scopes.ts';
import { TEST_NOW, testContext, testData, testRequest, type TestContext } from '../test/context.ts';
import { URL_TAKEN, activeWebhooks, machineUserId, queueOf, webhookEndpoints } from './webhooks.ts';

type Parts = Parameters<typeof testRequest>[2];

const endpoint = (id: string): Endpoint<OmneoData> => webhookEndpoints.find((e) => e.id === id) as Endpoint<OmneoData>;

async function call(id: string, ctx: TestContext, parts: Parts = {}): Promise<ApiResponse> {
  const e = endpoint(id);
  const path = e.path.replace('{id}', parts?.params?.id ?? '');
  return e.resolve(testRequest(e.method, path, parts), ctx);
}

const NOW_TEXT = '2026-01-15 12:00:00';
const NOT_FOUND = { status: 404, body: { message: 'Not Found' } };
const invalid = (errors: Record<string, string[]>) => ({ status: 422, body: { message: 'The given data was invalid.', errors } });
const HOOK = { trigger: 'profile.updated', url: 'https://sync.example.com/api/acme/webhooks/omneo', namespace: 'loyalty-sync' };

let db: OmneoData;
let ctx: TestContext;
beforeEach(async () => {
  db = await testData({ scale: 3 });
  ctx = testContext(db);
});

const create = (body: unknown) => call('Webhooks_Create', ctx, { body });
const dataOf = (res: ApiResponse) => (res.body as { data: Webhook }).data;
const made = async (body: Record<string, unknown>) => {
  const res = await create(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return dataOf(res);
};
const list = async (query: Record<string, string> = {}) => (await call('Webhooks_List', ctx, { query })).body as LaravelPage<Webhook>;
const get = (id: number | string) => call('Webhooks_Get', ctx, { params: { id: String(id) } });
const update = (id: number | string, body: unknown, at = ctx) => call('Webhooks_Update', at, { params: { id: String(id) }, body });

describe('POST /api/v3/webhooks', () => {
  it('answers 201 {data: Webhook}, with the defaults for every optional field and the maker as user_id', async () => {
    const res = await create(HOOK);
    expect(res).toEqual({
      status: 201,
      body: {
        data: {
          id: 1,
          ...HOOK,
          user_id: machineUserId('test-client'),
          is_active: true,
          retry_daily: null,
          retry_hourly: false,
          queue: null,
          condition: null,
          created_at: NOW_TEXT,
          updated_at: NOW_TEXT,
        },
      },
    });
    expect(db.webhooks.get('1')).toEqual(dataOf(res));
    expect((await made({ ...HOOK, trigger: 'profile.created' })).id).toBe(2);
  });

  it('keeps the options it is sent, Laravel boolean values included', async () => {
    const condition = { '==': [{ var: 'profile_type' }, 'active'] };
    const hook = await made({ ...HOOK, is_active: false, queue: 'high', retry_hourly: true, retry_daily: false, condition });
    expect(hook).toMatchObject({ is_active: false, queue: 'high', retry_hourly: true, retry_daily: false, condition });
    const flags = await made({ ...HOOK, trigger: 'profile.deleted', is_active: '0', retry_hourly: 1, retry_daily: '1' });
    expect(flags).toMatchObject({ is_active: false, retry_hourly: true, retry_daily: true });
  });

  it('puts a webhook with an invalid queue on the low queue, and keeps a valid or absent one', async () => {
    expect((await made({ ...HOOK, trigger: 'a', queue: 'urgent' })).queue).toBe('low');
    expect((await made({ ...HOOK, trigger: 'b', queue: 3 })).queue).toBe('low');
    expect((await made({ ...HOOK, trigger: 'c', queue: 'default' })).queue).toBe('default');
    expect((await made({ ...HOOK, trigger: 'd', queue: null })).queue).toBeNull();
    expect(queueOf('HIGH')).toBe('low');
    expect(queueOf(undefined)).toBeNull();
  });

  it('answers 422 when namespace is missing or blank', async () => {
    const { namespace: _ns, ...noNamespace } = HOOK;
    expect(await create(noNamespace)).toEqual(invalid({ namespace: ['The namespace field is required.'] }));
    expect(await create({ ...HOOK, namespace: '  ' })).toEqual(invalid({ namespace: ['The namespace field is required.'] }));
    expect(await create({})).toEqual(
      invalid({ trigger: ['The trigger field is required.'], url: ['The url field is required.'], namespace: ['The namespace field is required.'] }),
    );
    expect(db.webhooks.count()).toBe(0);
  });

  it('answers 422 to a url that is not an absolute http(s) URL', async () => {
    for (const url of ['not a url', '/api/webhooks', 'ftp://files.example.com/hook', 'https://', 'http://exa mple.com/hook', 'mailto:ops@example.com']) {
      expect(await create({ ...HOOK, url }), url).toEqual(invalid({ url: ['The url format is invalid.'] }));
    }
    expect(await create({ ...HOOK, url: 42 })).toEqual(invalid({ url: ['The url must be a string.'] }));
    expect((await made({ ...HOOK, url: 'http://localhost:8080/hook?x=1' })).url).toBe('http://localhost:8080/hook?x=1');
  });

  it('answers 422 in Laravel shape to a trigger and url pair another webhook has, whatever the case', async () => {
    await made(HOOK);
    expect(await create(HOOK)).toEqual(invalid({ url: [URL_TAKEN] }));
    expect(await create({ ...HOOK, url: HOOK.url.toUpperCase().replace('HTTPS', 'https'), namespace: 'other' })).toEqual(invalid({ url: [URL_TAKEN] }));
    expect(db.webhooks.count()).toBe(1);
    // Either half alone may repeat.
    await made({ ...HOOK, trigger: 'profile.created' });
    await made({ ...HOOK, url: 'https://sync.example.com/other' });
  });

  it('answers 422 to flags that are not booleans and a condition that is not an object', async () => {
    expect(await create({ ...HOOK, is_active: 'yes', retry_hourly: 'no', condition: 'x' })).toEqual(
      invalid({
        is_active: ['The is active field must be true or false.'],
        retry_hourly: ['The retry hourly field must be true or false.'],
        condition: ['The condition must be an array.'],
      }),
    );
  });

  it('takes a blank condition, queue or flag as none, as Laravel\'s ConvertEmptyStringsToNull hands it on, on create and update (found by fuzz.test.ts: a 500)', async () => {
    const hook = await made({ ...HOOK, condition: ' ', queue: '', is_active: '' });
    expect(await made({ ...HOOK, url: 'https://sync.example.com/empty', condition: [] })).toMatchObject({ condition: null });
    expect(hook).toMatchObject({ condition: null, queue: null, is_active: true });
    const res = await update(hook.id, { condition: '', retry_daily: ' ' });
    expect(res.status).toBe(200);
    expect(dataOf(res)).toMatchObject({ condition: null, retry_daily: null });
  });
});

describe('GET /api/v3/webhooks', () => {
  it('answers an empty Laravel page while there is none', async () => {
    const page = await list();
    expect(page.data).toEqual([]);
    expect(page.meta).toMatchObject({ current_page: 1, from: null, to: null, last_page: 1, per_page: 15, total: 0, path: '/api/v3/webhooks' });
  });

  it('pages with page[size] and page[number], oldest first', async () => {
    for (let i = 1; i <= 20; i++) await made({ ...HOOK, trigger: `trigger.${i}` });
    const first = await list();
    expect(first.data.map((w) => w.id)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(first.meta).toMatchObject({ current_page: 1, from: 1, to: 15, last_page: 2, total: 20 });
    expect(first.links.next).toBe('/api/v3/webhooks?page%5Bnumber%5D=2');
    const second = await list({ 'page[size]': '8', 'page[number]': '3' });
    expect(second.data.map((w) => w.id)).toEqual([17, 18, 19, 20]);
    expect(second.meta).toMatchObject({ current_page: 3, from: 17, to: 20, last_page: 3, per_page: 8, total: 20 });
    expect(second.links).toMatchObject({ prev: '/api/v3/webhooks?page%5Bsize%5D=8&page%5Bnumber%5D=2', next: null });
  });

  it('filters by namespace and by trigger, exactly, keeping the filters in its links', async () => {
    const mine = await made(HOOK);
    const created = await made({ ...HOOK, trigger: 'profile.created' });
    const theirs = await made({ ...HOOK, namespace: 'crm', url: 'https://crm.example.com/hook' });
    expect((await list({ 'filter[namespace]': 'loyalty-sync' })).data.map((w) => w.id)).toEqual([mine.id, created.id]);
    expect((await list({ 'filter[namespace]': 'loyalty' })).data).toEqual([]);
    expect((await list({ 'filter[trigger]': 'profile.updated' })).data.map((w) => w.id)).toEqual([mine.id, theirs.id]);
    const both = await list({ 'filter[namespace]': 'crm', 'filter[trigger]': 'profile.updated', 'page[size]': '1' });
    expect(both.data.map((w) => w.id)).toEqual([theirs.id]);
    expect(both.meta.total).toBe(1);
    expect(both.links.first).toBe('/api/v3/webhooks?filter%5Bnamespace%5D=crm&filter%5Btrigger%5D=profile.updated&page%5Bsize%5D=1&page%5Bnumber%5D=1');
  });
});

describe('GET /api/v3/webhooks/{id}', () => {
  it('answers {data: Webhook}, and 404 {message:"Not Found"} for an unknown id', async () => {
    const hook = await made(HOOK);
    expect(await get(hook.id)).toEqual({ status: 200, body: { data: hook } });
    expect(await get(99)).toEqual(NOT_FOUND);
    expect(await get('profile.updated')).toEqual(NOT_FOUND);
  });
});

describe('PUT /api/v3/webhooks/{id}', () => {
  const LATER = TEST_NOW + 3_600_000;

  it('changes the fields sent, keeps the others, id, user_id and created_at, and stamps updated_at', async () => {
    const hook = await made({ ...HOOK, queue: 'high' });
    const later = testContext(db, { now: () => LATER, clientId: 'another-client' });
    const res = await update(hook.id, { url: 'https://sync.example.com/v2', is_active: false, queue: 'nonsense', condition: { '!!': [{ var: 'email' }] } }, later);
    expect(res).toEqual({
      status: 200,
      body: {
        data: {
          ...hook,
          url: 'https://sync.example.com/v2',
          is_active: false,
          queue: 'low',
          condition: { '!!': [{ var: 'email' }] },
          updated_at: '2026-01-15 13:00:00',
        },
      },
    });
    expect(db.webhooks.get(String(hook.id))).toEqual(dataOf(res));
    expect((await update(hook.id, { condition: null, retry_daily: null, is_active: null })).body).toMatchObject({ data: { condition: null, retry_daily: null, is_active: false } });
  });

  it('keeps the trigger and url pair unique, the webhook itself excepted', async () => {
    const a = await made(HOOK);
    const b = await made({ ...HOOK, trigger: 'profile.created' });
    expect(await update(b.id, { trigger: 'profile.updated' })).toEqual(invalid({ url: [URL_TAKEN] }));
    const c = await made({ ...HOOK, url: 'https://sync.example.com/c' });
    expect(await update(c.id, { url: HOOK.url })).toEqual(invalid({ url: [URL_TAKEN] }));
    expect(db.webhooks.get(String(b.id))?.trigger).toBe('profile.created');
    expect((await update(a.id, { ...HOOK, namespace: 'renamed' })).status).toBe(200);
  });

  it('answers 422 to a blank namespace, trigger or url and to a bad url, and 404 to an unknown id', async () => {
    const hook = await made(HOOK);
    expect(await update(hook.id, { namespace: '' })).toEqual(invalid({ namespace: ['The namespace field is required.'] }));
    expect(await update(hook.id, { trigger: null, url: 'hook' })).toEqual(invalid({ trigger: ['The trigger field is required.'], url: ['The url format is invalid.'] }));
    expect(await update(99, { namespace: 'x' })).toEqual(NOT_FOUND);
    expect(db.webhooks.get(String(hook.id))).toEqual(hook);
  });
});

describe('DELETE /api/v3/webhooks/{id}', () => {
  it('answers 204 without a body; a later GET, PUT or DELETE is 404 and the list leaves it out', async () => {
    const gone = await made(HOOK);
    const kept = await made({ ...HOOK, trigger: 'profile.created' });
    expect(await call('Webhooks_Delete', ctx, { params: { id: String(gone.id) } })).toEqual({ status: 204 });
    expect(await get(gone.id)).toEqual(NOT_FOUND);
    expect(await update(gone.id, { is_active: false })).toEqual(NOT_FOUND);
    expect(await call('Webhooks_Delete', ctx, { params: { id: String(gone.id) } })).toEqual(NOT_FOUND);
    expect((await list()).data.map((w) => w.id)).toEqual([kept.id]);
    // Its pair is free again, under a new id.
    expect((await made(HOOK)).id).toBe(3);
  });
});

describe('activeWebhooks', () => {
  it('gives the active webhooks of exactly that trigger, oldest first, as {id, url, namespace, user_id}', async () => {
    const a = await made(HOOK);
    await made({ ...HOOK, trigger: 'profile.created' });
    await made({ ...HOOK, url: 'https://paused.example.com/hook', is_active: false });
    const b = await made({ ...HOOK, namespace: 'crm', url: 'https://crm.example.com/hook', condition: { '==': [1, 2] } });
    const before = db.snapshot();
    expect(activeWebhooks(db, 'profile.updated')).toEqual([
      { id: a.id, url: a.url, namespace: 'loyalty-sync', user_id: a.user_id },
      { id: b.id, url: b.url, namespace: 'crm', user_id: b.user_id },
    ]);
    expect(activeWebhooks(db, 'Profile.Updated')).toEqual([]);
    expect(activeWebhooks(db, 'profile')).toEqual([]);
    expect(db.snapshot()).toEqual(before);
    await update(a.id, { is_active: false });
    expect(activeWebhooks(db, 'profile.updated').map((w) => w.id)).toEqual([b.id]);
  });
});

describe('machineUserId', () => {
  it('gives each client id its own positive integer, the same every time', () => {
    const id = machineUserId('loyalty-sync-client');
    expect(Number.isInteger(id) && id > 0).toBe(true);
    expect(machineUserId('loyalty-sync-client')).toBe(id);
    expect(machineUserId('another-client')).not.toBe(id);
  });
});

describe('the webhook endpoint table', () => {
  it('declares each endpoint with its Omneo scope, method, path and success status', () => {
    expect(webhookEndpoints.map((e) => [e.id, e.method, e.path, e.role, e.writes, e.okStatus])).toEqual([
      ['Webhooks_List', 'GET', '/api/v3/webhooks', 'read-webhooks', false, 200],
      ['Webhooks_Create', 'POST', '/api/v3/webhooks', 'create-webhooks', true, 201],
      ['Webhooks_Get', 'GET', '/api/v3/webhooks/{id}', 'read-webhooks', false, 200],
      ['Webhooks_Update', 'PUT', '/api/v3/webhooks/{id}', 'update-webhooks', true, 200],
      ['Webhooks_Delete', 'DELETE', '/api/v3/webhooks/{id}', 'delete-webhooks', true, 204],
    ]);
    for (const e of webhookEndpoints) expect(OMNEO_SCOPES.has(e.role!), e.id).toBe(true);
  });

  it('answers bodies that match the declared response schemas', async () => {
    const hook = await made({ ...HOOK, condition: { '==': [1, 1] }, queue: 'default' });
    const checks: [string, Parts][] = [
      ['Webhooks_List', {}],
      ['Webhooks_Get', { params: { id: String(hook.id) } }],
      ['Webhooks_Create', { body: { ...HOOK, trigger: 'schema.check' } }],
      ['Webhooks_Update', { params: { id: String(hook.id) }, body: { queue: 'bad' } }],
    ];
    for (const [id, parts] of checks) {
      const schema = endpoint(id).response as import('zod').ZodType;
      expect(schema.safeParse((await call(id, ctx, parts)).body).success, id).toBe(true);
    }
  });
});

describe('the webhook endpoints through the pipeline (msw)', () => {
  const BASE = 'https://api.demo.getomneo.com';
  const machine = { name: 'webhook machine', roles: ['*'], clientId: 'webhook-machine', clientSecret: 'webhook-machine-secret' };
  const api = createHandlers(omneo, { apiUsers: [machine] });
  const server = setupServer(...api.handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());

  async function token(scope: string): Promise<string> {
    const res = await fetch(`${BASE}/api/v3/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: machine.clientId, client_secret: machine.clientSecret, scope }).toString(),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }
  const send = async (path: string, bearer: string, method = 'GET', body?: unknown) => {
    const res = await fetch(`${BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as unknown) };
  };
  const REFUSED = { status: 403, body: { message: 'Invalid scope(s) provided.' } };

  it('answers 403 {"message":"Invalid scope(s) provided."} to a token without the endpoint\'s scope, and serves one with it', async () => {
    const writer = await token('create-webhooks');
    const created = await send('/api/v3/webhooks', writer, 'POST', { ...HOOK, namespace: 'msw' });
    expect(created.status).toBe(201);
    const hook = (created.body as { data: Webhook }).data;
    expect(hook.user_id).toBe(machineUserId(machine.clientId));
    const one = `/api/v3/webhooks/${hook.id}`;

    const profilesOnly = await token('read-profiles create-profiles update-profiles delete-profiles');
    expect(await send('/api/v3/webhooks', profilesOnly)).toEqual(REFUSED);
    expect(await send('/api/v3/webhooks', writer)).toEqual(REFUSED);
    expect(await send('/api/v3/webhooks', profilesOnly, 'POST', HOOK)).toEqual(REFUSED);
    expect(await send(one, writer)).toEqual(REFUSED);
    expect(await send(one, writer, 'PUT', { is_active: false })).toEqual(REFUSED);
    expect(await send(one, writer, 'DELETE')).toEqual(REFUSED);

    const reader = await token('read-webhooks');
    expect((await send('/api/v3/webhooks?filter[namespace]=msw', reader)).body).toMatchObject({ data: [{ id: hook.id }], meta: { total: 1 } });
    expect(await send(one, reader)).toEqual({ status: 200, body: { data: hook } });
    expect(await send(one, reader, 'PUT', { is_active: false })).toEqual(REFUSED);
    expect((await send(one, await token('update-webhooks'), 'PUT', { is_active: false })).body).toMatchObject({ data: { is_active: false } });
    expect(await send(one, await token('delete-webhooks'), 'DELETE')).toEqual({ status: 204, body: undefined });
    expect(await send(one, reader)).toEqual({ status: 404, body: { message: 'Not Found' } });
  });
});
