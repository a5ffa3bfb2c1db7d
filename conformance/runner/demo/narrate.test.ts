import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../mock-server/index.ts';
import { TOUR_FAST, tour } from '../../../scenarios/tour.ts';
import { RUN_START_MONO, journal, monoAt } from '../../checks/test/journal.ts';
import { type Judgment, trafficFacts } from './behaviours.ts';
import { type PhaseReport, describeTraffic, narrationLine, phaseReport, verdictRows, verdictTable } from './narrate.ts';

const TOUR = tour(TOUR_FAST);
const phase = (name: string) => TOUR.phases.find((p) => p.name === name)!;
const NAIVE = 'client-naive';
const RESILIENT = 'client-resilient';
const integrations = (from: number, to: number) =>
  [NAIVE, RESILIENT].map((id) => ({
    integration: { name: id === NAIVE ? 'naive' : 'resilient', clients: [id], deliveries: [] },
    window: { startMono: monoAt(from), endMono: monoAt(to) },
  }));

/** A 429 storm from 2 s to 7 s: the naive client retries at once (a new token each time), the resilient one waits out Retry-After. */
function storm(): JournalEntry[] {
  const j = journal();
  const throttled = (at: number, client: string, token: JournalEntry) =>
    Object.assign(j.apiCall({ at, token, client, status: 429 }), { retryAfter: '1', fault: { id: 'storm', kind: 'status 429' } });
  for (let i = 0; i < 30; i++) throttled(2.005 + i * 0.01, NAIVE, j.tokenRequest({ at: 2 + i * 0.01, client: NAIVE }));
  const token = j.tokenRequest({ at: 1, client: RESILIENT });
  for (const at of [2.5, 3.7, 5.4]) throttled(at, RESILIENT, token);
  return j.entries.sort((a, b) => a.seq - b.seq);
}

const judged = (verdict: Judgment['verdict'], summary: string): Judgment => ({ verdict, summary, why: 'because' });

/** A phase report with the given behaviour and a judgment per integration. */
function crafted(name: string, behaviour: PhaseReport['behaviour'], naive: Judgment | null, resilient: Judgment | null): PhaseReport {
  const facts = { requests: 0, calls: 0, tokenRequests: 0, tokensIssued: 0, callsOk: 0, statuses: {}, expiredTokens: 0, writes: 0, medianGapMs: null, durationMs: 1000 };
  const of = (j: Judgment | null) => ({ startMs: 0, endMs: 1000, facts, judgment: j, line: '' });
  return { name, description: '', behaviour, integrations: { naive: of(naive), resilient: of(resilient) } };
}

describe('phaseReport', () => {
  it('tells, for each integration, what it did in the storm and why it matters, from the journal', () => {
    const report = phaseReport(phase('429-storm'), storm(), integrations(1.5, 7), RUN_START_MONO);
    expect(report.behaviour).toBe('rate-limit');
    const { naive, resilient } = report.integrations;
    expect(naive!.judgment!.verdict).toBe('fail');
    expect(naive!.line).toBe(
      'naive: 60 requests in 5.5 s, 30 answered 429, median gap 5 ms; 29 of 29 retries came before the 1.0 s Retry-After — ' +
        'it never waited for Retry-After: hammering an API that asked for a pause is what gets an API user blocked',
    );
    expect(naive!.facts).toMatchObject({ requests: 60, calls: 30, tokenRequests: 30 });
    expect(resilient!.judgment!.verdict).toBe('pass');
    expect(resilient!.line).toMatch(/^resilient: 3 requests in 5\.5 s, 3 answered 429; waits 1\.2 s → 1\.7 s, never before Retry-After \(1\.0 s\) — /);
    expect([resilient!.startMs, resilient!.endMs]).toEqual([1500, 7000]);
  });

  it('tells steady traffic without judging it, and leaves out an integration that did not run the phase', () => {
    const j = journal();
    j.apiCalls(3, { from: 2, every: 1, token: j.tokenRequest({ at: 1.6, client: NAIVE }) });
    const [naive, resilient] = integrations(1.5, 5);
    const report = phaseReport(phase('steady'), j.entries, [naive!, { ...resilient!, window: undefined }], RUN_START_MONO);
    expect(Object.keys(report.integrations)).toEqual(['naive']);
    expect(report.integrations.naive!.judgment).toBeNull();
    expect(report.integrations.naive!.line).toBe('naive: 3 API calls and 1 token request in 3.5 s, 3 of the calls answered 2xx');
  });
});

describe('describeTraffic', () => {
  it('names the statuses that were not 2xx, and silence', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ at: 2, token, status: 503 });
    j.apiCall({ at: 2.5, token, status: 0 });
    const facts = trafficFacts(j.entries, { startMono: monoAt(0), endMono: monoAt(3) });
    expect(describeTraffic(facts)).toBe('2 API calls and 1 token request in 3.0 s, 0 of the calls answered 2xx; 1× no answer, 1× 503');
    expect(describeTraffic({ ...facts, requests: 0 })).toBe('no request in 3.0 s');
  });
});

describe('narrationLine', () => {
  it('leaves out why it matters when there was nothing to judge', () => {
    expect(narrationLine('naive', crafted('x', 'rate-limit', null, null).integrations.naive!.facts, { verdict: 'not-seen', summary: 'made no API call', why: 'nothing' })).toBe(
      'naive: made no API call',
    );
  });
});

describe('verdictRows', () => {
  it('has one row per judged behaviour, a fail in any of its phases winning over a pass', () => {
    const phases = [
      crafted('steady', 'steady', null, null),
      crafted('storm-1', 'rate-limit', judged('pass', 'waited'), judged('pass', 'waited')),
      crafted('storm-2', 'rate-limit', judged('fail', 'hammered'), judged('pass', 'waited again')),
      crafted('deactivated', 'deactivation', judged('fail', 'looped'), judged('pass', 'stopped')),
      crafted('recovery', 'recovery', judged('pass', 'back'), judged('pass', 'back')),
    ];
    const rows = verdictRows(phases, ['naive', 'resilient']);
    expect(rows.map((r) => [r.behaviour, r.results.naive!.summary, r.results.resilient!.summary])).toEqual([
      ['rate-limit', 'hammered', 'waited'],
      ['deactivation', 'looped', 'stopped'],
      ['recovery', 'back', 'back'],
    ]);
  });

  it('has no recovery row when nothing was disturbed, and a not-seen result for an integration that missed the phase', () => {
    const phases = [crafted('steady', 'steady', null, null), crafted('recovery', 'recovery', judged('pass', 'back'), judged('pass', 'back'))];
    expect(verdictRows(phases, ['naive', 'resilient'])).toEqual([]);
    const storm = crafted('storm', 'rate-limit', judged('fail', 'hammered'), null);
    delete (storm.integrations as Record<string, unknown>).resilient;
    expect(verdictRows([storm], ['naive', 'resilient'])[0]!.results.resilient!.verdict).toBe('not-seen');
  });
});

describe('verdictTable', () => {
  it('gives each row its title, then one line per integration with its verdict word and reason', () => {
    const rows = verdictRows([crafted('deactivated', 'deactivation', judged('fail', 'looped'), judged('pass', 'stopped'))], ['naive', 'resilient']);
    expect(verdictTable(rows, ['naive', 'resilient'])).toEqual([
      'stops calling when its API user is deactivated',
      '  naive      FAIL  looped',
      '  resilient  PASS  stopped',
    ]);
    expect(verdictTable(rows, ['naive', 'resilient'], (v, w) => `<${v}>${w}`)[1]).toBe('  naive      <fail>FAIL  looped');
  });
});
