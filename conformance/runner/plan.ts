import { type ApiUserPatch, type BadTlsKind, type EventSpec, type FaultRuleInput, type FaultRuleStatus, type JournalEntry, type RetryAfter, requestKey } from '../../mock-server/index.ts';
import { firstTry, gaveUp } from '../checks/error-traffic.ts';

/**
 * What a phase does to the mock when it starts. Data, so that scenarios (fault rules,
 * lifecycle events) are phases too, run by the same runner (`phases.ts`). Every action
 * applies to the run's API user.
 */
export type PhaseAction =
  /** Deactivate, reactivate, withdraw or grant roles, change stores/markets or the token lifetime. */
  | { kind: 'patch-api-user'; patch: ApiUserPatch }
  /**
   * Withdraws one role the integration uses on its own schedule: the one the route it called
   * most often lately needs (with every assigned role that includes it), so its next call of
   * that route answers 403.
   */
  | { kind: 'withdraw-used-role' }
  /** Leaves the API user only the platform's baseline (Omnium: ApiUser): every resource call answers 403. */
  | { kind: 'withdraw-roles' }
  /**
   * Replaces the integration with a fresh instance and waits until it holds a working token
   * (certify only): what an earlier phase did to it (a cool-down after a 403 or after refused
   * credentials) must not starve the phases that follow.
   */
  | { kind: 'restart-integration' }
  /** Back to the roles, scope, lifetime and state the API user had when the run began. */
  | { kind: 'restore-api-user' }
  /** Every token issued so far answers 401. */
  | { kind: 'revoke-tokens' }
  /** A fault rule; `match.apiUser` defaults to the run's API user. */
  | { kind: 'add-fault'; rule: FaultRuleInput }
  /**
   * The run's next API call answered with a redirect (`status`) to the foreign host, an origin of
   * the harness's own that records what a client following it sends (certify only: without a
   * foreign host, nothing).
   */
  | { kind: 'redirect-to-foreign-host'; status: 302 | 307 }
  /** Removes the fault rules this run added. */
  | { kind: 'clear-faults' }
  /** The API presents a bad certificate to new connections (a man in the middle), or the valid one again. */
  | { kind: 'present-certificate'; certificate: 'valid' | BadTlsKind }
  /** Moves the mock's clock (token expiry, rate-limit refill) by `ms`. */
  | { kind: 'shift-clock'; ms: number }
  /**
   * Secret rotation as the guide describes it: a new API user with the same roles and scope,
   * its credentials put where the integration reads them (certify: its credential files, and a
   * job's next run's environment), and the old one deactivated after `graceMs` (0: at once).
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
  /**
   * Ends the phase early once this says the traffic it provokes has been seen (code-built
   * plans only; scenario files use `endWhen`). Asked after each request of the API user and
   * every 200 ms.
   */
  settledWhen?: (view: PhaseView) => boolean;
  actions: readonly PhaseAction[];
  /** Domain events to emit at the phase's start (webhook deliveries follow). */
  triggers?: readonly EventSpec[];
  /** Recorded with the phase for the checks to read (e.g. `tokenLifetimeSeconds`). */
  params?: Record<string, number>;
  /**
   * The harness drives this phase itself: the named driver (given to `runPhases`) runs after
   * the actions, and the phase ends when it returns (it keeps to `durationMs` of its own work).
   */
  drive?: 'webhooks' | 'frontend' | 'tenants';
  /**
   * The side lane the phase may run in (certify only): a phase that judges nothing but its own
   * API user's traffic can run beside the others, in an instance of the integration of its own
   * with an API user of its own. Absent: the main lane, the run's own instance and API user.
   */
  lane?: string;
}

/** What a phase's `settledWhen` sees. */
export interface PhaseView {
  /** The run's API users' requests recorded since the phase began, by seq. */
  entries: readonly JournalEntry[];
  /** The run's API users: the one it began with, then any a rotation created to replace it. */
  clients: readonly string[];
  /** When the phase began (monotonic ms). */
  startMono: number;
  /** The fault rules this phase added, with their counters. */
  faults: readonly FaultRuleStatus[];
  nowMono: number;
}

