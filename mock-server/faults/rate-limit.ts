import { GoliveError } from '../../errors.ts';

/** The rate-limit class an endpoint declares (omnium-api.md A7). */
export type RateLimitClass = 'default' | 'batch' | 'high-traffic' | 'none';

/** Omnium's rate limits, all configurable (omnium-api.md A7: "dedicated environments may disable or tailor them"). */
export interface RateLimitSettings {
  /** `false` turns every limit off: every request is granted and nothing is counted. */
  enabled: boolean;
  /** Tokens a full bucket holds, per API user. */
  bucketCapacity: number;
  /** Tokens added at each refill step. */
  refillTokens: number;
  /** Time between refill steps, in ms. Refill is stepped: whole steps at each boundary since the last refill. */
  refillIntervalMs: number;
  /** Tokens one request costs (Omnium does not publish it; A7 assumes 1). */
  requestCost: number;
  /** Requests in flight per API user on `default` and `batch` endpoints. */
  userConcurrency: number;
  /** Requests in flight per tenant on `default` and `batch` endpoints. */
  tenantConcurrency: number;
  /** Requests in flight per API user on `batch` endpoints (these count toward the user and tenant limits too). */
  batchConcurrency: number;
  /** Requests in flight per API user on `high-traffic` endpoints (these count toward no other concurrency limit). */
  highTrafficConcurrency: number;
  /** Offer IETF `RateLimit` / `RateLimit-Policy` header values from `headers()`. Omnium documents none, so off by default. */
  headers: boolean;
}

/** Omnium's documented defaults (omnium-api.md A7). */
export const DEFAULT_RATE_LIMITS: Readonly<RateLimitSettings> = Object.freeze({
  enabled: true,
  bucketCapacity: 12_000,
  refillTokens: 1_000,
  refillIntervalMs: 10_000,
  requestCost: 1,
  userConcurrency: 20,
  tenantConcurrency: 40,
  batchConcurrency: 4,
  highTrafficConcurrency: 150,
  headers: false,
});

/** Which limit refused a request. */
export type RateLimitReason =
  | 'bucket'
  | 'user-concurrency'
  | 'tenant-concurrency'
  | 'batch-concurrency'
  | 'high-traffic-concurrency';

/** Who is asking, and for which class of endpoint. */
export interface RateLimitKey {
  /** The API user's client id. */
  readonly clientId: string;
  readonly tenant: string;
  readonly limit: RateLimitClass;
}

/** A granted request: call `release()` when its response is done (idempotent). */
export interface RateLimitGrant {
  readonly ok: true;
  /** Tokens left in the user's bucket after this request (the full capacity for exempt requests). */
  readonly remaining: number;
  release(): void;
}

/** A refused request: answer 429 with `Retry-After: retryAfterSeconds`. Nothing was consumed. */
export interface RateLimitRejection {
  readonly ok: false;
  readonly reason: RateLimitReason;
  /** Whole seconds, at least 1. */
  readonly retryAfterSeconds: number;
}

export type RateLimitResult = RateLimitGrant | RateLimitRejection;

/** One API user's counters, for the admin API and tests. */
export interface RateLimitUserSnapshot {
  tokens: number;
  inFlight: number;
  batchInFlight: number;
  highTrafficInFlight: number;
}

/** Mutable per-user state; grants keep a reference so a `reset` detaches rather than corrupts it. */
interface UserState {
  tokens: number;
  /** Clock time of the last refill boundary. */
  refilledAt: number;
  inFlight: number;
  batch: number;
  highTraffic: number;
}

interface TenantState {
  inFlight: number;
}

const DEFAULT = 0;
const BATCH = 1;
const HIGH_TRAFFIC = 2;
type SlotKind = typeof DEFAULT | typeof BATCH | typeof HIGH_TRAFFIC;

/** One granted request. A class, so the hot path allocates one small object and no closure. */
class Slot implements RateLimitGrant {
  readonly ok = true as const;
  private released = false;

  constructor(
    readonly remaining: number,
    private readonly user: UserState,
    private readonly tenant: TenantState,
    private readonly kind: SlotKind,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.kind === HIGH_TRAFFIC) {
      this.user.highTraffic--;
      return;
    }
    if (this.kind === BATCH) this.user.batch--;
    this.user.inFlight--;
    this.tenant.inFlight--;
  }
}

