import { decodeJwt } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.ts';
import { type CreatedApiUser, type MockServer, createMockServer, fingerprint } from '../index.ts';
import { DEFAULT_MSW_CREDENTIALS, createHandlers } from '../msw.ts';
import { apiKey } from '../profiles/api-key/index.ts';
import { refreshToken } from '../profiles/refresh-token/index.ts';
import { trustingFetch } from './client.ts';

// The two credential styles of issue 18 served by the engine over HTTPS on port 0 (and once
// each in-process): a static X-API-KEY with rotation and per-key permissions, and an API token
// exchanged for short-lived access tokens.

const ORDER = { reference: 'WC-7001', items: [{ sku: 'MUG-01', quantity: 1 }], shipTo: { name: 'Grace Hopper', line1: '2 Compiler Way', postcode: 'EH1 1AA', city: 'Edinburgh', country: 'GB' } };
const JSON_BODY = { 'content-type': 'application/json' };

describe('the api-key profile over HTTPS', () => {
  let mock: MockServer;
  let call: ReturnType<typeof trustingFetch>;
  let writer: CreatedApiUser;
  let reader: CreatedApiUser;
  const admin = (path: string, body?: unknown) =>
    fetch(`${mock.adminUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${mock.adminToken}`, ...JSON_BODY }, body: JSON.stringify(body ?? {}) });

  beforeAll(async () => {
    mock = await createMockServer({ profile: 'api-key', demoUser: false });
    call = trustingFetch(mock.caCertPath!);
    writer = await mock.createApiUser({ name: 'Woo hook', roles: ['orders:write'] });
    reader = await mock.createApiUser({ name: 'Status reader', roles: ['orders:read'] });
  });
  afterAll(async () => {
    await call.close();
    await mock.close();
  });

  it('takes an order with the key in the X-API-KEY header and reads its status back', async () => {
    const pushed = await call(`${mock.apiUrl}/v1/orders`, { method: 'POST', headers: { 'x-api-key': writer.clientSecret, ...JSON_BODY }, body: JSON.stringify(ORDER) });
    expect(pushed.status).toBe(201);
    const { id } = (await pushed.json()) as { id: string };
    const read = await call(`${mock.apiUrl}/v1/orders/${id}`, { headers: { 'x-api-key': reader.clientSecret } });
    expect(await read.json()).toMatchObject({ id, reference: 'WC-7001', status: 'received' });
    expect(mock.journal.since(0).at(-1)).toMatchObject({ apiUser: reader.clientId, tokenFingerprint: fingerprint(reader.clientSecret), tokenMasked: reader.clientSecretMasked, status: 200 });
  });

  it('refuses fields fulfilment does not need, naming them (data minimisation)', async () => {
    const res = await call(`${mock.apiUrl}/v1/orders`, {
      method: 'POST',
      headers: { 'x-api-key': writer.clientSecret, ...JSON_BODY },
      body: JSON.stringify({ ...ORDER, reference: 'WC-7002', billing: { phone: '+44 20 7946 0000' }, paymentMethod: 'card' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { fields: string[] }).fields.sort()).toEqual(['billing', 'paymentMethod']);
  });

  it('refuses a key in the query string with 401, even beside a good header, and journals where it was', async () => {
    for (const headers of [{}, { 'x-api-key': reader.clientSecret }]) {
      const res = await call(`${mock.apiUrl}/v1/orders?api_key=${encodeURIComponent(reader.clientSecret)}`, { headers });
      expect(res.status).toBe(401);
      const entry = mock.journal.since(0).at(-1)!;
      expect(entry.secretsInUrl).toEqual([{ kind: 'client-secret', where: 'query', param: 'api_key' }]);
      expect(entry.denied).toBe('API key in the URL (query parameter api_key): keys are taken only in the X-API-KEY header');
      expect(JSON.stringify(entry)).not.toContain(reader.clientSecret);
    }
  });

  it('grants each key its own permissions: a read-only key may not push (403)', async () => {
    const res = await call(`${mock.apiUrl}/v1/orders`, { method: 'POST', headers: { 'x-api-key': reader.clientSecret, ...JSON_BODY }, body: JSON.stringify({ ...ORDER, reference: 'WC-7003' }) });
    expect(res.status).toBe(403);
    expect(mock.journal.since(0).at(-1)?.denied).toBe('missing permission orders:write');
  });

  it('lists keys masked, and refuses a rotation window that is not a whole number of seconds, naming the field', async () => {
    const listed = await (await fetch(`${mock.adminUrl}/__admin/api-users`, { headers: { authorization: `Bearer ${mock.adminToken}` } })).text();
    expect(listed).not.toContain(writer.clientSecret);
    expect(listed).toContain(writer.clientSecretMasked);
    const bad = await admin(`/__admin/api-users/${writer.clientId}/rotate-secret`, { overlapSeconds: -5 });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('overlapSeconds');
  });

  it('keeps the old key working through the window the admin API asks for, then answers 401', async () => {
    const user = await mock.createApiUser({ name: 'Windowed', roles: ['orders:read'] });
    const rotated = (await (await admin(`/__admin/api-users/${user.clientId}/rotate-secret`, { overlapSeconds: 3600 })).json()) as CreatedApiUser;
    expect(rotated.previousSecret?.fingerprint).toBe(fingerprint(user.clientSecret));
    expect((await call(`${mock.apiUrl}/v1/orders`, { headers: { 'x-api-key': user.clientSecret } })).status).toBe(200);
    expect((await call(`${mock.apiUrl}/v1/orders`, { headers: { 'x-api-key': rotated.clientSecret } })).status).toBe(200);
  });

  it('refuses the old key at once after a rotation with overlapSeconds 0, and journals it as retired', async () => {
    const user = await mock.createApiUser({ name: 'Short-lived', roles: ['orders:read'] });
    const res = await admin(`/__admin/api-users/${user.clientId}/rotate-secret`, { overlapSeconds: 0 });
    const rotated = (await res.json()) as CreatedApiUser;
    expect(rotated.previousSecret).toBeNull();
    expect((await call(`${mock.apiUrl}/v1/orders`, { headers: { 'x-api-key': user.clientSecret } })).status).toBe(401);
    expect(mock.journal.since(0).at(-1)?.denied).toMatch(/^API key retired by a rotation/);
    expect((await call(`${mock.apiUrl}/v1/orders`, { headers: { 'x-api-key': rotated.clientSecret } })).status).toBe(200);
  });
});

