import { describe, expect, it } from 'vitest';
import check from './credentials.test-not-in-production.ts';
import { LANE_CLIENT, PRODUCTION_CLIENT, TEST_CLIENT, journal, observations, requestSeqs } from './test/journal.ts';

/** The test run: its own token and calls. */
function testRun() {
  const j = journal();
  const testToken = j.tokenRequest({ at: 1 });
  j.apiCalls(3, { from: 2, every: 1, token: testToken });
  return { j, testToken };
}

describe('credentials.test-not-in-production', () => {
  it('passes when the production run uses only production credentials and tokens', () => {
    const { j } = testRun();
    const prodToken = j.tokenRequest({ at: 2.5, environment: 'production', client: PRODUCTION_CLIENT });
    j.apiCalls(3, { from: 3, every: 1, token: prodToken });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('The production run made 4 request(s), all with production credentials and tokens.');
  });

  it('fails when a token issued in test is presented in production, and names that request', () => {
    const { j, testToken } = testRun();
    const carried = j.apiCall({ at: 5, token: testToken, environment: 'production', status: 401, denied: 'unknown issuer' });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('1 request(s) crossed environments.');
    expect(requestSeqs(finding.evidence)).toEqual([carried.seq]);
    expect(finding.evidence[0]).toMatchObject({ environment: 'production', note: 'token issued in test, sent to production' });
  });

  it('fails when the test credentials are used to request a token in production', () => {
    const { j } = testRun();
    const wrong = j.tokenRequest({ at: 5, environment: 'production', client: TEST_CLIENT, status: 401 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.evidence[0]).toMatchObject({ seq: wrong.seq, note: 'test credentials used in production' });
  });

  it('fails when a token issued in production is presented in test', () => {
    const { j } = testRun();
    const prodToken = j.tokenRequest({ at: 2.5, environment: 'production', client: PRODUCTION_CLIENT });
    const carried = j.apiCall({ at: 6, token: prodToken, environment: 'test', status: 401 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.evidence[0]).toMatchObject({ seq: carried.seq, note: 'token issued in production, sent to test' });
  });

  it('fails when the production credentials are used to request a token in test', () => {
    const { j } = testRun();
    const prodToken = j.tokenRequest({ at: 2.4, environment: 'production', client: PRODUCTION_CLIENT });
    j.apiCall({ at: 2.5, token: prodToken });
    const wrong = j.tokenRequest({ at: 7, environment: 'test', client: PRODUCTION_CLIENT, status: 401 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.evidence[0]).toMatchObject({ seq: wrong.seq, note: 'production credentials used in test' });
  });

  it('is inconclusive when the production run did not take place', () => {
    const { j } = testRun();

    const finding = check.judge(observations({ journal: j.entries, clients: { test: TEST_CLIENT, production: null, lanes: [] } }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('The production run did not take place.');
  });

  it('is inconclusive when the production run made no request', () => {
    const { j } = testRun();

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('made no request in its production run');
  });
});

describe('credentials.test-not-in-production with side lanes', () => {
  it("fails when a side lane's test credentials are used to request a token in production", () => {
    const { j } = testRun();
    const prodToken = j.tokenRequest({ at: 2.5, environment: 'production', client: PRODUCTION_CLIENT });
    j.apiCall({ at: 3, token: prodToken });
    const wrong = j.tokenRequest({ at: 5, environment: 'production', client: LANE_CLIENT, status: 401 });

    const finding = check.judge(observations({ journal: j.entries, clients: { test: TEST_CLIENT, production: PRODUCTION_CLIENT, lanes: [LANE_CLIENT] } }));

    expect(finding.verdict).toBe('fail');
    expect(requestSeqs(finding.evidence)).toEqual([wrong.seq]);
  });
});
