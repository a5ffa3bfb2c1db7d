/**
 * Reports with traffic, for the HTML report's browser test, its size test and `npm run bench -- html`:
 * a small crafted run (a 429 storm and its backoff, a retry loop after deactivation, token
 * renewals, injected faults, the bad-TLS runs, webhook deliveries) and a generated 20-phase run
 * of 100,000 journal entries. Journals are synthetic and built into traffic as certify does.
 */
import type { CheckResult, Evidence, PhaseResult, Report } from '../../reports/model.ts';
import { totals } from '../../reports/model.ts';
import { reportFixture } from '../../reports/test/report-fixture.ts';
import { trafficOf } from '../runner/report-build.ts';

/** What `trafficOf` reads of a journal entry. */
export type Entry = Parameters<typeof trafficOf>[0]['journal'][number];
export type Delivery = NonNullable<Parameters<typeof trafficOf>[0]['deliveries']>[number];

/** A deterministic stream of numbers in [0, 1) (a linear congruential generator), so fixtures are the same every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const request = (seq: number, seconds: number, status: number, more: Partial<Entry> = {}): Entry => ({
  seq,
  mono: seconds * 1000,
  listener: 'api',
  environment: 'test',
  status,
  tokenRequest: false,
  fault: null,
  ...more,
});

/**
 * The report fixture (every verdict, every kind of evidence) with four phases and traffic that
 * shows what a reader must see: the token renewals of a short token lifetime, a 429 storm and
 * the backoff after it, a retry loop after the API user was deactivated, injected faults, the
 * production run, the bad-TLS runs (one with a request that got through) and the webhooks.
 */
export function craftedReport(): Report {
  const report = reportFixture();
  const phases: PhaseResult[] = [
    { name: 'steady', environment: 'test', startedAt: 1.2, durationSeconds: 18.8, completed: true },
    { name: 'rate-limit', environment: 'test', startedAt: 20, durationSeconds: 20, completed: true },
    { name: 'deactivated', environment: 'test', startedAt: 40, durationSeconds: 20, completed: true },
    { name: 'faults', environment: 'test', startedAt: 60, durationSeconds: 20, completed: true },
  ];
  const journal: Entry[] = [];
  // The evidence of token.cached-and-reused: a token at 3.4 s, a call to production at 3.5 s, a token a second from 4 s.
  journal.push(request(12, 3.4, 200, { tokenRequest: true }), request(13, 3.5, 200, { environment: 'production' }));
  for (let i = 0; i < 12; i++) journal.push(request(20 + i, 4 + i, 200, { tokenRequest: true }));
  let seq = 100;
  for (let t = 1.5; t < 20; t += 0.5) journal.push(request(seq++, t, 200));
  // A 429 storm, then a backoff that doubles.
  for (let t = 20; t < 26; t += 0.1) journal.push(request(seq++, t, 429));
  for (let gap = 0.5, t = 26; t < 40; gap *= 2, t += gap) journal.push(request(seq++, t, 200));
  // Deactivated at 40 s: a retry loop of 401s, each with a token request refused.
  for (let t = 40; t < 60; t += 0.4) journal.push(request(seq++, t, 401, { tokenRequest: Math.round(t * 10) % 8 === 0 }));
  // Injected faults: 5xx, resets and hangs, each marked.
  const kinds = ['status 503', 'reset', 'hang', 'latency'] as const;
  for (let i = 0, t = 60; t < 80; i++, t += 0.6) {
    const kind = kinds[i % kinds.length]!;
    journal.push(request(seq++, t, kind === 'status 503' ? 503 : kind === 'latency' ? 200 : 0, { fault: { id: `f${i % 4}`, kind } }));
  }
  journal.push(request(seq++, 70, 403));
  for (let t = 18; t < 30; t += 1) journal.push(request(seq++, t, 200, { environment: 'production', tokenRequest: t === 18 }));
  const throughBadTls = request(90, 31.5, 200, { listener: 'bad-tls:wrong-host' });
  journal.push(throughBadTls);
  const deliveries: Delivery[] = [
    { seq: 1, startMono: 8_000, status: 401, error: null, timedOut: false },
    { seq: 2, startMono: 8_400, status: 401, error: null, timedOut: false },
    { seq: 3, startMono: 8_800, status: 200, error: null, timedOut: false },
    { seq: 4, startMono: 9_100, status: 200, error: null, timedOut: false },
    { seq: 5, startMono: 19_400, status: null, error: 'timeout', timedOut: true },
    { seq: 6, startMono: 29_400, status: 500, error: null, timedOut: false },
    { seq: 7, startMono: 31_000, status: null, error: 'ECONNRESET', timedOut: false },
  ];
  const traffic = trafficOf({
    runStartMono: 0,
    spanSeconds: report.durationSeconds,
    runs: ['test', 'production', 'tls:untrusted-ca', 'tls:wrong-host', 'tls:expired'],
    journal,
    deliveries,
    simulatedTimeouts: [5],
  });
  // The storm's evidence on a check that needs a look, so the lanes ring it.
  const jitter = report.checks.find((c) => c.id === 'errors.jitter-on-429')!;
  jitter.evidence.push(...journal.filter((e) => e.status === 429 && e.mono < 20_600).map((e) => requestEvidence(e, 'POST', '/api/Orders/Search')));
  // A passing check's evidence (its details closed until a tick leads to it).
  report.checks.find((c) => c.id === 'token.tls-verified')!.evidence.push(requestEvidence(throughBadTls, 'GET', '/api/Orders'));
  return { ...report, phases, traffic };
}

