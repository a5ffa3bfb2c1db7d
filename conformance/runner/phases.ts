import { performance } from 'node:perf_hooks';
import { type ApiUserView, type CreatedApiUser, type JournalEntry, type MockControl, refusedAsPlain } from '../../mock-server/index.ts';
import type { PhaseRecord } from '../checks/observations.ts';
import type { PhaseAction, PhaseSpec } from './plan.ts';

/** Waits `ms`, or less when `stop` settles first; says which. */
export async function wait(ms: number, stop: Promise<unknown>): Promise<'elapsed' | 'stopped'> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<'elapsed'>((resolve) => {
    timer = setTimeout(() => resolve('elapsed'), ms);
  });
  try {
    return await Promise.race([elapsed, stop.then(() => 'stopped' as const)]);
  } finally {
    clearTimeout(timer);
  }
}

export interface PhaseRunOptions {
  /** The API user every action applies to. */
  clientId: string;
  /** The lane these phases run in and the run of the integration they watch, recorded with each phase (certify's side lanes). */
  lane?: string;
  run?: string;
  /**
   * Settles when the run must end early (the integration exited, Ctrl-C). A function when a
   * restart can bring an exited integration back: it is asked again after each phase's actions,
   * and the phase after the one the integration exited in still runs when it starts a fresh
   * instance (`restart-integration`), as one may exit on purpose on refused credentials.
   */
  stop: Promise<unknown> | (() => Promise<unknown>);
  onPhase?: (phase: PhaseSpec, index: number, remainingMs: number) => void;
  /**
   * Told of an API user created by a rotation, with its secret (shown once), before the old one
   * is deactivated: the new credentials are put where the integration reads them meanwhile.
   */
  onRotated?: (user: CreatedApiUser) => void | Promise<void>;
  environment?: 'test' | 'production';
  /**
   * What drives a phase with `drive`: resolves when its work is done. It keeps to the phase's
   * `durationMs` of work, counted from when it can begin (it may first wait for something).
   */
  drivers?: Partial<Record<NonNullable<PhaseSpec['drive']>, (phase: PhaseSpec) => Promise<void>>>;
  /**
   * What a phase waits for before it begins, if anything (certify: the webhook phase, until no
   * other instance of the integration runs). The wait is not the phase's time.
   */
  before?: (phase: PhaseSpec) => Promise<unknown> | undefined;
  /** The foreign host's origin (action `redirect-to-foreign-host`); absent: that action does nothing. */
  foreignOrigin?: string;
  /**
   * Replaces the running integration with a fresh instance (action `restart-integration`):
   * resolves once it is ready and holds a working token, or once it gave up trying.
   */
  restart?: () => Promise<void>;
}

/**
 * Runs phases in order against a mock: at the start of each, its actions; then its wait.
 * The one mechanism behind `golive certify`'s plan and every scenario.
 */
