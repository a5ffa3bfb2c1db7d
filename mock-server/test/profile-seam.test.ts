import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer } from '../index.ts';
import { createHandlers } from '../msw.ts';
import { trustingFetch } from './client.ts';
import { notes } from './fixtures/notes-profile.ts';

// A platform the engine has never heard of (fixtures/notes-profile.ts: an X-API-KEY header,
// two permissions, no token endpoint), served by the same engine over both transports.

describe('a throwaway profile over HTTPS', () => {
  let mock: MockServer;
  let call: ReturnType<typeof trustingFetch>;
  let readerKey: string;
  let readerId: string;

  beforeAll(async () => {
    mock = await createMockServer({ profile: notes, demoUser: false });
    call = trustingFetch(mock.caCertPath!);
    const reader = await mock.createApiUser({ name: 'Notes reader', roles: ['notes:read'] });
    readerKey = reader.clientSecret;
    readerId = reader.clientId;
  });
  afterAll(async () => {
    await call.close();
    await mock.close();
  });

  it("states the platform's facts", () => {
    expect(mock.platform).toMatchObject({ name: 'notes', title: 'Notes', issuesTokens: false, credentialHeader: 'x-api-key', scoped: false, eventClasses: [], sampleEvent: null, webhookPath: '/hooks/notes' });
    expect(mock.platform.endpoints.map((e) => `${e.method} ${e.path} ${e.role}`)).toEqual(['GET /v1/notes notes:read', 'POST /v1/notes notes:write']);
    expect(mock.universe()).toBeNull();
    expect(readerKey).toMatch(/^nk_/);
  });

  it('authenticates by the X-API-KEY header, authorises by its permissions, and journals each request', async () => {
    const list = await call(`${mock.apiUrl}/v1/notes`, { headers: { 'x-api-key': readerKey } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(5);

    const add = await call(`${mock.apiUrl}/v1/notes`, { method: 'POST', headers: { 'x-api-key': readerKey, 'content-type': 'application/json' }, body: '{"text":"hi"}' });
    expect(add.status).toBe(403);
    expect((await call(`${mock.apiUrl}/v1/notes`)).status).toBe(401);
    expect((await call(`${mock.apiUrl}/v1/notes?apiKey=${readerKey}`)).status).toBe(401);

    const entries = mock.journal.since(0);
    expect(entries.map((e) => [e.routeId, e.status, e.denied])).toEqual([
      ['Notes_List', 200, null],
      ['Notes_Add', 403, 'missing permission notes:write'],
      ['Notes_List', 401, 'no x-api-key header'],
      ['Notes_List', 401, 'no x-api-key header'],
    ]);
    expect(entries[0]).toMatchObject({ apiUser: readerId, requiredRole: 'notes:read', writes: false, tokenRequest: false });
    expect(entries[1]).toMatchObject({ writes: true });
    // The key is never stored in clear: masked, and a key in the URL is recorded as a secret there.
    expect(JSON.stringify(entries)).not.toContain(readerKey);
    expect(entries[3]!.secretsInUrl).toEqual([expect.objectContaining({ where: 'query', param: 'apiKey' })]);
  });

  it('grants the included permission, and refuses a deactivated key', async () => {
    const writer = await mock.createApiUser({ name: 'Notes writer', roles: ['notes:write'] });
    const headers = { 'x-api-key': writer.clientSecret, 'content-type': 'application/json' };
    expect((await call(`${mock.apiUrl}/v1/notes`, { headers })).status).toBe(200);
    expect((await call(`${mock.apiUrl}/v1/notes`, { method: 'POST', headers, body: '{"text":"hi"}' })).status).toBe(201);
    mock.patchApiUser(writer.clientId, { active: false });
    expect((await call(`${mock.apiUrl}/v1/notes`, { headers })).status).toBe(401);
    expect(mock.journal.since(0).at(-1)!.denied).toBe('API user deactivated');
  });

  it("refuses roles that are not the profile's, naming the platform's vocabulary", async () => {
    await expect(mock.createApiUser({ name: 'Wrong', roles: ['OrderRead'] })).rejects.toThrow('roles: "OrderRead" is not a Notes permission');
  });
});

describe('a throwaway profile in-process (msw)', () => {
  const api = createHandlers(notes, { apiUsers: [{ name: 'msw reader', roles: ['notes:read'], clientId: 'reader', clientSecret: 'nk_reader' }] });
  const server = setupServer(...api.handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());

  it('answers on the profile base URL with the same pipeline', async () => {
    expect((await fetch('https://api.notes.test/v1/notes', { headers: { 'x-api-key': 'nk_reader' } })).status).toBe(200);
    expect((await fetch('https://api.notes.test/v1/notes', { method: 'POST', headers: { 'x-api-key': 'nk_reader' }, body: '{}' })).status).toBe(403);
    expect((await fetch('https://api.notes.test/v1/notes', { headers: { 'x-api-key': 'nk_wrong' } })).status).toBe(401);
    expect(api.journal.since(0).map((e) => e.denied)).toEqual([null, 'missing permission notes:write', 'unknown API key']);
  });
});
