import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.ts';
import { ApiUserRegistry } from './api-users.ts';
import { definePermissions } from './permissions.ts';
import { TokenService } from './tokens.ts';

/** The engine's tokens carry whatever names a platform uses; these two stand for any. */
const PERMISSIONS = definePermissions({ noun: 'role', platform: 'Test', all: ['OrderRead', 'OrderAdmin'], owner: ['OrderAdmin'], includes: (n) => (n === 'OrderAdmin' ? ['OrderRead'] : []) });

function setup(environment: 'test' | 'production' = 'test', tenant = 'acme') {
  const clock = createManualClock();
  const users = new ApiUserRegistry(tenant, environment, clock.now, PERMISSIONS);
  const tokens = new TokenService({ tenant, environment, now: clock.now });
  const created = users.create({ name: 'ERP Order Export', roles: ['OrderRead'] });
  return { clock, users, tokens, user: users.get(created.clientId)! };
}

describe('TokenService', () => {
  it('issues an HS256 JWT that lives 864000 s with the claims clients read', async () => {
    const { tokens, user } = setup();
    const { token } = await tokens.issue(user);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(864_000);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.sub).toBe(user.clientId);
    expect(claims.jti).toMatch(/[0-9a-f-]{36}/);
    expect(claims).toMatchObject({ tenant: 'acme', env: 'test', role: ['OrderRead'] });
  });

  it('uses the lifetime set on the user for tokens issued after the change', async () => {
    const { tokens, users, user } = setup();
    users.patch(user.clientId, { tokenLifetimeSeconds: 20 });
    const claims = decodeJwt((await tokens.issue(user)).token);
    expect(claims.exp! - claims.iat!).toBe(20);
  });

  it('verifies a good token, from the cache too', async () => {
    const { tokens, user } = setup();
    const { token } = await tokens.issue(user);
    expect((await tokens.verify(token)).ok).toBe(true);
    expect((await tokens.verify(token)).ok).toBe(true);
  });

  it('refuses a token that borrows the signature of a cached one', async () => {
    const { tokens, user } = setup();
    const { token } = await tokens.issue(user);
    expect((await tokens.verify(token)).ok).toBe(true);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: ['OrderAdmin'] })).toString('base64url')}.${signature}`;
    expect(await tokens.verify(forged)).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('rejects an expired token, cached or not, and says it expired', async () => {
    const { tokens, user, clock, users } = setup();
    users.patch(user.clientId, { tokenLifetimeSeconds: 20 });
    const { token } = await tokens.issue(user);
    expect((await tokens.verify(token)).ok).toBe(true);
    clock.advance(20_000);
    expect(await tokens.verify(token)).toMatchObject({ ok: false, reason: 'expired' });
    const fresh = new TokenService({ tenant: 'acme', environment: 'test', now: clock.now, secret: undefined });
    expect((await fresh.verify(token)).ok).toBe(false);
  });

  it('rejects a token of another environment and of another tenant', async () => {
    const test = setup('test');
    const { token } = await test.tokens.issue(test.user);
    const production = setup('production');
    expect(await production.tokens.verify(token)).toMatchObject({ ok: false, reason: 'signature' });
    const other = setup('test', 'globex');
    expect((await other.tokens.verify(token)).ok).toBe(false);
  });

  it('rejects a token signed with the right key but without exp, or with alg none', async () => {
    const clock = createManualClock();
    const secret = new Uint8Array(32).fill(7);
    const tokens = new TokenService({ tenant: 'acme', environment: 'test', now: clock.now, secret });
    const noExp = await new SignJWT({ sub: 'x', jti: 'j', tenant: 'acme', env: 'test', gen: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(clock.now() / 1000)
      .setNotBefore(clock.now() / 1000)
      .setIssuer(tokens.issuer)
      .setAudience(tokens.audience)
      .sign(secret);
    expect((await tokens.verify(noExp)).ok).toBe(false);
    const [, payload] = noExp.split('.');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect((await tokens.verify(none)).ok).toBe(false);
    expect(await tokens.verify('not a token')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('rejects a token that claims a lifetime longer than 30 days', async () => {
    const clock = createManualClock();
    const secret = new Uint8Array(32).fill(9);
    const tokens = new TokenService({ tenant: 'acme', environment: 'test', now: clock.now, secret });
    const iat = clock.now() / 1000 - 31 * 86_400;
    const old = await new SignJWT({ sub: 'x', jti: 'j', tenant: 'acme', env: 'test', gen: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(clock.now() / 1000 + 3600)
      .setIssuer(tokens.issuer)
      .setAudience(tokens.audience)
      .sign(secret);
    expect((await tokens.verify(old)).ok).toBe(false);
  });
});
