import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiUserRegistry, MAX_ROTATION_OVERLAP_SECONDS } from '../auth/api-users.ts';
import { definePermissions } from '../auth/permissions.ts';
import { createManualClock } from '../clock.ts';
import { createHandlers } from '../msw.ts';
import { apiKey } from '../profiles/api-key/index.ts';
import { refreshToken } from '../profiles/refresh-token/index.ts';
import { fingerprint } from '../secrets.ts';

// Secret rotation with an overlap window (an engine feature, every profile): old and new secret
// both work until the window closes, then the old one answers 401. A fake clock, no sleeps.

const PERMISSIONS = definePermissions({ noun: 'permission', platform: 'Test', all: ['read'], owner: ['read'] });
const HOUR = 3_600_000;

describe('ApiUserRegistry.rotateSecret', () => {
  let clock: ReturnType<typeof createManualClock>;
  let users: ApiUserRegistry;
  beforeEach(() => {
    clock = createManualClock();
    users = new ApiUserRegistry('acme', 'test', () => clock.now(), PERMISSIONS);
  });

  it('refuses the old secret at once when no overlap is given (the default)', () => {
    const user = users.create({ name: 'sync', roles: ['read'] });
    const rotated = users.rotateSecret(user.clientId);
    expect(users.bySecret(user.clientSecret)).toBeUndefined();
    expect(users.authenticate(user.clientId, user.clientSecret)).toBeUndefined();
    expect(users.bySecret(rotated.clientSecret)?.clientId).toBe(user.clientId);
    expect(rotated.previousSecret).toBeNull();
    expect(users.match(user.clientSecret)).toMatchObject({ which: 'retired', until: clock.now() });
  });

  it('accepts old and new inside the window, and only the new one from the instant it closes', () => {
    const user = users.create({ name: 'sync', roles: ['read'] });
    const rotated = users.rotateSecret(user.clientId, { overlapSeconds: 3600 });
    expect(rotated.previousSecret).toEqual({
      masked: user.clientSecretMasked,
      fingerprint: fingerprint(user.clientSecret),
      retiredAt: new Date(clock.now()).toISOString(),
      validUntil: new Date(clock.now() + HOUR).toISOString(),
    });
    expect(rotated.clientSecretFingerprint).toBe(fingerprint(rotated.clientSecret));
    clock.advance(HOUR - 1);
    expect(users.match(user.clientSecret)).toMatchObject({ which: 'previous' });
    expect(users.authenticate(user.clientId, user.clientSecret)?.clientId).toBe(user.clientId);
    expect(users.match(rotated.clientSecret)).toMatchObject({ which: 'current' });
    clock.advance(1);
    expect(users.bySecret(user.clientSecret)).toBeUndefined();
    expect(users.authenticate(user.clientId, user.clientSecret)).toBeUndefined();
    expect(users.match(user.clientSecret)).toMatchObject({ which: 'retired' });
    expect(users.get(user.clientId) && users.list()[0]!.previousSecret).toBeNull();
    expect(users.bySecret(rotated.clientSecret)?.clientId).toBe(user.clientId);
  });

  it("takes the registry's default window when a rotation names none", () => {
    const withDefault = new ApiUserRegistry('acme', 'test', () => clock.now(), PERMISSIONS, { rotationOverlapSeconds: 60 });
    const user = withDefault.create({ name: 'sync', roles: ['read'] });
    expect(withDefault.rotateSecret(user.clientId).previousSecret?.validUntil).toBe(new Date(clock.now() + 60_000).toISOString());
    expect(withDefault.rotateSecret(user.clientId, { overlapSeconds: 0 }).previousSecret).toBeNull();
  });

  it('keeps one old secret: rotating again inside a window ends the first one at once', () => {
    const user = users.create({ name: 'sync', roles: ['read'] });
    const second = users.rotateSecret(user.clientId, { overlapSeconds: 3600 });
    const third = users.rotateSecret(user.clientId, { overlapSeconds: 3600 });
    expect(users.bySecret(user.clientSecret)).toBeUndefined();
    expect(users.match(second.clientSecret)).toMatchObject({ which: 'previous' });
    expect(users.match(third.clientSecret)).toMatchObject({ which: 'current' });
  });

  it('tells whether a credential made with a secret of that fingerprint still stands', () => {
    const user = users.create({ name: 'sync', roles: ['read'] });
    const record = users.get(user.clientId)!;
    users.rotateSecret(user.clientId, { overlapSeconds: 60 });
    expect(users.secretWorks(record, fingerprint(user.clientSecret))).toBe(true);
    clock.advance(60_000);
    expect(users.secretWorks(record, fingerprint(user.clientSecret))).toBe(false);
    expect(users.secretWorks(record, '')).toBe(false);
  });

  it('refuses an overlap that is not a whole number of seconds from 0 to 30 days, naming the field', () => {
    const user = users.create({ name: 'sync', roles: ['read'] });
    for (const bad of [-1, 1.5, MAX_ROTATION_OVERLAP_SECONDS + 1, Number.NaN]) {
      expect(() => users.rotateSecret(user.clientId, { overlapSeconds: bad })).toThrow(/overlapSeconds: expected a whole number from 0/);
    }
    expect(users.bySecret(user.clientSecret)?.clientId).toBe(user.clientId);
  });

  it('never shows a secret in a view: masked and fingerprinted only', () => {
    const user = users.create({ name: 'sync', roles: ['read'] });
    const rotated = users.rotateSecret(user.clientId, { overlapSeconds: 60 });
    const listed = JSON.stringify(users.list());
    expect(listed).not.toContain(user.clientSecret);
    expect(listed).not.toContain(rotated.clientSecret);
    expect(listed).toContain(user.clientSecretMasked);
  });
});

