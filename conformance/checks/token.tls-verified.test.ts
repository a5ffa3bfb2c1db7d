import { describe, expect, it } from 'vitest';
import { BAD_TLS_KINDS, type TlsConnectionRecord } from '../../mock-server/index.ts';
import check from './token.tls-verified.ts';
import { ENDPOINTS, journal, logLine, monoAt, observations, requestSeqs } from './test/journal.ts';

const ALL_KINDS = BAD_TLS_KINDS;

const refused = (listener: TlsConnectionRecord['listener'], at: number, error = 'unable to verify the first certificate'): TlsConnectionRecord => ({
  listener,
  mono: monoAt(at),
  handshake: 'failed',
  error,
});

/** Every bad certificate refused at the handshake, as a verifying client does (the bad-TLS runs go in two lanes). */
const allRefused = () => [
  refused('untrusted-ca', 2, 'self-signed certificate in certificate chain'),
  refused('wrong-host', 2.5, "Hostname/IP does not match certificate's altnames"),
  refused('self-signed', 5, 'self-signed certificate'),
  refused('expired', 5.5, 'certificate has expired'),
  refused('missing-intermediate', 8, 'unable to verify the first certificate'),
  refused('not-yet-valid', 8.5, 'certificate is not yet valid'),
];

describe('token.tls-verified', () => {
  it('passes when every bad certificate is refused at the handshake and no request arrives', () => {
    const j = journal();
    j.tokenRequest({ at: 1 });

    const finding = check.judge(observations({ journal: j.entries, tls: allRefused(), tlsRuns: [...ALL_KINDS] }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'The integration refused every bad certificate (untrusted-ca, wrong-host, self-signed, expired, missing-intermediate, not-yet-valid) and sent no request.',
    );
    expect(finding.evidence).toEqual([
      { kind: 'note', text: 'untrusted-ca (a certificate from an unknown CA): handshake refused (self-signed certificate in certificate chain)' },
      { kind: 'note', text: "wrong-host (a certificate for another host name): handshake refused (Hostname/IP does not match certificate's altnames)" },
      { kind: 'note', text: 'self-signed (a self-signed certificate): handshake refused (self-signed certificate)' },
      { kind: 'note', text: 'expired (an expired certificate): handshake refused (certificate has expired)' },
      { kind: 'note', text: 'missing-intermediate (a certificate served without its intermediate CA): handshake refused (unable to verify the first certificate)' },
      { kind: 'note', text: 'not-yet-valid (a certificate not valid yet): handshake refused (certificate is not yet valid)' },
    ]);
  });

  it('gives one note per listener, its first refusal, when a client tried one more than once', () => {
    const again = [...allRefused(), refused('self-signed', 6, 'self-signed certificate (again)')];

    const finding = check.judge(observations({ tls: again, tlsRuns: [...ALL_KINDS] }));

    expect(finding.verdict).toBe('pass');
    expect(finding.evidence).toHaveLength(6);
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'self-signed (a self-signed certificate): handshake refused (self-signed certificate)' });
  });

  it('passes, naming the listeners the integration never connected to, when only some runs reached a handshake', () => {
    const finding = check.judge(observations({ tls: allRefused().filter((c) => c.listener !== 'not-yet-valid' && c.listener !== 'self-signed'), tlsRuns: [...ALL_KINDS] }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'The integration refused every bad certificate it was shown (untrusted-ca, wrong-host, expired, missing-intermediate) and sent no request; it did not connect to self-signed, not-yet-valid.',
    );
  });

  it.each([
    ['self-signed', 'self-signed (a self-signed certificate) accepted: client secret sent'],
    ['not-yet-valid', 'not-yet-valid (a certificate not valid yet) accepted: client secret sent'],
    ['missing-intermediate', 'missing-intermediate (a certificate served without its intermediate CA) accepted: client secret sent'],
    ['expired', 'expired (an expired certificate) accepted: client secret sent'],
  ] as const)('fails when the %s listener receives the client secret, and says what was wrong with its certificate', (kind, note) => {
    const j = journal();
    const leaked = j.tokenRequest({ at: 2 });
    leaked.listener = `bad-tls:${kind}`;

    const finding = check.judge(observations({ journal: j.entries, tls: allRefused().filter((c) => c.listener !== kind), tlsRuns: [...ALL_KINDS] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(`The integration completed 1 HTTP request(s) to servers with a bad certificate (${kind}), sending its credentials.`);
    expect(finding.evidence).toEqual([expect.objectContaining({ kind: 'request', seq: leaked.seq, note })]);
  });

  it('fails when a token request with the client secret reaches the untrusted-CA listener, and says the credentials were sent', () => {
    const j = journal();
    j.tokenRequest({ at: 1 });
    const leaked = j.tokenRequest({ at: 2 });
    leaked.listener = 'bad-tls:untrusted-ca';

    const finding = check.judge(observations({ journal: j.entries, tls: allRefused().slice(1), tlsRuns: [...ALL_KINDS] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The integration completed 1 HTTP request(s) to servers with a bad certificate (untrusted-ca), sending its credentials.');
    expect(requestSeqs(finding.evidence)).toEqual([leaked.seq]);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'request', seq: leaked.seq, note: 'untrusted-ca (a certificate from an unknown CA) accepted: client secret sent' }));
  });

  it('fails on an API call with a token to a listener with the wrong host name, and names the token', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const call = j.apiCall({ at: 3, token });
    call.listener = 'bad-tls:wrong-host';

    const finding = check.judge(observations({ journal: j.entries, tlsRuns: [...ALL_KINDS] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('(wrong-host), sending its credentials.');
    expect(finding.evidence).toContainEqual(expect.objectContaining({ seq: call.seq, note: `wrong-host (a certificate for another host name) accepted: token ${call.tokenMasked} sent` }));
  });

  it('fails on a request without credentials too, and says none were sent', () => {
    const j = journal();
    const health = j.entry({ at: 2, listener: 'bad-tls:expired' });

    const finding = check.judge(observations({ journal: j.entries, tlsRuns: [...ALL_KINDS] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The integration completed 1 HTTP request(s) to servers with a bad certificate (expired); no credentials were sent.');
    expect(requestSeqs(finding.evidence)).toEqual([health.seq]);
  });

  it('counts the requests and names every listener that accepted a bad certificate', () => {
    const j = journal();
    for (const [i, kind] of ALL_KINDS.entries()) {
      const e = j.tokenRequest({ at: 2 + i });
      e.listener = `bad-tls:${kind}`;
    }

    const finding = check.judge(observations({ journal: j.entries, tlsRuns: [...ALL_KINDS] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      'The integration completed 6 HTTP request(s) to servers with a bad certificate (untrusted-ca, wrong-host, expired, self-signed, not-yet-valid, missing-intermediate), sending its credentials.',
    );
  });

  it.each([
    "(node:4711) Warning: Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and HTTPS requests insecure by disabling certificate verification.",
    "/usr/lib/python3/dist-packages/urllib3/connectionpool.py:1045: InsecureRequestWarning: Unverified HTTPS request is being made to host 'localhost'. Adding certificate verification is strongly advised.",
  ])('fails on the warning printed when verification is off: %s', (text) => {
    const line = logLine(text, { stream: 'stderr', at: 1.5 });

    const finding = check.judge(observations({ tls: allRefused(), tlsRuns: [...ALL_KINDS], logs: [line] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The integration printed a warning that TLS certificate verification is turned off.');
    expect(finding.evidence).toContainEqual({ kind: 'log', stream: 'stderr', at: 1.5, text, note: 'TLS verification turned off' });
  });

  it('ignores requests on the regular API listener', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 1, token, endpoint: ENDPOINTS.searchOrders });

    expect(check.judge(observations({ journal: j.entries, tls: allRefused(), tlsRuns: [...ALL_KINDS] })).verdict).toBe('pass');
  });

  it('is inconclusive when the runs against bad certificates did not take place', () => {
    const finding = check.judge(observations({ tls: allRefused(), tlsRuns: [] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('The runs against listeners with bad certificates did not take place.');
  });

  it('is inconclusive when the runs took place but the integration never connected', () => {
    const finding = check.judge(observations({ tlsRuns: [...ALL_KINDS], logs: [logLine('Error: cannot read config.json', { run: 'tls:expired' })] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('did not connect to the listeners with bad certificates');
  });
});
