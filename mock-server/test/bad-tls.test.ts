import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer } from '../server.ts';
import { BAD_TLS_KINDS } from '../transports/tls.ts';
import { trustingFetch } from './client.ts';
import { insecureFetch } from './fixtures/insecure-client.ts';

let mock: MockServer;

beforeAll(async () => {
  mock = await createMockServer({ dataScale: 12 });
});
afterAll(() => mock.close());

function causeCodes(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) if (e.code) out.push(e.code);
  return out;
}

describe('the bad-TLS listeners', () => {
  it('are refused by a client that verifies against the harness CA, and no request arrives', async () => {
    const call = trustingFetch(mock.caCertPath!);
    const expected = { 'untrusted-ca': 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'wrong-host': 'ERR_TLS_CERT_ALTNAME_INVALID', expired: 'CERT_HAS_EXPIRED' };
    try {
      for (const kind of BAD_TLS_KINDS) {
        const error = await call(`${mock.badTls[kind]}/api/token?clientId=x&clientSecret=y`, { method: 'POST' }).then(
          () => null,
          (err: unknown) => err,
        );
        expect(causeCodes(error)).toContain(expected[kind]);
      }
    } finally {
      await call.close();
    }
    await expect.poll(() => mock.tlsConnections().filter((c) => c.handshake === 'failed').length).toBeGreaterThanOrEqual(3);
    expect(mock.journal.since(0).filter((e) => e.listener.startsWith('bad-tls'))).toEqual([]);
  });

  it('record a completed handshake and the credentials that followed from a client that does not verify', async () => {
    const user = await mock.createApiUser({ name: 'Careless', roles: ['OrderRead'] });
    const call = insecureFetch();
    try {
      const res = await call(`${mock.badTls['untrusted-ca']}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `clientId=${user.clientId}&clientSecret=${user.clientSecret}`,
      });
      expect(res.status).toBe(200);
    } finally {
      await call.close();
    }
    expect(mock.tlsConnections().some((c) => c.listener === 'untrusted-ca' && c.handshake === 'completed')).toBe(true);
    const entry = mock.journal.since(0).find((e) => e.listener === 'bad-tls:untrusted-ca')!;
    expect(entry).toMatchObject({ routeId: 'Token_Post', apiUser: user.clientId, credentialsIn: 'body' });
  });
});

describe('a man in the middle on the API itself', () => {
  it('presents a bad certificate to new connections, refused by a verifying client, until the valid one is back', async () => {
    const call = trustingFetch(mock.caCertPath!);
    try {
      expect((await call(`${mock.apiUrl}/api/Health`)).status).toBe(200);
      mock.presentCertificate('untrusted-ca');
      await call.close();
      const fresh = trustingFetch(mock.caCertPath!);
      const error = await fresh(`${mock.apiUrl}/api/Health`).then(
        () => null,
        (err: unknown) => err,
      );
      expect(causeCodes(error)).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      await expect.poll(() => mock.tlsConnections().some((c) => c.listener === 'api:untrusted-ca' && c.handshake === 'failed')).toBe(true);
      mock.presentCertificate('valid');
      expect((await fresh(`${mock.apiUrl}/api/Health`)).status).toBe(200);
      await fresh.close();
    } finally {
      mock.presentCertificate('valid');
    }
  });
});
