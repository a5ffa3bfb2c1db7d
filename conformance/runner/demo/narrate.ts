/**
 * `golive demo`'s narration, as pure functions: what each integration did in a phase (facts and
 * judgment from `behaviours.ts`), a sentence for the room, and the verdict table at the end.
 */
import type { DeliveryRecord, JournalEntry } from '../../../mock-server/index.ts';
import type { PhaseSpec } from '../plan.ts';
import {
  type Behaviour,
  JUDGED,
  type Judgment,
  type TrafficFacts,
  type Verdict,
  type Window,
  behaviourOf,
  combine,
  count,
  judge,
  seconds,
  trafficFacts,
  trafficOf,
} from './behaviours.ts';

/** What the narration knows of one integration: its name in the demo, its API users, its webhook deliveries. */
export interface NarratedIntegration {
  /** `naive`, `resilient`: the label of its lines and its column. */
  name: string;
  /** Its API user's client id, then any a rotation gave it. */
  clients: readonly string[];
  /** The delivery records of its webhook subscription. */
  deliveries: readonly DeliveryRecord[];
}

/** One integration in one phase. */
export interface PhaseFacts {
  /** When the phase began and ended for it, in ms since the demo's phases began. */
  startMs: number;
  endMs: number;
  facts: TrafficFacts;
  /** `null` for steady traffic, which is told but not judged. */
  judgment: Judgment | null;
  /** The sentence for the room. */
  line: string;
}

/** One phase as the demo saw it. */
export interface PhaseReport {
  name: string;
  description: string;
  behaviour: Behaviour;
  /** By integration name. */
  integrations: Record<string, PhaseFacts>;
}

/** One row of the verdict table: a behaviour the scenario is about, judged for each integration. */
export interface VerdictRow {
  behaviour: Exclude<Behaviour, 'steady'>;
  title: string;
  /** By integration name. */
  results: Record<string, Judgment>;
}

/** The sentence for steady traffic: what it did, counted. */
export function describeTraffic(f: TrafficFacts): string {
  if (f.requests === 0) return `no request in ${seconds(f.durationMs)}`;
  const others = Object.entries(f.statuses)
    .filter(([s]) => !(Number(s) >= 200 && Number(s) < 400))
    .map(([s, n]) => `${n}× ${s === '0' ? 'no answer' : s}`);
  return (
    `${count(f.calls, 'API call')} and ${count(f.tokenRequests, 'token request')} in ${seconds(f.durationMs)}, ` +
    `${f.callsOk} of the calls answered 2xx${others.length ? `; ${others.join(', ')}` : ''}`
  );
}

/** The line an integration gets for a phase: the judgment with why it matters, or the traffic told. */
export function narrationLine(name: string, facts: TrafficFacts, judgment: Judgment | null): string {
  if (!judgment) return `${name}: ${describeTraffic(facts)}`;
  const mark = judgment.verdict === 'not-seen' ? '' : ` — ${judgment.why}`;
  return `${name}: ${judgment.summary}${mark}`;
}

/**
 * The report of one phase: for each integration that ran it (has a window), its facts in its
 * window, the judgment of the phase's behaviour and the line for the room. `originMono` is when the
 * demo's phases began (times are told from there).
 */
export function phaseReport(
  phase: Pick<PhaseSpec, 'name' | 'description' | 'actions' | 'drive'>,
  journal: readonly JournalEntry[],
  integrations: readonly { integration: NarratedIntegration; window: Window | undefined }[],
  originMono: number,
): PhaseReport {
  const behaviour = behaviourOf(phase);
  const out: Record<string, PhaseFacts> = {};
  for (const { integration, window } of integrations) {
    if (!window) continue;
    const traffic = trafficOf(journal, integration.clients);
    const facts = trafficFacts(traffic, window);
    const judgment = judge(behaviour, { traffic, clients: integration.clients, deliveries: integration.deliveries, window });
    out[integration.name] = {
      startMs: Math.round(window.startMono - originMono),
      endMs: Math.round(window.endMono - originMono),
      facts,
      judgment,
      line: narrationLine(integration.name, facts, judgment),
    };
  }
  return { name: phase.name, description: phase.description, behaviour, integrations: out };
}

/**
 * The verdict table: one row per judged behaviour the phases were about (in `JUDGED`'s order),
 * each integration's judgments of those phases combined (the first fail wins). A recovery row
 * only follows a disturbance: a phase that restores nothing proves nothing.
 */
export function verdictRows(phases: readonly PhaseReport[], names: readonly string[]): VerdictRow[] {
  const disturbed = phases.some((p) => p.behaviour !== 'steady' && p.behaviour !== 'recovery');
  const rows: VerdictRow[] = [];
  for (const behaviour of Object.keys(JUDGED) as VerdictRow['behaviour'][]) {
    const about = phases.filter((p) => p.behaviour === behaviour);
    if (about.length === 0 || (behaviour === 'recovery' && !disturbed)) continue;
    const results: Record<string, Judgment> = {};
    for (const name of names) {
      const j = combine(about.flatMap((p) => p.integrations[name]?.judgment ?? []));
      results[name] = j ?? { verdict: 'not-seen', summary: 'did not run this phase', why: 'nothing to judge' };
    }
    rows.push({ behaviour, title: JUDGED[behaviour], results });
  }
  return rows;
}

/** The word a verdict is shown as (readable without colour). */
export const VERDICT_WORD: Readonly<Record<Verdict, string>> = { pass: 'PASS', fail: 'FAIL', 'not-seen': 'n/a ' };

/**
 * The verdict table as lines: a row's title, then one line per integration with its verdict and
 * reason. `paint` colours a verdict word (identity for none).
 *
 * @example
 * verdictTable(rows, ['naive', 'resilient']);
 * // ['backs off on 429 and waits as long as Retry-After says', '  naive      FAIL  212 requests in 5.0 s, …', …]
 */
export function verdictTable(rows: readonly VerdictRow[], names: readonly string[], paint: (v: Verdict, word: string) => string = (_v, w) => w): string[] {
  const width = Math.max(...names.map((n) => n.length));
  return rows.flatMap((row) => [
    row.title,
    ...names.map((name) => {
      const r = row.results[name]!;
      return `  ${name.padEnd(width)}  ${paint(r.verdict, VERDICT_WORD[r.verdict])}  ${r.summary}`;
    }),
  ]);
}
