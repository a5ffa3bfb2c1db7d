import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSecretScanner, maskSecret } from './secrets.ts';
import { scanWorkspace } from './workspace.ts';

const CLIENT_SECRET = 'cs_Tk7Qw2Er9Ty4Ui1Op6As3Df8';
const WEBHOOK_SECRET = 'whk_Gh5Jk0Lz7Xc2Vb9Nm4Qw1Er6';
const TOKEN = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('{"sub":"erp","jti":"0d9c4b1a"}').toString('base64url')}.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJl`;

const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'golive-workspace-'));
  dirs.push(dir);
  return dir;
}

function write(dir: string, file: string, content: string | Buffer): void {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), content);
}

function git(dir: string, ...args: string[]): string {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  return execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
}

function initRepo(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
}

function scanner() {
  const s = createSecretScanner();
  s.add({ kind: 'client-secret', value: CLIENT_SECRET, id: 'erp' });
  s.add({ kind: 'webhook-secret', value: WEBHOOK_SECRET });
  s.add({ kind: 'token', value: TOKEN });
  return s;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('scanWorkspace', () => {
  it('finds secrets in plain, hidden and base64 form, and skips dependencies, binaries and large files', async () => {
    const dir = tempDir();
    write(dir, 'src/app.js', `const a = 1;\nconst secret = '${CLIENT_SECRET}';\n`);
    write(dir, '.env', `PORT=3000\nWEBHOOK_TOKEN=${WEBHOOK_SECRET}\n`);
    write(dir, 'cache/token.json', JSON.stringify({ token: TOKEN }));
    write(dir, 'basic.txt', `auth=${Buffer.from(`erp:${CLIENT_SECRET}`).toString('base64')}`);
    write(dir, 'node_modules/dep/index.js', CLIENT_SECRET);
    write(dir, 'image.bin', Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(CLIENT_SECRET)]));
    write(dir, 'big.log', `${'.'.repeat(2_000)}${CLIENT_SECRET}`);
    const findings = await scanWorkspace(dir, scanner(), { maxFileBytes: 1_000 });
    expect(findings).toEqual([
      { file: '.env', line: 2, kind: 'webhook-secret', masked: maskSecret(WEBHOOK_SECRET), how: 'full' },
      { file: 'basic.txt', line: 1, kind: 'client-secret', masked: maskSecret(CLIENT_SECRET), how: 'base64' },
      { file: 'cache/token.json', line: 1, kind: 'token', masked: maskSecret(TOKEN), how: 'full', context: 'literal' },
      { file: 'src/app.js', line: 2, kind: 'client-secret', masked: maskSecret(CLIENT_SECRET), how: 'full', context: 'literal' },
    ]);
  });

  it('tells a secret in a URL and one as a whole string literal, in any file', async () => {
    const dir = tempDir();
    write(dir, 'hook.php', `<?php
$url = "https://api.fulfilment.test/v1/orders?api_key=${CLIENT_SECRET}";
$key = '${CLIENT_SECRET}';
`);
    write(dir, 'notes.md', `curl https://api.test/v1/x/${CLIENT_SECRET}/y\n`);
    const findings = await scanWorkspace(dir, scanner());
    expect(findings.map(({ file, line, context }) => ({ file, line, context }))).toEqual([
      { file: 'hook.php', line: 2, context: 'url' },
      { file: 'hook.php', line: 3, context: 'literal' },
      { file: 'notes.md', line: 1, context: 'url' },
    ]);
    expect(JSON.stringify(findings)).not.toContain(CLIENT_SECRET);
  });

  it('finds the key of an "encrypted" file beside it in the workspace, masked, and no key without an encrypted file', async () => {
    const dir = tempDir();
    const key = 'a3f1c9e27b4d60f5a3f1c9e27b4d60f5a3f1c9e27b4d60f5a3f1c9e27b4d60f5';
    write(dir, 'config/token.enc', 'U2FsdGVkX1+q3v0aZ8xWm2c9Yk4=\n');
    write(dir, 'config/secret.key', `${key}\n`);
    write(dir, 'settings.ini', 'name=backup\nCONFIG_ENCRYPTION_KEY=Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Ng\n');
    const findings = await scanWorkspace(dir, scanner());
    expect(findings).toEqual([
      { file: 'config/secret.key', line: 1, kind: 'encryption-key', masked: maskSecret(key), how: 'full', beside: 'config/token.enc' },
      { file: 'settings.ini', line: 2, kind: 'encryption-key', masked: maskSecret('Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Ng'), how: 'full', beside: 'config/token.enc' },
    ]);
    rmSync(join(dir, 'config/token.enc'));
    expect(await scanWorkspace(dir, scanner())).toEqual([]);
  });

  it('finds a secret that was committed and deleted later, and one on another branch', async () => {
    const dir = tempDir();
    initRepo(dir);
    write(dir, 'README.md', '# app\n');
    write(dir, 'config.js', `module.exports = {\n  secret: '${CLIENT_SECRET}',\n};\n`);
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'first');
    const first = git(dir, 'rev-parse', 'HEAD');
    write(dir, 'config.js', 'module.exports = {\n  secret: process.env.OMNIUM_CLIENT_SECRET,\n};\n');
    git(dir, 'commit', '-q', '-am', 'read the secret from the environment');
    git(dir, 'checkout', '-q', '-b', 'experiment');
    write(dir, 'hook.js', `// ${WEBHOOK_SECRET}\n`);
    git(dir, 'add', 'hook.js');
    git(dir, 'commit', '-q', '-m', 'experiment');
    const experiment = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'checkout', '-q', 'main');

    const findings = await scanWorkspace(dir, scanner());
    expect(findings).toEqual([
      { file: 'config.js', line: 2, kind: 'client-secret', masked: maskSecret(CLIENT_SECRET), how: 'full', commit: first },
      { file: 'hook.js', line: 1, kind: 'webhook-secret', masked: maskSecret(WEBHOOK_SECRET), how: 'full', commit: experiment },
    ]);
  });

  it('reports a committed secret still present both in the files and in history', async () => {
    const dir = tempDir();
    initRepo(dir);
    write(dir, 'app/settings.ini', `[api]\nsecret=${CLIENT_SECRET}\n`);
    write(dir, 'other/notes.txt', `${WEBHOOK_SECRET}\n`);
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'settings');
    const commit = git(dir, 'rev-parse', 'HEAD');
    // The workspace is a subfolder: paths are relative to it and history outside it is not searched.
    const findings = await scanWorkspace(join(dir, 'app'), scanner());
    expect(findings).toEqual([
      { file: 'settings.ini', line: 2, kind: 'client-secret', masked: maskSecret(CLIENT_SECRET), how: 'full' },
      { file: 'settings.ini', line: 2, kind: 'client-secret', masked: maskSecret(CLIENT_SECRET), how: 'full', commit },
    ]);
  });

  it('finds nothing in a clean folder, and nothing when no secret is known', async () => {
    const dir = tempDir();
    write(dir, 'index.js', 'console.log(process.env.OMNIUM_CLIENT_SECRET ? "configured" : "missing");\n');
    expect(await scanWorkspace(dir, scanner())).toEqual([]);
    write(dir, 'leak.txt', CLIENT_SECRET);
    expect(await scanWorkspace(dir, createSecretScanner())).toEqual([]);
  });
});
