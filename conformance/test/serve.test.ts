import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { tokenFor, trustingFetch } from '../../mock-server/test/client.ts';
import { golive, goliveFirstLine } from './cli.ts';

interface ServeLine {
  apiUrl: string;
  environments: { test: { apiUrl: string }; production: { apiUrl: string } };
  adminUrl: string;
  adminToken: string;
  caCert: string;
  apiUser: { clientId: string; clientSecret: string; name: string; roles: string[]; stores: unknown; markets: unknown };
}

describe('golive serve', () => {
  it('prints one JSON line once ready, serves a token and an order call over HTTPS, and stops cleanly on Ctrl-C', async () => {
    const { child, line } = await goliveFirstLine(['serve', '--json', '--data-scale', '30']);
    const info = JSON.parse(line) as ServeLine;
    expect(info.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(info.environments.production.apiUrl).not.toBe(info.apiUrl);
    expect(info.apiUser).toMatchObject({ roles: ['ApiOwner'], stores: '*', markets: '*' });
    const call = trustingFetch(info.caCert);
    try {
      const token = await tokenFor(call, info.apiUrl, info.apiUser.clientId, info.apiUser.clientSecret);
      const res = await call(`${info.apiUrl}/api/Orders/GetOrders?pageSize=2`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { result: unknown[] }).result).toHaveLength(2);
      const health = await fetch(`${info.adminUrl}/__admin/health`, { headers: { authorization: `Bearer ${info.adminToken}` } });
      expect(health.status).toBe(200);
    } finally {
      await call.close();
    }
    child.kill('SIGINT');
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
  });

  it('rejects a bad flag value with one line naming the flag, and exit code 2', async () => {
    const result = await golive(['serve', '--port', 'eighty']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('golive: --port: expected a whole number from 0 to 65535, got "eighty" (GOLIVE_ERR_USAGE)');
  });

  it('rejects a journal bound that is not a size, naming --journal-bytes', async () => {
    const result = await golive(['serve', '--journal-bytes', '64 lots']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('golive: --journal-bytes: expected a size in bytes ≥ 1 (a number, or with a unit: 64MB, 512KiB, 1GB), got "64 lots" (GOLIVE_ERR_USAGE)');
  });

  it('exits 2 with one line naming the port when its port is taken (an infrastructure error, not the integration’s)', async () => {
    const { createServer } = await import('node:net');
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const result = await golive(['serve', '--port', String(port), '--data-scale', '10']);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toEqual([`golive: the test API of tenant acme: port ${port} is in use (choose another, or 0 for any free port) (GOLIVE_ERR_PORT_IN_USE)`]);
      const admin = await golive(['serve', '--admin-port', String(port), '--data-scale', '10']);
      expect(admin.code).toBe(2);
      expect(admin.stderr).toContain(`the admin API: port ${port} is in use`);
    } finally {
      holder.close();
    }
  });

  it('names the known profiles when --profile names none of them', async () => {
    const result = await golive(['serve', '--profile', 'shopify']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('golive: --profile: "shopify" is not a known profile (known: omnium, omneo, api-key, refresh-token) (GOLIVE_ERR_USAGE)');
  });

  it('rejects an unknown flag instead of ignoring it', async () => {
    const result = await golive(['serve', '--prot', '80']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option `?--prot/i);
  });
});

describe('golive checks', () => {
  it('lists every check with required or advisory', async () => {
    const result = await golive(['checks']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^token\.cached-and-reused\s+required\s+/m);
    expect(result.stdout).toMatch(/^credentials\.descriptive-name\s+advisory\s+/m);
  });
});

describe('golive serve with a scenario', () => {
  it('runs the scenario against the demo user, says each phase, and adds the IETF rate-limit headers on request', async () => {
    const { child, line, stderr } = await goliveFirstLine(['serve', '--json', '--data-scale', '20', '--scenario', 'missing-role', '--rate-limit-headers']);
    const info = JSON.parse(line) as ServeLine;
    const call = trustingFetch(info.caCert);
    try {
      const token = await tokenFor(call, info.apiUrl, info.apiUser.clientId, info.apiUser.clientSecret);
      const res = await call(`${info.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toContain('q=12000');
      const status = (await (await fetch(`${info.adminUrl}/__admin/scenarios`, { headers: { authorization: `Bearer ${info.adminToken}` } })).json()) as {
        running: string;
      };
      expect(status.running).toBe('missing-role');
      await expect.poll(() => stderr()).toContain('[missing-role 1/3] steady');
    } finally {
      await call.close();
    }
    child.kill('SIGINT');
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
  });
});
