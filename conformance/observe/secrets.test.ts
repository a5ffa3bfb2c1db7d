import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretScanner, maskSecret } from './secrets.ts';

const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** A JWT-shaped token with a fixed header and a payload that starts like the mock's. */
function jwt(sub: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub, jti: randomBytes(8).toString('hex'), exp: 1_900_000_000 }));
  return `${header}.${payload}.${randomBytes(32).toString('base64url')}`;
}

const SECRET = 'cs_9fQk2LmZr7Vx4Tb8Nw1Pq6Yd3Hs0Ja5E';
const CLIENT_ID = 'erp-order-export';

function scannerWithSecret() {
  const scanner = createSecretScanner();
  scanner.add({ kind: 'client-secret', value: SECRET, id: CLIENT_ID });
  return scanner;
}

describe('maskSecret', () => {
  it('keeps at most 4 characters at each end', () => {
    expect(maskSecret('eyJhbGciOiJIUzI1NiJ9Q2x8')).toBe('eyJh…Q2x8');
    expect(maskSecret('abcdefghij')).toBe('ab…ij');
    expect(maskSecret('short')).toBe('…');
  });
});

describe('createSecretScanner', () => {
  it('finds a client secret in full and masks it', () => {
    const scanner = scannerWithSecret();
    const line = `starting with secret=${SECRET} ok`;
    expect(scanner.scan(line)).toEqual([
      { kind: 'client-secret', masked: 'cs_9…Ja5E', how: 'full', index: 21, length: SECRET.length },
    ]);
    expect(scanner.mask(line)).toBe('starting with secret=cs_9…Ja5E ok');
  });

  it('counts a prefix of 12 characters and not one of 11', () => {
    const scanner = scannerWithSecret();
    expect(scanner.scan(`secret ${SECRET.slice(0, 12)}...`).map((h) => h.how)).toEqual(['prefix']);
    expect(scanner.scan(`secret ${SECRET.slice(0, 11)}...`)).toEqual([]);
    expect(scanner.mask(`s=${SECRET.slice(0, 20)}***`)).toBe('s=cs_9…Ja5E***');
  });

  it('finds the secret base64-encoded, alone or inside other base64 data', () => {
    const scanner = scannerWithSecret();
    for (const prefix of ['', 'x', 'xy', '{"clientSecret":"']) {
      const encoded = Buffer.from(`${prefix}${SECRET}"}`).toString('base64');
      expect(scanner.scan(`blob ${encoded}`).map((h) => h.how), prefix).toEqual(['base64']);
      expect(scanner.scan(Buffer.from(`${prefix}${SECRET}`).toString('base64url')).map((h) => h.how)).toEqual(['base64']);
    }
  });

  it('masks a Basic authorization header of clientId:secret whole', () => {
    const scanner = scannerWithSecret();
    const basic = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
    const hits = scanner.scan(`Authorization: Basic ${basic}`);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.how).toBe('base64');
    expect(scanner.mask(`Authorization: Basic ${basic}`)).not.toContain(basic.slice(4, 20));
  });

  it('finds a URL-encoded secret', () => {
    const scanner = createSecretScanner();
    const secret = 'a+b/c=d+e/f=g+h/i=j+k';
    scanner.add({ kind: 'webhook-secret', value: secret });
    const hits = scanner.scan(`GET /hook?token=${encodeURIComponent(secret)}`);
    expect(hits.map((h) => [h.kind, h.how])).toEqual([['webhook-secret', 'full']]);
  });

  it('finds a JWT in full, or its header with 24 characters of payload, or 12 of its signature', () => {
    const scanner = createSecretScanner();
    const token = jwt('client-a');
    scanner.add({ kind: 'token', value: token });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(scanner.scan(`Bearer ${token}`).map((h) => h.how)).toEqual(['full']);
    expect(scanner.scan(`token ${header}.${payload.slice(0, 24)}…`).map((h) => h.how)).toEqual(['prefix']);
    expect(scanner.scan(`sig ${signature.slice(0, 12)}`).map((h) => h.how)).toEqual(['prefix']);
    expect(scanner.mask(`Bearer ${token}`)).toBe(`Bearer ${maskSecret(token)}`);
  });

  it('does not count a JWT header alone, nor 23 characters of payload, nor 11 of its signature', () => {
    const scanner = createSecretScanner();
    const token = jwt('client-a');
    scanner.add({ kind: 'token', value: token });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(scanner.scan(`${header}.`)).toEqual([]);
    expect(scanner.scan(`${header}.${payload.slice(0, 23)}`)).toEqual([]);
    expect(scanner.scan(`x ${signature.slice(0, 11)} y`)).toEqual([]);
  });

  it('names the right token among many that share header and payload start', () => {
    const scanner = createSecretScanner();
    const tokens = Array.from({ length: 500 }, (_, i) => jwt(`client-${i % 3}`));
    for (const value of tokens) scanner.add({ kind: 'token', value });
    const target = tokens[321]!;
    expect(scanner.scan(`Authorization: Bearer ${target}`)).toEqual([
      { kind: 'token', masked: maskSecret(target), how: 'full', index: 22, length: target.length },
    ]);
  });

  it('reports each occurrence once, in order', () => {
    const scanner = scannerWithSecret();
    const webhook = 'whk_Zq81bX0vYt7Rr2Kp5Lm9Nc3';
    scanner.add({ kind: 'webhook-secret', value: webhook });
    const hits = scanner.scan(`${webhook} and ${SECRET} and again ${SECRET}`);
    expect(hits.map((h) => h.kind)).toEqual(['webhook-secret', 'client-secret', 'client-secret']);
  });

  it('matches short secrets only in full and ignores very short ones', () => {
    const scanner = createSecretScanner();
    scanner.add({ kind: 'webhook-secret', value: 'hunter22' });
    scanner.add({ kind: 'webhook-secret', value: 'abc' });
    expect(scanner.scan('pw=hunter22').map((h) => h.how)).toEqual(['full']);
    expect(scanner.scan('pw=hunter2')).toEqual([]);
    expect(scanner.scan('abc abc')).toEqual([]);
    expect(scanner.size).toBe(1);
  });

  it('leaves text without a secret untouched', () => {
    const scanner = scannerWithSecret();
    const line = 'GET /api/orders?page=2 200 13ms cs_9fQk2Lm';
    expect(scanner.mask(line)).toBe(line);
    expect(createSecretScanner().scan(SECRET)).toEqual([]);
  });

  it('scans many lines against many secrets quickly', () => {
    const scanner = scannerWithSecret();
    for (let i = 0; i < 5_000; i++) scanner.add({ kind: 'token', value: jwt(`client-${i}`) });
    const line = `2024-05-01T10:00:00Z info GET https://127.0.0.1:4000/api/orders/${'a1b2c3d4'.repeat(8)} 200 in 12ms`;
    const started = performance.now();
    let hits = 0;
    for (let i = 0; i < 50_000; i++) hits += scanner.scan(line).length;
    const ms = performance.now() - started;
    expect(hits).toBe(0);
    // ~6 MB of text; a few hundred ms on a slow machine, seconds if lines were matched naively.
    expect(ms).toBeLessThan(3_000);
  });
});