/** Phase lengths of a certify run. */
export interface Timings {
  /** Steady traffic with the platform's own token lifetime; the production run happens alongside. */
  steadyMs: number;
  /** …and longer, up to this, until the integration has made `STEADY_CALLS` API calls (a slow poller). */
  steadyMaxMs: number;
  /** After revoking every token (and shortening the lifetime of new ones). */
  revokedMs: number;
  /** Lifetime of tokens issued from the revoked-token phase on. */
  shortTokenSeconds: number;
  /** Watching renewals of short-lived tokens: at least two lifetimes. */
  shortLivedMs: number;
  /** Watching an integration whose API user was deactivated (checklist: 30 s). */
  observeWindowMs: number;
  /** Longest the secret-rotation phase watches after the rotation; it ends once the new API user made a call that worked. */
  rotationMs: number;
  /**
   * Longest the tenants phase may last (config `tenants` ≥ 2): until every tenant's API user has
   * made a call that worked, then, after one tenant's tokens were revoked, once more.
   */
  tenantsMs: number;
  /** The integration's separate run against the production environment. */
  productionMs: number;
  /** Retry-After of the 429 storms, in seconds. */
  retryAfterSeconds: number;
  /** Longest each 429 storm with Retry-After may last (seconds, then an HTTP date); it ends once its retries are through. */
  retryAfterStormMs: number;
  /** Longest the 429 storm without Retry-After may last: room for three growing waits. */
  bareStormMs: number;
  /** After the first 403 of the missing-role phase: watching for a repeat of the refused request. */
  forbiddenMs: number;
  /** Longest the missing-role phase waits for the integration's first call of the withdrawn role. */
  forbiddenWaitMs: number;
  /**
   * Longest the phase of resets, 503s and a hanging response may last: it ends once the client
   * gave the failing request up (or exceeded the attempts allowed) and left the hanging one.
   */
  networkMs: number;
  /** The failing request counts as given up once not sent again for this long (and 2.5 times its last wait). */
  networkQuietMs: number;
  /** Each short run against a listener with a bad certificate. */
  tlsRunMs: number;
  /** Longest the webhook phase may last (deliveries, probes, duplicates, and the waits after each). */
  webhookMs: number;
  /** After each webhook step: at least this long, then until the integration has been quiet this long. */
  webhookSettleMs: number;
  webhookQuietMs: number;
  /** Longest the front-end phase may last (the browser opens every page of `frontend.urls`). */
  frontendMs: number;
  /** Longest the phase of answers that cannot be read may last: it ends once a call after the last one worked. */
  malformedMs: number;
  /**
   * The size of the large body of that phase (security-tests.md case 83: 50 MB), in bytes. The mock
   * makes it as it sends it; each client that reads it all holds it, so the tests serve a few MB.
   */
  malformedBodyBytes: number;
  /** The outage: every request of the API user answered 503 this long (security-tests.md case 81). */
  outageMs: number;
  /** Longest the recovery after the outage may last: it ends once a call worked again. */
  recoveryMs: number;
  /** The `t` (seconds until the quota is back) of the 200 that says `r=0` (case 77). */
  rateLimitResetSeconds: number;
  /** Longest the phase of that 200 may last: it ends once a call came after `t`, or `t` and a second passed. */
  rateLimitPauseMs: number;
}

/** Full-length timings: about 115 s of intended waiting. */
export const FULL_TIMINGS: Timings = {
  steadyMs: 6_000,
  steadyMaxMs: 30_000,
  revokedMs: 5_000,
  shortTokenSeconds: 12,
  shortLivedMs: 24_500,
  observeWindowMs: 30_000,
  rotationMs: 30_000,
  tenantsMs: 20_000,
  productionMs: 6_000,
  retryAfterSeconds: 1,
  retryAfterStormMs: 12_000,
  bareStormMs: 14_000,
  forbiddenMs: 4_000,
  forbiddenWaitMs: 20_000,
  networkMs: 60_000,
  networkQuietMs: 3_000,
  tlsRunMs: 3_000,
  webhookMs: 30_000,
  webhookSettleMs: 750,
  webhookQuietMs: 400,
  frontendMs: 30_000,
  malformedMs: 30_000,
  malformedBodyBytes: 50_000_000,
  outageMs: 20_000,
  recoveryMs: 45_000,
  rateLimitResetSeconds: 5,
  rateLimitPauseMs: 15_000,
};

