import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer, getProfile } from '../../mock-server/index.ts';
import type { GoliveConfig } from '../config/define.ts';
import { configSchema } from '../config/schema.ts';
import { createSecretScanner } from '../observe/secrets.ts';
import { integrationEnv } from './integration-env.ts';
import { prepareCredentials } from './run-credentials.ts';

// A platform's own secrets (Omneo's shop id secret) reach the integration in the profile's
// variable, from the environment of the run's API user, and are masked wherever they show.

describe("the integration's environment on a platform with secrets of its own", () => {
  let mock: MockServer;
  let state: string;
  beforeAll(async () => {
    mock = await createMockServer({ profile: getProfile('omneo'), demoUser: false });
    state = await mkdtemp(join(tmpdir(), 'golive-env-'));
  });
  afterAll(async () => {
    await mock.close();
    await rm(state, { recursive: true, force: true });
  });

  it("gives each run its environment's secret in the profile's variable, and has the scanner mask it", async () => {
    const parsed = configSchema.parse({ profile: 'omneo', apiUser: { name: 'Profile Sync', roles: ['read-profiles'] } });
    const config: GoliveConfig = { ...parsed, integration: { ...parsed.integration, command: ['node', 'app.mjs'], cwd: state }, workspace: state };
    const scanner = createSecretScanner();
    const credentials = await prepareCredentials({ config, mock, scanner, stateDir: state, users: [{ name: 'test', environment: 'test' }, { name: 'production', environment: 'production' }] });
    const env = (name: string) =>
      integrationEnv(config, mock, 'https://127.0.0.1:1', credentials.users.get(name)!, { clientId: 'id-file', clientSecret: 'secret-file' }, { token: 't', port: 1, certPath: 'c', keyPath: 'k' });

    const test = mock.platformSecret('idSecret');
    const production = mock.platformSecret('idSecret', { environment: 'production' });
    expect(test).not.toBe(production);
    expect(env('test').OMNEO_ID_SECRET).toBe(test);
    expect(env('production').OMNEO_ID_SECRET).toBe(production);
    expect(env('test').OMNEO_CLIENT_ID).toBe(credentials.users.get('test')!.clientId);
    expect(scanner.mask(`signing with ${test}`)).not.toContain(test);
    expect(scanner.scan(`prod ${production}`).map((h) => h.kind)).toEqual(['platform-secret']);
  });
});
