/**
 * security-tests.md section 6, cases 1–34 (JWT and bearer auth), against the mock's real HTTP
 * stack: every attack answers 401 (400/431 for a huge header), never 2xx and never 5xx, on
 * every listener of the first tenant (its test API, its production API and the three bad-TLS
 * listeners, which serve the test environment).
 *
 * The mock is started with a known signing key per environment (`signingKey`), so a token can
 * be signed exactly as the listener signs its own: when such a token is refused, one claim
 * check refused it, not the signature. Each group has a twin that the same signing accepts.
 */
import { execFileSync } from 'node:child_process';
import { type KeyObject, constants, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { closeSync, constants as fs, mkdtempSync, openSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentName } from '../auth/api-users.ts';
import { TOKEN_LOCKOUT } from '../auth/token-lockout.ts';
import { createManualClock } from '../clock.ts';
import { fingerprint } from '../secrets.ts';
import { type MockServer, createMockServer } from '../server.ts';
import { BAD_TLS_KINDS } from '../transports/tls.ts';
import { tokenFor, trustingFetch } from './client.ts';
import { insecureFetch } from './fixtures/insecure-client.ts';

type Call = ReturnType<typeof trustingFetch>;
type Claims = Record<string, unknown>;

/** One listener under attack, with the key its environment signs with and a token it issued. */
interface Listener {
  name: string;
  url: string;
  tenant: string;
  environment: EnvironmentName;
  call: Call;
  key: Uint8Array;
  /** A token from this listener's own token endpoint, and its claims. */
  token: string;
  claims: Claims;
}

/** The target of every call: it needs `StoreRead`, which the attacked API users hold. */
const TARGET = '/api/Stores';
const HEADER = { alg: 'HS256', typ: 'JWT' };
/** Well under the 10 s a `sleep 10` would take, and far above a verification's few ms. */
const NORMAL_LATENCY_MS = 1_000;

const keys = new Map<string, Uint8Array>();
const keyOf = (tenant: string, environment: EnvironmentName) => keys.get(`${tenant}.${environment}`)!;
const clock = createManualClock();
let mock: MockServer;
let call: Call;
let insecure: Call;
/** Every listener of the first tenant: test, production, then the bad-TLS ones (test's runtime). */
let listeners: Listener[];
let test: Listener;
let production: Listener;
/** The second tenant's test API: for tokens of another tenant. */
let globex: Listener;
let attacker: { rsa: { privateKey: KeyObject; publicKey: KeyObject }; ec: { privateKey: KeyObject; publicKey: KeyObject } };

const b64 = (v: string | Uint8Array) => Buffer.from(v).toString('base64url');
const json = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const nowSeconds = () => Math.floor(clock.now() / 1000);

type Signer = (input: string) => string;
const hs = (key: string | Uint8Array, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): Signer => (input) => createHmac(hash, key).update(input).digest('base64url');
const rs = (key: KeyObject): Signer => (input) => b64(sign('sha256', Buffer.from(input), key));
const ps = (key: KeyObject): Signer => (input) => b64(sign('sha256', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
const es = (key: KeyObject, encoding: 'ieee-p1363' | 'der' = 'ieee-p1363'): Signer => (input) => b64(sign('sha256', Buffer.from(input), { key, dsaEncoding: encoding }));

/** A compact JWS of `header` and `payload` (objects, or JSON text as it should appear), signed by `signer`. */
function compact(header: unknown, payload: unknown, signer: Signer): string {
  const input = `${b64(json(header))}.${b64(json(payload))}`;
  return `${input}.${signer(input)}`;
}

/**
 * The claims `l` writes into a fresh token (its real token's, now-dated, with a new `jti`),
 * changed by `over`: a key set to `undefined` is left out.
 */
function claimsOf(l: Listener, over: Claims = {}): Claims {
  const now = nowSeconds();
  const out: Claims = { ...l.claims, jti: randomUUID(), iat: now, nbf: now, exp: now + 3_600, ...over };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/** A token signed with `l`'s own key and header, its claims changed by `over`. */
const forge = (l: Listener, over: Claims = {}, header: unknown = HEADER) => compact(header, claimsOf(l, over), hs(l.key));

interface Answer {
  listener: string;
  what: string;
  status: number;
  body: string;
  wwwAuthenticate: string | null;
  ms: number;
}

async function send(l: Listener, what: string, headers: Record<string, string>, path = TARGET, init: { method?: string; body?: string } = {}): Promise<Answer> {
  const started = performance.now();
  const res = await l.call(`${l.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: init.body }) });
  const body = await res.text();
  return { listener: l.name, what, status: res.status, body, wwwAuthenticate: res.headers.get('www-authenticate'), ms: performance.now() - started };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The base64url character with the same 4 data bits as `c` and its 2 unused low bits set. */
const unusedBitsSet = (c: string) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return alphabet[alphabet.indexOf(c) | 0b11]!;
};

interface Attack {
  what: string;
  /** The token to present on `l` (or the whole Authorization header, with `header`). */
  token: (l: Listener) => string;
  header?: true;
}

/**
 * Sends every attack to every listener (listeners in parallel, attacks one after another on
 * each) and returns the answers that were not Omnium's refusal: 401, an empty body and
 * `WWW-Authenticate: Bearer…` (and, when `timed`, within NORMAL_LATENCY_MS). An empty list is a pass.
 */
async function notRefused(attacks: readonly Attack[], { on = listeners, timed = false }: { on?: readonly Listener[]; timed?: boolean } = {}): Promise<Answer[]> {
  const answers = await Promise.all(
    on.map(async (l) => {
      const out: Answer[] = [];
      for (const a of attacks) {
        const token = a.token(l);
        out.push(await send(l, a.what, a.header ? { authorization: token } : bearer(token)));
      }
      return out;
    }),
  );
  return (
    answers
      .flat()
      .filter((a) => a.status !== 401 || a.body !== '' || !a.wwwAuthenticate?.startsWith('Bearer') || (timed && a.ms > NORMAL_LATENCY_MS))
      // Cut: a failure should show what came back, not a page of data.
      .map((a) => ({ ...a, body: a.body.slice(0, 120) }))
  );
}

/** The statuses `l` answers to each token, by name. */
async function statuses(l: Listener, tokens: Record<string, string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, token] of Object.entries(tokens)) out[name] = (await send(l, name, bearer(token))).status;
  return out;
}

/** The journal entry of the request that presented `token`. */
const entryOf = (token: string) => mock.journal.since(0).findLast((e) => e.tokenFingerprint === fingerprint(token));

beforeAll(async () => {
  mock = await createMockServer({
    clock,
    dataScale: 12,
    tenants: ['acme', 'globex'],
    demoUser: false,
    signingKey: ({ tenant, environment }) => {
      const key = randomBytes(32);
      keys.set(`${tenant}.${environment}`, key);
      return key;
    },
  });
  call = trustingFetch(mock.caCertPath!);
  // The bad-TLS listeners present bad certificates on purpose; reaching them tests their auth, not TLS.
  insecure = insecureFetch();
  attacker = { rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }), ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }) };

  const listener = async (name: string, url: string, tenant: string, environment: EnvironmentName, via: Call): Promise<Listener> => {
    const user = await mock.createApiUser({ name: `Attacked ${name}`, roles: ['StoreRead', 'OrderRead'], tenant, environment });
    const token = await tokenFor(via, url, user.clientId, user.clientSecret);
    return { name, url, tenant, environment, call: via, key: keyOf(tenant, environment), token, claims: decodeJwt(token) as Claims };
  };
  test = await listener('test', mock.environments.test.apiUrl, 'acme', 'test', call);
  production = await listener('production', mock.environments.production.apiUrl, 'acme', 'production', call);
  const bad = await Promise.all(BAD_TLS_KINDS.map((kind) => listener(`bad-tls:${kind}`, mock.badTls[kind]!, 'acme', 'test', insecure)));
  listeners = [test, production, ...bad];
  globex = await listener('globex test', mock.tenants[1]!.environments.test.apiUrl, 'globex', 'test', call);
});

afterAll(async () => {
  await call?.close();
  await insecure?.close();
  await mock?.close();
});

/** `token` with one bit of signature byte `byte` flipped: the same length and form, another signature. */
function flipped(token: string, byte: number): string {
  const dot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  signature[byte]! ^= 0x01;
  return `${token.slice(0, dot + 1)}${b64(signature)}`;
}

describe('bearer JWT attacks (security-tests.md cases 1–34)', () => {
  it("control for cases 1–30: the listener's own tokens, and tokens this test signs with its key, answer 200 everywhere", async () => {
    for (const l of [...listeners, globex]) {
      expect(await statuses(l, { issued: l.token, forged: forge(l) }), l.name).toEqual({ issued: 200, forged: 200 });
    }
  });

  it('case 1: alg none in every casing, with an empty signature, answers 401 and no data', async () => {
    const attacks = ['none', 'None', 'NONE', 'nOnE'].map((alg) => ({
      what: `alg ${alg}`,
      token: (l: Listener) => `${b64(json({ alg, typ: 'JWT' }))}.${b64(json(claimsOf(l)))}.`,
    }));
    expect(await notRefused(attacks)).toEqual([]);
  });

  it('case 2: a valid token with its signature removed answers 401', async () => {
    expect(await notRefused([{ what: 'h.p.', token: (l) => l.token.slice(0, l.token.lastIndexOf('.') + 1) }])).toEqual([]);
  });

  it('case 3: a valid token with its last 4 signature characters dropped, a signature byte flipped, or its last character respelt, answers 401', async () => {
    expect(
      await notRefused([
        { what: 'last 4 dropped', token: (l) => l.token.slice(0, -4) },
        { what: 'first byte flipped', token: (l) => flipped(l.token, 0) },
        { what: 'last byte flipped', token: (l) => flipped(l.token, 31) },
        // The same signature bytes: the last character's two unused bits set (RFC 4648 §3.5).
        { what: 'unused bits of the last character set', token: (l) => `${l.token.slice(0, -1)}${unusedBitsSet(l.token.at(-1)!)}` },
      ]),
    ).toEqual([]);
  });

  it('case 4: a claim changed (role, tenant, user, environment) under the original signature answers 401', async () => {
    const changed = (over: Claims) => (l: Listener) => {
      const [header, , signature] = l.token.split('.');
      return `${header}.${b64(json({ ...l.claims, ...over }))}.${signature}`;
    };
    expect(
      await notRefused([
        { what: 'role ApiOwner', token: changed({ role: ['ApiOwner'] }) },
        { what: 'tenant globex', token: changed({ tenant: 'globex' }) },
        { what: 'another user', token: (l) => changed({ sub: globex.claims.sub })(l) },
        { what: 'the other environment', token: (l) => changed({ env: l.environment === 'test' ? 'production' : 'test' })(l) },
      ]),
    ).toEqual([]);
  });

  it("case 5: HS256 keyed with the server's public key (its TLS key, as PEM, DER, JWK and certificate) answers 401", async () => {
    // The mock signs tokens with HS256 only and has no token key pair; its TLS key is the public key an attacker can see.
    const publicKey = createPublicKey(mock.tls!.server.cert);
    const encodings = {
      'SPKI PEM': publicKey.export({ type: 'spki', format: 'pem' }),
      'SPKI DER': publicKey.export({ type: 'spki', format: 'der' }),
      JWK: JSON.stringify(publicKey.export({ format: 'jwk' })),
      'certificate PEM': mock.tls!.server.cert,
    };
    const attacks = Object.entries(encodings).map(([what, key]) => ({ what, token: (l: Listener) => compact(HEADER, claimsOf(l), hs(key)) }));
    expect(await notRefused(attacks)).toEqual([]);
  });

  it("case 6: an attacker's key embedded as a jwk header (HS256 oct and RS256 RSA) answers 401", async () => {
    const oct = randomBytes(32);
    const rsaJwk = attacker.rsa.publicKey.export({ format: 'jwk' });
    expect(
      await notRefused([
        { what: 'oct jwk', token: (l) => compact({ ...HEADER, jwk: { kty: 'oct', k: b64(oct) } }, claimsOf(l), hs(oct)) },
        { what: 'RSA jwk', token: (l) => compact({ alg: 'RS256', typ: 'JWT', jwk: rsaJwk }, claimsOf(l), rs(attacker.rsa.privateKey)) },
      ]),
    ).toEqual([]);
  });

  it('case 7: jku and x5u pointing at a JWKS this test hosts answer 401, and the JWKS is never fetched', async () => {
    const fetched: string[] = [];
    const jwks: Server = createServer((req, res) => {
      fetched.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [{ ...attacker.rsa.publicKey.export({ format: 'jwk' }), kid: 'attacker', alg: 'RS256', use: 'sig' }] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
    try {
      const signed = (extra: Claims) => (l: Listener) => compact({ alg: 'RS256', typ: 'JWT', kid: 'attacker', ...extra }, claimsOf(l), rs(attacker.rsa.privateKey));
      expect(
        await notRefused([
          { what: 'jku', token: signed({ jku: `${at}/jwks.json` }) },
          { what: 'x5u', token: signed({ x5u: `${at}/cert.pem` }) },
          // The right key, so only the header can refuse it: the URL must still not be followed.
          { what: 'jku, HS256 with the right key', token: (l) => forge(l, {}, { ...HEADER, jku: `${at}/jwks.json` }) },
        ]),
      ).toEqual([]);
      expect(fetched).toEqual([]);
    } finally {
      await new Promise((resolve) => jwks.close(resolve));
    }
  });

  it('case 8: a self-signed x5c chain (the mock CA itself, and its leaf with the CA) with a signature by its key answers 401', async () => {
    const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64');
    const tls = mock.tls!;
    const caKey = createPrivateKey(tls.ca.key);
    const leafKey = createPrivateKey(tls.server.key);
    expect(
      await notRefused([
        { what: 'x5c self-signed CA', token: (l) => compact({ alg: 'ES256', typ: 'JWT', x5c: [der(tls.ca.cert)] }, claimsOf(l), es(caKey)) },
        { what: 'x5c leaf + CA', token: (l) => compact({ alg: 'ES256', typ: 'JWT', x5c: [der(tls.server.cert), der(tls.ca.cert)] }, claimsOf(l), es(leafKey)) },
      ]),
    ).toEqual([]);
  });

  it.skipIf(process.platform === 'win32')('case 9: kid path traversal with an empty-key HMAC answers 401 at once, and reads no file', async () => {
    // A FIFO: reading it would block until a writer comes, so a prompt 401 means it was never read.
    const dir = mkdtempSync(join(tmpdir(), 'golive-kid-'));
    const fifo = join(dir, 'key');
    execFileSync('mkfifo', [fifo]);
    try {
      const kids = ['../../../../../../dev/null', '/dev/null', '/invalid_path', '', fifo, `../../../../../../..${fifo}`];
      const attacks = kids.map((kid) => ({ what: `kid ${JSON.stringify(kid)}`, token: (l: Listener) => compact({ ...HEADER, kid }, claimsOf(l), hs('')) }));
      expect(await notRefused(attacks, { timed: true })).toEqual([]);
      // Nobody holds it open for reading: a non-blocking writer is refused with ENXIO.
      expect(() => closeSync(openSync(fifo, fs.O_WRONLY | fs.O_NONBLOCK))).toThrow(expect.objectContaining({ code: 'ENXIO' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("case 10: kid x' UNION SELECT '1';-- signed with the secret 1 answers 401", async () => {
    const kids = ["x' UNION SELECT '1';--", "' OR '1'='1", '1; DROP TABLE keys;--'];
    const attacks = kids.map((kid) => ({ what: `kid ${kid}`, token: (l: Listener) => compact({ ...HEADER, kid }, claimsOf(l), hs('1')) }));
    expect(await notRefused(attacks)).toEqual([]);
  });

  it('case 11: kid |sleep 10 (and other shell forms) answers 401 with normal latency', async () => {
    const kids = ['|sleep 10', ';sleep 10', '$(sleep 10)', '`sleep 10`', '&& sleep 10'];
    const attacks = kids.map((kid) => ({ what: `kid ${kid}`, token: (l: Listener) => compact({ ...HEADER, kid }, claimsOf(l), hs('')) }));
    expect(await notRefused(attacks, { timed: true })).toEqual([]);
  });

  it('case 12: an unknown or rotated-out kid answers 401, never 500, even signed with the right key', async () => {
    // One HS256 key per environment and no JWKS: there is nothing to reload, and a kid names nothing.
    const attacks = ['rotated-2025', 'unknown', '0'].map((kid) => ({ what: `kid ${kid}`, token: (l: Listener) => forge(l, {}, { ...HEADER, kid }) }));
    expect(await notRefused(attacks)).toEqual([]);
  });

  it("case 13: HS256 with a blank secret, common secrets, or the API user's own client secret answers 401", async () => {
    // The most common entries of jwt_tool's jwt-common.txt; the key itself is 32 random bytes (tokens.test.ts).
    const secrets = ['', 'secret', 'password', '123456', 'changeme', 'your-256-bit-secret', 'jwt', 'key', 'secretkey', 'supersecret', 'admin', 'test', 'omnium', 'golive'];
    const attacks = secrets.map((secret) => ({ what: `secret ${JSON.stringify(secret)}`, token: (l: Listener) => compact(HEADER, claimsOf(l), hs(secret)) }));
    const user = await mock.createApiUser({ name: 'Own secret', roles: ['StoreRead'] });
    attacks.push({ what: 'client secret', token: (l) => compact(HEADER, claimsOf(l, { sub: user.clientId }), hs(user.clientSecret)) });
    attacks.push({ what: 'admin token', token: (l) => compact(HEADER, claimsOf(l), hs(mock.adminToken)) });
    expect(await notRefused(attacks)).toEqual([]);
  });

  it("case 14: ES256 with an all-zero 64-byte signature (CVE-2022-21449), and with a DER-encoded one, answers 401", async () => {
    const header = { alg: 'ES256', typ: 'JWT' };
    expect(
      await notRefused([
        { what: 'r = s = 0', token: (l) => compact(header, claimsOf(l), () => b64(new Uint8Array(64))) },
        { what: 'DER signature', token: (l) => compact(header, claimsOf(l), es(attacker.ec.privateKey, 'der')) },
        { what: 'r||s by an unknown key', token: (l) => compact(header, claimsOf(l), es(attacker.ec.privateKey)) },
      ]),
    ).toEqual([]);
  });

  it('case 15: exp = now and exp in the past answer 401, exp = now + 1 answers 200, over random clocks (cached tokens too)', async () => {
    // No clock tolerance (jose's default, 0): exp is refused from the second it names.
    let seed = 15;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let shifted = 0;
    try {
      for (let run = 0; run < 25; run++) {
        // A random instant (milliseconds too) within ±200 days of the start.
        const shift = Math.round((random() - 0.5) * 400 * 86_400_000);
        clock.shift(shift);
        shifted += shift;
        const delta = Math.floor(random() * 7) - 3;
        const l = listeners[run % listeners.length]!;
        const token = forge(l, { exp: nowSeconds() + delta });
        const expected = delta >= 1 ? 200 : 401;
        expect((await send(l, `exp now${delta >= 0 ? '+' : ''}${delta}`, bearer(token))).status, `run ${run}: exp = now ${delta}`).toBe(expected);
        if (expected === 200) {
          // Verified and cached: the cache still refuses it once its second comes.
          const toExp = (nowSeconds() + delta) * 1000 - clock.now();
          clock.shift(toExp);
          shifted += toExp;
          expect((await send(l, 'cached, at exp', bearer(token))).status, `run ${run}: cached at exp`).toBe(401);
        }
      }
    } finally {
      clock.shift(-shifted);
    }
  });

  it('case 16: a token without exp, signed with the right key, answers 401', async () => {
    expect(await notRefused([{ what: 'no exp', token: (l) => forge(l, { exp: undefined }) }])).toEqual([]);
  });

  it('case 17: nbf = now + 1 answers 401 and nbf = now answers 200 (no clock tolerance)', async () => {
    for (const l of listeners) {
      expect(await statuses(l, { 'nbf now+1': forge(l, { nbf: nowSeconds() + 1 }), 'nbf now': forge(l, { nbf: nowSeconds() }) }), l.name).toEqual({
        'nbf now+1': 401,
        'nbf now': 200,
      });
    }
  });

  it('case 18: iat in the future, iat older than the maximum token age, or a lifetime longer than it answers 401', async () => {
    const maxAge = 30 * 86_400;
    for (const l of listeners) {
      const now = nowSeconds();
      const tokens = {
        'iat now+1': forge(l, { iat: now + 1 }),
        'iat older than 30 days': forge(l, { iat: now - maxAge - 1, nbf: now - maxAge - 1, exp: now + 60 }),
        'lifetime 30 days + 1 s': forge(l, { exp: now + maxAge + 1 }),
        'lifetime 30 days (twin)': forge(l, { exp: now + maxAge }),
      };
      expect(await statuses(l, tokens), l.name).toEqual({ 'iat now+1': 401, 'iat older than 30 days': 401, 'lifetime 30 days + 1 s': 401, 'lifetime 30 days (twin)': 200 });
    }
  });

  it('case 19: exp, nbf or iat as a string, null or array, signed with the right key, answers 401', async () => {
    const attacks: Attack[] = [];
    for (const claim of ['exp', 'nbf', 'iat']) {
      attacks.push(
        { what: `${claim} string`, token: (l) => forge(l, { [claim]: String(claimsOf(l)[claim]) }) },
        { what: `${claim} null`, token: (l) => forge(l, { [claim]: null }) },
        { what: `${claim} array`, token: (l) => forge(l, { [claim]: [claimsOf(l)[claim]] }) },
      );
    }
    // And golive's own claims in the wrong type (a generation `gen` of "0" would slip past revocation).
    for (const [claim, value] of [['gen', '0'], ['gen', null], ['role', 'ApiOwner'], ['sub', null], ['tenant', ['acme']], ['env', null]] as const) {
      attacks.push({ what: `${claim} ${JSON.stringify(value)}`, token: (l) => forge(l, { [claim]: value }) });
    }
    expect(await notRefused(attacks)).toEqual([]);
  });

  it('case 20: a wrong aud, a missing aud and an aud array without ours answer 401; an array with ours answers 200', async () => {
    expect(
      await notRefused([
        { what: 'wrong aud', token: (l) => forge(l, { aud: 'omnium-api:acme:elsewhere' }) },
        { what: 'no aud', token: (l) => forge(l, { aud: undefined }) },
        { what: 'aud array without ours', token: (l) => forge(l, { aud: ['omnium-api:globex:test', 'other'] }) },
        { what: 'aud empty array', token: (l) => forge(l, { aud: [] }) },
      ]),
    ).toEqual([]);
    for (const l of listeners) expect((await send(l, 'aud array with ours', bearer(forge(l, { aud: ['other', l.claims.aud] })))).status, l.name).toBe(200);
  });

  it("case 21: a sandbox token on production, and another environment's or tenant's claims signed with the RIGHT key, answer 401", async () => {
    // Tokens each API issued itself, presented to the other.
    expect(await statuses(production, { 'test token': test.token })).toEqual({ 'test token': 401 });
    expect(await statuses(test, { 'production token': production.token, 'globex token': globex.token })).toEqual({ 'production token': 401, 'globex token': 401 });
    // Signed with the receiving environment's own key: only the claim checks can refuse these.
    const other = (l: Listener) => (l === production ? test : production);
    const attacks: Attack[] = [
      { what: "other environment's iss, aud and env", token: (l) => forge(l, { iss: other(l).claims.iss, aud: other(l).claims.aud, env: other(l).environment }) },
      { what: 'only iss of the other environment', token: (l) => forge(l, { iss: other(l).claims.iss }) },
      { what: 'only aud of the other environment', token: (l) => forge(l, { aud: other(l).claims.aud }) },
      { what: 'only env of the other environment', token: (l) => forge(l, { env: other(l).environment }) },
      { what: "globex's iss, aud and tenant", token: (l) => forge(l, { iss: globex.claims.iss, aud: globex.claims.aud, tenant: 'globex' }) },
      { what: 'only tenant globex', token: (l) => forge(l, { tenant: 'globex' }) },
      { what: 'no tenant', token: (l) => forge(l, { tenant: undefined }) },
    ];
    expect(await notRefused(attacks)).toEqual([]);
    const env = mock.journal.since(0).findLast((e) => e.listener === 'api' && e.denied === 'token wrong-issuer');
    expect(env, 'the journal says the issuer check refused them').toBeDefined();
  });

  it('case 22: a same-key token of another type (typ other than JWT, none, or another kind of credential) answers 401', async () => {
    // Omnium's access tokens say typ JWT (omnium-api.md A2: {"alg":"HS256","typ":"JWT"}), so that, not
    // RFC 9068's at+jwt, is the one type taken; a token of another kind (refresh, ID) is refused by its kind claim.
    const types = ['at+jwt', 'refresh+jwt', 'id_token+jwt', 'JWS', 'application/jose'];
    const attacks: Attack[] = types.map((typ) => ({ what: `typ ${typ}`, token: (l) => forge(l, {}, { alg: 'HS256', typ }) }));
    attacks.push({ what: 'no typ', token: (l) => forge(l, {}, { alg: 'HS256' }) });
    attacks.push({ what: 'kind refresh', token: (l) => forge(l, { kind: 'refresh' }) });
    attacks.push({ what: 'kind id', token: (l) => forge(l, { kind: 'id', subject: 'customer-1' }) });
    expect(await notRefused(attacks)).toEqual([]);
  });

  it('case 23: HS384 and HS512 with the right key, and RS256, PS256 and ES256 by an unknown key, answer 401', async () => {
    expect(
      await notRefused([
        { what: 'HS384, right key', token: (l) => compact({ alg: 'HS384', typ: 'JWT' }, claimsOf(l), hs(l.key, 'sha384')) },
        { what: 'HS512, right key', token: (l) => compact({ alg: 'HS512', typ: 'JWT' }, claimsOf(l), hs(l.key, 'sha512')) },
        { what: 'HS256 signature under alg HS512', token: (l) => compact({ alg: 'HS512', typ: 'JWT' }, claimsOf(l), hs(l.key)) },
        { what: 'RS256', token: (l) => compact({ alg: 'RS256', typ: 'JWT' }, claimsOf(l), rs(attacker.rsa.privateKey)) },
        { what: 'PS256', token: (l) => compact({ alg: 'PS256', typ: 'JWT' }, claimsOf(l), ps(attacker.rsa.privateKey)) },
        { what: 'ES256', token: (l) => compact({ alg: 'ES256', typ: 'JWT' }, claimsOf(l), es(attacker.ec.privateKey)) },
      ]),
    ).toEqual([]);
  });

  it('case 24: a header with alg twice and claims with sub twice, signed with the right key, answer 401 (rejected, not last-wins)', async () => {
    const withTwice = (l: Listener, name: string, first: unknown) => {
      const text = JSON.stringify(claimsOf(l));
      return `{${JSON.stringify(name)}:${JSON.stringify(first)},${text.slice(1)}`;
    };
    const other = globex.claims.sub;
    expect(
      await notRefused([
        { what: 'alg none, then HS256', token: (l) => compact('{"alg":"none","typ":"JWT","alg":"HS256"}', claimsOf(l), hs(l.key)) },
        { what: 'alg HS256 twice', token: (l) => compact('{"alg":"HS256","typ":"JWT","alg":"HS256"}', claimsOf(l), hs(l.key)) },
        { what: 'sub twice', token: (l) => compact(HEADER, withTwice(l, 'sub', other), hs(l.key)) },
        { what: 'sub twice, escaped', token: (l) => compact(HEADER, withTwice(l, 's\\u0075b', other).replace('"s\\\\u0075b"', '"s\\u0075b"'), hs(l.key)) },
        { what: 'role twice', token: (l) => compact(HEADER, withTwice(l, 'role', ['ApiOwner']), hs(l.key)) },
      ]),
    ).toEqual([]);
  });

  it('case 25: crit with an unknown extension, and b64:false, signed with the right key, answer 401', async () => {
    const unencoded = (l: Listener) => {
      const header = b64(json({ ...HEADER, b64: false, crit: ['b64'] }));
      const payload = json(claimsOf(l));
      return `${header}.${payload}.${hs(l.key)(`${header}.${payload}`)}`;
    };
    const detached = (l: Listener) => unencoded(l).replace(/\.[^.]*\./, '..');
    expect(
      await notRefused([
        { what: 'crit urn:x', token: (l) => forge(l, {}, { ...HEADER, crit: ['urn:x'], 'urn:x': true }) },
        { what: 'crit exp', token: (l) => forge(l, {}, { ...HEADER, crit: ['exp'] }) },
        { what: 'b64 false, encoded payload', token: (l) => forge(l, {}, { ...HEADER, b64: false, crit: ['b64'] }) },
        { what: 'b64 false, payload as is', token: unencoded },
        { what: 'b64 false, detached', token: detached },
      ]),
    ).toEqual([]);
  });

  it('case 26: claims that are a JSON array, a number, a string, null, or invalid UTF-8, signed with the right key, answer 401', async () => {
    const raw = (bytes: Buffer) => (l: Listener) => {
      const input = `${b64(json(HEADER))}.${b64(bytes)}`;
      return `${input}.${hs(l.key)(input)}`;
    };
    const overlong = (l: Listener) => {
      // The claims as sent, with the overlong encoding C0 AF ("/") inside the jti.
      const text = Buffer.from(JSON.stringify(claimsOf(l, { jti: 'a__b' })));
      const at = text.indexOf('a__b') + 1;
      text[at] = 0xc0;
      text[at + 1] = 0xaf;
      return raw(text)(l);
    };
    expect(
      await notRefused([
        { what: 'array', token: (l) => raw(Buffer.from(JSON.stringify([claimsOf(l)])))(l) },
        { what: 'number', token: raw(Buffer.from('1')) },
        { what: 'string', token: raw(Buffer.from('"claims"')) },
        { what: 'null', token: raw(Buffer.from('null')) },
        { what: 'true', token: raw(Buffer.from('true')) },
        { what: 'invalid UTF-8 (C0 AF)', token: overlong },
        { what: 'not JSON', token: raw(Buffer.from('{"sub":')) },
      ]),
    ).toEqual([]);
  });

  it('case 27: malformed compact forms (2, 4 or 5 segments, + / = characters, empty) answer 401, never 500', async () => {
    const [h, p, s] = test.token.split('.') as [string, string, string];
    const standard = (v: string) => Buffer.from(v, 'base64url').toString('base64');
    const attacks: Attack[] = [
      { what: '2 segments', token: (l) => l.token.slice(0, l.token.lastIndexOf('.')) },
      { what: '4 segments', token: (l) => `${l.token}.${s}` },
      { what: '5 segments (JWE form)', token: (l) => `${l.token.split('.')[0]}....` },
      { what: 'padding on the signature', token: (l) => `${l.token}=` },
      { what: 'padding on the header', token: (l) => l.token.replace('.', '=.') },
      { what: 'standard base64 (+ / =)', token: (l) => l.token.split('.').map(standard).join('.') },
      { what: 'a + in the signature', token: (l) => `${l.token.slice(0, -1)}+` },
      { what: 'a / in the payload', token: (l) => l.token.replace(/\.(.)/, './') },
      { what: 'dots only', token: () => '.....' },
      { what: 'two dots', token: () => '..' },
      { what: 'header only', token: () => h },
      { what: 'header and payload of another token', token: () => `${h}.${p}` },
      { what: 'header not JSON', token: (l) => `${b64('alg')}.${l.token.split('.')[1]}.${s}` },
      { what: 'header a JSON array', token: (l) => compact('["HS256"]', claimsOf(l), hs(l.key)) },
      { what: 'non-ASCII', token: (l) => `${l.token}é` },
      { what: 'empty Authorization', token: () => '', header: true },
      { what: 'Bearer and nothing', token: () => 'Bearer', header: true },
      { what: 'Bearer and spaces', token: () => 'Bearer    ', header: true },
      { what: 'Basic instead of Bearer', token: (l) => `Basic ${b64(`${l.claims.sub}:x`)}`, header: true },
      { what: 'two tokens', token: (l) => `Bearer ${l.token} ${l.token}`, header: true },
    ];
    const wrong = await notRefused(attacks);
    // A request without a usable bearer token may be answered 400 (RFC 6750 invalid_request); never anything else.
    expect(wrong.filter((a) => a.status !== 400)).toEqual([]);
  });

  it('case 28: a 64 KiB Authorization header answers 431 (or 401), and the server goes on serving', async () => {
    const huge = forge(test, { pad: 'x'.repeat(64 * 1024) });
    const big = (l: Listener, token: string) => send(l, 'huge', bearer(token)).catch((err: Error) => ({ status: 0, error: err.message }));
    const justUnder = (l: Listener) => compact(HEADER, claimsOf(l, { pad: 'x'.repeat(10 * 1024) }), hs(randomBytes(32)));
    for (const l of listeners) {
      const answers = await Promise.all([big(l, huge), send(l, 'meanwhile', bearer(l.token))]);
      expect([431, 401], `${l.name}: ${JSON.stringify(answers[0])}`).toContain(answers[0].status);
      expect(answers[1].status, `${l.name}: a request beside it`).toBe(200);
      expect((await send(l, '10 KiB, bad signature', bearer(justUnder(l)))).status, l.name).toBe(401);
      expect((await send(l, 'after', bearer(l.token))).status, `${l.name}: after it`).toBe(200);
    }
  });

  it('case 29: an expired token with a bad signature is refused for its signature, not its expiry', async () => {
    const past = nowSeconds() - 3_600;
    const expired = { iat: past - 60, nbf: past - 60, exp: past };
    for (const l of listeners) {
      const forged = compact(HEADER, claimsOf(l, expired), hs(randomBytes(32)));
      const answer = await send(l, 'expired, bad signature', bearer(forged));
      expect(answer.status).toBe(401);
      expect(answer.wwwAuthenticate).toBe('Bearer error="invalid_token"');
      expect(entryOf(forged)).toMatchObject({ denied: 'token signature', tokenExpired: false });
      // The twin with the right key is refused for its expiry, and says so: the two are told apart.
      const genuine = forge(l, expired);
      const twin = await send(l, 'expired, right key', bearer(genuine));
      expect(twin.status).toBe(401);
      expect(twin.wwwAuthenticate).toContain('expired');
      expect(entryOf(genuine)).toMatchObject({ denied: 'token expired', tokenExpired: true });
    }
  });

  it('case 30: after 200 invalid tokens the valid ones still answer 200 (no poisoned cache, no lockout)', async () => {
    for (const l of listeners) expect((await send(l, 'before', bearer(l.token))).status).toBe(200);
    const fresh = listeners.map((l) => forge(l));
    const invalid: ((l: Listener, i: number) => string)[] = [
      // The valid token's signature under other claims: the cache is keyed by signature.
      (l, i) => `${l.token.split('.')[0]}.${b64(json({ ...l.claims, jti: `x${i}` }))}.${l.token.split('.')[2]}`,
      // A signature byte flipped: never the valid token ("its last two characters AA" was, when they already were: 1 in 1,024).
      (l) => flipped(l.token, 31),
      (l, i) => forge(l, { exp: nowSeconds() - i }),
      (l) => compact({ alg: 'none', typ: 'JWT' }, claimsOf(l), () => ''),
      (l) => forge(l, { aud: 'other' }),
      (l) => compact(HEADER, claimsOf(l), hs(randomBytes(32))),
      (_, i) => `garbage-${i}`,
      (l) => `${l.token}.${l.token}`,
    ];
    await Promise.all(
      listeners.map(async (l) => {
        for (let i = 0; i < 200; i += 20) {
          // Named by variant and token (masked), so a refusal that did not come says which.
          const batch = Array.from({ length: 20 }, (_, j) => {
            const token = invalid[(i + j) % invalid.length]!(l, i + j);
            return send(l, `invalid variant ${(i + j) % invalid.length} (${token.slice(0, 12)}…${token.slice(-6)})`, bearer(token));
          });
          for (const a of await Promise.all(batch)) expect(a.status, `${l.name}: ${a.what}`).toBe(401);
        }
      }),
    );
    for (const [i, l] of listeners.entries()) {
      expect(await statuses(l, { cached: l.token, 'never seen': fresh[i]! }), l.name).toEqual({ cached: 200, 'never seen': 200 });
    }
  });

  it("case 31: no token, a bad token and a token lacking the role answer Omnium's empty 401 Bearer, 401 invalid_token and empty 403", async () => {
    // Fidelity over RFC 6750's wording: Omnium runs ASP.NET's JwtBearer, whose 403 is empty and has
    // no WWW-Authenticate (no error="insufficient_scope"); omnium-api.md A3 and C1 say the mock does the same.
    const weak = await mock.createApiUser({ name: 'No StoreRead', roles: ['ProductRead'] });
    const weakToken = await tokenFor(call, test.url, weak.clientId, weak.clientSecret);
    const none = await send(test, 'no token', {});
    expect(none).toMatchObject({ status: 401, body: '', wwwAuthenticate: 'Bearer' });
    const bad = await send(test, 'bad token', bearer(`${test.token.slice(0, -1)}x`));
    expect(bad).toMatchObject({ status: 401, body: '', wwwAuthenticate: 'Bearer error="invalid_token"' });
    const forbidden = await send(test, 'lacks the role', bearer(weakToken));
    expect(forbidden).toMatchObject({ status: 403, body: '', wwwAuthenticate: null });
    expect(mock.journal.since(0).findLast((e) => e.apiUser === weak.clientId)?.denied).toBe('missing role StoreRead');
  });

  it('case 32: the token as an access_token query or form parameter is not accepted', async () => {
    for (const l of listeners) {
      const query = await send(l, 'query', {}, `${TARGET}?access_token=${l.token}`);
      const form = await send(l, 'form', { 'content-type': 'application/x-www-form-urlencoded' }, '/api/Orders/Search', { method: 'POST', body: `access_token=${l.token}` });
      for (const a of [query, form]) expect(a, `${l.name} ${a.what}`).toMatchObject({ status: 401, body: '', wwwAuthenticate: 'Bearer' });
    }
  });

  it("case 33: the token endpoint answers Omnium's empty 401 to a wrong secret (HTTP Basic too), and a numeric expiresIn on success", async () => {
    // Omnium takes clientId and clientSecret as query or form parameters only (omnium-api.md A2) and answers
    // bad credentials with an empty 401 (A2's recommendation; its real body is unconfirmed): no OAuth
    // invalid_client body and no WWW-Authenticate, even when the client tried HTTP Basic.
    const user = await mock.createApiUser({ name: 'Basic tries', roles: ['StoreRead'] });
    const basic = (secret: string) => ({ authorization: `Basic ${Buffer.from(`${user.clientId}:${secret}`).toString('base64')}` });
    for (const l of listeners.filter((x) => x.environment === 'test')) {
      const wrongBasic = await send(l, 'Basic, wrong secret', basic('wrong'), '/api/token', { method: 'POST' });
      const rightBasic = await send(l, 'Basic, right secret', basic(user.clientSecret), '/api/token', { method: 'POST' });
      const wrongQuery = await send(l, 'query, wrong secret', {}, `/api/token?clientId=${user.clientId}&clientSecret=wrong`, { method: 'POST' });
      for (const a of [wrongBasic, rightBasic, wrongQuery]) expect(a, `${l.name} ${a.what}`).toMatchObject({ status: 401, body: '', wwwAuthenticate: null });
      const ok = await send(l, 'JSON', {}, `/api/token?clientId=${user.clientId}&clientSecret=${user.clientSecret}&returnAsJson=true`, { method: 'POST' });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ accessToken: expect.stringMatching(/^eyJ/), tokenType: 'Bearer', expiresIn: 864_000 });
    }
  });

  it('case 34: more than 10 failed token requests per client id a minute answer 429 with Retry-After, whatever the secret; others unaffected', async () => {
    // Decided (security-tests.md section 2, OWASP API2:2023: no unlimited guessing on an auth endpoint):
    // failed requests lock their client id for the rest of the window, the right secret too (a 200 for
    // it would tell the guesses apart); successful requests never count, since Omnium excludes
    // /api/token from its rate limits (omnium-api.md A2, A7, C1) and a client may renew often.
    const [target, bystander, busy] = await Promise.all(
      ['Guessed', 'Bystander', 'Renews often'].map((name) => mock.createApiUser({ name, roles: ['StoreRead'] })),
    );
    const tokenRequest = (clientId: string, secret: string) =>
      send(test, clientId, { 'content-type': 'application/x-www-form-urlencoded' }, '/api/token', { method: 'POST', body: new URLSearchParams({ clientId, clientSecret: secret }).toString() });

    for (let i = 0; i < 3 * TOKEN_LOCKOUT.failures; i++) expect((await tokenRequest(busy!.clientId, busy!.clientSecret)).status, 'successes never count').toBe(200);
    for (let i = 0; i < TOKEN_LOCKOUT.failures; i++) expect((await tokenRequest(target!.clientId, `guess-${i}`)).status, `guess ${i}`).toBe(401);
    const locked = await tokenRequest(target!.clientId, 'guess-next');
    expect(locked).toMatchObject({ status: 429, body: '' });
    const right = await test.call(`${test.url}/api/token?clientId=${target!.clientId}&clientSecret=${target!.clientSecret}`, { method: 'POST' });
    expect(right.status, 'the right secret is locked out too').toBe(429);
    const retryAfter = Number(right.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(TOKEN_LOCKOUT.windowMs / 1000);
    expect(mock.journal.since(0).findLast((e) => e.status === 429 && e.apiUser === target!.clientId)).toMatchObject({
      routeId: 'Token_Post',
      denied: expect.stringContaining('token requests locked'),
      retryAfter: String(retryAfter),
    });

    // Other clients: the bystander's right secret works and its wrong one is a plain 401; the production API keeps its own count.
    expect((await tokenRequest(bystander!.clientId, bystander!.clientSecret)).status).toBe(200);
    expect((await tokenRequest(bystander!.clientId, 'wrong')).status).toBe(401);
    expect((await send(production, 'same id on production', {}, `/api/token?clientId=${target!.clientId}&clientSecret=x`, { method: 'POST' })).status).toBe(401);
    // Tokens issued before the lock still work: it guards the token endpoint only.
    const before = await tokenFor(call, test.url, bystander!.clientId, bystander!.clientSecret);
    expect((await send(test, 'API call', bearer(before))).status).toBe(200);

    clock.advance(retryAfter * 1000);
    expect((await tokenRequest(target!.clientId, target!.clientSecret)).status, 'after Retry-After').toBe(200);
  });
});