/** Shortened timings (`--fast`): for demos, about 75 s (tests use shorter ones still). */
export const FAST_TIMINGS: Timings = {
  steadyMs: 3_000,
  steadyMaxMs: 20_000,
  revokedMs: 2_500,
  shortTokenSeconds: 5,
  // Room for a client still in its backoff from the network phase: its first call may come late.
  shortLivedMs: 14_000,
  observeWindowMs: 5_000,
  rotationMs: 5_000,
  tenantsMs: 10_000,
  productionMs: 3_000,
  retryAfterSeconds: 1,
  retryAfterStormMs: 8_000,
  bareStormMs: 10_000,
  forbiddenMs: 3_000,
  forbiddenWaitMs: 15_000,
  networkMs: 45_000,
  networkQuietMs: 3_000,
  tlsRunMs: 3_000,
  webhookMs: 25_000,
  webhookSettleMs: 750,
  webhookQuietMs: 400,
  frontendMs: 20_000,
  malformedMs: 16_000,
  malformedBodyBytes: 50_000_000,
  outageMs: 15_000,
  recoveryMs: 35_000,
  rateLimitResetSeconds: 3,
  rateLimitPauseMs: 10_000,
};

export interface PlanOptions {
  /** The integration has a webhook endpoint (config `webhook`): the webhook phase runs. */
  webhook: boolean;
  /** Front-end pages are configured (config `frontend.urls`): the front-end phase runs. */
  frontend?: boolean;
  /** The platform exchanges credentials for tokens (default true): the token phases run. */
  issuesTokens?: boolean;
  /** The platform's sample change (`MockControl.platform.sampleEvent`): what sets off an event-driven integration's calls. */
  event?: EventSpec | null;
  /** How many tenants the integration serves (config `tenants`, default 1): from 2 on, the tenants phase runs. */
  tenants?: number;
  /** The platform keeps a rotated key working for an overlap window: the secret rotation keeps the old one for half the phase. */
  rotatesWithOverlap?: boolean;
  /** The integration reads the IETF RateLimit header (config `integration.rateLimitHeaders`): the phase that sends `r=0` runs. */
  rateLimitHeaders?: boolean;
}

/** The attempts of one request the mock answers before its fault gives out: more than the checks allow. */
export const MAX_NETWORK_ATTEMPTS = 10;

/** API calls the steady phase waits for: enough to tell a reused token from one per call. */
export const STEADY_CALLS = 3;

/** The steady phase lasts `minMs`, and then until the integration has made `STEADY_CALLS` API calls. */
export function steadySettled(minMs: number): (view: PhaseView) => boolean {
  return (view) => view.nowMono - view.startMono >= minMs && view.entries.filter((e) => e.requiredRole !== null).length >= STEADY_CALLS;
}

/** The pins of the malformed-responses phase's 404 (a GET) and 422 (a POST), answered once each: not to be retried. */
const CLIENT_ERROR_PINS = ['not-found', 'unprocessable'];

/** The API user's requests that fault rules of this phase answered, by seq. */
const faultedBy = (view: PhaseView, pin?: string): JournalEntry[] => {
  const ids = new Set(view.faults.filter((r) => pin === undefined || r.match.pin === pin).map((r) => r.id));
  return view.entries.filter((e) => e.fault !== null && ids.has(e.fault.id));
};

/**
 * A storm is over once its rules are spent and each request they refused was sent once more
 * and got through, or (with `quietMs`) was given up (see `gaveUp`: a client may rightly give a
 * request up on a Retry-After it cannot read): every retry the checks need has been seen.
 */
