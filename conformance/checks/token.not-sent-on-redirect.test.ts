import { describe, expect, it } from 'vitest';
import check from './token.not-sent-on-redirect.ts';
import { runCheck } from './check.ts';
import type { ForeignRequest } from './observations.ts';
import { PHASES, context, faulted, journal, monoAt, observations, requestSeqs } from './test/journal.ts';

const phase = PHASES['malformed-responses'];
const ORIGIN = 'https://127.0.0.1:47001';
const MASKED_TOKEN = 'eyJh…Q2x8';
/** A time in seconds as the evidence shows it, to one decimal. */
const seconds = (at: number) => Math.round(at * 10) / 10;

/** The phase as the mock plays it: a call answered 307 to the foreign host, then the next call of the integration's. */
function redirected() {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(3, { from: 2, every: 2, token });
  const call = faulted(j, 'redirect 307', { token, at: phase.start + 3.5, status: 307 });
  j.apiCall({ token, at: phase.start + 4.5 });
  return { j, call };
}

/** A request to the foreign host as the harness records it, `at` seconds into the run. */
const foreign = (at: number, partial: Partial<ForeignRequest> = {}): ForeignRequest => ({
  mono: monoAt(at),
  method: 'GET',
  path: '/api/Orders/ORD-1001',
  headers: [],
  credentials: [],
  ...partial,
});

describe('token.not-sent-on-redirect', () => {
  it('passes an integration that did not follow the redirect', () => {
    const { j, call } = redirected();
    const finding = check.judge(observations({ journal: j.entries, foreignHost: { origin: ORIGIN, requests: [], dropped: 0 } }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(`The integration did not follow the redirect to another origin (${ORIGIN}): nothing reached it.`);
    expect(requestSeqs(finding.evidence)).toEqual([call.seq]);
  });

  it('passes an integration that followed it without the Authorization header or any credential', () => {
    const { j } = redirected();
    const finding = check.judge(observations({ journal: j.entries, foreignHost: { origin: ORIGIN, requests: [foreign(phase.start + 3.6)], dropped: 0 } }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(`The integration followed 1 redirect(s) to another origin (${ORIGIN}) without the Authorization header or any credential (1 request(s) there).`);
    expect(finding.evidence).toContainEqual({ kind: 'note', text: `${seconds(phase.start + 3.6)} s: GET ${ORIGIN}/api/Orders/ORD-1001, without credentials` });
  });

  it('warns (advisory) when the other origin received the token in the Authorization header, naming the request and the header, masked', () => {
    const { j, call } = redirected();
    const leak = foreign(phase.start + 3.6, {
      headers: [{ name: 'authorization', masked: `Bearer ${MASKED_TOKEN}` }],
      credentials: [{ kind: 'token', where: 'header', name: 'authorization', masked: MASKED_TOKEN }],
    });
    const obs = observations({ journal: j.entries, foreignHost: { origin: ORIGIN, requests: [leak], dropped: 0 } });
    const finding = check.judge(obs);
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      `The integration followed a redirect to another origin (${ORIGIN}) and sent it the authorization header, a token in 1 of 1 request(s) there: whoever answers a redirect's target gets the credentials.`,
    );
    expect(requestSeqs(finding.evidence)).toEqual([call.seq]);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'request', seq: call.seq, status: 307, note: `answered 307: redirected to ${ORIGIN}` }));
    expect(finding.evidence).toContainEqual({
      kind: 'note',
      text: `${seconds(phase.start + 3.6)} s: GET ${ORIGIN}/api/Orders/ORD-1001 carried authorization: Bearer ${MASKED_TOKEN} (token)`,
    });
    const result = runCheck(check, obs, context());
    expect(result.verdict).toBe('warn');
    expect(result.remediation).toMatch(/never copy the Authorization header/);
  });

  it('warns when a known secret went along elsewhere than the Authorization header (an API key header, the query)', () => {
    const { j } = redirected();
    const leak = foreign(phase.start + 3.6, {
      path: '/api/Orders/ORD-1001?access_token=eyJh…Q2x8',
      headers: [{ name: 'x-api-key', masked: 'key_…9f' }],
      credentials: [
        { kind: 'client-secret', where: 'header', name: 'x-api-key', masked: 'key_…9f' },
        { kind: 'token', where: 'url', masked: MASKED_TOKEN },
      ],
    });
    const finding = check.judge(observations({ journal: j.entries, foreignHost: { origin: ORIGIN, requests: [foreign(phase.start + 3.55), leak], dropped: 0 } }));
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('sent it the x-api-key header, a client-secret, a token in 1 of 2 request(s) there');
    expect(finding.evidence).toContainEqual({
      kind: 'note',
      text: `${seconds(phase.start + 3.6)} s: GET ${ORIGIN}/api/Orders/ORD-1001?access_token=${MASKED_TOKEN} carried x-api-key: key_…9f (client-secret); token ${MASKED_TOKEN} in the url`,
    });
  });

  it('is not applicable when no call was redirected', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 2, token });
    const obs = observations({ journal: j.entries, foreignHost: { origin: ORIGIN, requests: [], dropped: 0 } });
    expect(check.judge(obs)).toMatchObject({ verdict: 'not-applicable', summary: expect.stringMatching(/^No API call was answered with a redirect/) });
    expect(runCheck(check, obs, context()).verdict).toBe('not-applicable');
  });

  it('is inconclusive when a call was redirected but nothing recorded what the other host received', () => {
    const { j } = redirected();
    expect(check.judge(observations({ journal: j.entries, foreignHost: null })).verdict).toBe('inconclusive');
  });
});
