import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer } from '../../mock-server/index.ts';
import { findBrowser, inspectPages } from '../observe/browser.ts';
import { createSecretScanner } from '../observe/secrets.ts';
import type { IntegrationProcess } from '../runner/process.ts';
import { freePort, startExample } from './harness.ts';

// The resilient example's storefront in a real Chromium: the page shows orders its backend
// fetched server-to-server, and holds no secret; with the break switch the token is in it.
// A screenshot of the page is kept in .test-output/ (not committed) for a person to look at.

const OUTPUT = fileURLToPath(new URL('../../.test-output/', import.meta.url));

describe('the resilient example storefront, in a real browser', () => {
  let mock: MockServer | undefined;
  let app: IntegrationProcess | undefined;
  afterEach(async () => {
    await app?.stop();
    await mock?.close();
  });

  async function inspect(breaks: string): Promise<Awaited<ReturnType<typeof inspectPages>>> {
    mock = await createMockServer({ dataScale: 30, demoUser: false, seed: 5 });
    const user = await mock.createApiUser({ name: 'ERP Order Sync', roles: ['OrderRead', 'InventoryAdmin'], stores: ['oslo-online', 'store-oslo-downtown'], markets: ['nor'] });
    const scanner = createSecretScanner();
    scanner.add({ kind: 'client-secret', value: user.clientSecret, id: user.clientId });
    mock.onTokenIssued((token) => scanner.add({ kind: 'token', value: token }));
    const tls = await mock.tls!.ca.issue(['127.0.0.1', 'localhost']);
    const dir = join(OUTPUT, breaks || 'clean');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'cert.pem'), tls.cert);
    await writeFile(join(dir, 'key.pem'), tls.key, { mode: 0o600 });
    const port = await freePort();
    app = startExample(
      'resilient-node',
      mock,
      user,
      {
        WEBHOOK_PORT: String(port),
        WEBHOOK_TOKEN: 'whk_storefront-test-token-0000',
        WEBHOOK_TLS_CERT: join(dir, 'cert.pem'),
        WEBHOOK_TLS_KEY: join(dir, 'key.pem'),
        POLL_INTERVAL_MS: '500',
        ...(breaks ? { GOLIVE_EXAMPLE_BREAK: breaks } : {}),
      },
      scanner,
    );
    await app.ready;
    const found = await findBrowser();
    if ('problem' in found) throw new Error(`this test needs a browser: ${found.problem}`);
    return inspectPages({ browser: found, urls: [`https://127.0.0.1:${port}/shop`], scanner, timeoutMs: 15_000, screenshotDir: dir });
  }

  it('shows the orders its backend fetched, and holds no secret', async () => {
    const seen = await inspect('');
    expect(seen.pages).toEqual([{ url: expect.stringMatching(/\/shop$/), status: 200, requests: 2 }]);
    expect(seen.sightings).toEqual([]);
    const shot = join(OUTPUT, 'clean', 'page-1.png');
    expect((await stat(shot)).size).toBeGreaterThan(1000);
    console.log(`storefront screenshot: ${shot}`);
  });

  it('holds the token in the DOM and localStorage with the token.not-in-browser break', async () => {
    const seen = await inspect('token.not-in-browser');
    expect(new Set(seen.sightings.map((s) => `${s.kind} ${s.where}`))).toEqual(new Set(['token DOM', 'token response body (text/html)', 'token localStorage omniumToken']));
  });
});
