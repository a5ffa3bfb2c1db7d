import { ApiUserRegistry, type EnvironmentName } from '../auth/api-users.ts';
import { TokenOrigins } from '../auth/token-origins.ts';
import { TokenService } from '../auth/tokens.ts';
import type { Clock } from '../clock.ts';
import { type RateLimitSettings, RateLimiter } from '../faults/rate-limit.ts';
import { FaultMatcher } from '../faults/rules.ts';
import { type JournalOptions, createJournal } from '../journal/journal.ts';
import { SecretIndex } from '../journal/redact.ts';
import { createEventBus } from './event-bus.ts';
import type { Runtime } from './pipeline.ts';
import type { Profile } from './profile.ts';

/** What every runtime of one mock shares: the profile, one clock, journal, secret index, fault rules, rate limits, token listeners and origins. */
export type SharedRuntimeParts = Pick<Runtime, 'profile' | 'clock' | 'journal' | 'secrets' | 'faults' | 'limits' | 'tokenListeners' | 'tokenOrigins'>;

export interface SharedRuntimeOptions {
  /** The platform every runtime of the mock simulates. */
  profile: Profile;
  clock: Clock;
  /** Seed of the fault matcher's randomness (default 1). */
  seed?: number;
  journal?: JournalOptions;
  /** The profile's rate limits, changed or turned off (`false`). */
  rateLimits?: Partial<RateLimitSettings> | false;
}

/**
 * The parts the runtimes of one mock share, for `createRuntime`.
 *
 * @example
 * const shared = createSharedRuntimeParts({ profile: omnium, clock: createManualClock(0) });
 */
export function createSharedRuntimeParts(options: SharedRuntimeOptions): SharedRuntimeParts {
  const { clock, profile } = options;
  const now = () => clock.now();
  const limits = options.rateLimits === false ? { enabled: false } : { ...profile.rateLimits, ...options.rateLimits };
  return {
    profile,
    clock,
    journal: createJournal(options.journal),
    secrets: new SecretIndex(),
    faults: new FaultMatcher({ seed: options.seed ?? 1, now }),
    limits: new RateLimiter(limits, now),
    tokenListeners: new Set(),
    tokenOrigins: new TokenOrigins(),
  };
}

export interface RuntimeOptions {
  tenant: string;
  environment: EnvironmentName;
  /** Seed of the generated data (default 1). */
  seed?: number;
  /** Orders to generate (the domain's default when absent). */
  dataScale?: number;
  /** A registry made beforehand, when API users must exist before the data is generated (the msw transport). */
  users?: ApiUserRegistry;
  /** The HS256 key of its tokens, at least 32 bytes (default: 32 random bytes). */
  signingKey?: Uint8Array;
  /** Data the mock's other environments generated (`DataOptions.generated`). */
  generated?: Map<string, unknown>;
}

/**
 * One tenant's environment, as the pipeline serves it: its own API users, signing key,
 * data and event bus over the shared parts. Both transports and `createMockServer` build
 * runtimes only through here.
 *
 * @example
 * const rt = await createRuntime(shared, { tenant: 'acme', environment: 'test', seed: 7 });
 */
export async function createRuntime(shared: SharedRuntimeParts, options: RuntimeOptions): Promise<Runtime> {
  const { tenant, environment } = options;
  const now = () => shared.clock.now();
  return {
    ...shared,
    tenant,
    environment,
    users: options.users ?? createUserRegistry(shared.profile, tenant, environment, now),
    tokens: new TokenService({
      platform: shared.profile.name,
      tenant,
      environment,
      now,
      maxLifetimeSeconds: shared.profile.maxTokenLifetimeSeconds,
      ...(options.signingKey ? { secret: options.signingKey } : {}),
    }),
    db: await shared.profile.createData({ seed: options.seed ?? 1, scale: options.dataScale, now, ...(options.generated ? { generated: options.generated } : {}) }),
    events: createEventBus(),
  };
}

/** An environment's API users, in the profile's permission vocabulary and secret shape. */
export function createUserRegistry(profile: Profile, tenant: string, environment: EnvironmentName, now: () => number): ApiUserRegistry {
  const users = new ApiUserRegistry(tenant, environment, now, profile.permissions, {
    newSecret: profile.newSecret,
    tokenLifetimeSeconds: profile.tokenLifetimeSeconds,
    maxTokenLifetimeSeconds: profile.maxTokenLifetimeSeconds,
    rotationOverlapSeconds: profile.rotationOverlapSeconds,
  });
  for (const principal of profile.principals ?? []) users.create(principal);
  return users;
}