export async function runPhases(mock: MockControl, phases: readonly PhaseSpec[], options: PhaseRunOptions): Promise<PhaseRecord[]> {
  const records: PhaseRecord[] = [];
  const added: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  const initial = mock.getApiUser(options.clientId);
  // The run's API users: the one it began with, then any a rotation created to replace it.
  const clients = [options.clientId];
  const stopSignal = () => (typeof options.stop === 'function' ? options.stop() : options.stop);
  let stop = stopSignal();
  let stopped = false;
  const follow = (signal: Promise<unknown>) =>
    void signal.then(() => {
      if (signal === stop) stopped = true;
    });
  follow(stop);
  try {
    for (const [index, phase] of phases.entries()) {
      const pending = options.before?.(phase);
      if (pending) await Promise.race([pending, stop]);
      if (stopped && !phase.actions.some((a) => a.kind === 'restart-integration')) break;
      const record: PhaseRecord = {
        name: phase.name,
        environment: options.environment ?? 'test',
        startMono: performance.now(),
        endMono: 0,
        completed: false,
        params: phase.params ?? {},
        ...(options.lane ? { lane: options.lane } : {}),
        ...(options.run ? { run: options.run } : {}),
        apiUsers: [...clients],
      };
      records.push(record);
      options.onPhase?.(phase, index, phases.slice(index).reduce((sum, p) => sum + p.durationMs, 0));
      const known = new Set(added);
      const exited = stopped;
      for (const action of phase.actions) await apply(mock, action, { ...options, stop, initial, clients }, added, timers);
      // A rotation adds the API user that replaced the run's own: the phase's traffic is both's.
      record.apiUsers = [...clients];
      // A restart may have brought an integration that had exited back.
      if (stopSignal() !== stop) {
        stop = stopSignal();
        stopped = false;
        follow(stop);
      } else if (exited) {
        // It could not be brought back (the run was aborted): this phase did not run.
        records.pop();
        break;
      }
      // A restart or a driver may have taken a while: the phase's own time begins now.
      record.startMono = performance.now();
      const ruleIds = new Set(added.filter((id) => !known.has(id)));
      for (const trigger of phase.triggers ?? []) await mock.emitEvent(trigger, { clientId: options.clientId });
      if (phase.drive) {
        const driver = options.drivers?.[phase.drive];
        const done = driver ? driver(phase).then(() => 'done' as const) : Promise.resolve('done' as const);
        const outcome = await Promise.race([done, stop.then(() => 'stopped' as const)]);
        record.completed = outcome === 'done' && !stopped;
        record.endMono = performance.now();
        continue;
      }
      const outcome = await watchPhase(mock, phase, { stop, clients }, record.startMono, ruleIds);
      // A phase that met its end condition has done its job: it is complete.
      record.completed = outcome !== 'stopped';
      record.endMono = performance.now();
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const id of added) mock.faults.remove(id);
    if (phases.some((p) => p.actions.some((a) => a.kind === 'present-certificate'))) await mock.presentCertificate('valid');
  }
  return records;
}

/** How often a phase with `settledWhen` asks it when no request arrives (its quiet periods are time-based). */
const SETTLE_TICK_MS = 200;

/**
 * The wait of one phase: until `durationMs` has passed, or earlier once `endWhen` holds or
 * `settledWhen` says so, but never while a `watchAfter` window is open (that window may run
 * past `durationMs`).
 */
async function watchPhase(
  mock: MockControl,
  phase: PhaseSpec,
  options: { stop: Promise<unknown>; clients: readonly string[] },
  startMono: number,
  ruleIds: ReadonlySet<string>,
): Promise<'elapsed' | 'ended' | 'stopped'> {
  const entries: JournalEntry[] = [];
  let met = false;
  let watchUntil = Number.NEGATIVE_INFINITY;
  let wake = () => {};
  const unsubscribe = mock.journal.subscribe((entry) => {
    // A call to http:// the mock refused is no answer of the API's: its 403 must not end the missing-role phase.
    if (entry.apiUser === null || !options.clients.includes(entry.apiUser) || refusedAsPlain(entry)) return;
    entries.push(entry);
    const when = phase.endWhen;
    if (when && ((when.requests !== undefined && entries.length >= when.requests) || (when.status !== undefined && entry.status === when.status))) met = true;
    const rule = phase.watchAfter;
    if (rule && watchUntil === Number.NEGATIVE_INFINITY && entry.status === rule.status && entry.mono >= startMono) watchUntil = entry.mono + rule.ms;
    wake();
  });
  const tick = phase.settledWhen ? setInterval(() => wake(), SETTLE_TICK_MS) : undefined;
  const stop = options.stop.then(() => 'stopped' as const);
  try {
    for (;;) {
      const now = performance.now();
      if (!met && phase.settledWhen) {
        const ordered = [...entries].sort((a, b) => a.seq - b.seq);
        met = phase.settledWhen({
          entries: ordered,
          clients: options.clients,
          startMono,
          faults: mock.faults.list().filter((r) => ruleIds.has(r.id)),
          nowMono: now,
        });
      }
      const watching = watchUntil > now;
      if (met && !watching) return 'ended';
      const deadline = Math.max(startMono + phase.durationMs, watchUntil);
      if (now >= deadline) return 'elapsed';
      // Met, but a watch window is open: look again when it closes.
      const next = met ? watchUntil : deadline;
      const woken = new Promise<'woken'>((resolve) => {
        wake = () => resolve('woken');
      });
      // `wait` settles early when woken (a request came, or the tick): then look again. It also
      // settles on stop, so its timer does not outlive the phase and keep the process alive.
      if ((await Promise.race([wait(next - now, Promise.race([woken, stop])).then(() => 'looked' as const), stop])) === 'stopped') return 'stopped';
    }
  } finally {
    unsubscribe();
    if (tick) clearInterval(tick);
  }
}

