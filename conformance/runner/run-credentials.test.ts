import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreatedApiUser } from '../../mock-server/index.ts';
import { credentialFilesFor, tenantIds, tenantUsers, writeCredentialFiles } from './run-credentials.ts';

const user = (clientId: string, clientSecret: string) => ({ clientId, clientSecret }) as CreatedApiUser;
const mode = async (path: string) => (await stat(path)).mode & 0o777;

let state: string;
beforeEach(async () => {
  state = await mkdtemp(join(tmpdir(), 'golive-credentials-'));
});
afterEach(async () => {
  await rm(state, { recursive: true, force: true });
});

describe('the credential files of a run', () => {
  it('holds the values alone, readable by the owner only, in a folder of the run own', async () => {
    const files = await credentialFilesFor(state, 'tls:expired');
    await writeCredentialFiles(files, user('client-a', 'secret-a'));

    expect(dirname(files.clientId)).toBe(join(state, 'credentials', 'tls-expired'));
    expect(dirname(files.clientSecret)).toBe(dirname(files.clientId));
    expect(await readFile(files.clientId, 'utf8')).toBe('client-a');
    expect(await readFile(files.clientSecret, 'utf8')).toBe('secret-a');
    expect(await mode(files.clientSecret)).toBe(0o600);
    expect(await mode(files.clientId)).toBe(0o600);
    expect(await mode(dirname(files.clientId))).toBe(0o700);
  });

  it('is replaced, not rewritten in place, on rotation: a reader holding the old file still reads it whole, and no temporary file is left', async () => {
    const files = await credentialFilesFor(state, 'test');
    await writeCredentialFiles(files, user('client-a', 'secret-a'));
    const before = await stat(files.clientSecret);

    await writeCredentialFiles(files, user('client-b', 'secret-b'));

    expect(await readFile(files.clientId, 'utf8')).toBe('client-b');
    expect(await readFile(files.clientSecret, 'utf8')).toBe('secret-b');
    // A rename puts a new file (inode) in place; an in-place rewrite would keep the old one.
    expect((await stat(files.clientSecret)).ino).not.toBe(before.ino);
    expect(await mode(files.clientSecret)).toBe(0o600);
    expect((await readdir(dirname(files.clientId))).sort()).toEqual(['client-id', 'client-secret']);
  });
});

describe('the tenants of a run (config tenants)', () => {
  it('keeps the mock default for one tenant, and names two or more tenant-a, tenant-b…', () => {
    expect(tenantIds(1)).toBeUndefined();
    expect(tenantIds(3)).toEqual(['tenant-a', 'tenant-b', 'tenant-c']);
    expect(tenantIds(28)!.slice(-3)).toEqual(['tenant-z', 'tenant-aa', 'tenant-ab']);
  });

  it('gives every tenant after the first a test API user of its own', () => {
    expect(tenantUsers(['tenant-a', 'tenant-b', 'tenant-c'])).toEqual([
      { name: 'tenant:tenant-b', environment: 'test', tenant: 'tenant-b' },
      { name: 'tenant:tenant-c', environment: 'test', tenant: 'tenant-c' },
    ]);
  });
});
