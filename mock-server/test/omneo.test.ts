import { createHmac } from 'node:crypto';
import { decodeJwt } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer, endpointInfo } from '../index.ts';
import { createHandlers } from '../msw.ts';
import { FIRST_PROFILE } from '../profiles/omneo/domain/index.ts';
import { omneo } from '../profiles/omneo/index.ts';
import { type Receiver, startReceiver } from '../webhooks/test/receiver.ts';
import { trustingFetch } from './client.ts';

// The Omneo profile served by the engine over HTTPS (and in-process): OAuth tokens with
// scopes, Laravel's refusals, ID tokens for one customer, the Shopify signature, and the
// partner proxy's Basic login (omnium-api.md Part B, C2).

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json', accept: 'application/json' };
const SHOPIFY_ID = FIRST_PROFILE.identities.find((i) => i.handle === 'shopify')?.identifier;

describe('the Omneo profile over HTTPS', () => {
  let mock: MockServer;
  let call: ReturnType<typeof trustingFetch>;
  let machine: { clientId: string; clientSecret: string };

  const tokenRequest = (fields: Record<string, string>) =>
    call(`${mock.apiUrl}/api/v3/auth/token`, { method: 'POST', headers: FORM, body: new URLSearchParams(fields).toString() });

  async function token(scope?: string): Promise<string> {
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: machine.clientId, client_secret: machine.clientSecret, ...(scope === undefined ? {} : { scope }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  const api = (path: string, bearer: string | null, init: { method?: string; body?: unknown } = {}) =>
    call(`${mock.apiUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...JSON_TYPE, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  beforeAll(async () => {
    mock = await createMockServer({ profile: omneo, demoUser: false });
    call = trustingFetch(mock.caCertPath!);
    machine = await mock.createApiUser({ name: 'Loyalty Sync (machine user)', roles: ['*'] });
  });
  afterAll(async () => {
    await call.close();
    await mock.close();
  });

  it('issues an OAuth token with the scopes asked for, not to be cached by anyone in between', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: machine.clientId, client_secret: machine.clientSecret, scope: 'read-profiles update-profiles' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 365 * 86_400 });
    expect(decodeJwt(body.access_token as string)).toMatchObject({ sub: machine.clientId, scope: ['read-profiles', 'update-profiles'] });
    expect(mock.journal.since(0).at(-1)).toMatchObject({ routeId: 'Auth_Token', tokenRequest: true, credentialsIn: 'body', apiUser: machine.clientId, status: 200 });
  });

  it("answers OAuth's errors in Passport's shape", async () => {
    const bad = async (fields: Record<string, string>) => {
      const res = await tokenRequest(fields);
      return { status: res.status, body: (await res.json()) as { error: string; message: string } };
    };
    const client = { client_id: machine.clientId, client_secret: machine.clientSecret };
    expect(await bad({ grant_type: 'client_credentials', client_id: machine.clientId, client_secret: 'wrong' })).toMatchObject({ status: 401, body: { error: 'invalid_client', message: 'Client authentication failed' } });
    expect(await bad({ grant_type: 'authorization_code', ...client })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(await bad({ ...client })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(await bad({ grant_type: 'client_credentials', ...client, scope: 'read-profiles read-everything' })).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    expect(await bad({ grant_type: 'password', ...client, username: 'someone', password: 'else' })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const password = await tokenRequest({ grant_type: 'password', ...client, username: machine.clientId, password: machine.clientSecret, scope: '*' });
    expect(password.status).toBe(200);
  });

  it('refuses a scope the machine user does not hold, even when the token asks for it', async () => {
    const reader = await mock.createApiUser({ name: 'Profile Reader', roles: ['read-profiles'] });
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: reader.clientId, client_secret: reader.clientSecret, scope: '*' });
    const wide = ((await res.json()) as { access_token: string }).access_token;
    expect((await api('/api/v3/profiles', wide)).status).toBe(200);
    const create = await api('/api/v3/profiles', wide, { method: 'POST', body: { first_name: 'Kim', email: 'kim@example.com' } });
    expect(create.status).toBe(403);
    expect(await create.json()).toEqual({ message: 'Invalid scope(s) provided.' });
  });

  it("answers Laravel's 401 and 403 bodies, and holds a token to its own scopes", async () => {
    const none = await api('/api/v3/profiles', null);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: 'Unauthenticated.' });
    expect(await (await api('/api/v3/profiles', 'not.a.jwt')).json()).toEqual({ message: 'Unauthenticated.' });

    const reading = await token('read-profiles');
    expect((await api(`/api/v3/profiles/${FIRST_PROFILE.id}`, reading)).status).toBe(200);
    const write = await api(`/api/v3/profiles/${FIRST_PROFILE.id}`, reading, { method: 'PUT', body: { last_name: 'Doe' } });
    expect(write.status).toBe(403);
    expect(await write.json()).toEqual({ message: 'Invalid scope(s) provided.' });
    expect(mock.journal.since(0).at(-1)).toMatchObject({ routeId: 'Profiles_Update', status: 403, denied: 'missing scope update-profiles' });
  });

  it("gives a request copied from the guide's example (`scope:` with a colon) a token without scopes, and journals the field it sent", async () => {
    const copied = await call(`${mock.apiUrl}/api/v3/auth/token`, {
      method: 'POST',
      headers: FORM,
      body: `grant_type=client_credentials&client_id=${machine.clientId}&client_secret=${machine.clientSecret}&username:=${machine.clientId}&password:=x&scope:=*`,
    });
    expect(copied.status).toBe(200);
    expect(mock.journal.since(0).at(-1)!.unaccepted).toEqual(expect.arrayContaining(['body.scope:', 'body.username:', 'body.password:']));
    const scopeless = ((await copied.json()) as { access_token: string }).access_token;
    expect(decodeJwt(scopeless).scope).toEqual([]);
    expect((await api('/api/v3/profiles', scopeless)).status).toBe(403);
    expect((await api('/api/v3/auth/verify', scopeless)).status).toBe(200);
  });

  it('requires each endpoint\'s scope: a token with exactly that scope passes, one with every other scope is refused', async () => {
    const scoped = endpointInfo(omneo).filter((e) => e.auth && e.role && e.role !== '*' && e.role !== 'id-profile');
    expect(scoped.length).toBeGreaterThanOrEqual(14);
    expect(scoped.map((e) => e.id)).toEqual(expect.arrayContaining(['Webhooks_List', 'Webhooks_Create', 'Webhooks_Get', 'Webhooks_Update', 'Webhooks_Delete']));
    const others = (role: string) => [...new Set(scoped.map((e) => e.role!))].filter((r) => r !== role).join(' ');
    for (const e of scoped) {
      const path = e.path.replace('{id}', FIRST_PROFILE.id).replace('{handle}', 'shopify');
      const only = await api(path, await token(e.role!), { method: e.method, body: e.method === 'GET' || e.method === 'DELETE' ? undefined : {} });
      expect([e.id, only.status === 403]).toEqual([e.id, false]);
      const without = await api(path, await token(others(e.role!)), { method: e.method, body: e.method === 'GET' || e.method === 'DELETE' ? undefined : {} });
      expect([e.id, without.status, await without.json()]).toEqual([e.id, 403, { message: 'Invalid scope(s) provided.' }]);
    }
    // The deletes and the purge went through: the seeded profiles again for the tests after.
    await mock.reset();
  });

  it("makes, lists and revokes API tokens with chosen scopes, for a token with every scope only", async () => {
    const admin = await token('*');
    const made = await api('/api/v3/auth/api-tokens', admin, { method: 'POST', body: { name: 'ERP profile export', scopes: ['read-profiles'] } });
    expect(made.status).toBe(200);
    const { accessToken, token: record } = (await made.json()) as { accessToken: string; token: { id: string; scopes: string[]; revoked: boolean; expires_at: string } };
    expect(record).toMatchObject({ scopes: ['read-profiles'], revoked: false });
    expect(record.expires_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect((await api('/api/v3/profiles', accessToken)).status).toBe(200);
    expect((await api('/api/v3/profiles', accessToken, { method: 'POST', body: { first_name: 'X' } })).status).toBe(403);

    const list = (await (await api('/api/v3/auth/access-tokens?type=current', admin)).json()) as { id: string }[];
    expect(list.map((t) => t.id)).toContain(record.id);
    expect((await api('/api/v3/auth/access-tokens', accessToken)).status).toBe(403);

    expect((await api(`/api/v3/auth/api-tokens/${record.id}`, admin, { method: 'DELETE' })).status).toBe(204);
    const revoked = await api('/api/v3/auth/verify', accessToken);
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toEqual({ message: 'Unauthenticated.' });
    expect((await api('/api/v3/auth/verify', admin)).status).toBe(200);
    expect((await api(`/api/v3/auth/api-tokens/${record.id}-nope`, admin, { method: 'DELETE' })).status).toBe(404);
  });

  it("issues a customer's ID token that works on the ID API for that customer only, never on /api/v3", async () => {
    const server = await token('read-profiles');
    const res = await api('/id/api/v1/auth/token', server, { method: 'POST', body: { id: FIRST_PROFILE.id } });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { token: string; exp: number } };
    expect(decodeJwt(data.token)).toMatchObject({ pid: FIRST_PROFILE.id, exp: data.exp });

    const me = await api('/id/api/v1/profiles/me', data.token);
    expect([me.status, mock.journal.since(0).at(-1)!.denied]).toEqual([200, null]);
    expect(((await me.json()) as { data: { id: string; email: string } }).data).toMatchObject({ id: FIRST_PROFILE.id, email: FIRST_PROFILE.email });
    expect((await api('/api/v3/profiles', data.token)).status).toBe(401);
    expect((await api('/id/api/v1/profiles/me', server)).status).toBe(401);

    const byHandle = await api('/id/api/v1/auth/token', server, { method: 'POST', body: { id: SHOPIFY_ID, id_handle: 'shopify' } });
    expect(decodeJwt(((await byHandle.json()) as { data: { token: string } }).data.token).pid).toBe(FIRST_PROFILE.id);
    const anonymous = await api('/id/api/v1/auth/token', server, { method: 'POST', body: { id: '' } });
    const anonymousToken = ((await anonymous.json()) as { data: { token: string } }).data.token;
    expect(decodeJwt(anonymousToken).pid).toBe('null');
    expect((await api('/id/api/v1/profiles/me', anonymousToken)).status).toBe(404);
    expect((await api('/id/api/v1/auth/token', server, { method: 'POST', body: { id: 'no-such-profile' } })).status).toBe(404);
  });

  it('gives a Shopify page that signed the customer id a token for that customer, and refuses any other signature', async () => {
    const secret = mock.platformSecret('idSecret');
    const sign = (id: string) => createHmac('sha256', secret).update(id).digest('hex');
    const shopify = (body: unknown) => api('/shopify/api/v1/auth/token', null, { method: 'POST', body });

    const good = await shopify({ id: SHOPIFY_ID, signature: sign(SHOPIFY_ID!) });
    expect(good.status).toBe(200);
    const { token: customerToken } = (await good.json()) as { token: string };
    expect(decodeJwt(customerToken).pid).toBe(FIRST_PROFILE.id);
    expect((await api('/id/api/v1/profiles/me', customerToken)).status).toBe(200);

    const other = String(Number(SHOPIFY_ID) + 1);
    for (const body of [
      { id: SHOPIFY_ID, signature: sign(other) },
      { id: SHOPIFY_ID, signature: sign(SHOPIFY_ID!).slice(0, 62) },
      { id: SHOPIFY_ID, signature: '' },
      { id: SHOPIFY_ID },
      { id: other, signature: sign(SHOPIFY_ID!) },
    ]) {
      const refused = await shopify(body);
      expect([body, refused.status]).toEqual([body, 401]);
    }
    // The secret itself is never journalled.
    expect(JSON.stringify(mock.journal.since(0))).not.toContain(secret);
  });

  it("logs a partner proxy in with Basic credentials", async () => {
    const basic = Buffer.from(`${machine.clientId}:${machine.clientSecret}`).toString('base64');
    const res = await call(`${mock.apiUrl}/login`, { method: 'POST', headers: { authorization: `Basic ${basic}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; expiry: number };
    expect(body.expiry).toBe(decodeJwt(body.token).exp);
    expect((await api('/api/v3/profiles', body.token)).status).toBe(200);
    expect(mock.journal.since(0).at(-1)).toMatchObject({ routeId: 'Profiles_List', status: 200 });
    const wrong = Buffer.from(`${machine.clientId}:nope`).toString('base64');
    expect((await call(`${mock.apiUrl}/login`, { method: 'POST', headers: { authorization: `Basic ${wrong}` } })).status).toBe(401);
  });

  it('stops honouring every token of a deactivated machine user', async () => {
    const user = await mock.createApiUser({ name: 'Short-lived Sync', roles: ['read-profiles'] });
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: user.clientId, client_secret: user.clientSecret, scope: 'read-profiles' });
    const bearer = ((await res.json()) as { access_token: string }).access_token;
    expect((await api('/api/v3/profiles', bearer)).status).toBe(200);
    mock.patchApiUser(user.clientId, { active: false });
    expect((await api('/api/v3/profiles', bearer)).status).toBe(401);
  });
});

