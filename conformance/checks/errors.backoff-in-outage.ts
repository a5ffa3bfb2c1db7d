import type { JournalEntry } from '../../mock-server/index.ts';
import type { Evidence } from '../../reports/model.ts';
import { defineCheck, inconclusive, phase, phaseMissing, requestEvidence } from './check.ts';
import { answeredAt, round, userTraffic } from './error-traffic.ts';

/**
 * Fewer calls than this in the whole outage tell nothing of a rate: the client left the dead
 * API all but alone (a slow poller, or a breaker that opened at once).
 */
const MIN_CALLS = 4;
/** Waits this short compare as this long: timer and scheduling noise. */
const NOISE_MS = 100;
/** The long waits (the 90th percentile) must be at least this many times the short ones (the 10th). */
const GROWTH = 2;

/** The value at fraction `q` of `sorted` (ascending), nearest rank. */
const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

const seconds = (ms: number): string => `${round(ms / 1000, 1)} s`;

/**
 * Security-tests.md case 81 (a long outage, then recovery). The source's signature of a
 * circuit breaker (Closed → Open → Half-Open, Akka's `CircuitBreaker`; AWS's backoff and retry
 * budgets) is that the request rate to a failing API decays, a probe follows, and normal traffic
 * resumes once the API is back. What golive judges of it, for any client:
 *
 * - **decay**: during the outage (every request answered 503) the client's waits between calls
 *   grow at some point: its long waits (90th percentile) at least twice its short ones (10th).
 *   A client that keeps one rate against a dead API, retrying or polling at the same interval
 *   all along, fails. A client without a breaker that backs off per request (waits that grow
 *   between a request's retries, then its next poll) passes: the source's rule is the decay,
 *   not the breaker;
 * - **resumption**: once the API answers again, a call works within the recovery phase. A
 *   client that never comes back (a breaker that never half-opens, a process that gave up)
 *   fails; its first call after the outage is the probe, shown with how long it took.
 */
export default defineCheck({
  id: 'errors.backoff-in-outage',
  title: 'A long outage is met with fewer calls, and the work resumes after it',
  section: 'Error handling',
  required: false,
  phases: ['outage', 'outage-recovery'],
  remediation:
    'When every call fails (503s, resets) for a while, call less: let the waits grow (exponential backoff per request, and a circuit breaker that stops calling for a time after repeated failures), then probe now and then, and resume normal work as soon as a call succeeds. Keep the time between probes well under a minute so the work resumes soon after the API is back.',
  judge(obs) {
    const outage = phase(obs, 'outage');
    if (!outage?.completed) return phaseMissing('outage', outage);
    const recovery = phase(obs, 'outage-recovery');
    if (!recovery) return phaseMissing('outage-recovery', recovery);
    const apiCalls = (from: number, to: number): JournalEntry[] => userTraffic(obs, outage, from, to).filter((e) => !e.tokenRequest);
    const during = apiCalls(outage.startMono, outage.endMono);
    const after = apiCalls(recovery.startMono, recovery.endMono);
    const outageMs = outage.endMono - outage.startMono;
    const recoveryMs = recovery.endMono - recovery.startMono;
    if (during.length === 0 && after.length === 0) {
      return inconclusive(
        `The integration made no API call during the ${seconds(outageMs)} outage or the ${seconds(recoveryMs)} after it, so neither how it meets an outage nor whether it resumes could be seen (it must keep working on its own schedule).`,
      );
    }
    const evidence: Evidence[] = [{ kind: 'metric', name: 'calls during the outage', value: during.length }];
    evidence.push(...during.slice(0, 6).map((e) => requestEvidence(obs, e, e.fault ? e.fault.kind : undefined)));

    // Decay: the waits from one answer to the next call, each at least the noise floor.
    const waits = during.slice(1).map((e, i) => Math.max(NOISE_MS, e.mono - answeredAt(during[i]!)));
    let decay: string;
    let constant: string | null = null;
    if (during.length < MIN_CALLS) {
      decay = `${during.length} call(s) in the ${seconds(outageMs)} outage`;
    } else {
      const sorted = [...waits].sort((a, b) => a - b);
      const short = quantile(sorted, 0.1);
      const long = quantile(sorted, 0.9);
      evidence.push({ kind: 'note', text: `waits between calls during the outage: ${waits.slice(0, 12).map(seconds).join(', ')}${waits.length > 12 ? ', …' : ''}` });
      const rate = round(during.length / (outageMs / 1000), 1);
      if (long < GROWTH * short) {
        constant = `${during.length} calls in the ${seconds(outageMs)} outage (${rate} per second), every one answered 503, at a constant rate: the waits between them stayed at ${seconds(short)}–${seconds(long)}, the long ones never twice the short ones`;
      }
      decay = `${during.length} calls in the ${seconds(outageMs)} outage, with waits growing from ${seconds(short)} to ${seconds(long)}`;
    }

    // Resumption: the first call after the outage is the probe; it must work within the recovery phase.
    const probe = after[0];
    const worked = after.find((e) => e.fault === null && e.status >= 200 && e.status < 400);
    let resumed: string | null = null;
    let neverResumed: string | null = null;
    if (worked) {
      evidence.push(requestEvidence(obs, worked, 'the first call after the outage that worked'));
      evidence.push({ kind: 'metric', name: 'first call that worked, after the API was back', value: round((worked.mono - recovery.startMono) / 1000, 1), unit: 's' });
      resumed = `the work resumed ${seconds(worked.mono - recovery.startMono)} after the API was back`;
    } else if (probe) {
      evidence.push(requestEvidence(obs, probe, 'the first call after the outage'));
      neverResumed = `after the outage its ${after.length} call(s) of the next ${seconds(recoveryMs)} all failed (the first answered ${probe.status})`;
    } else {
      neverResumed = `it made no API call in the ${seconds(recoveryMs)} after the API was back: the work did not resume`;
    }

    const problems = [constant, neverResumed].filter((p): p is string => p !== null);
    if (problems.length > 0) return { verdict: 'fail', summary: `${problems.join('; ')}.`, evidence };
    return { verdict: 'pass', summary: `${decay}; ${resumed}.`, evidence };
  },
});
