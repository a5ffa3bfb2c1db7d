import { describe, expect, it } from 'vitest';
import secretNotInSource from './credentials.secret-not-in-source.ts';
import { logLine, loggedSecret, observations, storedSecret } from './test/journal.ts';
import check from './token.not-logged.ts';

describe('token.not-logged', () => {
  it('passes when the output and the log files carry no token or secret', () => {
    const logs = [logLine('token obtained, expires in 864000 s', { at: 1.2 }), logLine('fetched 20 orders', { at: 2 })];

    const finding = check.judge(observations({ logs, secrets: [storedSecret('.env')] }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('No token or secret in 2 line(s) of output or in log files.');
  });

  it('fails when a full token is printed, and shows the masked line with its time', () => {
    const sighting = loggedSecret({ at: 3.25, stream: 'stderr', text: 'DEBUG Authorization: Bearer eyJhbG…Q4' });

    const finding = check.judge(observations({ secrets: [sighting] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The integration logged token 1 time(s).');
    expect(finding.evidence).toEqual([{ kind: 'log', stream: 'stderr', at: 3.3, text: 'DEBUG Authorization: Bearer eyJhbG…Q4', note: 'token in full' }]);
  });

  it('fails on a prefix of a secret', () => {
    const finding = check.judge(observations({ secrets: [loggedSecret({ kind: 'client-secret', how: 'prefix', text: 'secret starts with sec_8f2k…' })] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.evidence[0]).toMatchObject({ kind: 'log', note: 'client-secret (prefix)' });
  });

  it('fails on a secret in a log file of the workspace, which token.secret-not-in-source leaves alone', () => {
    const obs = observations({ secrets: [storedSecret('logs/app.log', { kind: 'token', line: 42, masked: 'eyJhbG…Q4' })] });

    const finding = check.judge(obs);

    expect(finding.verdict).toBe('fail');
    expect(finding.evidence).toEqual([{ kind: 'file', path: 'logs/app.log', line: 42, note: 'token eyJhbG…Q4' }]);
    expect(secretNotInSource.judge(obs).verdict).toBe('pass');
  });

  it('counts every sighting and names every kind', () => {
    const secrets = [
      loggedSecret({ at: 2 }),
      loggedSecret({ at: 3, kind: 'client-secret' }),
      loggedSecret({ at: 4, kind: 'webhook-secret' }),
      storedSecret('sync.log.1', { kind: 'token' }),
    ];

    expect(check.judge(observations({ secrets })).summary).toBe('The integration logged token, client-secret, webhook-secret 4 time(s).');
  });
});
