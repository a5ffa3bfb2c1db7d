import { afterEach, describe, expect, it } from 'vitest';
import { createSecretScanner } from '../observe/secrets.ts';
import { type ForeignHost, createForeignHost, maskedHeader } from './foreign-host.ts';

// Made up for the test: shaped like the run's secrets, never issued by anything.
const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbGllbnQtZXJwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJlLW9mLXRoZS10ZXN0LXRva2Vu';
const SECRET = 'sec_0123456789abcdefghijklmnopqrstuv';

let host: ForeignHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function start() {
  const scanner = createSecretScanner();
  scanner.add({ kind: 'token', value: TOKEN });
  scanner.add({ kind: 'client-secret', value: SECRET, id: 'client-erp' });
  host = await createForeignHost({ tls: null, scanner, credentialHeader: 'X-API-KEY' });
  return host;
}

describe('the foreign host', () => {
  it('listens on loopback at an origin of its own and answers every request with a harmless 404', async () => {
    const { origin } = await start();
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${origin}/api/Orders/A1`, { method: 'PUT', body: '{"a":1}' });
    expect([res.status, res.headers.get('content-type'), await res.json()]).toEqual([404, 'application/json; charset=utf-8', { message: 'Not found.' }]);
    expect(host!.observations().requests).toMatchObject([{ method: 'PUT', path: '/api/Orders/A1', headers: [], credentials: [] }]);
  });

  it('records the credentials a request carried, in the headers, the URL and the body, and keeps none in clear', async () => {
    const { origin } = await start();
    await fetch(`${origin}/api/Orders?access_token=${TOKEN}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': SECRET },
      body: `clientSecret=${SECRET}`,
    });
    const seen = host!.observations();
    expect(seen.requests).toHaveLength(1);
    const [r] = seen.requests;
    expect(r!.path).toBe('/api/Orders?access_token=eyJh…a2Vu');
    expect(r!.headers).toEqual([
      { name: 'authorization', masked: 'Bearer eyJh…a2Vu' },
      { name: 'x-api-key', masked: 'sec_…stuv' },
    ]);
    expect(r!.credentials).toEqual([
      { kind: 'token', where: 'header', name: 'authorization', masked: 'eyJh…a2Vu' },
      { kind: 'client-secret', where: 'header', name: 'x-api-key', masked: 'sec_…stuv' },
      { kind: 'token', where: 'url', masked: 'eyJh…a2Vu' },
      { kind: 'client-secret', where: 'body', masked: 'sec_…stuv' },
    ]);
    const kept = JSON.stringify(seen);
    expect(kept).not.toContain(TOKEN.slice(0, 24));
    expect(kept).not.toContain(SECRET.slice(0, 12));
  });

  it('masks an Authorization header it does not know, keeping its scheme', async () => {
    const { origin } = await start();
    await fetch(`${origin}/x`, { headers: { authorization: 'Basic dXNlcjpwYXNzd29yZC1ub3Qta25vd24=' } });
    expect(host!.observations().requests[0]).toMatchObject({ headers: [{ name: 'authorization', masked: 'Basic dXNl…d24=' }], credentials: [] });
    expect(maskedHeader('opaque-credential-value')).toBe('opaq…alue');
  });
});
