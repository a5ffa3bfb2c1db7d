import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GoliveError } from '../../errors.ts';
import { defineConfig } from './define.ts';
import { getProfile } from '../../mock-server/index.ts';
import { resolveEnvNames } from './env-names.ts';
import { loadConfig } from './load.ts';

const dirs: string[] = [];

/** A temp folder holding `files` (name → content). */
function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'golive-config-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** The GoliveError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<GoliveError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GoliveError);
  return err as GoliveError;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('fills every default when there is no file and the command comes from the command line', async () => {
    const dir = folder();
    const config = await loadConfig({ cwd: dir, commandOverride: ['node', 'app.js'] });
    expect(config).toEqual({
      profile: 'omnium',
      integration: { command: ['node', 'app.js'], cwd: dir, mode: 'service', jobIntervalMs: 1_000, tokenCache: true, rateLimitHeaders: false, env: {}, envNames: {} },
      apiUser: { name: 'unnamed', roles: ['ApiOwner'], stores: '*', markets: '*' },
      tenants: 1,
      workspace: dir,
      timeouts: { readyMs: 15_000, killGraceMs: 3_000, jobMs: 60_000 },
      output: { maxBytes: 5 * 1024 * 1024 },
    });
    expect(config.webhook).toBeUndefined();
    expect(config.frontend).toBeUndefined();
    expect(config.scenarios).toBeUndefined();
    expect(config.integration.readyWhen).toBeUndefined();
  });

  it('fills the defaults of a webhook section that is present but empty', async () => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'x' }, webhook: {} }) });
    const config = await loadConfig({ cwd: dir });
    expect(config.webhook).toEqual({ path: '/webhooks/omnium', auth: 'bearer', header: 'Authorization', timeoutMs: 10_000 });
  });

  it("takes the default roles and webhook path from the profile, and checks roles against the profile's names", async () => {
    const dir = folder({ 'golive.config.json': json({ profile: 'omnium', integration: { command: 'x' }, webhook: {} }) });
    const config = await loadConfig({ cwd: dir });
    expect(config.apiUser.roles).toEqual(getProfile('omnium').permissions.owner);
    expect(config.webhook?.path).toBe(getProfile('omnium').webhookPath);
    const wrong = folder({ 'golive.config.json': json({ integration: { command: 'x' }, apiUser: { roles: ['OrderRead', 'OrderReader'] } }) });
    const err = await failure(loadConfig({ cwd: wrong }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_INVALID');
    expect(err.message).toMatch(/^golive\.config\.json: apiUser\.roles\[1\]: expected an Omnium role \(.*OrderRead.*\), got "OrderReader"$/);
  });

  it('names the known profiles when the profile is unknown', async () => {
    const dir = folder({ 'golive.config.json': json({ profile: 'shopify', integration: { command: 'x' } }) });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_INVALID');
    expect(err.message).toBe('golive.config.json: profile: expected one of "omnium", "omneo", "api-key", "refresh-token", got "shopify"');
  });

  it('refuses webhook.auth and webhook.header for a platform that signs its deliveries, and takes the section without them', async () => {
    const dir = folder({ 'golive.config.json': json({ profile: 'omneo', integration: { command: 'x' }, apiUser: { roles: ['read-profiles'] }, webhook: { auth: 'api-key' } }) });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_INVALID');
    expect(err.message).toBe(
      'golive.config.json: webhook.auth: expected no auth (Omneo signs its deliveries with the webhook secret, in X-Omneo-Hmac-SHA256; there is no header to configure), got "api-key"',
    );
    const ok = folder({ 'golive.config.json': json({ profile: 'omneo', integration: { command: 'x' }, apiUser: { roles: ['read-profiles'] }, webhook: {} }) });
    expect((await loadConfig({ cwd: ok })).webhook?.path).toBe('/webhooks/omneo');
  });

  it('uses X-API-KEY as the default header of api-key webhooks', async () => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'x' }, webhook: { auth: 'api-key' } }) });
    expect((await loadConfig({ cwd: dir })).webhook?.header).toBe('X-API-KEY');
  });

  it('loads a TypeScript config through tsx', async () => {
    const dir = folder({
      'golive.config.ts': [
        'const tenants: number = 2;',
        "export default { tenants, integration: { command: 'node server.js', mode: 'job' as const } };",
      ].join('\n'),
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.tenants).toBe(2);
    expect(config.integration.command).toBe('node server.js');
    expect(config.integration.mode).toBe('job');
  });

  it('loads an .mts config with top-level await', async () => {
    const dir = folder({
      'golive.config.mts': "const t = await Promise.resolve(3);\nexport default { tenants: t, integration: { command: 'x' } };",
    });
    expect((await loadConfig({ cwd: dir })).tenants).toBe(3);
  });

  it('loads an .mjs config', async () => {
    const dir = folder({
      'golive.config.mjs': "export default { apiUser: { name: 'ERP Order Export' }, integration: { command: ['node', 'a.js'] } };",
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.apiUser.name).toBe('ERP Order Export');
    expect(config.integration.command).toEqual(['node', 'a.js']);
  });

  it('loads a JSON config', async () => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'npm start' }, scenarios: ['smoke'] }) });
    const config = await loadConfig({ cwd: dir });
    expect(config.scenarios).toEqual(['smoke']);
  });

  it('resolves baseline against the config file’s folder', async () => {
    const dir = folder({ 'ci/golive.config.json': json({ integration: { command: 'npm start' }, baseline: 'golive-baseline.yaml' }) });
    const config = await loadConfig({ cwd: dir, file: join(dir, 'ci', 'golive.config.json') });
    expect(config.baseline).toBe(join(dir, 'ci', 'golive-baseline.yaml'));
    expect((await loadConfig({ cwd: folder({ 'golive.config.json': json({ integration: { command: 'npm start' } }) }) })).baseline).toBeUndefined();
  });

  it('prefers golive.config.ts over golive.config.json', async () => {
    const dir = folder({
      'golive.config.ts': "export default { tenants: 4, integration: { command: 'x' } };",
      'golive.config.json': json({ tenants: 5, integration: { command: 'x' } }),
    });
    expect((await loadConfig({ cwd: dir })).tenants).toBe(4);
  });

  it('reads the file named by --config, relative to the working directory', async () => {
    const dir = folder({ 'conf/ci.json': json({ tenants: 2, integration: { command: 'x' } }) });
    const config = await loadConfig({ cwd: dir, file: 'conf/ci.json' });
    expect(config.tenants).toBe(2);
    expect(config.configFile).toBe(join(dir, 'conf/ci.json'));
  });

  it('says a --config file that does not exist is not found', async () => {
    const err = await failure(loadConfig({ cwd: folder(), file: 'nope.ts' }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_NOT_FOUND');
    expect(err.message).toContain('nope.ts');
  });

  it('resolves integration.cwd and workspace against the config file folder', async () => {
    const dir = folder({
      'conf/golive.config.json': json({ integration: { command: 'x', cwd: '../app' }, workspace: '../ws' }),
    });
    const config = await loadConfig({ cwd: dir, file: 'conf/golive.config.json' });
    expect(config.integration.cwd).toBe(join(dir, 'app'));
    expect(config.workspace).toBe(join(dir, 'ws'));
  });

  it('defaults the workspace to the resolved integration.cwd', async () => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'x', cwd: 'svc' } }) });
    expect((await loadConfig({ cwd: dir })).workspace).toBe(join(dir, 'svc'));
  });

  it('lets the command after -- replace integration.command', async () => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'npm start' } }) });
    const config = await loadConfig({ cwd: dir, commandOverride: ['node', 'other.js'] });
    expect(config.integration.command).toEqual(['node', 'other.js']);
  });

  it('names what is missing when there is neither a file nor a command', async () => {
    const err = await failure(loadConfig({ cwd: folder() }));
    expect(err.code).toBe('GOLIVE_ERR_USAGE');
    expect(err.message).toMatch(/no golive\.config\.ts.*and no command after --/);
  });

  it('names integration.command when the file has none and none was given', async () => {
    const dir = folder({ 'golive.config.json': json({ tenants: 1 }) });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_INVALID');
    expect(err.message).toMatch(/^golive\.config\.json: integration\.command: missing/);
  });

  it('rejects an unknown top-level key and suggests the near one', async () => {
    const dir = folder({ 'golive.config.json': json({ tenant: 2, integration: { command: 'x' } }) });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_UNKNOWN_KEY');
    expect(err.message).toBe('golive.config.json: tenant: unknown key (did you mean "tenants"?)');
  });

  it('rejects an unknown nested key and names its path', async () => {
    const dir = folder({ 'golive.config.ts': "export default { integration: { command: 'x', colour: 'red' } };" });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_UNKNOWN_KEY');
    expect(err.message).toMatch(/^golive\.config\.ts: integration\.colour: unknown key \(known keys: command, cwd, mode/);
  });

  it('rejects an unknown key in envNames', async () => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'x', envNames: { apiURL: 'A' } } }) });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_UNKNOWN_KEY');
    expect(err.message).toContain('integration.envNames.apiURL: unknown key (did you mean "apiUrl"?)');
  });

  it('names the key, the allowed values and the value given for a wrong enum value', async () => {
    const dir = folder({ 'golive.config.ts': "export default { integration: { command: 'x', mode: 'daemon' } };" });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_INVALID');
    expect(err.message).toBe('golive.config.ts: integration.mode: expected "service" or "job", got "daemon"');
  });

  it.each([
    [{ tenants: 'two' }, 'tenants: expected an integer, got "two"'],
    [{ tenants: 0 }, 'tenants: expected at least 1, got 0'],
    [{ tenants: 1.5 }, 'tenants: expected an integer, got 1.5'],
    [{ integration: { command: 'x', instances: 0 } }, 'integration.instances: expected at least 1, got 0'],
    [{ integration: { command: 'x', instances: 'many' } }, 'integration.instances: expected an integer, got "many"'],
    [{ integration: { command: 5 } }, 'integration.command: expected a command string or an argv array, got 5'],
    [{ integration: { command: ['node', ''] } }, 'integration.command[1]: expected a non-empty string, got ""'],
    [{ apiUser: { stores: 'all' } }, 'apiUser.stores: expected "*" (all) or an array of ids, got "all"'],
    [{ timeouts: { readyMs: -1 } }, 'timeouts.readyMs: expected at least 0, got -1'],
    [{ webhook: { path: 'hooks' } }, 'webhook.path: expected a path starting with /, got "hooks"'],
    [{ webhook: { timeoutMs: 0 } }, 'webhook.timeoutMs: expected at least 1, got 0'],
    [{ webhook: { idempotencyProbe: 42 } }, 'webhook.idempotencyProbe: expected a command string or an argv array, got 42'],
    [{ integration: { envNames: { apiUrl: 'OMNIUM-URL' } } }, 'integration.envNames.apiUrl: expected an environment variable name'],
    [{ integration: { env: { TOKEN: 123456 } } }, 'integration.env.TOKEN: expected a string, got a number'],
    [{ frontend: { urls: ['ftp://x'] } }, 'frontend.urls[0]: expected an http(s) URL, got "ftp://x"'],
  ])('explains a wrong value: %j', async (value, expected) => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'x' }, ...value }) });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_INVALID');
    expect(err.message).toContain(`golive.config.json: ${expected}`);
  });

  it('never echoes the values of integration.env', async () => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'x', env: { S: 987654321 } } }) });
    expect((await failure(loadConfig({ cwd: dir }))).message).not.toContain('987654321');
  });

  it('lists several problems in one line', async () => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'x', mode: 1 }, tenants: 0 }) });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(/integration\.mode: .*; tenants: /);
  });

  it('reads readyWhen as a URL, a log pattern or an object form', async () => {
    const load = async (readyWhen: unknown) => {
      const dir = folder({ 'golive.config.json': json({ integration: { command: 'x', readyWhen } }) });
      return (await loadConfig({ cwd: dir })).integration.readyWhen;
    };
    expect(await load('http://127.0.0.1:8080/health')).toEqual({ url: 'http://127.0.0.1:8080/health' });
    expect(await load('listening on \\d+')).toEqual({ log: 'listening on \\d+' });
    expect(await load({ delayMs: 500 })).toEqual({ delayMs: 500 });
    expect(await load({ log: 'ready' })).toEqual({ log: 'ready' });
  });

  it('rejects a readyWhen pattern that is not a regular expression', async () => {
    const dir = folder({ 'golive.config.json': json({ integration: { command: 'x', readyWhen: 'ready (' } }) });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_INVALID');
    expect(err.message).toMatch(/^golive\.config\.json: integration\.readyWhen: expected a regular expression \(.*\), got "ready \("$/);
  });

  it('names the file of a JSON syntax error', async () => {
    const dir = folder({ 'golive.config.json': '{ "tenants": 2, }' });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_LOAD');
    expect(err.message).toMatch(/^golive\.config\.json is not valid JSON: /);
  });

  it('names the file of a TypeScript syntax error, in one line', async () => {
    const dir = folder({ 'golive.config.ts': 'export default { tenants: ' });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_LOAD');
    expect(err.message).toMatch(/^golive\.config\.ts could not be loaded: /);
    expect(err.message).not.toContain('\n');
  });

  it('says so when a config module has no default export', async () => {
    const dir = folder({ 'golive.config.mjs': 'export const config = {};' });
    const err = await failure(loadConfig({ cwd: dir }));
    expect(err.code).toBe('GOLIVE_ERR_CONFIG_LOAD');
    expect(err.message).toContain('has no default export');
  });
});

describe('defineConfig', () => {
  it('returns its argument unchanged', () => {
    const config = { integration: { command: 'node app.js' }, apiUser: { roles: ['OrderRead' as const] } };
    expect(defineConfig(config)).toBe(config);
  });
});

describe('resolveEnvNames', () => {
  it('applies renames over the contract names', () => {
    const names = resolveEnvNames(getProfile('omnium').env, { apiUrl: 'OMNIUM_BASE_URL' });
    expect(names.apiUrl).toBe('OMNIUM_BASE_URL');
    expect(names.clientSecret).toBe('OMNIUM_CLIENT_SECRET');
    expect(names.webhookToken).toBe('WEBHOOK_TOKEN');
  });

  it('takes the standard names a platform declares, renames still over them', () => {
    const standard = { ...getProfile('omnium').env, apiUrl: 'OMNEO_API_URL', clientId: 'OMNEO_CLIENT_ID' };
    const names = resolveEnvNames(standard, { apiUrl: 'MY_URL' });
    expect(names).toMatchObject({ apiUrl: 'MY_URL', clientId: 'OMNEO_CLIENT_ID', webhookPort: 'WEBHOOK_PORT' });
  });
});