describe('the refresh-token profile over HTTPS', () => {
  const clock = createManualClock(Date.now());
  let mock: MockServer;
  let call: ReturnType<typeof trustingFetch>;
  let sync: CreatedApiUser;
  const exchange = (apiToken: string) => call(`${mock.apiUrl}/auth/token`, { method: 'POST', headers: { authorization: `Bearer ${apiToken}` } });
  const services = (bearer: string) => call(`${mock.apiUrl}/api/v1/services`, { headers: { authorization: `Bearer ${bearer}` } });
  async function accessToken(apiToken: string): Promise<{ access_token: string; expires_in: number }> {
    const res = await exchange(apiToken);
    expect(res.status).toBe(200);
    return (await res.json()) as { access_token: string; expires_in: number };
  }

  beforeAll(async () => {
    mock = await createMockServer({ profile: 'refresh-token', demoUser: false, clock });
    call = trustingFetch(mock.caCertPath!);
    sync = await mock.createApiUser({ name: 'Backup sync', roles: ['backups:read'] });
  });
  afterAll(async () => {
    await call.close();
    await mock.close();
  });

  it('exchanges the API token for an access token of 15 minutes carrying its permissions', async () => {
    const { access_token, expires_in } = await accessToken(sync.clientSecret);
    expect(expires_in).toBe(900);
    expect(decodeJwt(access_token)).toMatchObject({ sub: sync.clientId, scope: ['backups:read'], atf: fingerprint(sync.clientSecret) });
    expect(mock.journal.since(0).at(-1)).toMatchObject({ routeId: 'Auth_Token', tokenRequest: true, credentialsIn: 'header', apiUser: sync.clientId, tokenFingerprint: fingerprint(sync.clientSecret), status: 200 });
    expect((await services(access_token)).status).toBe(200);
    const start = await call(`${mock.apiUrl}/api/v1/services/svc_0001/backups`, { method: 'POST', headers: { authorization: `Bearer ${access_token}` } });
    expect(start.status).toBe(403);
  });

  it('refuses the access token once it has expired (fake clock), and the API token where an access token is taken', async () => {
    const { access_token } = await accessToken(sync.clientSecret);
    clock.advance(900_000);
    const expired = await services(access_token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(mock.journal.since(0).at(-1)).toMatchObject({ tokenExpired: true });
    expect((await services(sync.clientSecret)).status).toBe(401);
    expect(mock.journal.since(0).at(-1)?.denied).toBe('API token where an access token is taken (exchange it at POST /auth/token)');
  });

  it("follows the API user's own lifetime when it has one", async () => {
    const user = await mock.createApiUser({ name: 'Quick', roles: ['backups:read'], tokenLifetimeSeconds: 60 });
    expect((await accessToken(user.clientSecret)).expires_in).toBe(60);
  });

  it('refuses the API token and every access token made with it once the API token is revoked (its user deactivated)', async () => {
    const user = await mock.createApiUser({ name: 'Revoked', roles: ['backups:read'] });
    const { access_token } = await accessToken(user.clientSecret);
    mock.patchApiUser(user.clientId, { active: false });
    expect((await services(access_token)).status).toBe(401);
    expect((await exchange(user.clientSecret)).status).toBe(401);
    expect(mock.journal.since(0).at(-1)?.denied).toBe('API token revoked (its API user is deactivated)');
  });

  it('refuses access tokens made with a rotated-out API token; the new API token works', async () => {
    const user = await mock.createApiUser({ name: 'Rotated', roles: ['backups:read'] });
    const { access_token } = await accessToken(user.clientSecret);
    const rotated = mock.rotateSecret(user.clientId);
    expect((await services(access_token)).status).toBe(401);
    expect((await exchange(user.clientSecret)).status).toBe(401);
    expect((await services((await accessToken(rotated.clientSecret)).access_token)).status).toBe(200);
  });
});

describe('both profiles in-process (msw)', () => {
  const fulfil = createHandlers(apiKey);
  const backup = createHandlers(refreshToken);
  const server = setupServer(...fulfil.handlers, ...backup.handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());

  it('api-key: reads orders with the demo key', async () => {
    const res = await fetch('https://api.fulfilment.test/v1/orders?status=shipped', { headers: { 'x-api-key': DEFAULT_MSW_CREDENTIALS.clientSecret } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
  });

  it('refresh-token: exchanges the demo API token and lists services', async () => {
    const token = await fetch('https://api.backup.test/auth/token', { method: 'POST', headers: { authorization: `Bearer ${DEFAULT_MSW_CREDENTIALS.clientSecret}` } });
    const { access_token } = (await token.json()) as { access_token: string };
    const res = await fetch('https://api.backup.test/api/v1/services', { headers: { authorization: `Bearer ${access_token}` } });
    expect(res.status).toBe(200);
  });
});