export function stormSettled(quietMs = Number.POSITIVE_INFINITY): (view: PhaseView) => boolean {
  return (view) => {
    if (view.faults.length === 0 || !view.faults.every((r) => r.spent)) return false;
    const refused = faultedBy(view);
    if (refused.length === 0) return false;
    return [...new Set(refused.map((e) => requestKey(e)))].every((key) => {
      const attempts = refused.filter((e) => requestKey(e) === key);
      const last = attempts.at(-1)!;
      if (view.entries.some((e) => e.seq > last.seq && e.fault === null && e.status > 0 && requestKey(e) === key)) return true;
      return Number.isFinite(quietMs) && gaveUp(view.entries, attempts, view.nowMono, quietMs);
    });
  };
}

/** A storm is over once its rules are spent and each request they refused was sent once more and got through. */
export const refusedRequestRetried: (view: PhaseView) => boolean = stormSettled();

/**
 * The network phase is over when its failing request (pinned: it keeps failing) has been
 * attempted more often than allowed, or when the client left a hanging response and gave
 * the failing request up (see `gaveUp`), or started it over (see `firstTry`).
 */
export function networkSettled(quietMs: number): (view: PhaseView) => boolean {
  return (view) => {
    const pinned = faultedBy(view, 'flaky-network');
    const first = pinned[0];
    if (!first) return false;
    const key = requestKey(first);
    const { attempts, restarted } = firstTry(view.entries.filter((e) => requestKey(e) === key));
    if (attempts.length > MAX_NETWORK_ATTEMPTS) return true;
    // The hanging request is journalled once the client (or golive, at the end) closed it.
    if (!view.entries.some((e) => e.fault?.kind === 'hang')) return false;
    return restarted || gaveUp(view.entries, attempts, view.nowMono, quietMs);
  };
}

/**
 * The phase of broken answers is over once their rules are spent and a later call of the API user worked, and
 * `watchMs` have passed since the last 400, 404 or 422 it answered (the window in which a
 * retry of it would come), and at least one of those was answered.
 */
export function brokenAnswersAndRefusalsWatched(watchMs: number): (view: PhaseView) => boolean {
  return (view) => {
    const broken = view.faults.filter((r) => !CLIENT_ERROR_PINS.includes(r.match.pin ?? ''));
    if (broken.length === 0 || !broken.every((r) => r.spent)) return false;
    const ids = new Set(broken.map((r) => r.id));
    const last = view.entries.filter((e) => e.fault !== null && ids.has(e.fault.id)).at(-1);
    if (!last || !view.entries.some((e) => e.seq > last.seq && e.fault === null && e.status > 0 && e.status < 400)) return false;
    const refused = CLIENT_ERROR_PINS.flatMap((pin) => faultedBy(view, pin));
    return refused.length > 0 && view.nowMono - Math.max(...refused.map((e) => e.mono + e.latencyMs)) >= watchMs;
  };
}

/** The recovery after the outage is over once an API call of the API user worked again. */
export function callWorked(view: PhaseView): boolean {
  return view.entries.some((e) => !e.tokenRequest && e.fault === null && e.status >= 200 && e.status < 400);
}

/**
 * The phase of the 200 that says `r=0` is over once a call came after its `t` (what a client does
 * when the quota is back), or once `t` and a second more passed without one.
 */
export function quotaBackSeen(resetSeconds: number): (view: PhaseView) => boolean {
  return (view) => {
    const told = faultedBy(view, 'ratelimit-pause')[0];
    if (!told) return false;
    const back = told.mono + told.latencyMs + resetSeconds * 1000;
    return view.entries.some((e) => e.seq > told.seq && !e.tokenRequest && e.mono >= back) || view.nowMono >= back + 1_000;
  };
}

/** The secret-rotation phase is over once an API user that replaced the run's own made an API call that worked. */
export function rotatedClientWorked(view: PhaseView): boolean {
  const fresh = new Set(view.clients.slice(1));
  return view.entries.some((e) => e.apiUser !== null && fresh.has(e.apiUser) && e.requiredRole !== null && e.status > 0 && e.status < 400);
}

