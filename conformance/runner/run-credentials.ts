import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CreatedApiUser, EnvironmentName, MockServer } from '../../mock-server/index.ts';
import type { GoliveConfig } from '../config/define.ts';
import type { SecretScanner } from '../observe/secrets.ts';

/** An API user the harness creates for a run; the runs that name the same one share it. */
export interface RunUser {
  /** What the runs call it. */
  name: string;
  environment: EnvironmentName;
  /** The tenant it belongs to; default the mock's first. */
  tenant?: string;
}

/** The test run's API user: the one the phases act on. */
export const TEST_USER: RunUser = { name: 'test', environment: 'test' };

/** The API user of a side lane of certify's plan: the test environment, the same roles and scope as the test run's. */
export function laneUser(lane: string): RunUser {
  return { name: `lane:${lane}`, environment: 'test' };
}

/** Whether a created API user's `RunUser.name` is a side lane's. */
export const isLaneUser = (name: string): boolean => name.startsWith('lane:');

/**
 * The tenant ids of a mock for an integration that serves `count` tenants: the mock's default
 * for one, else `tenant-a`, `tenant-b`… (`tenant-aa` after `tenant-z`).
 */
export function tenantIds(count: number): string[] | undefined {
  if (count < 2) return undefined;
  const letters = (i: number): string => (i < 26 ? '' : letters(Math.floor(i / 26) - 1)) + String.fromCharCode(97 + (i % 26));
  return Array.from({ length: count }, (_, i) => `tenant-${letters(i)}`);
}

/** The test API users of the tenants after the first (whose user is `TEST_USER`), one each. */
export function tenantUsers(tenants: readonly string[]): RunUser[] {
  return tenants.slice(1).map((tenant) => ({ name: `tenant:${tenant}`, environment: 'test', tenant }));
}

/** What a run is given besides its API user: the webhook secrets and the webhook endpoint's certificate. */
export interface WebhookSecrets {
  /** The secret deliveries carry (or are signed with). */
  token: string;
  /** The other-tenant probe's secret: never given to the integration. */
  otherTenantToken: string;
  certPath: string;
  keyPath: string;
}

export interface RunCredentials {
  /** Each API user created, by its `RunUser.name`. */
  users: ReadonlyMap<string, CreatedApiUser>;
  webhook: WebhookSecrets;
}

/**
 * Creates the API users the runs name (with the config's roles and scope), the webhook
 * secrets and a certificate for the webhook endpoint (files in `stateDir`). Every secret is
 * told to the scanner, so the integration's output and files are searched for it and masked.
 */
export async function prepareCredentials(options: {
  config: GoliveConfig;
  mock: MockServer;
  scanner: SecretScanner;
  stateDir: string;
  users: readonly RunUser[];
}): Promise<RunCredentials> {
  const { config, mock, scanner, stateDir } = options;
  const spec = { name: config.apiUser.name, roles: config.apiUser.roles, stores: config.apiUser.stores, markets: config.apiUser.markets };
  const users = new Map<string, CreatedApiUser>();
  for (const u of options.users) users.set(u.name, await mock.createApiUser({ ...spec, environment: u.environment, ...(u.tenant ? { tenant: u.tenant } : {}) }));
  // A platform that signs with one shared secret per environment (Omneo) signs the run's deliveries with
  // that one, so webhooks the integration registers through the API verify with the same secret.
  const token = mock.webhookSecret({ environment: 'test' }) ?? `whk_${randomBytes(24).toString('base64url')}`;
  for (const u of users.values()) {
    scanner.add({ kind: 'client-secret', value: u.clientSecret, id: u.clientId });
    for (const { name } of mock.platform.secrets) scanner.add({ kind: 'platform-secret', value: mock.platformSecret(name, { tenant: u.tenant, environment: u.environment }) });
  }
  // Masked like the integration's own secret if it logs what it was sent.
  const otherTenantToken = `whk_${randomBytes(24).toString('base64url')}`;
  scanner.add({ kind: 'webhook-secret', value: token });
  scanner.add({ kind: 'webhook-secret', value: otherTenantToken });
  const cert = await mock.tls!.ca.issue(['127.0.0.1', 'localhost']);
  const certPath = join(stateDir, 'webhook-cert.pem');
  const keyPath = join(stateDir, 'webhook-key.pem');
  await writeFile(certPath, cert.cert);
  await writeFile(keyPath, cert.key, { mode: 0o600 });
  return { users, webhook: { token, otherTenantToken, certPath, keyPath } };
}

/** The files a run reads its current credentials from (the profile's `clientIdFile` and `clientSecretFile` variables). */
export interface CredentialFiles {
  clientId: string;
  clientSecret: string;
}

/** A folder of `stateDir` that only the run `name` is given (mode 0700), under `kind`. */
async function runFolder(stateDir: string, kind: string, name: string): Promise<string> {
  // A run name may hold a colon (`tls:expired`): not every file system takes one.
  const dir = join(stateDir, kind, name.replace(/[^\w.-]/g, '-'));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The credential files of a run (`name`), in a folder only this run is given. */
export async function credentialFilesFor(stateDir: string, name: string): Promise<CredentialFiles> {
  const dir = await runFolder(stateDir, 'credentials', name);
  return { clientId: join(dir, 'client-id'), clientSecret: join(dir, 'client-secret') };
}

/** The token cache folder of a job run (`name`), in `stateDir` (mode 0700): `GOLIVE_TOKEN_CACHE_DIR`. */
export function tokenCacheFor(stateDir: string, name: string): Promise<string> {
  return runFolder(stateDir, 'token-cache', name);
}

/**
 * Writes `user`'s credentials into `files` (mode 0600), each the value alone with no newline,
 * and each replaced atomically (a temporary file in the same folder, then a rename), so a
 * reader never sees half a secret, even while a rotation rewrites them.
 */
export async function writeCredentialFiles(files: CredentialFiles, user: CreatedApiUser): Promise<void> {
  await replaceFile(files.clientId, user.clientId);
  await replaceFile(files.clientSecret, user.clientSecret);
}

async function replaceFile(path: string, value: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, value, { mode: 0o600 });
  await rename(temp, path);
}