describe("Omneo's webhooks over a real socket", () => {
  let mock: MockServer;
  let receiver: Receiver;
  const SECRET = 'omneo-tenant-shared-secret';
  const hex = (body: string) => createHmac('sha256', SECRET).update(body, 'utf8').digest('hex');

  beforeAll(async () => {
    mock = await createMockServer({ profile: omneo, demoUser: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await mock.close();
  });

  it("delivers a profile's change as its context, with X-Omneo-Event and the hex HMAC of the raw body; not back to the machine user whose token made it", async () => {
    const machine = await mock.createApiUser({ name: 'Loyalty Sync', roles: ['*'] });
    mock.subscribe({ url: `${receiver.origin}/webhooks/omneo`, signing: { type: 'hmac-sha256-hex', header: 'X-Omneo-Hmac-SHA256', secret: SECRET }, skipEventsBy: [machine.clientId] });
    const event = await mock.emitEvent(mock.platform.sampleEvent!);
    await mock.webhooks.idle();
    const [req] = receiver.requests;
    expect(req?.headers['x-omneo-event']).toBe('profile.updated');
    expect(req?.headers['x-omneo-hmac-sha256']).toBe(hex(req!.body));
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(req!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ id: event.objectId, flattened_tags: expect.arrayContaining(['golive-touched']), flattened_statuses: [] });
    expect(body).not.toHaveProperty('className');
    // The environment's shared secret, which a run gives the integration, is masked in the journal.
    const shared = mock.webhookSecret();
    expect(shared).toMatch(/^[0-9a-f]{64}$/);
    expect(mock.webhookSecret({ environment: 'production' })).not.toBe(shared);

    // The machine user's own update raises profile.updated, which is not delivered back to it.
    const call = trustingFetch(mock.caCertPath!);
    try {
      const tokenRes = await call(`${mock.apiUrl}/api/v3/auth/token`, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: machine.clientId, client_secret: machine.clientSecret, scope: '*' }).toString(),
      });
      const bearer = ((await tokenRes.json()) as { access_token: string }).access_token;
      const put = await call(`${mock.apiUrl}/api/v3/profiles/${event.objectId}`, { method: 'PUT', headers: { ...JSON_TYPE, authorization: `Bearer ${bearer}` }, body: JSON.stringify({ company: 'Acme' }) });
      expect(put.status).toBe(200);
    } finally {
      await call.close();
    }
    await mock.webhooks.idle();
    expect(receiver.requests).toHaveLength(1);
  });

  it('delivers to the webhooks registered through /api/v3/webhooks, signed with the tenant secret, except to those of the machine user that made the change', async () => {
    const call = trustingFetch(mock.caCertPath!);
    const own = await startReceiver();
    const other = await startReceiver();
    try {
      const tokenOf = async (user: { clientId: string; clientSecret: string }) => {
        const res = await call(`${mock.apiUrl}/api/v3/auth/token`, {
          method: 'POST',
          headers: FORM,
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: user.clientId, client_secret: user.clientSecret, scope: '*' }).toString(),
        });
        return ((await res.json()) as { access_token: string }).access_token;
      };
      const api = (bearer: string, path: string, method: string, body: unknown) =>
        call(`${mock.apiUrl}${path}`, { method, headers: { ...JSON_TYPE, authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
      const crm = await tokenOf(await mock.createApiUser({ name: 'CRM sync', roles: ['*'] }));
      const loyalty = await tokenOf(await mock.createApiUser({ name: 'Loyalty app', roles: ['*'] }));
      expect((await api(crm, '/api/v3/webhooks', 'POST', { trigger: 'profile.updated', url: `${own.origin}/hooks`, namespace: 'crm' })).status).toBe(201);
      expect((await api(loyalty, '/api/v3/webhooks', 'POST', { trigger: 'profile.updated', url: `${other.origin}/hooks`, namespace: 'loyalty' })).status).toBe(201);

      // The CRM's own update reaches the loyalty app's webhook only.
      expect((await api(crm, `/api/v3/profiles/${FIRST_PROFILE.id}`, 'PUT', { company: 'Acme' })).status).toBe(200);
      await mock.webhooks.idle();
      expect(own.requests).toHaveLength(0);
      expect(other.requests).toHaveLength(1);
      const [req] = other.requests;
      expect(req?.headers['x-omneo-event']).toBe('profile.updated');
      expect(req?.headers['x-omneo-hmac-sha256']).toBe(createHmac('sha256', mock.webhookSecret()!).update(req!.body, 'utf8').digest('hex'));
      expect(JSON.parse(req!.body)).toMatchObject({ id: FIRST_PROFILE.id, company: 'Acme' });

      // A change made by neither reaches both; a webhook deleted gets nothing more.
      const list = (await (await call(`${mock.apiUrl}/api/v3/webhooks?filter[namespace]=loyalty`, { headers: { ...JSON_TYPE, authorization: `Bearer ${loyalty}` } })).json()) as { data: { id: number }[] };
      expect((await call(`${mock.apiUrl}/api/v3/webhooks/${list.data[0]!.id}`, { method: 'DELETE', headers: { ...JSON_TYPE, authorization: `Bearer ${loyalty}` } })).status).toBe(204);
      await mock.emitEvent(mock.platform.sampleEvent!);
      await mock.webhooks.idle();
      expect([own.requests.length, other.requests.length]).toEqual([1, 1]);
      expect(mock.webhooks.log().filter((r) => r.url.startsWith(own.origin)).map((r) => r.status)).toEqual([200]);
    } finally {
      await call.close();
      await own.close();
      await other.close();
    }
  });
});

describe('the Omneo profile in-process (msw)', () => {
  const handlers = createHandlers(omneo, { apiUsers: [{ name: 'msw machine', roles: ['read-profiles'], clientId: 'machine', clientSecret: 'machine-secret' }] });
  const server = setupServer(...handlers.handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());

  it('serves the same endpoints on the real host', async () => {
    const res = await fetch('https://api.demo.getomneo.com/api/v3/auth/token', {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'machine', client_secret: 'machine-secret', scope: 'read-profiles' }).toString(),
    });
    const { access_token } = (await res.json()) as { access_token: string };
    const list = await fetch('https://api.demo.getomneo.com/api/v3/profiles?page[size]=5', { headers: { authorization: `Bearer ${access_token}`, accept: 'application/json' } });
    expect(list.status).toBe(200);
    const page = (await list.json()) as { data: unknown[]; meta: { per_page: number } };
    expect(page.data).toHaveLength(5);
    expect(page.meta.per_page).toBe(5);
  });
});
