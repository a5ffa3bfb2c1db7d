import { describe, expect, it } from 'vitest';
import { ERROR_LINE } from './check.ts';
import check from './token.no-retry-loop.ts';
import { LANE_CLIENT, PHASES, journal, logLine, metric, observations, phaseRecord, requestSeqs } from './test/journal.ts';

const deactivated = PHASES['deactivated-user'];
const windowSeconds = deactivated.params.observeWindowMs! / 1000;

/** A healthy run up to the deactivation; the first call after it gets 401. */
function deactivatedMidRun(firstAt = deactivated.start + 0.5) {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(5, { from: 2, every: 2, token });
  const denied = j.apiCall({ at: firstAt, token, status: 401, denied: 'deactivated' });
  return { j, token, denied };
}

const alert = (at: number) => logLine('ERROR Omnium rejected our credentials (401 after renewal): API user deactivated? Stopping.', { at, stream: 'stderr' });

describe('token.no-retry-loop', () => {
  it('passes when the integration renews once, gets 401 again, logs an error and stops', () => {
    const { j, denied } = deactivatedMidRun();
    j.tokenRequest({ at: deactivated.start + 0.6, status: 401 });
    const line = alert(deactivated.start + 0.7);

    const finding = check.judge(observations({ journal: j.entries, logs: [logLine('polling orders', { at: 3 }), line] }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('1 token request(s) and 0 API call(s) after the first 401, and an error was logged.');
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq]);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'log', stream: 'stderr', text: line.text }));
  });

  it('passes when the integration exits after logging, ending the phase early', () => {
    const { j } = deactivatedMidRun();
    j.tokenRequest({ at: deactivated.start + 0.6, status: 401 });
    const phases = [
      phaseRecord('steady'),
      phaseRecord('revoked-token'),
      phaseRecord('short-lived-tokens'),
      phaseRecord('deactivated-user', { end: deactivated.start + 1, completed: false }),
    ];

    const finding = check.judge(observations({ journal: j.entries, phases, logs: [alert(deactivated.start + 0.7)] }));

    expect(finding.verdict).toBe('pass');
  });

  it('passes at the limit: three token requests and three calls within the window', () => {
    const { j, token } = deactivatedMidRun();
    for (let i = 1; i <= 3; i++) {
      j.tokenRequest({ at: deactivated.start + 0.5 + i * 5, status: 401 });
      j.apiCall({ at: deactivated.start + 0.6 + i * 5, token, status: 401 });
    }

    const finding = check.judge(observations({ journal: j.entries, logs: [alert(deactivated.start + 1)] }));

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'token requests')).toBe(3);
    expect(metric(finding.evidence, 'API calls')).toBe(3);
  });

  it('fails when the integration keeps requesting tokens in a loop', () => {
    const { j, token, denied } = deactivatedMidRun();
    const loop = [];
    for (let at = deactivated.start + 1; at < deactivated.start + 11; at += 1) {
      loop.push(j.tokenRequest({ at, status: 401 }));
      loop.push(j.apiCall({ at: at + 0.1, token, status: 401 }));
    }

    const finding = check.judge(observations({ journal: j.entries, logs: [alert(deactivated.start + 1)] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      `After the API user was deactivated the integration kept trying: 10 token requests and 10 API calls within ${windowSeconds} s of the first 401 (at most 3 each).`,
    );
    expect(metric(finding.evidence, 'token requests')).toBe(10);
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq, ...loop.slice(0, 5).map((e) => e.seq)]);
  });

  it('fails on a fourth token request, even without API calls', () => {
    const { j } = deactivatedMidRun();
    for (let i = 1; i <= 4; i++) j.tokenRequest({ at: deactivated.start + 0.5 + i * 5, status: 401 });

    const finding = check.judge(observations({ journal: j.entries, logs: [alert(deactivated.start + 1)] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('4 token requests and 0 API calls');
  });

  it('does not count requests after the observation window', () => {
    const firstAt = deactivated.start + 0.2;
    const { j } = deactivatedMidRun(firstAt);
    for (let i = 1; i <= 3; i++) j.tokenRequest({ at: firstAt + i * 9, status: 401 });
    j.tokenRequest({ at: firstAt + windowSeconds + 0.1, status: 401 });

    const finding = check.judge(observations({ journal: j.entries, logs: [alert(firstAt + 1)] }));

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'token requests')).toBe(3);
  });

  it('fails when the integration stops but prints no error line', () => {
    const { j } = deactivatedMidRun();
    j.tokenRequest({ at: deactivated.start + 0.6, status: 401 });

    const finding = check.judge(observations({ journal: j.entries, logs: [logLine('token renewed', { at: deactivated.start + 0.7 })] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('printed no error line');
  });

  it('does not accept an error line printed before the first 401, or by the production run', () => {
    const { j } = deactivatedMidRun();
    const logs = [alert(5), { ...alert(deactivated.start + 1), run: 'production' as const }];

    expect(check.judge(observations({ journal: j.entries, logs })).verdict).toBe('fail');
  });

  it('starts the window at a refused token request when no API call came first', () => {
    const j = journal();
    const denied = j.tokenRequest({ at: deactivated.start + 2, status: 401 });

    const finding = check.judge(observations({ journal: j.entries, logs: [alert(deactivated.start + 2.1)] }));

    expect(finding.verdict).toBe('pass');
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq]);
  });

  it('is inconclusive when no request was made after the deactivation', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(5, { from: 2, every: 1, token });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('No request was made after the API user was deactivated');
  });

  it('is inconclusive when the deactivated-user phase did not run', () => {
    const finding = check.judge(observations({ phases: [phaseRecord('steady')] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"deactivated-user" phase did not run');
  });

  it.each([
    'ERROR: request failed with 401',
    'Omnium API access denied, alerting on-call',
    'Unauthorized - giving up',
    'API user deactivated',
    'fatal: cannot authenticate',
  ])('recognises "%s" as an error line', (text) => {
    expect(ERROR_LINE.test(text)).toBe(true);
  });

  it.each(['token renewed, expires in 15 s', 'fetched 20 orders'])('does not take "%s" for an error line', (text) => {
    expect(ERROR_LINE.test(text)).toBe(false);
  });
});

describe('token.no-retry-loop in a side lane', () => {
  const lane = { name: 'deactivation', client: LANE_CLIENT };
  const inLane = () => [phaseRecord('steady'), phaseRecord('deactivated-user', { lane })];

  it("judges the lane's API user and its run's output, not the test run's traffic meanwhile", () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const laneToken = j.tokenRequest({ at: deactivated.start + 0.1, client: LANE_CLIENT });
    j.apiCall({ at: deactivated.start + 0.5, token: laneToken, status: 401, denied: 'deactivated' });
    j.tokenRequest({ at: deactivated.start + 0.6, client: LANE_CLIENT, status: 401 });
    // The main lane's instance goes on with its own, active API user, and fails now and then.
    for (let i = 1; i <= 6; i++) j.apiCall({ at: deactivated.start + i * 2, token, status: 401 });
    const logs = [logLine('ERROR API user deactivated? Stopping.', { at: deactivated.start + 0.7, stream: 'stderr', run: 'lane:deactivation' })];

    const finding = check.judge(observations({ journal: j.entries, phases: inLane(), logs }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('1 token request(s) and 0 API call(s) after the first 401, and an error was logged.');
  });

  it("fails on the lane's token loop, and does not take the test run's error line for the lane's", () => {
    const j = journal();
    const laneToken = j.tokenRequest({ at: deactivated.start + 0.1, client: LANE_CLIENT });
    j.apiCall({ at: deactivated.start + 0.5, token: laneToken, status: 401, denied: 'deactivated' });
    for (let i = 1; i <= 5; i++) j.tokenRequest({ at: deactivated.start + 0.5 + i, client: LANE_CLIENT, status: 401 });
    const logs = [logLine('ERROR API user deactivated? Stopping.', { at: deactivated.start + 0.7, stream: 'stderr', run: 'test' })];

    const finding = check.judge(observations({ journal: j.entries, phases: inLane(), logs }));

    expect(finding.verdict).toBe('fail');
    expect(metric(finding.evidence, 'token requests')).toBe(5);
  });

  it("is inconclusive when only the test run's API user was refused during the lane's phase", () => {
    const { j } = deactivatedMidRun();

    const finding = check.judge(observations({ journal: j.entries, phases: inLane(), logs: [alert(deactivated.start + 0.7)] }));

    expect(finding.verdict).toBe('inconclusive');
  });
});