/** How far back `withdraw-used-role` looks for the integration's own traffic. */
const RECENT_MS = 30_000;

/**
 * The role the integration needs for what it calls on its own schedule: the role of the
 * route it called most often in the last `RECENT_MS` (all its traffic when it made no call
 * then). A route called only when an event arrives would see no call while the role is
 * withdrawn, and the 403 would never come.
 */
export function scheduledRole(journal: readonly JournalEntry[], clientId: string, nowMono: number): string | undefined {
  const count = (entries: readonly JournalEntry[]) => {
    const uses = new Map<string, number>();
    for (const e of entries) {
      if (e.apiUser !== clientId || !e.requiredRole || e.status >= 400 || e.environment !== 'test') continue;
      uses.set(e.requiredRole, (uses.get(e.requiredRole) ?? 0) + 1);
    }
    return [...uses.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  };
  return count(journal.filter((e) => e.mono >= nowMono - RECENT_MS)) ?? count(journal);
}

async function apply(
  mock: MockControl,
  action: PhaseAction,
  options: PhaseRunOptions & { stop: Promise<unknown>; initial: ApiUserView | undefined; clients: string[] },
  added: string[],
  timers: NodeJS.Timeout[],
): Promise<void> {
  switch (action.kind) {
    case 'withdraw-used-role': {
      const user = mock.getApiUser(options.clientId);
      if (!user) return;
      const target = scheduledRole(mock.journal.since(0), options.clientId, performance.now());
      if (!target) return;
      mock.patchApiUser(options.clientId, { roles: user.roles.filter((r) => !mock.platform.permissions.expand(r).has(target)) });
      return;
    }
    case 'withdraw-roles':
      mock.patchApiUser(options.clientId, { roles: [...mock.platform.permissions.baseline] });
      return;
    case 'restore-api-user': {
      const { active, roles, stores, markets, tokenLifetimeSeconds } = options.initial ?? {};
      if (roles) mock.patchApiUser(options.clientId, { active, roles, stores, markets, tokenLifetimeSeconds });
      return;
    }
    case 'patch-api-user':
      mock.patchApiUser(options.clientId, action.patch);
      return;
    case 'revoke-tokens':
      mock.revokeTokens(options.clientId);
      return;
    case 'add-fault': {
      const rule = mock.faults.add({ ...action.rule, match: { apiUser: options.clientId, ...action.rule.match } });
      added.push(rule.id);
      return;
    }
    case 'redirect-to-foreign-host': {
      if (!options.foreignOrigin) return;
      const rule = mock.faults.add({ match: { apiUser: options.clientId, times: 1 }, action: { kind: 'redirect', status: action.status, location: options.foreignOrigin } });
      added.push(rule.id);
      return;
    }
    case 'clear-faults':
      for (const id of added.splice(0)) mock.faults.remove(id);
      return;
    case 'present-certificate':
      await mock.presentCertificate(action.certificate);
      return;
    case 'restart-integration':
      await options.restart?.();
      return;
    case 'shift-clock':
      mock.clock.shift(action.ms);
      return;
    case 'rotate-secret': {
      const old = mock.getApiUser(options.clientId);
      if (!old) return;
      const fresh = await mock.createApiUser({
        name: old.name,
        roles: old.roles,
        stores: old.stores,
        markets: old.markets,
        environment: old.environment,
        tenant: old.tenant,
        tokenLifetimeSeconds: old.tokenLifetimeSeconds,
      });
      options.clients.push(fresh.clientId);
      await options.onRotated?.(fresh);
      const deactivate = () => mock.patchApiUser(old.clientId, { active: false });
      // No grace: refused from now on, after the new credentials were put in place.
      if (action.graceMs === 0) deactivate();
      else timers.push(setTimeout(deactivate, action.graceMs));
      return;
    }
  }
}