const NOOP_RELEASE = (): void => {};

// Concurrency refusals carry no per-request data, so they are shared and frozen.
const refusal = (reason: RateLimitReason): RateLimitRejection => Object.freeze({ ok: false, reason, retryAfterSeconds: 1 });
const USER_BUSY = refusal('user-concurrency');
const TENANT_BUSY = refusal('tenant-concurrency');
const BATCH_BUSY = refusal('batch-concurrency');
const HIGH_TRAFFIC_BUSY = refusal('high-traffic-concurrency');

const WHOLE_POSITIVE = ['bucketCapacity', 'refillTokens', 'refillIntervalMs', 'requestCost'] as const;
const CONCURRENCY = ['userConcurrency', 'tenantConcurrency', 'batchConcurrency', 'highTrafficConcurrency'] as const;

function settle(partial: Partial<RateLimitSettings>): RateLimitSettings {
  const settings: RateLimitSettings = { ...DEFAULT_RATE_LIMITS };
  for (const [key, value] of Object.entries(partial)) {
    if (!Object.hasOwn(DEFAULT_RATE_LIMITS, key)) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_UNKNOWN_KEY', `${key}: not a rate-limit setting`);
    }
    if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of ['enabled', 'headers'] as const) {
    if (typeof settings[key] !== 'boolean') throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `${key}: expected true or false`);
  }
  for (const key of WHOLE_POSITIVE) {
    const v = settings[key];
    if (!Number.isSafeInteger(v) || v < 1) throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `${key}: expected a whole number ≥ 1`);
  }
  for (const key of CONCURRENCY) {
    const v = settings[key];
    if (v !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(v) || v < 1)) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `${key}: expected a whole number ≥ 1 (or Infinity for no limit)`);
    }
  }
  if (settings.requestCost > settings.bucketCapacity) {
    throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', 'requestCost: expected no more than bucketCapacity');
  }
  return settings;
}

/**
 * Omnium's rate limits (omnium-api.md A7): a token bucket and in-flight limits per API user,
 * an in-flight limit per tenant, tighter for batch endpoints and looser for high-traffic reads;
 * the token endpoint (`limit: 'none'`) is exempt. Pure: time comes from `now`.
 *
 * The bucket refills in whole steps (`refillTokens` at each `refillIntervalMs` boundary since
 * the last refill, boundaries counted from the user's first request), as Omnium documents it.
 *
 * @example
 * const limiter = new RateLimiter({}, clock.now);
 * const slot = limiter.acquire({ clientId, tenant, limit: endpoint.limit });
 * if (!slot.ok) return { status: 429, headers: { 'retry-after': String(slot.retryAfterSeconds) } };
 * try { return await endpoint.resolve(req, ctx); } finally { slot.release(); }
 */
export class RateLimiter {
  /** The settings in force, defaults filled in. */
  readonly settings: Readonly<RateLimitSettings>;
  private readonly users = new Map<string, UserState>();
  private readonly tenants = new Map<string, TenantState>();
  private readonly exempt: RateLimitGrant;
  private readonly policy: string;

  constructor(
    settings: Partial<RateLimitSettings>,
    private readonly now: () => number,
  ) {
    this.settings = Object.freeze(settle(settings));
    this.exempt = Object.freeze({ ok: true as const, remaining: this.settings.bucketCapacity, release: NOOP_RELEASE });
    const { bucketCapacity, refillTokens, refillIntervalMs } = this.settings;
    // The window over which the bucket's capacity is earned back: q per w is exactly the sustained refill rate.
    const windowSeconds = Math.ceil(((bucketCapacity / refillTokens) * refillIntervalMs) / 1000);
    this.policy = `"burst";q=${bucketCapacity};w=${windowSeconds}`;
  }

