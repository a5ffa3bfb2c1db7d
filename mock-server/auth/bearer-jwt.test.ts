import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.ts';
import type { JournalEntry } from '../journal/journal.ts';
import { ApiUserRegistry } from './api-users.ts';
import { bearerJwt, bearerJwtScheme } from './bearer-jwt.ts';
import { definePermissions } from './permissions.ts';
import { type Admission, type AuthEntry, type CredentialTarget, isGrant, refused } from './scheme.ts';
import { TokenService } from './tokens.ts';

/** Flat scopes with an all-scopes name, as OAuth platforms have them; the names stand for any. */
const SCOPES = definePermissions({ noun: 'scope', platform: 'Test', all: ['*', 'read-things', 'write-things', 'own-thing'], owner: ['*'], includes: (n) => (n === '*' ? ['read-things', 'write-things'] : []) });

function setup() {
  const clock = createManualClock();
  const users = new ApiUserRegistry('acme', 'test', clock.now, SCOPES);
  const tokens = new TokenService({ tenant: 'acme', environment: 'test', now: clock.now });
  const user = users.get(users.create({ name: 'Loyalty Sync', roles: ['*'] }).clientId)!;
  return { users, tokens, user, parts: { users, tokens } };
}

const entry = (): AuthEntry => ({ apiUser: null, tokenId: null, tokenFingerprint: null, tokenMasked: null, tokenExpired: false, denied: null }) as AuthEntry & Partial<JournalEntry>;

async function admit(parts: ReturnType<typeof setup>['parts'], token: string | undefined, target: CredentialTarget = {}, scheme = bearerJwtScheme) {
  const e = entry();
  const admission: Admission = await scheme.authenticate(token === undefined ? {} : { authorization: `Bearer ${token}` }, parts, e, target);
  return { admission, entry: e };
}

describe('bearer JWT scheme', () => {
  it('admits a token of the main kind without scopes as its user itself', async () => {
    const { tokens, user, parts } = setup();
    const { admission } = await admit(parts, (await tokens.issue(user)).token);
    expect(admission).toBe(user);
  });

  it('admits a token with scopes as a grant of those scopes, for no customer', async () => {
    const { tokens, user, parts } = setup();
    const { admission } = await admit(parts, (await tokens.issue(user, { scope: ['read-things'] })).token);
    expect(refused(admission)).toBe(false);
    expect(isGrant(admission as never)).toBe(true);
    expect(admission).toEqual({ user, granted: ['read-things'], subject: null, bounded: true });
  });

  it('takes a token of another kind only where the endpoint takes that kind, and gives its customer', async () => {
    const { tokens, user, parts } = setup();
    const { token } = await tokens.issue(user, { kind: 'id', scope: ['own-thing'], subject: 'customer-7', claims: { pid: 'customer-7' } });

    const elsewhere = await admit(parts, token);
    expect(elsewhere.admission).toMatchObject({ status: 401 });
    expect(elsewhere.entry.denied).toBe('id token where an API token is taken');

    const there = await admit(parts, token, { credential: 'id' });
    expect(there.admission).toEqual({ user, granted: ['own-thing'], subject: 'customer-7', bounded: false });

    const main = await admit(parts, (await tokens.issue(user)).token, { credential: 'id' });
    expect(main.admission).toMatchObject({ status: 401 });
    expect(main.entry.denied).toBe('API token where id token is taken');
  });

  it('refuses a token revoked on its own, and no other token of its user', async () => {
    const { tokens, user, parts } = setup();
    const revoked = await tokens.issue(user);
    const kept = await tokens.issue(user);
    tokens.revoke(revoked.claims.jti);

    const refusedOne = await admit(parts, revoked.token);
    expect(refusedOne.admission).toMatchObject({ status: 401 });
    expect(refusedOne.entry.denied).toBe('token revoked');
    expect((await admit(parts, kept.token)).admission).toBe(user);
  });

  it("answers every 401 with the platform's body when it has one, and none otherwise", async () => {
    const { tokens, user, parts } = setup();
    const laravel = bearerJwt({ refusalBody: { message: 'Unauthenticated.' } });
    expect((await admit(parts, undefined, {}, laravel)).admission).toEqual({ status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { message: 'Unauthenticated.' } });
    const revoked = await tokens.issue(user);
    tokens.revoke(revoked.claims.jti);
    expect((await admit(parts, revoked.token, {}, laravel)).admission).toMatchObject({ status: 401, body: { message: 'Unauthenticated.' } });
    expect((await admit(parts, 'not-a-jwt', {}, laravel)).admission).toMatchObject({ status: 401, body: { message: 'Unauthenticated.' } });
    expect((await admit(parts, undefined)).admission).toEqual({ status: 401, headers: { 'www-authenticate': 'Bearer' } });
  });

  it("writes the platform's own claims without letting them replace golive's", async () => {
    const { tokens, user } = setup();
    const { claims } = await tokens.issue(user, { claims: { pid: 'p-1', sub: 'someone-else' } });
    expect(claims).toMatchObject({ pid: 'p-1', sub: user.clientId });
  });
});
