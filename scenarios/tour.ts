import { type Scenario, defineScenario } from '../conformance/runner/scenario.ts';

/** The lengths of the tour's phases, and the token lifetime and Retry-After they use. */
export interface TourTimings {
  steadyMs: number;
  /** Lifetime of the tokens issued in the token-expiry phase. */
  tokenSeconds: number;
  tokensMs: number;
  /** The Retry-After every 429 of the storm carries. */
  retryAfterSeconds: number;
  stormMs: number;
  deactivatedMs: number;
  /** Longest the duplicate-webhook phase may last; it ends once its driver is done. */
  webhookMs: number;
  recoveryMs: number;
}

/** About 110 s at most: long enough for a room to watch each phase. */
export const TOUR_FULL: TourTimings = {
  steadyMs: 8_000,
  tokenSeconds: 10,
  tokensMs: 25_000,
  retryAfterSeconds: 3,
  stormMs: 15_000,
  deactivatedMs: 20_000,
  webhookMs: 30_000,
  recoveryMs: 12_000,
};

/**
 * `golive demo --fast` (and its tests): about 40 s at most. A token lives 4 s and Retry-After is
 * 1 s, so renewals and waits still show within the shorter phases (scaling the full tour would
 * leave a 10 s token no time to be renewed).
 */
export const TOUR_FAST: TourTimings = {
  steadyMs: 2_500,
  tokenSeconds: 4,
  tokensMs: 8_000,
  retryAfterSeconds: 1,
  stormMs: 5_000,
  deactivatedMs: 5_000,
  webhookMs: 12_000,
  recoveryMs: 3_000,
};

/**
 * The tour with the given timings. A function rather than one literal because the tour comes in
 * two lengths; each is plain data all the same.
 */
export function tour(t: TourTimings): Scenario {
  return defineScenario({
    name: 'tour',
    summary: 'A tour: token expiry, a 429 storm, a deactivated API user, a duplicate webhook, then recovery',
    expect:
      'Tokens reused and renewed before they expire; Retry-After waited out; one attempt, an error and a pause when deactivated; the duplicate event skipped; back to work once all is well.',
    phases: [
      { name: 'steady', description: 'normal traffic', durationMs: t.steadyMs, actions: [] },
      {
        name: 'token-expiry',
        description: `new tokens live ${t.tokenSeconds} s, and every token issued so far is revoked`,
        durationMs: t.tokensMs,
        actions: [{ kind: 'patch-api-user', patch: { tokenLifetimeSeconds: t.tokenSeconds } }, { kind: 'revoke-tokens' }],
        params: { tokenLifetimeSeconds: t.tokenSeconds },
      },
      {
        name: '429-storm',
        description: `every API call answers 429 with Retry-After: ${t.retryAfterSeconds} (tokens live 10 days again)`,
        durationMs: t.stormMs,
        actions: [
          { kind: 'restore-api-user' },
          { kind: 'add-fault', rule: { action: { kind: 'status', status: 429, retryAfter: { seconds: t.retryAfterSeconds } }, note: 'tour: 429 storm' } },
        ],
        params: { retryAfterSeconds: t.retryAfterSeconds },
      },
      {
        name: 'deactivated',
        description: 'the storm is over; the API user is deactivated: every call and token request answers 401',
        durationMs: t.deactivatedMs,
        actions: [{ kind: 'clear-faults' }, { kind: 'patch-api-user', patch: { active: false } }],
        params: { observeWindowMs: t.deactivatedMs },
      },
      {
        name: 'duplicate-webhook',
        description: 'the API user is active again; an order event is delivered, then the same event (same id) again',
        durationMs: t.webhookMs,
        actions: [{ kind: 'restore-api-user' }],
        drive: 'webhooks',
      },
      {
        name: 'recovery',
        description: 'everything as it was at the start: back to normal traffic',
        durationMs: t.recoveryMs,
        actions: [{ kind: 'restore-api-user' }, { kind: 'clear-faults' }],
      },
    ],
  });
}

export default tour(TOUR_FULL);
