import { describe, expect, it } from 'vitest';
import check, { isLogFile } from './credentials.secret-not-in-source.ts';
import { loggedSecret, observations, storedSecret } from './test/journal.ts';
import notLogged from './token.not-logged.ts';

describe('credentials.secret-not-in-source', () => {
  it('passes when no secret is found in the workspace', () => {
    const finding = check.judge(observations({ secrets: [] }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('No secret or token was found in the workspace or its git history.');
  });

  it('fails when the client secret is in .env and a token in a cache file, and names each place', () => {
    const secrets = [
      storedSecret('.env', { line: 3 }),
      storedSecret('.token-cache.json', { kind: 'token', masked: 'eyJhbG…Q4', line: 1 }),
      storedSecret('.env', { line: 9, how: 'base64', masked: 'c2VjX…' }),
    ];

    const finding = check.judge(observations({ secrets }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('3 secret(s) found in plain text in 2 file(s): .env, .token-cache.json.');
    expect(finding.evidence).toEqual([
      { kind: 'file', path: '.env', line: 3, note: 'client-secret sec_…Xy' },
      { kind: 'file', path: '.token-cache.json', line: 1, note: 'token eyJhbG…Q4' },
      { kind: 'file', path: '.env', line: 9, note: 'client-secret c2VjX… (base64)' },
    ]);
  });

  it("names the seed's poor practices: a plain-text file, a key beside its encrypted file, a string literal in source, a key in a URL", () => {
    const secrets = [
      storedSecret('api-key.txt', { masked: 'fsk_…Q9' }),
      storedSecret('config/secret.key', { kind: 'encryption-key', masked: 'a3f1…60f5', beside: 'config/token.enc' }),
      storedSecret('hook.php', { line: 7, context: 'literal' }),
      storedSecret('docs/setup.md', { line: 3, context: 'url' }),
    ];

    const finding = check.judge(observations({ secrets }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      '4 secret(s) found in plain text in 4 file(s): api-key.txt, config/secret.key, hook.php… (a plain-text file; a decryption key beside its encrypted file; a string literal in source; in a URL).',
    );
    expect(finding.evidence.map((e) => (e.kind === 'file' ? `${e.path}:${e.line} ${e.note}` : ''))).toEqual([
      'api-key.txt:1 client-secret fsk_…Q9: a plain-text file',
      'config/secret.key:1 encryption-key a3f1…60f5: the key that decrypts config/token.enc, in the same workspace',
      'hook.php:7 client-secret sec_…Xy: a string literal in source',
      'docs/setup.md:3 client-secret sec_…Xy: in a URL',
    ]);
  });

  it('fails on a secret that is only in git history, and names the commit', () => {
    const finding = check.judge(observations({ secrets: [storedSecret('config.json', { line: 4, commit: '0123456789abcdef0123' })] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.evidence[0]).toMatchObject({ path: 'config.json', note: 'client-secret sec_…Xy in commit 0123456789' });
  });

  it('names the first three files only in its summary', () => {
    const secrets = ['a.ts', 'b.ts', 'c.ts', 'd.ts'].map((f) => storedSecret(f));

    expect(check.judge(observations({ secrets })).summary).toBe('4 secret(s) found in plain text in 4 file(s): a.ts, b.ts, c.ts….');
  });

  it('leaves log files and the output to token.not-logged', () => {
    const secrets = [storedSecret('app.log', { kind: 'token' }), storedSecret('logs/sync.txt', { kind: 'token' }), loggedSecret()];
    const obs = observations({ secrets });

    expect(check.judge(obs).verdict).toBe('pass');
    expect(notLogged.judge(obs).verdict).toBe('fail');
  });

  it('judges source files under a log folder as source, not as logs', () => {
    const obs = observations({ secrets: [storedSecret('src/log/setup.ts', { line: 12 })] });

    expect(check.judge(obs).verdict).toBe('fail');
    expect(notLogged.judge(obs).verdict).toBe('pass');
  });

  it.each(['app.log', 'logs/app.log', 'sync.log.1', 'logs/output.txt', 'log/2026-01-12.jsonl', 'var/LOGS/today'])('treats %s as a log file', (file) => {
    expect(isLogFile(file)).toBe(true);
  });

  it.each(['.env', 'src/config.ts', 'catalog.json', 'src/logger.ts', 'src/log/setup.ts', 'logs/rotate.py', 'dialog/view.ts'])('treats %s as a source or config file', (file) => {
    expect(isLogFile(file)).toBe(false);
  });
});
