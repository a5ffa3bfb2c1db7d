import { describe, expect, it } from 'vitest';
import { mask } from '../secrets.ts';
import { SecretIndex, redactBody, redactPath, redactQuery, secretCandidates } from './redact.ts';

const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhYmMiLCJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const secret = '0123456789abcdef0123456789abcdef-fedcba9876543210fedcba9876543210';

describe('redaction', () => {
  it('masks with at most four characters at each end', () => {
    expect(mask(jwt)).toBe('eyJh…dGJn'.replace('dGJn', jwt.slice(-4)));
    expect(mask('short')).toBe('…');
    expect(mask('12345678')).toBe('12…78');
  });

  it('finds a known client secret and any JWT in a query and masks them', () => {
    const index = new SecretIndex();
    index.add('client-secret', secret);
    const { query, found } = redactQuery({ clientId: 'erp', clientSecret: secret, access_token: jwt, page: '2' }, index);
    expect(found).toEqual([
      { kind: 'client-secret', where: 'query', param: 'clientSecret' },
      { kind: 'token', where: 'query', param: 'access_token' },
    ]);
    expect(JSON.stringify(query)).not.toContain(secret);
    expect(JSON.stringify(query)).not.toContain(jwt);
    expect(query.page).toBe('2');
  });

  it('offers the secrets of a form body, a JSON body and a header to the index', () => {
    const index = new SecretIndex();
    index.add('client-secret', secret);
    const kinds = (text: string) => [...secretCandidates(text)].flatMap((c) => index.kindOf(c) ?? []);
    expect(kinds(`clientId=erp&clientSecret=${secret}`)).toEqual(['client-secret']);
    expect(kinds(JSON.stringify({ clientSecret: secret }))).toEqual(['client-secret']);
    expect(kinds(`Bearer ${jwt}`)).toContain('token');
    expect(kinds('clientId=erp&page=2&note=nothing-secret-here-at-all')).toEqual([]);
  });

  it('masks a value by its parameter name even when the secret is unknown', () => {
    const { query, found } = redactQuery({ password: 'hunter2hunter2' }, new SecretIndex());
    expect(found).toEqual([]);
    expect(query.password).toBe('hu…r2');
  });

  it('finds a token in a path segment', () => {
    const { path, found } = redactPath(`/api/Orders/${jwt}`, new SecretIndex());
    expect(found).toEqual([{ kind: 'token', where: 'path' }]);
    expect(path).not.toContain(jwt);
  });

  it('finds a percent-encoded secret in the last segment and keeps a path of short segments as it is', () => {
    const index = new SecretIndex();
    index.add('client-secret', secret);
    const encoded = `/api/x/${encodeURIComponent(secret).replace('-', '%2D')}`;
    expect(redactPath(encoded, index).found).toEqual([{ kind: 'client-secret', where: 'path' }]);
    expect(redactPath('/api/Orders/ORD-100001', index)).toEqual({ path: '/api/Orders/ORD-100001', found: [] });
  });

  it('masks secrets in a form body and cuts long bodies', () => {
    const index = new SecretIndex();
    index.add('client-secret', secret);
    const body = redactBody(`grant_type=client_credentials&clientId=erp&clientSecret=${secret}`, index, 2048);
    expect(body).not.toContain(secret);
    expect(body).toContain('clientId=erp');
    const long = redactBody('x'.repeat(5000), index, 100);
    expect(long.length).toBeLessThan(130);
    expect(long).toContain('[4900 more]');
  });

  it("masks a known secret after a field name that ends in an encoded colon (a form copied from `password: …`), and by that name alone", () => {
    const index = new SecretIndex();
    index.add('client-secret', secret);
    const known = redactBody(`grant_type=password&username%3A=erp&password%3A=${secret}&scope%3A=read-profiles`, index, 2048);
    expect(known).not.toContain(secret);
    expect(known).toContain('username%3A=erp');
    const unknown = redactBody('grant_type=password&password%3A=an-unknown-password-1234', new SecretIndex(), 2048);
    expect(unknown).not.toContain('an-unknown-password-1234');
    // Another value that happens to hold an `=` is kept.
    expect(redactBody('note=a%3D1234567890abcdef=xyz', index, 2048)).toBe('note=a%3D1234567890abcdef=xyz');
  });

  it('masks a secret that is a query name, or that a value or a path segment holds after a space', () => {
    const index = new SecretIndex();
    index.add('client-secret', secret);
    const { query, found } = redactQuery({ [jwt]: '', note: ` ${secret}` }, index);
    expect(JSON.stringify(query)).not.toContain(jwt.slice(-20));
    expect(JSON.stringify(query)).not.toContain(secret.slice(0, 20));
    expect(found.map((f) => f.kind)).toEqual(['token', 'client-secret']);
    const path = redactPath(`/api/Orders/x%20${secret}`, index);
    expect(path.path).not.toContain(secret.slice(0, 20));
    expect(path.found).toEqual([{ kind: 'client-secret', where: 'path' }]);
  });

  it('masks a secret a form field hides behind an escape: an encoded space (`+`, `%20`) before it', () => {
    const index = new SecretIndex();
    index.add('client-secret', secret);
    for (const form of [`clientId=+${secret}&grant_type=x`, `clientId=%20${secret}`, `note=a%0A${secret}`]) {
      expect(redactBody(form, index, 2_048), form).not.toContain(secret.slice(0, 20));
    }
    expect(redactBody('phone=+4712345678&note=a+b', index, 2_048)).toBe('phone=+4712345678&note=a+b');
  });

  it('masks a secret across the cut of a long body before cutting, so no piece of it is kept', () => {
    const index = new SecretIndex();
    index.add('client-secret', secret);
    const body = redactBody(`{"note":"${' '.repeat(2_000)}${secret}"}`, index, 2_048);
    expect(body).not.toContain(secret.slice(0, 12));
    expect(body).toMatch(/…\[\d+ more\]$/);
  });

  it('masks a secret inside JSON text', () => {
    const index = new SecretIndex();
    index.add('webhook-secret', 'whk_abcdefghijklmnopqrstuvwxyz');
    const out = redactBody('{"note":"whk_abcdefghijklmnopqrstuvwxyz","token":"' + jwt + '"}', index, 2048);
    expect(out).not.toContain('whk_abcdefghijklmnopqrstuvwxyz');
    expect(out).not.toContain(jwt);
  });

  it('remembers texts that hold no secret only until a secret is added (a cached look-up never hides a new secret)', () => {
    const index = new SecretIndex();
    const text = 'store-oslo-online-0001';
    expect(index.kindIn(text)).toBeUndefined();
    expect(index.kindIn(text)).toBeUndefined();
    index.add('client-secret', text);
    expect(index.kindIn(text)).toBe('client-secret');
    expect(index.kindIn(` ${text}`)).toBe('client-secret');
  });

  it('keeps no hash per token issued, and still finds and masks every token as a token', () => {
    const index = new SecretIndex();
    const token = (i: number) => `eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ0b2tlbi0${String(i).padStart(6, '0')}In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg`;
    index.add('client-secret', secret);
    for (let i = 0; i < 3_000; i++) index.add('token', token(i));
    expect(index.size).toBe(1);

    expect(index.kindOf(secret)).toBe('client-secret');
    expect(index.kindOf(token(2_999))).toBe('token');
    expect(index.kindIn(`note: ${token(7)}`)).toBe('token');
    expect(index.redact(`Bearer ${token(0)}`)).toBe(`Bearer ${mask(token(0))}`);
    expect(redactBody(`access_token=${token(1)}&page=2`, index, 2_048)).not.toContain(token(1));
    expect(redactQuery({ access_token: token(0) }, index).found).toEqual([{ kind: 'token', where: 'query', param: 'access_token' }]);
    expect(redactPath(`/api/Orders/${token(3)}`, index).found).toEqual([{ kind: 'token', where: 'path' }]);
  });

  it('keeps a JWT added as another kind of secret, with that kind', () => {
    const index = new SecretIndex();
    index.add('webhook-secret', jwt);
    expect(index.kindOf(jwt)).toBe('webhook-secret');
  });
});
