import type { ApiUserPatch, FaultRuleInput } from '../../mock-server/index.ts';

/**
 * What a phase does to the mock when it starts. Data, so that scenarios (fault rules,
 * lifecycle events) are phases too, run by the same runner (`phases.ts`). Every action
 * applies to the run's API user.
 */
export type PhaseAction =
  /** Deactivate, reactivate, withdraw or grant roles, change stores/markets or the token lifetime. */
  | { kind: 'patch-api-user'; patch: ApiUserPatch }
  /** Back to the roles, scope, lifetime and state the API user had when the run began. */
  | { kind: 'restore-api-user' }
  /** Every token issued so far answers 401. */
  | { kind: 'revoke-tokens' }
  /** A fault rule; `match.apiUser` defaults to the run's API user. */
  | { kind: 'add-fault'; rule: FaultRuleInput }
  /** Removes the fault rules this run added. */
  | { kind: 'clear-faults' }
  /** The API presents a bad certificate to new connections (a man in the middle), or the valid one again. */
  | { kind: 'present-certificate'; certificate: 'valid' | 'untrusted-ca' | 'wrong-host' | 'expired' }
  /** Moves the mock's clock (token expiry, rate-limit refill) by `ms`. */
  | { kind: 'shift-clock'; ms: number }
  /**
   * Secret rotation as the guide describes it: a new API user with the same roles and scope,
   * and the old one deactivated after `graceMs`.
   */
  | { kind: 'rotate-secret'; graceMs: number };

/** One phase of a run: actions at its start, then a wait while the harness watches. */
export interface PhaseSpec {
  name: string;
  /** One line for the terminal: what this phase provokes. */
  description: string;
  /** How long the phase lasts at most. */
  durationMs: number;
  /**
   * Ends the phase early once the run's API user has made this many requests since the phase
   * began (`requests`), or once one of them was answered with this status (`status`).
   */
  endWhen?: { requests?: number; status?: number };
  actions: readonly PhaseAction[];
  /** Domain events to emit at the phase's start (webhook deliveries follow). */
  triggers?: readonly { className: 'Order'; objectId?: string; status: string }[];
  /** Recorded with the phase for the checks to read (e.g. `tokenLifetimeSeconds`). */
  params?: Record<string, number>;
}

/** Phase lengths of a certify run. */
export interface Timings {
  /** Steady traffic with 10-day tokens; the production run happens alongside. */
  steadyMs: number;
  /** After revoking every token (and shortening the lifetime of new ones). */
  revokedMs: number;
  /** Lifetime of tokens issued from the revoked-token phase on. */
  shortTokenSeconds: number;
  /** Watching renewals of short-lived tokens: at least two lifetimes. */
  shortLivedMs: number;
  /** Watching an integration whose API user was deactivated (checklist: 30 s). */
  observeWindowMs: number;
  /** The integration's separate run against the production environment. */
  productionMs: number;
  /** How long the integration may take to become ready. */
  readyMs: number;
}

/** Full-length timings: about 80 s of intended waiting. */
export const FULL_TIMINGS: Timings = {
  steadyMs: 10_000,
  revokedMs: 6_000,
  shortTokenSeconds: 15,
  shortLivedMs: 32_000,
  observeWindowMs: 30_000,
  productionMs: 10_000,
  readyMs: 15_000,
};

/** Shortened timings (`--fast`): for tests and demos, about 20 s. */
export const FAST_TIMINGS: Timings = {
  steadyMs: 3_000,
  revokedMs: 2_500,
  shortTokenSeconds: 5,
  shortLivedMs: 11_000,
  observeWindowMs: 5_000,
  productionMs: 3_000,
  readyMs: 15_000,
};

/** The phases of `golive certify` for the checks of sections 1 and 2, in order. */
export function certifyPlan(t: Timings): PhaseSpec[] {
  return [
    {
      name: 'steady',
      description: 'steady traffic with 10-day tokens',
      durationMs: t.steadyMs,
      actions: [],
    },
    {
      name: 'revoked-token',
      description: `every token revoked; new tokens live ${t.shortTokenSeconds} s`,
      durationMs: t.revokedMs,
      actions: [{ kind: 'patch-api-user', patch: { tokenLifetimeSeconds: t.shortTokenSeconds } }, { kind: 'revoke-tokens' }],
      params: { tokenLifetimeSeconds: t.shortTokenSeconds },
    },
    {
      name: 'short-lived-tokens',
      description: `tokens expire after ${t.shortTokenSeconds} s: renewal must come first`,
      durationMs: t.shortLivedMs,
      actions: [],
      params: { tokenLifetimeSeconds: t.shortTokenSeconds },
    },
    {
      name: 'deactivated-user',
      description: 'the API user is deactivated: the integration must stop and log',
      durationMs: t.observeWindowMs + 500,
      actions: [{ kind: 'patch-api-user', patch: { active: false } }],
      params: { observeWindowMs: t.observeWindowMs },
    },
  ];
}
