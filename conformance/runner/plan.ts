import type { ApiUserPatch, FaultRuleInput } from '../../mock-server/index.ts';

/**
 * What a phase does to the mock when it starts. Data, so that scenarios (fault rules,
 * lifecycle events) are phases too, run by the same runner (`phases.ts`). Every action
 * applies to the run's API user.
 */
export type PhaseAction =
  /** Deactivate, reactivate, withdraw or grant roles, change stores/markets or the token lifetime. */
  | { kind: 'patch-api-user'; patch: ApiUserPatch }
  /**
   * Withdraws one role the integration has used: the one its least-called endpoint needs
   * (with every assigned role that includes it), so that route answers 403 and the others go on.
   */
  | { kind: 'withdraw-used-role' }
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
  /**
   * Keeps the phase going for `ms` after the API user's first response with `status`, so a
   * window that starts with that response is watched in full (at most `durationMs + ms`).
   */
  watchAfter?: { status: number; ms: number };
  actions: readonly PhaseAction[];
  /** Domain events to emit at the phase's start (webhook deliveries follow). */
  triggers?: readonly { className: 'Order'; objectId?: string; status: string }[];
  /** Recorded with the phase for the checks to read (e.g. `tokenLifetimeSeconds`). */
  params?: Record<string, number>;
  /**
   * The harness drives this phase itself: the named driver (given to `runPhases`) runs after
   * the actions, and the phase ends when it returns (it keeps to `durationMs` of its own work).
   */
  drive?: 'webhooks';
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
  /** Retry-After of the 429 storms, in seconds. */
  retryAfterSeconds: number;
  /** Longest each 429 storm with Retry-After may last (seconds, then an HTTP date); it ends once its retries are through. */
  retryAfterStormMs: number;
  /** Longest the 429 storm without Retry-After may last: room for three growing waits. */
  bareStormMs: number;
  /** Every role withdrawn: watching for a repeated 403. */
  forbiddenMs: number;
  /** Longest the phase of resets, 503s and a hanging response may last (the client's timeout decides). */
  networkMs: number;
  /** Each short run against a listener with a bad certificate. */
  tlsRunMs: number;
  /** Longest the webhook phase may last (deliveries, probes, duplicates, and the waits after each). */
  webhookMs: number;
  /** After each webhook step: at least this long, then until the integration has been quiet this long. */
  webhookSettleMs: number;
  webhookQuietMs: number;
}

/** Full-length timings: about 115 s of intended waiting. */
export const FULL_TIMINGS: Timings = {
  steadyMs: 6_000,
  revokedMs: 5_000,
  shortTokenSeconds: 12,
  shortLivedMs: 24_500,
  observeWindowMs: 30_000,
  productionMs: 6_000,
  readyMs: 15_000,
  retryAfterSeconds: 1,
  retryAfterStormMs: 12_000,
  bareStormMs: 14_000,
  forbiddenMs: 4_000,
  networkMs: 16_000,
  tlsRunMs: 3_000,
  webhookMs: 30_000,
  webhookSettleMs: 750,
  webhookQuietMs: 400,
};

/** Shortened timings (`--fast`): for demos, about 75 s (tests use shorter ones still). */
export const FAST_TIMINGS: Timings = {
  steadyMs: 3_000,
  revokedMs: 2_500,
  shortTokenSeconds: 5,
  // Room for a client still in its backoff from the network phase: its first call may come late.
  shortLivedMs: 14_000,
  observeWindowMs: 5_000,
  productionMs: 3_000,
  readyMs: 15_000,
  retryAfterSeconds: 1,
  retryAfterStormMs: 8_000,
  bareStormMs: 10_000,
  forbiddenMs: 3_000,
  networkMs: 16_000,
  tlsRunMs: 3_000,
  webhookMs: 25_000,
  webhookSettleMs: 750,
  webhookQuietMs: 400,
};