  /**
   * Asks to start one request. O(1): two map look-ups and, when granted, one small object.
   * A refusal consumes neither a token nor a slot.
   */
  acquire(key: RateLimitKey): RateLimitResult {
    const s = this.settings;
    if (!s.enabled || key.limit === 'none') return this.exempt;

    const now = this.now();
    const user = this.user(key.clientId, now);
    this.refill(user, now);
    if (user.tokens < s.requestCost) return { ok: false, reason: 'bucket', retryAfterSeconds: this.secondsUntilAffordable(user, now) };

    let kind: SlotKind;
    if (key.limit === 'high-traffic') {
      if (user.highTraffic >= s.highTrafficConcurrency) return HIGH_TRAFFIC_BUSY;
      kind = HIGH_TRAFFIC;
    } else {
      if (key.limit === 'batch' && user.batch >= s.batchConcurrency) return BATCH_BUSY;
      if (user.inFlight >= s.userConcurrency) return USER_BUSY;
      kind = key.limit === 'batch' ? BATCH : DEFAULT;
    }
    let tenant = this.tenants.get(key.tenant);
    if (!tenant) {
      tenant = { inFlight: 0 };
      this.tenants.set(key.tenant, tenant);
    }
    if (kind !== HIGH_TRAFFIC && tenant.inFlight >= s.tenantConcurrency) return TENANT_BUSY;

    user.tokens -= s.requestCost;
    if (kind === HIGH_TRAFFIC) {
      user.highTraffic++;
    } else {
      if (kind === BATCH) user.batch++;
      user.inFlight++;
      tenant.inFlight++;
    }
    return new Slot(user.tokens, user, tenant, kind);
  }

  /**
   * IETF `RateLimit-Policy` and `RateLimit` header values (draft-ietf-httpapi-ratelimit-headers)
   * for this user's bucket, or `null` when the `headers` setting is off or limits are disabled.
   * `t` is the seconds until the next refill step, 0 when the bucket is full.
   */
  headers(clientId: string): Record<string, string> | null {
    if (!this.settings.headers || !this.settings.enabled) return null;
    const now = this.now();
    const user = this.users.get(clientId);
    let remaining = this.settings.bucketCapacity;
    let reset = 0;
    if (user) {
      this.refill(user, now);
      remaining = user.tokens;
      if (remaining < this.settings.bucketCapacity) reset = this.secondsUntilNextStep(user, now);
    }
    return { 'ratelimit-policy': this.policy, ratelimit: `"burst";r=${remaining};t=${reset}` };
  }

  /** This user's counters (the bucket refilled to now), or `null` for a user not seen since the last reset. */
  inspect(clientId: string): RateLimitUserSnapshot | null {
    const user = this.users.get(clientId);
    if (!user) return null;
    this.refill(user, this.now());
    return { tokens: user.tokens, inFlight: user.inFlight, batchInFlight: user.batch, highTrafficInFlight: user.highTraffic };
  }

  /** Requests in flight for this tenant on `default` and `batch` endpoints. */
  tenantInFlight(tenant: string): number {
    return this.tenants.get(tenant)?.inFlight ?? 0;
  }

  /**
   * Forgets one user (a full bucket, nothing in flight) or, without an argument, everyone.
   * Requests granted before the reset still release, but only into the forgotten counters;
   * after `reset(clientId)` they still count toward their tenant until released.
   */
  reset(clientId?: string): void {
    if (clientId === undefined) {
      this.users.clear();
      this.tenants.clear();
    } else {
      this.users.delete(clientId);
    }
  }

  private user(clientId: string, now: number): UserState {
    let user = this.users.get(clientId);
    if (!user) {
      user = { tokens: this.settings.bucketCapacity, refilledAt: now, inFlight: 0, batch: 0, highTraffic: 0 };
      this.users.set(clientId, user);
    }
    return user;
  }

  private refill(user: UserState, now: number): void {
    const elapsed = now - user.refilledAt;
    if (elapsed < this.settings.refillIntervalMs) {
      // The mock clock may be shifted backwards: restart the step from here rather than wait out the gap.
      if (elapsed < 0) user.refilledAt = now;
      return;
    }
    const steps = Math.floor(elapsed / this.settings.refillIntervalMs);
    user.refilledAt += steps * this.settings.refillIntervalMs;
    user.tokens = Math.min(this.settings.bucketCapacity, user.tokens + steps * this.settings.refillTokens);
  }

  private secondsUntilNextStep(user: UserState, now: number): number {
    return Math.max(1, Math.ceil((user.refilledAt + this.settings.refillIntervalMs - now) / 1000));
  }

  private secondsUntilAffordable(user: UserState, now: number): number {
    const steps = Math.ceil((this.settings.requestCost - user.tokens) / this.settings.refillTokens);
    return Math.max(1, Math.ceil((user.refilledAt + steps * this.settings.refillIntervalMs - now) / 1000));
  }
}