function requestEvidence(e: Entry, method: string, path: string, note?: string): Evidence {
  return { kind: 'request', seq: e.seq, at: Math.round(e.mono / 100) / 10, method, path, status: e.status, environment: e.environment, ...(note ? { note } : {}) };
}

/**
 * A run of `phaseCount` phases of 30 s and `entries` journal entries (nearly all the test run's,
 * some production's, a few that reached the bad-TLS listeners) and 1,500 webhook deliveries,
 * with 21 checks whose failing ones carry up to 300 pieces of evidence each, as the checks
 * summarise them: the fixture of the bench's `html` part and of the report's size bound.
 */
export function bigRunReport(entries = 100_000, phaseCount = 20): Report {
  const next = random(17);
  const phaseSeconds = 30;
  const phases: PhaseResult[] = Array.from({ length: phaseCount }, (_, i) => ({
    name: `phase-${String(i + 1).padStart(2, '0')}`,
    environment: 'test',
    startedAt: 1 + i * phaseSeconds,
    durationSeconds: phaseSeconds,
    completed: i < phaseCount - 1,
    ...(i < phaseCount - 1 ? {} : { note: 'ended early' }),
  }));
  const duration = 1 + phaseCount * phaseSeconds;
  const journal: Entry[] = [];
  for (let seq = 1; seq <= entries; seq++) {
    const seconds = 1 + ((seq - 1) / entries) * (duration - 1) + next() * 0.01;
    const phase = Math.floor((seconds - 1) / phaseSeconds) % 5;
    const roll = next();
    const lane = roll < 0.03 ? { environment: 'production' as const } : roll < 0.0303 ? { listener: 'bad-tls:expired' } : {};
    // Each fifth phase has its own trouble: a 429 storm, a deactivated user, injected faults.
    const status = phase === 1 && next() < 0.6 ? 429 : phase === 2 && next() < 0.3 ? 401 : phase === 3 && next() < 0.1 ? 503 : phase === 4 && next() < 0.01 ? 403 : 200;
    const fault = phase === 3 && status === 503 ? { id: 'f1', kind: 'status 503' } : phase === 3 && next() < 0.02 ? { id: 'f2', kind: next() < 0.5 ? 'reset' : 'hang' } : null;
    journal.push(request(seq, seconds, fault && fault.kind !== 'status 503' ? 0 : status, { ...lane, tokenRequest: next() < 0.02, fault }));
  }
  const deliveries: Delivery[] = Array.from({ length: 1500 }, (_, i) => {
    const roll = next();
    return { seq: i + 1, startMono: (1 + (i / 1500) * (duration - 1)) * 1000, status: roll < 0.05 ? null : roll < 0.1 ? 401 : 200, error: roll < 0.05 ? 'timeout' : null, timedOut: roll < 0.05 };
  });
  const traffic = trafficOf({
    runStartMono: 0,
    spanSeconds: duration,
    runs: ['test', 'production', 'tls:untrusted-ca', 'tls:wrong-host', 'tls:expired'],
    journal,
    deliveries,
    simulatedTimeouts: deliveries.filter((d) => d.timedOut).slice(0, 10).map((d) => d.seq),
  });
  const sections = ['Token handling', 'Error handling', 'Webhooks', 'Credentials'];
  const checks: CheckResult[] = Array.from({ length: 21 }, (_, i) => {
    const verdict = i % 4 === 0 ? 'fail' : i % 7 === 0 ? 'warn' : 'pass';
    const matching = journal.filter((e) => (i % 2 === 0 ? e.status === 429 : e.status === 401));
    const evidence: Evidence[] =
      verdict === 'pass'
        ? matching.slice(0, 3).map((e) => requestEvidence(e, 'GET', '/api/Orders'))
        : [
            { kind: 'metric', name: 'requests', value: matching.length, limit: 0 },
            ...matching.slice(0, 300).map((e) => requestEvidence(e, 'POST', '/api/Orders/Search', 'kept on after the answer')),
          ];
    return {
      id: `check.number-${String(i + 1).padStart(2, '0')}`,
      title: `Check number ${i + 1}`,
      section: sections[i % sections.length]!,
      required: i % 3 !== 0,
      verdict,
      summary: `${matching.length} requests answered ${i % 2 === 0 ? 429 : 401}`,
      evidence,
      remediation: verdict === 'pass' ? '' : 'Back off and stop when refused.',
    };
  });
  const base = reportFixture();
  return { ...base, durationSeconds: duration, phases, checks, totals: totals(checks), certified: false, traffic };
}
