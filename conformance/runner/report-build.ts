import { isAbsolute, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type CheckResult,
  type PhaseResult,
  REFUSED_CAP,
  type RefusedRequest,
  type Report,
  type RunSetup,
  SCHEMA_VERSION,
  type Traffic,
  type TrafficMark,
  certifies,
  totals,
} from '../../reports/model.ts';
import { TRAFFIC_CAP, outcomeOf, trafficLane } from '../../reports/traffic.ts';
import type { DeliveryRecord, JournalEntry } from '../../mock-server/index.ts';
import type { Observations, PhaseRecord } from '../checks/observations.ts';
import type { GoliveConfig } from '../config/define.ts';
import { VERSION } from '../version.ts';
import type { Run } from './integration-runs.ts';
import type { PhaseSpec } from './plan.ts';

/** `file` relative to `dir` when it lies inside it (with / separators), else as it is. */
function relativeTo(dir: string, file: string): string {
  const rel = relative(dir, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

/** The lane of a journal entry: its run, told by the listener (a bad-TLS one names its run) and the environment. */
function laneOf(e: Pick<JournalEntry, 'listener' | 'environment'>): string {
  return e.listener === 'api' ? e.environment : `tls:${e.listener.replace(/^bad-tls:/, '')}`;
}

/** Lanes in reading order: the test run, production, the bad-TLS runs, then anything else by name. */
const laneRank = (name: string): number => (name === 'test' ? 0 : name === 'production' ? 1 : name.startsWith('tls:') ? 2 : 3);

/** A connection error of a delivery that means the endpoint cut or refused the connection. */
const CUT = /^(ECONNRESET|ECONNREFUSED|EPIPE|ECONNABORTED|UND_ERR_SOCKET)$/;

/**
 * The run's traffic for the report: a lane per run of the integration (every run launched, and
 * any other the journal names) and one for the webhook deliveries, each bounded (reports/traffic.ts).
 * Only times, outcomes and sequence numbers: no path, header or body, so nothing secret.
 */
export function trafficOf(input: {
  runStartMono: number;
  spanSeconds: number;
  runs: readonly string[];
  journal: readonly Pick<JournalEntry, 'seq' | 'mono' | 'listener' | 'environment' | 'status' | 'tokenRequest' | 'fault'>[];
  deliveries: readonly Pick<DeliveryRecord, 'seq' | 'startMono' | 'status' | 'error' | 'timedOut'>[] | null;
  simulatedTimeouts?: readonly number[];
  cap?: number;
}): Traffic {
  const at = (mono: number) => Math.round((mono - input.runStartMono) / 10) / 100;
  const lanes = new Map<string, TrafficMark[]>(input.runs.map((name) => [name, []]));
  for (const e of input.journal) {
    const cut = e.fault?.kind === 'reset' || e.fault?.kind === 'truncated' ? 'reset' : e.fault?.kind === 'hang' ? 'hang' : null;
    const mark: TrafficMark = { at: at(e.mono), outcome: outcomeOf(e.status, cut), seq: e.seq };
    if (e.tokenRequest) mark.token = true;
    if (e.fault) mark.fault = true;
    const name = laneOf(e);
    const list = lanes.get(name);
    if (list) list.push(mark);
    else lanes.set(name, [mark]);
  }
  const cap = input.cap ?? TRAFFIC_CAP;
  const options = { spanSeconds: input.spanSeconds, cap };
  const names = [...lanes.keys()].sort((a, b) => laneRank(a) - laneRank(b) || (laneRank(a) === 3 ? a.localeCompare(b) : 0));
  const out = names.map((name) => trafficLane(name, 'requests', lanes.get(name)!, options));
  if (input.deliveries) {
    const simulated = new Set(input.simulatedTimeouts ?? []);
    const marks = input.deliveries.map((d): TrafficMark => {
      const cut = d.timedOut ? 'hang' : d.status === null && d.error && CUT.test(d.error) ? 'reset' : null;
      return { at: at(d.startMono), outcome: outcomeOf(d.status, cut), seq: d.seq, ...(simulated.has(d.seq) ? { fault: true as const } : {}) };
    });
    out.push(trafficLane('webhooks', 'deliveries', marks, options));
  }
  return { cap, lanes: out };
}

/** `missing role <name>`, `store <id> out of scope`, `market <id> out of scope`: what the journal's words name. */
function refusedWhat(reason: string): Pick<RefusedRequest, 'role' | 'store' | 'market'> {
  const missing = /^missing \S+ (\S+)$/.exec(reason);
  if (missing) return { role: missing[1]! };
  const scoped = /^(store|market) (.+) out of scope$/.exec(reason);
  if (scoped) return scoped[1] === 'store' ? { store: scoped[2]! } : { market: scoped[2]! };
  return {};
}

/**
 * Every request of the journal answered 403, oldest first: how many, and the first `cap` with
 * their route and what was refused (the role, store or market, from the journal's `denied`).
 */
export function refusedOf(input: {
  runStartMono: number;
  journal: readonly Pick<JournalEntry, 'seq' | 'mono' | 'environment' | 'method' | 'path' | 'routeId' | 'status' | 'denied'>[];
  cap?: number;
}): NonNullable<Report['refused']> {
  const refused = input.journal.filter((e) => e.status === 403);
  const requests = refused.slice(0, input.cap ?? REFUSED_CAP).map((e): RefusedRequest => {
    const reason = e.denied ?? 'refused by the endpoint';
    return {
      seq: e.seq,
      at: Math.round((e.mono - input.runStartMono) / 10) / 100,
      environment: e.environment,
      method: e.method,
      path: e.path,
      route: e.routeId,
      reason,
      ...refusedWhat(reason),
    };
  });
  return { total: refused.length, requests };
}

/** The report of a certify run: the plan as it ran, how each run of the integration ended, and the checks' results. */
export function buildReport(input: {
  config: GoliveConfig;
  startedAt: Date;
  runStartMono: number;
  plan: readonly PhaseSpec[];
  phases: readonly PhaseRecord[];
  runs: readonly Run[];
  checks: CheckResult[];
  /** What the observers read: the journal and the webhook deliveries become the report's traffic. */
  observations?: Pick<Observations, 'journal' | 'webhook'>;
  /** What the run was made with (profile, seed, timings, Node). */
  setup?: RunSetup;
}): Report {
  const { config, runStartMono } = input;
  const seconds = (mono: number) => Math.round((mono - runStartMono) / 100) / 10;
  const phases: PhaseResult[] = input.plan.map((spec) => {
    const ran = input.phases.find((p) => p.name === spec.name);
    if (!ran) return { name: spec.name, environment: 'test', startedAt: 0, durationSeconds: 0, completed: false, note: 'not run' };
    return {
      name: spec.name,
      environment: ran.environment,
      startedAt: seconds(ran.startMono),
      durationSeconds: Math.round((ran.endMono - ran.startMono) / 100) / 10,
      completed: ran.completed,
      ...(ran.completed ? {} : { note: 'ended early' }),
      ...(ran.lane ? { lane: ran.lane } : {}),
    };
  });
  const durationSeconds = seconds(performance.now());
  const observed = input.observations;
  const traffic = observed
    ? trafficOf({
        runStartMono,
        spanSeconds: durationSeconds,
        runs: input.runs.map((r) => r.environment),
        journal: observed.journal,
        deliveries: observed.webhook?.deliveries ?? null,
        simulatedTimeouts: observed.webhook?.simulatedTimeouts ?? [],
      })
    : undefined;
  const command = Array.isArray(config.integration.command) ? config.integration.command : [config.integration.command];
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'golive', version: VERSION },
    certified: certifies(input.checks),
    startedAt: input.startedAt.toISOString(),
    durationSeconds,
    integration: {
      command,
      exits: input.runs.map((r) => ({
        environment: r.environment,
        code: r.exit?.code ?? null,
        signal: r.exit?.signal ?? null,
        beforeEnd: r.startError !== null || (r.environment === 'test' && r.exit !== null && input.phases.some((p) => !p.completed)),
        ...(r.startError ? { error: r.startError } : {}),
        outputTail: r.process?.outputTail(20) ?? [],
      })),
    },
    apiUser: {
      name: config.apiUser.name,
      roles: [...config.apiUser.roles],
      stores: config.apiUser.stores === '*' ? '*' : [...config.apiUser.stores],
      markets: config.apiUser.markets === '*' ? '*' : [...config.apiUser.markets],
    },
    ...(config.configFile ? { configFile: relativeTo(config.workspace, config.configFile) } : {}),
    ...(input.setup ? { setup: input.setup } : {}),
    phases,
    checks: input.checks,
    totals: totals(input.checks),
    ...(observed ? { refused: refusedOf({ runStartMono, journal: observed.journal }) } : {}),
    ...(traffic ? { traffic } : {}),
  };
}
