import { performance } from 'node:perf_hooks';
import { type ApiUserView, type CreatedApiUser, type MockControl, type Role, expandRole } from '../../mock-server/index.ts';
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
  /** Settles when the run must end early (the integration exited, Ctrl-C). */
  stop: Promise<unknown>;
  onPhase?: (phase: PhaseSpec, index: number, remainingMs: number) => void;
  /** Told of an API user created by a rotation, with its secret (shown once). */
  onRotated?: (user: CreatedApiUser) => void;
  environment?: 'test' | 'production';
  /**
   * What drives a phase with `drive`: resolves when its work is done. It keeps to the phase's
   * `durationMs` of work, counted from when it can begin (it may first wait for something).
   */
  drivers?: Partial<Record<NonNullable<PhaseSpec['drive']>, (phase: PhaseSpec) => Promise<void>>>;
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
  let stopped = false;
  void options.stop.then(() => {
    stopped = true;
  });
  try {
    for (const [index, phase] of phases.entries()) {
      if (stopped) break;
      const record: PhaseRecord = {
        name: phase.name,
        environment: options.environment ?? 'test',
        startMono: performance.now(),
        endMono: 0,
        completed: false,
        params: phase.params ?? {},
      };
      records.push(record);
      options.onPhase?.(phase, index, phases.slice(index).reduce((sum, p) => sum + p.durationMs, 0));
      for (const action of phase.actions) await apply(mock, action, { ...options, initial }, added, timers);
      for (const trigger of phase.triggers ?? []) await mock.emitEvent(trigger, { clientId: options.clientId });
      if (phase.drive) {
        const driver = options.drivers?.[phase.drive];
        const done = driver ? driver(phase).then(() => 'done' as const) : Promise.resolve('done' as const);
        const outcome = await Promise.race([done, options.stop.then(() => 'stopped' as const)]);
        record.completed = outcome === 'done' && !stopped;
        record.endMono = performance.now();
        continue;
      }
      const ended = endCondition(mock, phase, options.clientId);
      const watch = watchAfter(mock, phase, options.clientId, record.startMono);
      let outcome = await wait(phase.durationMs, Promise.race([options.stop, ended.promise]));
      const extra = watch.until() - performance.now();
      if (outcome === 'elapsed' && extra > 0) outcome = await wait(extra, Promise.race([options.stop, ended.promise]));
      watch.cancel();
      ended.cancel();
      // A phase that met its end condition has done its job: it is complete.
      record.completed = outcome === 'elapsed' || ended.met();
      record.endMono = performance.now();
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const id of added) mock.faults.remove(id);
    if (phases.some((p) => p.actions.some((a) => a.kind === 'present-certificate'))) mock.presentCertificate('valid');
  }
  return records;
}

async function apply(
  mock: MockControl,
  action: PhaseAction,
  options: PhaseRunOptions & { initial: ApiUserView | undefined },
  added: string[],
  timers: NodeJS.Timeout[],
): Promise<void> {
  switch (action.kind) {
    case 'withdraw-used-role': {
      const user = mock.getApiUser(options.clientId);
      if (!user) return;
      const uses = new Map<Role, number>();
      for (const e of mock.journal.since(0)) {
        if (e.apiUser !== options.clientId || !e.requiredRole || e.status >= 400) continue;
        const role = e.requiredRole as Role;
        uses.set(role, (uses.get(role) ?? 0) + 1);
      }
      const target = [...uses.entries()].sort((a, b) => a[1] - b[1])[0]?.[0];
      if (!target) return;
      mock.patchApiUser(options.clientId, { roles: user.roles.filter((r) => !expandRole(r).has(target)) });
      return;
    }
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
    case 'clear-faults':
      for (const id of added.splice(0)) mock.faults.remove(id);
      return;
    case 'present-certificate':
      mock.presentCertificate(action.certificate);
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
      options.onRotated?.(fresh);
      timers.push(setTimeout(() => mock.patchApiUser(old.clientId, { active: false }), action.graceMs));
      return;
    }
  }
}

/** Settles when the phase's `endWhen` holds; never when it has none. */
function endCondition(mock: MockControl, phase: PhaseSpec, clientId: string): { promise: Promise<void>; cancel: () => void; met: () => boolean } {
  const when = phase.endWhen;
  if (!when) return { promise: new Promise(() => {}), cancel: () => {}, met: () => false };
  let seen = 0;
  let met = false;
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  const unsubscribe = mock.journal.subscribe((entry) => {
    if (entry.apiUser !== clientId) return;
    seen += 1;
    if ((when.requests !== undefined && seen >= when.requests) || (when.status !== undefined && entry.status === when.status)) {
      met = true;
      resolve();
    }
  });
  return { promise, cancel: unsubscribe, met: () => met };
}

/** When the phase's `watchAfter` window ends (the phase start when it has none, or it has not begun). */
function watchAfter(mock: MockControl, phase: PhaseSpec, clientId: string, startMono: number): { until: () => number; cancel: () => void } {
  const rule = phase.watchAfter;
  if (!rule) return { until: () => startMono, cancel: () => {} };
  let until = startMono;
  const unsubscribe = mock.journal.subscribe((entry) => {
    if (until === startMono && entry.apiUser === clientId && entry.status === rule.status && entry.mono >= startMono) {
      until = entry.mono + rule.ms;
    }
  });
  return { until: () => until, cancel: unsubscribe };
}
