import { createHmac } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.ts';
import { ApiUserRegistry } from './api-users.ts';
import { definePermissions } from './permissions.ts';
import { TokenService } from './tokens.ts';

/** The engine's tokens carry whatever names a platform uses; these two stand for any. */
const PERMISSIONS = definePermissions({ noun: 'role', platform: 'Test', all: ['OrderRead', 'OrderAdmin'], owner: ['OrderAdmin'], includes: (n) => (n === 'OrderAdmin' ? ['OrderRead'] : []) });

/**
 * One key for every service a test makes where the check under test is not the signature: a
 * token of another environment, tenant or time is then refused for that reason, not because
 * each service draws a key of its own.
 */
const SHARED_KEY = new Uint8Array(32).fill(3);

function setup(environment: 'test' | 'production' = 'test', tenant = 'acme', secret?: Uint8Array) {
  const clock = createManualClock();
  const users = new ApiUserRegistry(tenant, environment, clock.now, PERMISSIONS);
  const tokens = new TokenService({ tenant, environment, now: clock.now, ...(secret ? { secret } : {}) });
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

  it('writes exactly the token jose would sign for the same claims, issuer and audience', async () => {
    const { tokens, user } = setup('test', 'acme', SHARED_KEY);
    const { token, claims } = await tokens.issue(user, { scope: ['OrderRead'], claims: { pid: 'p-1' } });
    const jose = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(tokens.issuer).setAudience(tokens.audience).sign(SHARED_KEY);
    expect(token).toBe(jose);
    expect((await tokens.verify(token)).ok).toBe(true);
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
    const { tokens, user, clock, users } = setup('test', 'acme', SHARED_KEY);
    users.patch(user.clientId, { tokenLifetimeSeconds: 20 });
    const { token } = await tokens.issue(user);
    expect((await tokens.verify(token)).ok).toBe(true);
    clock.advance(20_000);
    expect(await tokens.verify(token)).toMatchObject({ ok: false, reason: 'expired' });
    // Uncached: a second service with the same key has never seen it, and refuses it for its time alone.
    const fresh = new TokenService({ tenant: 'acme', environment: 'test', now: clock.now, secret: SHARED_KEY });
    expect(await fresh.verify(token)).toMatchObject({ ok: false, reason: 'expired' });
    clock.advance(-1);
    expect((await new TokenService({ tenant: 'acme', environment: 'test', now: clock.now, secret: SHARED_KEY }).verify(token)).ok).toBe(true);
  });

  it('rejects a token of another environment and of another tenant', async () => {
    // The same key everywhere: the issuer, audience, tenant and environment checks must refuse it.
    const test = setup('test', 'acme', SHARED_KEY);
    const { token } = await test.tokens.issue(test.user);
    expect((await setup('test', 'acme', SHARED_KEY).tokens.verify(token)).ok).toBe(true);
    expect(await setup('production', 'acme', SHARED_KEY).tokens.verify(token)).toMatchObject({ ok: false, reason: 'wrong-issuer' });
    expect(await setup('test', 'globex', SHARED_KEY).tokens.verify(token)).toMatchObject({ ok: false, reason: 'wrong-issuer' });
    // Each check alone: a token right in every other way, wrong in one.
    const claims = decodeJwt(token);
    const signed = (over: Record<string, unknown>, iss = test.tokens.issuer, aud = test.tokens.audience) =>
      new SignJWT({ ...claims, ...over }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(iss).setAudience(aud).sign(SHARED_KEY);
    expect((await test.tokens.verify(await signed({ jti: 'j-ok' }))).ok).toBe(true);
    expect(await test.tokens.verify(await signed({ jti: 'j-env', env: 'production' }))).toMatchObject({ ok: false, reason: 'wrong-issuer' });
    expect(await test.tokens.verify(await signed({ jti: 'j-tenant', tenant: 'globex' }))).toMatchObject({ ok: false, reason: 'wrong-issuer' });
    expect(await test.tokens.verify(await signed({ jti: 'j-iss' }, 'https://elsewhere.example/acme'))).toMatchObject({ ok: false, reason: 'wrong-issuer' });
    expect(await test.tokens.verify(await signed({ jti: 'j-aud' }, test.tokens.issuer, 'other-api:acme:test'))).toMatchObject({ ok: false, reason: 'wrong-issuer' });
    // And with a key of its own, another environment refuses it on the signature first.
    expect(await setup('production').tokens.verify(token)).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('rejects a token signed with the right key but without exp, or with alg none', async () => {
    const { tokens, user } = setup('test', 'acme', SHARED_KEY);
    const good = (await tokens.issue(user)).token;
    const { exp: _exp, ...noExp } = decodeJwt(good);
    // The same claims, re-signed with the right key and header: only the missing exp can refuse it.
    const resigned = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(SHARED_KEY);
    expect((await tokens.verify(await resigned({ ...noExp, exp: decodeJwt(good).exp, jti: 'with-exp' }))).ok).toBe(true);
    expect(await tokens.verify(await resigned({ ...noExp, jti: 'without-exp' }))).toMatchObject({ ok: false, reason: 'claims' });
    // alg none over a payload the service accepts with a signature: refused for the algorithm alone.
    const [, payload] = good.split('.');
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const none = `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${payload}.`;
      expect((await tokens.verify(none)).ok).toBe(false);
    }
    expect((await tokens.verify(good)).ok).toBe(true);
    expect(await tokens.verify('not a token')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('rejects a token that claims a lifetime longer than 30 days, or an iat older than that', async () => {
    const { tokens, user, clock } = setup('test', 'acme', SHARED_KEY);
    const claims = decodeJwt((await tokens.issue(user)).token);
    const now = clock.now() / 1000;
    const resigned = (over: Record<string, unknown>) => new SignJWT({ ...claims, ...over }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(SHARED_KEY);
    expect((await tokens.verify(await resigned({ jti: 'j-30', exp: now + 30 * 86_400 }))).ok).toBe(true);
    expect(await tokens.verify(await resigned({ jti: 'j-long', exp: now + 30 * 86_400 + 1 }))).toMatchObject({ ok: false, reason: 'claims' });
    const old = now - 31 * 86_400;
    expect(await tokens.verify(await resigned({ jti: 'j-old', iat: old, nbf: old, exp: now + 3600 }))).toMatchObject({ ok: false, reason: 'claims' });
  });

  it('rejects, with the right key, a header other than { alg, typ: JWT }, a name given twice, and claims of the wrong type', async () => {
    const { tokens, user } = setup('test', 'acme', SHARED_KEY);
    const claims = decodeJwt((await tokens.issue(user)).token);
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const sign = (header: string, payload: string) => {
      const input = `${b64(header)}.${b64(payload)}`;
      return `${input}.${createHmac('sha256', SHARED_KEY).update(input).digest('base64url')}`;
    };
    const body = JSON.stringify(claims);
    expect((await tokens.verify(sign('{"alg":"HS256","typ":"JWT"}', body))).ok).toBe(true);
    for (const header of ['{"alg":"HS256"}', '{"alg":"HS256","typ":"at+jwt"}', '{"alg":"HS256","typ":"JWT","kid":"1"}', '{"alg":"HS256","typ":"JWT","alg":"HS256"}']) {
      expect((await tokens.verify(sign(header, body))).ok, header).toBe(false);
    }
    // "s\u0075b" is "sub": the same name, written differently.
    const twice = `${body.slice(0, -1)},"s\\u0075b":"someone-else"}`;
    expect(await tokens.verify(sign('{"alg":"HS256","typ":"JWT"}', twice))).toMatchObject({ ok: false, reason: 'malformed' });
    for (const over of [{ gen: '0' }, { gen: null }, { gen: -1 }, { role: 'OrderAdmin' }, { sub: [claims.sub] }, { tenant: null }, { scope: 'x' }]) {
      expect(await tokens.verify(sign('{"alg":"HS256","typ":"JWT"}', JSON.stringify({ ...claims, ...over }))), JSON.stringify(over)).toMatchObject({ ok: false, reason: 'claims' });
    }
  });

  it('takes no signing key shorter than 32 bytes', () => {
    const clock = createManualClock();
    expect(() => new TokenService({ tenant: 'acme', environment: 'test', now: clock.now, secret: new Uint8Array(31) })).toThrow(/at least 32/);
  });
});
