import { performance } from 'node:perf_hooks';
import type { JournalEntry, MockControl } from '../../mock-server/index.ts';
import type { TenancyObservations, TenantClient } from '../checks/observations.ts';
import { wait } from './phases.ts';
import type { PhaseSpec } from './plan.ts';

/** The tenants phase of a certify run (config `tenants` ≥ 2): its driver, and what it did. */
export interface TenantsPhase {
  /** The driver of the plan's `drive: 'tenants'` phase. */
  drive(phase: PhaseSpec): Promise<void>;
  /** The tenants and the revocation; `revoked` is `null` until (unless) the phase got that far. */
  observations(): TenancyObservations;
}

export interface TenantsPhaseOptions {
  mock: MockControl;
  /** Every tenant the integration serves and its API user, the test run's own first. */
  tenants: readonly TenantClient[];
}

/** An API call of `tenant`'s own API user, at its own tenant, that worked. */
const workedFor = (tenant: TenantClient, e: JournalEntry): boolean =>
  e.tenant === tenant.id && e.apiUser === tenant.clientId && e.requiredRole !== null && e.status > 0 && e.status < 400;

/**
 * Watches every tenant's API user make a call that worked (their traffic interleaves), then
 * revokes the tokens of one tenant (the second: the first is the one every other phase acts on),
 * watches until that tenant has made a call that worked again (it renewed), and then until every
 * other tenant has too, all within the phase's `durationMs`. A cache that is not keyed by tenant
 * shows then: the renewal takes another tenant's token, or its new token reaches another tenant.
 */
export function createTenantsPhase(options: TenantsPhaseOptions): TenantsPhase {
  const { mock, tenants } = options;
  let revoked: TenancyObservations['revoked'] = null;

  /**
   * Once each of `these` tenants has made a call that worked at or after `fromMono`: when the last
   * of them did (monotonic ms), or `null` once `deadline` (monotonic ms) passed first.
   */
  async function allWorked(these: readonly TenantClient[], fromMono: number, deadline: number): Promise<number | null> {
    const waiting = new Set(these.map((t) => t.id));
    let last = fromMono;
    const see = (e: JournalEntry) => {
      if (e.mono < fromMono) return;
      for (const t of these) {
        if (!waiting.has(t.id) || !workedFor(t, e)) continue;
        waiting.delete(t.id);
        last = Math.max(last, e.mono);
      }
    };
    for (const e of mock.journal.since(0)) see(e);
    if (waiting.size === 0) return last;
    let done = () => {};
    const settled = new Promise<void>((resolve) => {
      done = resolve;
    });
    const unsubscribe = mock.journal.subscribe((e) => {
      see(e);
      if (waiting.size === 0) done();
    });
    try {
      await wait(Math.max(0, deadline - performance.now()), settled);
      return waiting.size === 0 ? last : null;
    } finally {
      unsubscribe();
    }
  }

  return {
    async drive(phase) {
      const start = performance.now();
      const deadline = start + phase.durationMs;
      const target = tenants[1];
      if (!target || (await allWorked(tenants, start, deadline)) === null) return;
      mock.revokeTokens(target.clientId);
      revoked = { tenant: target.id, mono: performance.now() };
      const renewed = await allWorked([target], revoked.mono, deadline);
      if (renewed !== null) await allWorked(tenants.filter((t) => t !== target), renewed, deadline);
    },
    observations: () => ({ tenants, revoked }),
  };
}
