import { BAD_TLS_KINDS, type BadTlsKind, type CreatedApiUser, type MockServer } from '../../mock-server/index.ts';
import type { GoliveConfig } from '../config/define.ts';
import type { Run, RunName } from './integration-runs.ts';
import type { Timings } from './plan.ts';
import { wait } from './phases.ts';
import type { RunUser } from './run-credentials.ts';

/** What a side run's settings are read from. */
export interface SideRunSettings {
  config: GoliveConfig;
  timings: Timings;
}

/** Something a side run waits for; `cancel` stops watching. */
export interface Watch {
  settled: Promise<void>;
  cancel: () => void;
}

/**
 * A run of the integration beside the test run's phases: a separate instance with its own
 * environment, which cannot disturb the phases (its own listener, its own API user).
 */
export interface SideRun {
  name: RunName;
  /** The side runs of one lane run one after another; lanes run side by side. */
  lane: string;
  /** The API user it is given (side runs naming the same one share it). */
  user: RunUser;
  /** The API URL it is given. */
  apiUrl: (mock: MockServer) => string;
  /** The checks judged on its traffic: a run scoped to other checks (`--only`, config `scenarios`) leaves it out. */
  judges: readonly string[];
  /** How long it runs (unless the integration exits first). */
  durationMs: (s: SideRunSettings) => number;
  /**
   * Keeps it going past `durationMs` until this settles (it made the traffic it is judged on),
   * `graceMs` more at most. Watched from just before the run is launched.
   */
  waitsFor?: { what: (mock: MockServer) => Watch; graceMs: (s: SideRunSettings) => number };
}

export const PRODUCTION_USER: RunUser = { name: 'production', environment: 'production' };
// The runs against bad certificates get a user of their own, so their traffic (if any gets
// through) never mixes with the test run's.
const BAD_TLS_USER: RunUser = { name: 'bad-tls', environment: 'test' };

/**
 * The bad-TLS runs go in two lanes, side by side: six runs one after another would take twice
 * the time three did. One lane for a certificate that does not lead to the harness CA, one for
 * a certificate of the harness CA with a bad field of its own.
 */
const BAD_TLS_LANES: Record<BadTlsKind, string> = {
  'untrusted-ca': 'bad-tls:chain',
  'self-signed': 'bad-tls:chain',
  'missing-intermediate': 'bad-tls:chain',
  'wrong-host': 'bad-tls:leaf',
  expired: 'bad-tls:leaf',
  'not-yet-valid': 'bad-tls:leaf',
};

/** Settles at the first request the mock journals in `environment` (any API user: a test token sent to production counts too). */
function firstRequestIn(mock: MockServer, environment: 'test' | 'production'): Watch {
  let cancel = () => {};
  const settled = new Promise<void>((resolve) => {
    if (mock.journal.since(0).some((e) => e.environment === environment)) return resolve();
    cancel = mock.journal.subscribe((e) => {
      if (e.environment === environment) resolve();
    });
  });
  return { settled, cancel };
}

/** The side runs of `golive certify`. One more is one more entry. */
export const SIDE_RUNS: readonly SideRun[] = [
  // Against the production environment, alongside the steady phase (credentials.test-not-in-production).
  // It lasts until it has made a request (a slow start on a loaded machine), within the time the integration has to get ready.
  {
    name: 'production',
    lane: 'production',
    user: PRODUCTION_USER,
    judges: ['credentials.test-not-in-production'],
    apiUrl: (mock) => mock.environments.production.apiUrl,
    durationMs: ({ timings }) => timings.productionMs,
    waitsFor: { what: (mock) => firstRequestIn(mock, 'production'), graceMs: ({ config }) => config.timeouts.readyMs },
  },
  // Short runs against the bad-TLS listeners (token.tls-verified), in two lanes of three.
  ...BAD_TLS_KINDS.map(
    (kind): SideRun => ({
      name: `tls:${kind}`,
      lane: BAD_TLS_LANES[kind],
      user: BAD_TLS_USER,
      judges: ['token.tls-verified'],
      apiUrl: (mock) => mock.badTls[kind]!,
      durationMs: ({ timings }) => timings.tlsRunMs,
    }),
  ),
];

/** The side runs some of `checks` is judged on. */
export function sideRunsFor(checks: readonly { id: string }[], sideRuns: readonly SideRun[] = SIDE_RUNS): SideRun[] {
  return sideRuns.filter((r) => r.judges.some((id) => checks.some((c) => c.id === id)));
}

/** The API users the side runs name, each once, in order. */
export function sideRunUsers(sideRuns: readonly SideRun[]): RunUser[] {
  return [...new Set(sideRuns.map((r) => r.user))];
}

export interface SideRunOptions extends SideRunSettings {
  mock: MockServer;
  /** The API user created for each `RunUser.name`. */
  users: ReadonlyMap<string, CreatedApiUser>;
  launch: (name: RunName, user: CreatedApiUser, apiUrl: string) => Promise<Run>;
  /** Ends every side run early. */
  aborted: Promise<void>;
}

/** Runs the side runs, each lane's one after another and the lanes side by side; settles when all are over. */
export async function runSideRuns(sideRuns: readonly SideRun[], options: SideRunOptions): Promise<void> {
  const lanes = new Map<string, SideRun[]>();
  for (const r of sideRuns) lanes.set(r.lane, [...(lanes.get(r.lane) ?? []), r]);
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      for (const sideRun of lane) await runBeside(sideRun, options);
    }),
  );
}

async function runBeside(sideRun: SideRun, options: SideRunOptions): Promise<void> {
  const { mock } = options;
  const watch = sideRun.waitsFor?.what(mock);
  try {
    const run = await options.launch(sideRun.name, options.users.get(sideRun.user.name)!, sideRun.apiUrl(mock));
    if (!run.process) return;
    const over = Promise.race([run.process.exited, options.aborted]);
    // The global `performance` (the one node:perf_hooks exports), so that a test's fake clock reaches it.
    const started = performance.now();
    const ms = sideRun.durationMs(options);
    await wait(ms, over);
    if (watch) {
      const maxMs = ms + sideRun.waitsFor!.graceMs(options);
      await wait(Math.max(0, maxMs - (performance.now() - started)), Promise.race([over, watch.settled]));
    }
    await run.process.stop();
  } finally {
    watch?.cancel();
  }
}