/**
 * The phases of `golive certify`, in order. Each provokes the traffic it judges and runs
 * until it has seen it (within a bound). The webhook phase comes once the runs beside
 * `steady` are long over. The phases that leave an integration disturbed on purpose (a
 * withdrawn role, a deactivated user, a rotated secret) come last; the token phases, the
 * withdrawn role, the deactivation and the rotation each begin with a fresh instance of the
 * integration (even when the last one exited, as it may on refused credentials), so a sensible
 * cool-down after an earlier phase (a circuit opened by the network faults, a route left alone
 * after a 403), or a token-handling bug, starves none of them. The rotation is last: the phases
 * act on the run's own API user, which it deactivates for good.
 */
export function certifyPlan(t: Timings, options: PlanOptions = { webhook: false }): PhaseSpec[] {
  // With an overlap window the old key works on for half the phase, which then watches as long again after it closed.
  const overlapMs = options.rotatesWithOverlap ? Math.round(t.rotationMs / 2) : 0;
  // Each storm refuses one request (pinned: the same method, path, query and body) until its
  // retries are through, whatever else the integration sends meanwhile.
  const storm = (pin: string, retryAfter: RetryAfter, times: number) =>
    ({ kind: 'add-fault', rule: { match: { times, pin }, action: { kind: 'status', status: 429, retryAfter } } }) as const;
  // A client that gives a refused request up on a Retry-After it cannot read (urllib3 raises
  // InvalidHeader on `soon`) ends the storm once it has been quiet on it this long.
  const stormOver = stormSettled(t.networkQuietMs);
  return [
    {
      name: 'steady',
      description: 'steady traffic, tokens living as long as the platform makes them',
      durationMs: t.steadyMaxMs,
      settledWhen: steadySettled(t.steadyMs),
      actions: [],
    },
    ...(options.frontend
      ? [
          {
            name: 'frontend',
            description: 'a real browser opens the front-end pages and looks for the secrets in everything they hold',
            durationMs: t.frontendMs,
            actions: [],
            drive: 'frontend',
          } satisfies PhaseSpec,
        ]
      : []),
    {
      name: 'rate-limit-retry-after',
      lane: 'storms',
      description: `one request answered 429 with Retry-After: ${t.retryAfterSeconds}, then Retry-After: 0, then Retry-After: soon (no value: back off as usual, or give it up)`,
      durationMs: t.retryAfterStormMs,
      // Over once the three 429s and the retry after them have come: storms must not run into each other.
      settledWhen: stormOver,
      // One request, each attempt a Retry-After of another kind (security-tests.md case 75).
      actions: [
        storm('rate-limit-retry-after', { seconds: t.retryAfterSeconds }, 1),
        storm('rate-limit-retry-after', { seconds: 0 }, 1),
        storm('rate-limit-retry-after', { value: 'soon' }, 1),
      ],
      params: { retryAfterSeconds: t.retryAfterSeconds },
    },
    // The HTTP-date storm, then the storms without Retry-After, where the client's own backoff
    // shows: a lane of their own, beside the first storm (errors.backoff-on-429 reads each
    // storm's own API user). The HTTP-date storm goes first in it: its 429s warm the client's
    // way of handling them, since a fresh process's first 429 may come back a few hundred
    // milliseconds late (code run for the first time, on a busy machine), which would hide the
    // growth of the first waits. The second storm without Retry-After follows the first, not the
    // Retry-After storm: that one may end on a request the client seems to have given up (quiet
    // for a while) and retries later, which would be the second storm's first refused request.
    {
      name: 'rate-limit-http-date',
      lane: 'backoff',
      description: `one request answered 429 with Retry-After as an HTTP date ${t.retryAfterSeconds} s ahead, then as a date a minute past`,
      durationMs: t.retryAfterStormMs,
      settledWhen: stormOver,
      actions: [{ kind: 'clear-faults' }, storm('rate-limit-http-date', { httpDate: t.retryAfterSeconds }, 1), storm('rate-limit-http-date', { httpDate: -60 }, 1)],
    },
    {
      name: 'rate-limit-no-retry-after',
      lane: 'backoff',
      description: 'one request answered 429 three times without Retry-After: the waits must grow',
      durationMs: t.bareStormMs,
      // Not over on a request seemingly given up: a concurrent client's last, longest wait may be under way.
      settledWhen: refusedRequestRetried,
      actions: [{ kind: 'clear-faults' }, storm('rate-limit-no-retry-after', 'absent', 3)],
    },
    {
      name: 'rate-limit-no-retry-after-again',
      lane: 'backoff',
      description:
        'the same storm again, and the next two requests answered 429 twice each (at once, for a client with parallel workers): with jitter, the waits differ from the first storm and from each other',
      durationMs: t.bareStormMs,
      settledWhen: refusedRequestRetried,
      // Three requests pinned (security-tests.md case 76): workers refused at once must not retry in lockstep.
      actions: [
        { kind: 'clear-faults' },
        storm('rate-limit-no-retry-after-again', 'absent', 3),
        storm('rate-limit-no-retry-after-again-2', 'absent', 2),
        storm('rate-limit-no-retry-after-again-3', 'absent', 2),
      ],
    },
    {
      name: 'flaky-network',
      lane: 'network',
      description: 'one request reset, answered 503, left hanging, then 503 on every attempt until the client gives it up; the next request answered 500',
      durationMs: t.networkMs,
      settledWhen: networkSettled(t.networkQuietMs),
      params: { networkQuietMs: t.networkQuietMs },
      actions: [
        { kind: 'clear-faults' },
        // The first call is reset; every attempt of that same request then meets a 503, a
        // response that never comes, and 503s for as long as the client keeps trying, so a
        // client that never gives up shows it. Its next, different request is answered 500 (a
        // server error: a client may give it up, as the examples do, and a retry of it counts
        // towards the limit); not in the pinned run, where it would end the retries of a client
        // that gives a 500 up before they could show no limit. The request after that (at once,
        // for a client that gives up at once) meets a hang.
        { kind: 'add-fault', rule: { match: { times: 1, pin: 'flaky-network' }, action: { kind: 'reset' } } },
        { kind: 'add-fault', rule: { match: { times: 1, pin: 'flaky-network' }, action: { kind: 'status', status: 503 } } },
        { kind: 'add-fault', rule: { match: { times: 1, pin: 'flaky-network' }, action: { kind: 'hang' } } },
        { kind: 'add-fault', rule: { match: { pin: 'flaky-network' }, action: { kind: 'status', status: 503 } } },
        { kind: 'add-fault', rule: { match: { times: 1, pin: 'flaky-network-500' }, action: { kind: 'status', status: 500 } } },
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'hang' } } },
      ],
    },
    // A long outage, then recovery (security-tests.md case 81): in a lane of its own, every request
    // of its API user answered 503, then none; errors.backoff-in-outage judges both phases.
    {
      name: 'outage',
      lane: 'outage',
      description: `every request answered 503 for ${Math.round(t.outageMs / 1000)} s: the client must not keep a constant rate against a dead API`,
      durationMs: t.outageMs,
      actions: [{ kind: 'clear-faults' }, { kind: 'add-fault', rule: { match: {}, action: { kind: 'status', status: 503 } } }],
    },
    {
      name: 'outage-recovery',
      lane: 'outage',
      description: 'the API answers again: the client must resume its work',
      durationMs: t.recoveryMs,
      settledWhen: callWorked,
      actions: [{ kind: 'clear-faults' }],
    },
    // Only for an integration that says it reads the IETF RateLimit header (Omnium sends none, A7).
    ...(options.rateLimitHeaders
      ? [
          {
            name: 'ratelimit-pause',
            lane: 'outage',
            description: `one request answered 200 with RateLimit: "default";r=0;t=${t.rateLimitResetSeconds}: no call before ${t.rateLimitResetSeconds} s`,
            durationMs: t.rateLimitPauseMs,
            settledWhen: quotaBackSeen(t.rateLimitResetSeconds),
            actions: [
              { kind: 'clear-faults' },
              { kind: 'add-fault', rule: { match: { times: 1, pin: 'ratelimit-pause' }, action: { kind: 'ratelimit', remaining: 0, resetSeconds: t.rateLimitResetSeconds } } },
            ],
            params: { rateLimitResetSeconds: t.rateLimitResetSeconds },
          } satisfies PhaseSpec,
        ]
      : []),
    // Only where credentials are exchanged for tokens: a static key has none to revoke or expire.
    ...(options.issuesTokens === false
      ? []
      : ([
          {
            name: 'revoked-token',
            lane: 'tokens',
            description: `every token revoked; new tokens live ${t.shortTokenSeconds} s`,
            durationMs: t.revokedMs,
            actions: [
              { kind: 'clear-faults' },
              { kind: 'restart-integration' },
              { kind: 'patch-api-user', patch: { tokenLifetimeSeconds: t.shortTokenSeconds } },
              { kind: 'revoke-tokens' },
            ],
            params: { tokenLifetimeSeconds: t.shortTokenSeconds },
          },
          {
            name: 'short-lived-tokens',
            lane: 'tokens',
            description: `tokens expire after ${t.shortTokenSeconds} s: renewal must come first`,
            durationMs: t.shortLivedMs,
            actions: [],
            params: { tokenLifetimeSeconds: t.shortTokenSeconds },
          },
        ] satisfies PhaseSpec[])),
    // After the token phases, so that an integration that dies of it is started again by the
    // next phase (a fresh instance), and the phases that judge required checks still run.
    {
      name: 'malformed-responses',
      description:
        'a fresh instance runs, then seven calls are answered with a body that is not JSON, fields the API does not document, a body cut short, a large body, an empty 200, values of the wrong types and an HTML error page: it must carry on; the next is redirected (307) to another origin, which must get no credentials; the next GET is answered 404 and the next POST 422, neither to be retried',
      durationMs: t.malformedMs,
      settledWhen: brokenAnswersAndRefusalsWatched(t.forbiddenMs),
      // On a fresh instance of a restored API user: what the token phases left (an expired token
      // a client failed to renew, short lifetimes) must not keep its calls from being answered.
      actions: [
        { kind: 'clear-faults' },
        { kind: 'restore-api-user' },
        { kind: 'restart-integration' },
        // The answers a tolerant reader takes (extra fields, a large body it reads or refuses) between
        // those it cannot, so that a client backing off after each failure is not kept waiting long.
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'malformed-json' } } },
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'extra-fields' } } },
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'truncated' } } },
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'large-body', bytes: t.malformedBodyBytes } } },
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'empty' } } },
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'wrong-types' } } },
        { kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'html' } } },
        // After the broken answers, so that the first of them still meets the fresh instance's first call.
        // 307: the method and body are kept, so whatever the call carried may follow it.
        { kind: 'redirect-to-foreign-host', status: 307 },
        // A GET and a POST the request itself makes wrong (security-tests.md case 79), each once:
        // a retry within the window after it gets the same request through, which is the fault.
        { kind: 'add-fault', rule: { match: { times: 1, method: 'GET', pin: 'not-found' }, action: { kind: 'status', status: 404 } } },
        { kind: 'add-fault', rule: { match: { times: 1, method: 'POST', pin: 'unprocessable' }, action: { kind: 'status', status: 422 } } },
      ],
      params: { malformedBodyBytes: t.malformedBodyBytes },
    },
    {
      name: 'missing-role',
      description: 'a fresh instance runs, then a role it uses on its own schedule is withdrawn: the 403 must not be retried',
      // Until the first 403, within a bound; then the observation window after it.
      durationMs: t.forbiddenWaitMs,
      endWhen: { status: 403 },
      watchAfter: { status: 403, ms: t.forbiddenMs },
      // The faults of the network phase go first: without token phases in between, its pinned
      // 503s would still answer the fresh instance's first request.
      actions: [{ kind: 'clear-faults' }, { kind: 'restore-api-user' }, { kind: 'restart-integration' }, { kind: 'withdraw-used-role' }],
      // An integration that calls some routes only when an event arrives gets one.
      ...(options.webhook && options.event ? { triggers: [options.event] } : {}),
      params: { observeWindowMs: t.forbiddenMs },
    },
    {
      name: 'deactivated-user',
      lane: 'deactivation',
      description: 'a fresh instance runs, then its API user is deactivated: it must stop and log',
      durationMs: t.observeWindowMs + 500,
      watchAfter: { status: 401, ms: t.observeWindowMs + 500 },
      actions: [{ kind: 'restore-api-user' }, { kind: 'restart-integration' }, { kind: 'patch-api-user', patch: { active: false } }],
      params: { observeWindowMs: t.observeWindowMs },
    },
    // Only with several tenants, and tokens to revoke; on a fresh instance, so that what the
    // revocation leaves behind (a tenant's token cache gone wrong) starves none of the others.
    ...((options.tenants ?? 1) >= 2 && options.issuesTokens !== false
      ? [
          {
            name: 'tenants',
            description: "a fresh instance serves every tenant, then one tenant's tokens are revoked: each tenant must go on with its own tokens",
            durationMs: t.tenantsMs,
            actions: [{ kind: 'clear-faults' }, { kind: 'restore-api-user' }, { kind: 'restart-integration' }],
            drive: 'tenants',
          } satisfies PhaseSpec,
        ]
      : []),
    // Late in the main lane, so that the main lane's other phases run while the side lanes do: it
    // waits for them (it compares the data before and after each delivery, which no other
    // instance may change meanwhile), on a fresh instance of the restored API user.
    ...(options.webhook
      ? [
          {
            name: 'webhooks',
            description: 'a fresh instance runs, then an order event is delivered, probes with bad auth, the same event again, an event of an unknown type',
            durationMs: t.webhookMs,
            // A storm's rule that outlived its phase must not answer the deliveries' follow-up calls.
            actions: [{ kind: 'clear-faults' }, { kind: 'restore-api-user' }, { kind: 'restart-integration' }],
            drive: 'webhooks',
          } satisfies PhaseSpec,
        ]
      : []),
    {
      name: 'secret-rotation',
      description: 'a fresh instance runs, then a new API user replaces its own (new credentials in its files), the old one deactivated: it must recover, or stop and log',
      // Until the new API user made a call that worked, within the observation window (and past the overlap window's close).
      durationMs: t.rotationMs + overlapMs,
      settledWhen: overlapMs ? (view) => view.nowMono - view.startMono >= 2 * overlapMs && rotatedClientWorked(view) : rotatedClientWorked,
      // The old user's state is restored first (the phase before left it deactivated); the new
      // credentials are in place before the old ones are refused: at once, or when the overlap window closes.
      actions: [{ kind: 'restore-api-user' }, { kind: 'restart-integration' }, { kind: 'rotate-secret', graceMs: overlapMs }],
      // An integration that calls the API only when an event arrives gets one.
      ...(options.webhook && options.event ? { triggers: [options.event] } : {}),
      params: { observeWindowMs: t.rotationMs, ...(overlapMs ? { overlapMs } : {}) },
    },
  ];
}