export interface PlanOptions {
  /** The integration has a webhook endpoint (config `webhook`): the webhook phase runs. */
  webhook: boolean;
}

/**
 * The phases of `golive certify`, in order. Deactivation comes last: it ends the traffic. The
 * webhook phase comes once the runs beside `steady` are long over and before any role is
 * withdrawn, so the integration can do its work for each delivery.
 */
export function certifyPlan(t: Timings, options: PlanOptions = { webhook: false }): PhaseSpec[] {
  const storm = (retryAfter: { seconds: number } | { httpDate: number } | 'absent', times: number) =>
    ({ kind: 'add-fault', rule: { match: { times }, action: { kind: 'status', status: 429, retryAfter } } }) as const;
  return [
    {
      name: 'steady',
      description: 'steady traffic with 10-day tokens',
      durationMs: t.steadyMs,
      actions: [],
    },
    {
      name: 'rate-limit-retry-after',
      description: `three 429s with Retry-After: ${t.retryAfterSeconds}`,
      durationMs: t.retryAfterStormMs,
      // Over once the three 429s and the retry after them have come: storms must not run into each other.
      endWhen: { requests: 4 },
      actions: [storm({ seconds: t.retryAfterSeconds }, 3)],
      params: { retryAfterSeconds: t.retryAfterSeconds },
    },
    {
      name: 'rate-limit-http-date',
      description: `two 429s with Retry-After as an HTTP date ${t.retryAfterSeconds} s ahead`,
      durationMs: t.retryAfterStormMs,
      endWhen: { requests: 3 },
      actions: [{ kind: 'clear-faults' }, storm({ httpDate: t.retryAfterSeconds }, 2)],
    },
    {
      name: 'rate-limit-no-retry-after',
      description: 'three 429s without Retry-After: the waits must grow',
      durationMs: t.bareStormMs,
      endWhen: { requests: 4 },
      actions: [{ kind: 'clear-faults' }, storm('absent', 3)],
    },
    {
      name: 'rate-limit-no-retry-after-again',
      description: 'the same storm again: with jitter, its waits differ from the first',
      durationMs: t.bareStormMs,
      endWhen: { requests: 4 },
      actions: [{ kind: 'clear-faults' }, storm('absent', 3)],
    },
    ...(options.webhook
      ? [
          {
            name: 'webhooks',
            description: 'an order event delivered, probes with bad auth, the same event again',
            durationMs: t.webhookMs,
            // A storm's rule that outlived its phase must not answer the deliveries' follow-up calls.
            actions: [{ kind: 'clear-faults' }],
            drive: 'webhooks',
          } satisfies PhaseSpec,
        ]
      : []),
    {
      name: 'missing-role',
      description: 'a role the integration uses is withdrawn: the 403 must not be retried',
      durationMs: t.forbiddenMs,
      actions: [{ kind: 'clear-faults' }, { kind: 'withdraw-used-role' }],
    },
    {
      name: 'flaky-network',
      description: 'a reset, two 503s and a response that never comes',
      durationMs: t.networkMs,
      // Over once the four faults and the retry after the abandoned one have come.
      endWhen: { requests: 5 },
      actions: [
        { kind: 'restore-api-user' },
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'reset' } } },
        { kind: 'add-fault', rule: { match: { times: 2 }, action: { kind: 'status', status: 503 } } },
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'hang' } } },
      ],
    },
    {
      name: 'revoked-token',
      description: `every token revoked; new tokens live ${t.shortTokenSeconds} s`,
      durationMs: t.revokedMs,
      actions: [
        { kind: 'clear-faults' },
        { kind: 'patch-api-user', patch: { tokenLifetimeSeconds: t.shortTokenSeconds } },
        { kind: 'revoke-tokens' },
      ],
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
      watchAfter: { status: 401, ms: t.observeWindowMs + 500 },
      actions: [{ kind: 'patch-api-user', patch: { active: false } }],
      params: { observeWindowMs: t.observeWindowMs },
    },
  ];
}
