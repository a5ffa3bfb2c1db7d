import { describe, expect, it } from 'vitest';
import check from './errors.backoff-in-outage.ts';
import { ENDPOINTS, PHASES, faulted, journal, observations, phaseRecord, requestSeqs } from './test/journal.ts';

const outage = PHASES.outage;
const recovery = PHASES['outage-recovery'];

/** A poll of the order search: each poll has its own time window in the body. */
const poll = (window: number) => ({ endpoint: ENDPOINTS.searchOrders, body: `{"modifiedFrom":"2026-01-12T09:${String(window).padStart(4, '0')}Z"}` });

/**
 * The outage as the mock plays it: every call at `times` (seconds into the outage) answered 503;
 * then, `resumeAfter` seconds into the recovery phase (`null`: never), a call that works, which
 * ends the recovery phase soon after.
 */
function outageRun(times: readonly number[], { resumeAfter = 1 as number | null, failedProbes = [] as number[] } = {}) {
  const j = journal();
  const token = j.tokenRequest({ at: outage.start - 5 });
  j.apiCalls(3, { from: outage.start - 4, every: 1, token, ...poll(0) });
  const during = times.map((at, i) => faulted(j, 'status 503', { token, at: outage.start + at, ...poll(i + 1) }));
  for (const at of failedProbes) j.apiCall({ token, at: recovery.start + at, status: 500, ...poll(900 + at) });
  const worked = resumeAfter === null ? null : j.apiCall({ token, at: recovery.start + resumeAfter, ...poll(999) });
  const end = resumeAfter === null ? recovery.end : recovery.start + resumeAfter + 0.2;
  const phases = [phaseRecord('outage'), phaseRecord('outage-recovery', { end })];
  return { j, during, worked, phases };
}

const judge = (run: ReturnType<typeof outageRun>) => check.judge(observations({ journal: run.j.entries, phases: run.phases }));

/** Calls every `every` seconds from `from` to `to` (seconds into the outage). */
const steadyRate = (every: number, from = 0.1, to = outage.end - outage.start) => {
  const out: number[] = [];
  for (let at = from; at < to; at += every) out.push(Math.round(at * 1000) / 1000);
  return out;
};

/**
 * A client without a breaker that backs off per request: each poll's request is retried
 * after 0.5 s, 1 s, 2 s and 4 s, given up, and the next poll comes 2 s later.
 */
const perRequestBackoff = () => {
  const out: number[] = [];
  let at = 0.1;
  while (at < outage.end - outage.start) {
    for (const wait of [0, 0.5, 1, 2, 4]) {
      at += wait;
      if (at < outage.end - outage.start) out.push(Math.round(at * 1000) / 1000);
    }
    at += 2;
  }
  return out;
};

describe('errors.backoff-in-outage', () => {
  it('fails a client that keeps a constant rate against the dead API, even one that resumes after it', () => {
    const run = outageRun(steadyRate(0.3));

    const finding = judge(run);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^\d+ calls in the 20 s outage \([\d.]+ per second\), every one answered 503, at a constant rate: the waits between them stayed at 0\.3 s–0\.3 s/);
    expect(finding.summary).not.toContain('resume');
    expect(requestSeqs(finding.evidence)).toContain(run.during[0]!.seq);
  });

  it('fails a poller that sends its poll at the same interval all through the outage, without retries', () => {
    expect(judge(outageRun(steadyRate(2))).verdict).toBe('fail');
  });

  it('passes decay, then a probe, then resumed traffic (a circuit breaker)', () => {
    // Retries at 0.5 s, 1 s, 2 s; the breaker opens; probes 8 s apart, both refused; the API is back, the next probe works.
    const run = outageRun([0.1, 0.6, 1.6, 3.6, 11.6, 19.6], { resumeAfter: 5.6 });

    const finding = judge(run);

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('6 calls in the 20 s outage, with waits growing from 0.5 s to 8 s; the work resumed 5.6 s after the API was back.');
    expect(requestSeqs(finding.evidence)).toContain(run.worked!.seq);
  });

  it('passes a client without a breaker that backs off per request sensibly', () => {
    expect(judge(outageRun(perRequestBackoff())).verdict).toBe('pass');
  });

  it('passes a client that all but leaves the dead API alone, and resumes', () => {
    const finding = judge(outageRun([0.1, 15]));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('2 call(s) in the 20 s outage; the work resumed 1 s after the API was back.');
  });

  it('fails a client that backs off but never resumes after the API is back', () => {
    const finding = judge(outageRun([0.1, 0.6, 1.6, 3.6, 11.6], { resumeAfter: null }));
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(`it made no API call in the ${(recovery.end - recovery.start).toFixed(0)} s after the API was back: the work did not resume.`);
  });

  it('fails a client whose calls after the outage all fail', () => {
    const finding = judge(outageRun([0.1, 0.6, 1.6, 3.6], { resumeAfter: null, failedProbes: [2, 10] }));
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('after the outage its 2 call(s) of the next');
  });

  it('names both when a constant rate is followed by no resumption', () => {
    const finding = judge(outageRun(steadyRate(0.3), { resumeAfter: null }));
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/at a constant rate.*; it made no API call/);
  });

  it('is inconclusive when the integration made no call during or after the outage', () => {
    const j = journal();
    j.tokenRequest({ at: outage.start - 5 });
    const finding = check.judge(observations({ journal: j.entries, phases: [phaseRecord('outage'), phaseRecord('outage-recovery')] }));
    expect(finding.verdict).toBe('inconclusive');
  });

  it('is inconclusive when the outage phase did not run to its end', () => {
    const run = outageRun(steadyRate(0.3));
    const finding = check.judge(observations({ journal: run.j.entries, phases: [phaseRecord('outage', { completed: false }), run.phases[1]!] }));
    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"outage" phase ended early');
  });

  it('judges only the lane API user of the outage phase', () => {
    const run = outageRun(steadyRate(0.3));
    const lane = { name: 'outage', client: 'client-of-another-lane' };
    const finding = check.judge(observations({ journal: run.j.entries, phases: [phaseRecord('outage', { lane }), phaseRecord('outage-recovery', { lane })] }));
    expect(finding.verdict).toBe('inconclusive');
  });
});