/** The lane of the run's own instance of the integration and its own API user. */
export const MAIN_LANE = 'main';

/** Phases that one instance of the integration, with one API user, goes through one after another. */
export interface Lane {
  /** `MAIN_LANE`, or the `lane` its phases name. */
  name: string;
  phases: PhaseSpec[];
}

/**
 * The plan as lanes that run side by side: each side lane (the phases naming it, in plan order)
 * in an instance of the integration of its own, the main lane every other phase. `instances`
 * is how many instances may run at once (config `integration.instances`): side lanes beyond it
 * stay on the main lane, so 1 gives the plan as it is, one lane.
 */
export function planLanes(plan: readonly PhaseSpec[], instances: number): Lane[] {
  const sides = [...new Set(plan.flatMap((p) => (p.lane ? [p.lane] : [])))].slice(0, Math.max(0, instances - 1));
  return [
    { name: MAIN_LANE, phases: plan.filter((p) => p.lane === undefined || !sides.includes(p.lane)) },
    ...sides.map((name) => ({ name, phases: plan.filter((p) => p.lane === name) })),
  ];
}

/** The lane each phase of `plan` runs in, by name. */
export function laneOf(lanes: readonly Lane[]): (phase: PhaseSpec) => string {
  return (phase) => lanes.find((l) => l.phases.includes(phase))?.name ?? MAIN_LANE;
}
