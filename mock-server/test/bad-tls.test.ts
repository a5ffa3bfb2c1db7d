import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer } from '../server.ts';
import { BAD_TLS_KINDS, type BadTlsKind, LOOPBACK_HOSTS, createBadCertificates, createCertificateAuthority } from '../transports/tls.ts';
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

/** What a node:https request with the harness CA (and nothing else) gets from `url`: its status, or the error's code. */
function httpsWithCa(url: string, ca: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', ca, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

describe('the bad-TLS listeners', () => {
  it('are refused by a client that verifies against the harness CA, and no request arrives', async () => {
    const expected: Record<BadTlsKind, string> = {
      'untrusted-ca': 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'wrong-host': 'ERR_TLS_CERT_ALTNAME_INVALID',
      expired: 'CERT_HAS_EXPIRED',
      'self-signed': 'DEPTH_ZERO_SELF_SIGNED_CERT',
      'not-yet-valid': 'CERT_NOT_YET_VALID',
      // The leaf alone: its issuer, the intermediate CA, is nowhere to be found.
      'missing-intermediate': 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    };
    const ca = mock.tls!.ca.cert;
    const call = trustingFetch(mock.caCertPath!);
    try {
      for (const kind of BAD_TLS_KINDS) {
        const url = `${mock.badTls[kind]}/api/token?clientId=x&clientSecret=y`;
        // fetch (undici) and node:https, both verifying against the harness CA.
        const error = await call(url, { method: 'POST' }).then(
          () => null,
          (err: unknown) => err,
        );
        expect(causeCodes(error), kind).toContain(expected[kind]);
        expect(await httpsWithCa(url, ca), kind).toBe(expected[kind]);
      }
    } finally {
      await call.close();
    }
    const refused = () => new Set(mock.tlsConnections().flatMap((c) => (c.handshake === 'failed' ? [c.listener] : [])));
    await expect.poll(refused).toEqual(new Set(BAD_TLS_KINDS));
    expect(mock.tlsConnections().filter((c) => c.handshake === 'completed')).toEqual([]);
    expect(mock.journal.since(0).filter((e) => e.listener.startsWith('bad-tls'))).toEqual([]);
  });

  it('record a completed handshake and the credentials that followed from a client that does not verify', async () => {
    const user = await mock.createApiUser({ name: 'Careless', roles: ['OrderRead'] });
    const call = insecureFetch();
    try {
      for (const kind of BAD_TLS_KINDS) {
        const res = await call(`${mock.badTls[kind]}/api/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `clientId=${user.clientId}&clientSecret=${user.clientSecret}`,
        });
        expect(res.status, kind).toBe(200);
        await res.arrayBuffer();
      }
    } finally {
      await call.close();
    }
    for (const kind of BAD_TLS_KINDS) {
      expect(mock.tlsConnections().some((c) => c.listener === kind && c.handshake === 'completed'), kind).toBe(true);
      const entry = mock.journal.since(0).find((e) => e.listener === `bad-tls:${kind}`);
      expect(entry, kind).toMatchObject({ routeId: 'Token_Post', apiUser: user.clientId, credentialsIn: 'body' });
    }
  });
});

describe('the bad certificates', () => {
  const NOW = Date.UTC(2031, 4, 6, 12);
  const DAY = 86_400_000;

  it('are each bad in one way only: right host names, dates and issuer but for the one flaw', async () => {
    const harness = await createCertificateAuthority('golive harness CA', NOW);
    const certs = await createBadCertificates(harness, NOW);
    const ca = new X509Certificate(harness.cert);
    const x = Object.fromEntries(BAD_TLS_KINDS.map((kind) => [kind, new X509Certificate(certs[kind].cert)])) as Record<BadTlsKind, X509Certificate>;
    const validAt = (cert: X509Certificate, at: number) => Date.parse(cert.validFrom) <= at && at <= Date.parse(cert.validTo);
    const namesLoopback = (cert: X509Certificate) => LOOPBACK_HOSTS.every((h) => (h.includes('localhost') ? cert.checkHost(h) : cert.checkIP(h)) !== undefined);

    for (const kind of BAD_TLS_KINDS) expect(x[kind].ca, kind).toBe(false);
    for (const kind of ['untrusted-ca', 'self-signed', 'missing-intermediate', 'expired', 'not-yet-valid'] as const) expect(namesLoopback(x[kind]), kind).toBe(true);
    for (const kind of ['untrusted-ca', 'wrong-host', 'self-signed', 'missing-intermediate'] as const) expect(validAt(x[kind], NOW), kind).toBe(true);

    expect(x['untrusted-ca'].checkIssued(ca)).toBe(false);
    expect(x['wrong-host'].verify(ca.publicKey) && x['wrong-host'].checkHost('localhost') === undefined && x['wrong-host'].checkIP('127.0.0.1') === undefined).toBe(true);
    expect(x.expired.verify(ca.publicKey) && Date.parse(x.expired.validTo) < NOW).toBe(true);
    expect(x['not-yet-valid'].verify(ca.publicKey) && Date.parse(x['not-yet-valid'].validFrom) > NOW && validAt(x['not-yet-valid'], NOW + 2 * DAY)).toBe(true);
    // Signed by its own key: issuer and subject are the same name.
    expect(x['self-signed'].issuer).toBe(x['self-signed'].subject);
    expect(x['self-signed'].verify(x['self-signed'].publicKey)).toBe(true);
    // Harness CA → intermediate CA → leaf.
    const intermediate = new X509Certificate(certs['missing-intermediate'].intermediate!);
    expect(intermediate.ca && intermediate.verify(ca.publicKey) && validAt(intermediate, NOW)).toBe(true);
    expect(x['missing-intermediate'].verify(intermediate.publicKey) && x['missing-intermediate'].checkIssued(intermediate)).toBe(true);
    expect(x['missing-intermediate'].verify(ca.publicKey)).toBe(false);
  });

  it('missing-intermediate lacks only its intermediate: served with it, a client that trusts the harness CA accepts the same leaf', async () => {
    const { cert, key, intermediate } = (await createBadCertificates(mock.tls!.ca))['missing-intermediate'];
    const served = async (chain: string) => {
      const server = createServer({ cert: chain, key }, (_req, res) => res.end('ok'));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        return await httpsWithCa(`https://localhost:${(server.address() as AddressInfo).port}/`, mock.tls!.ca.cert);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    };

    expect(await served(cert)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(await served(`${cert}\n${intermediate!}`)).toBe(200);
  });
});

describe('a man in the middle on the API itself', () => {
  it('presents a bad certificate to new connections, refused by a verifying client, until the valid one is back', async () => {
    const call = trustingFetch(mock.caCertPath!);
    try {
      expect((await call(`${mock.apiUrl}/api/Health`)).status).toBe(200);
      await mock.presentCertificate('untrusted-ca');
      await call.close();
      const fresh = trustingFetch(mock.caCertPath!);
      const error = await fresh(`${mock.apiUrl}/api/Health`).then(
        () => null,
        (err: unknown) => err,
      );
      expect(causeCodes(error)).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      await expect.poll(() => mock.tlsConnections().some((c) => c.listener === 'api:untrusted-ca' && c.handshake === 'failed')).toBe(true);
      await mock.presentCertificate('valid');
      expect((await fresh(`${mock.apiUrl}/api/Health`)).status).toBe(200);
      await fresh.close();
    } finally {
      await mock.presentCertificate('valid');
    }
  });
});