describe('rotation through the pipeline (msw transport, fake clock)', () => {
  const clock = createManualClock();
  const fulfil = createHandlers(apiKey, { clock, rateLimits: false, baseUrl: 'https://fulfil.rotation.test' });
  const backup = createHandlers(refreshToken, { clock, rateLimits: false, baseUrl: 'https://backup.rotation.test' });
  const server = setupServer(...fulfil.handlers, ...backup.handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  // The transport hands out the registry itself; its type shows only what the admin API does for any profile.
  const registry = (h: { users: unknown }) => h.users as ApiUserRegistry;

  it('api-key: the old key works beside the new one until the window closes, then answers 401 and is journaled as retired', async () => {
    const user = registry(fulfil).create({ name: 'woo hook', roles: ['orders:read'] });
    const call = (key: string) => fetch('https://fulfil.rotation.test/v1/orders?reference=1000', { headers: { 'x-api-key': key } });
    const rotated = registry(fulfil).rotateSecret(user.clientId, { overlapSeconds: 24 * 3600 });
    clock.advance(24 * HOUR - 1000);
    expect((await call(user.clientSecret)).status).toBe(200);
    expect((await call(rotated.clientSecret)).status).toBe(200);
    const [old, fresh] = fulfil.journal.since(0).slice(-2);
    expect(old).toMatchObject({ apiUser: user.clientId, tokenFingerprint: fingerprint(user.clientSecret), tokenMasked: user.clientSecretMasked, status: 200 });
    expect(fresh).toMatchObject({ tokenFingerprint: fingerprint(rotated.clientSecret), status: 200 });
    clock.advance(1000);
    const refused = await call(user.clientSecret);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'missing or invalid API key: send it in the X-API-KEY header' });
    expect(fulfil.journal.since(0).at(-1)).toMatchObject({ apiUser: user.clientId, status: 401, denied: expect.stringMatching(/^API key retired by a rotation \(its overlap window closed at /) });
    expect((await call(rotated.clientSecret)).status).toBe(200);
  });

  it('refresh-token: the old API token exchanges inside the window; its access tokens die when the window closes', async () => {
    const user = registry(backup).create({ name: 'backup sync', roles: ['backups:read'] });
    const exchange = (apiToken: string) => fetch('https://backup.rotation.test/auth/token', { method: 'POST', headers: { authorization: `Bearer ${apiToken}` } });
    const services = (access: string) => fetch('https://backup.rotation.test/api/v1/services', { headers: { authorization: `Bearer ${access}` } });
    const rotated = registry(backup).rotateSecret(user.clientId, { overlapSeconds: 600 });
    const oldRes = await exchange(user.clientSecret);
    expect(oldRes.status).toBe(200);
    const { access_token: madeWithOld } = (await oldRes.json()) as { access_token: string };
    const { access_token: madeWithNew } = (await (await exchange(rotated.clientSecret)).json()) as { access_token: string };
    expect((await services(madeWithOld)).status).toBe(200);
    clock.advance(600_000);
    expect((await exchange(user.clientSecret)).status).toBe(401);
    expect(backup.journal.since(0).at(-1)?.denied).toMatch(/^API token retired by a rotation/);
    expect((await services(madeWithOld)).status).toBe(401);
    expect(backup.journal.since(0).at(-1)?.denied).toBe('token revoked (the API token it was made with no longer works)');
    expect((await services(madeWithNew)).status).toBe(200);
  });
});
