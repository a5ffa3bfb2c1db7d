import { ApiUserRegistry, type EnvironmentName } from '../auth/api-users.ts';
import { TokenService } from '../auth/tokens.ts';
import type { Clock } from '../clock.ts';
import { createDomain } from '../profiles/omnium/domain/index.ts';
import { type RateLimitSettings, RateLimiter } from '../faults/rate-limit.ts';
import { FaultMatcher } from '../faults/rules.ts';
import { type JournalOptions, createJournal } from '../journal/journal.ts';
import { SecretIndex } from '../journal/redact.ts';
import { createEventBus } from './event-bus.ts';
import type { Runtime } from './pipeline.ts';

/** What every runtime of one mock shares: one clock, journal, secret index, fault rules, rate limits and token listeners. */
export type SharedRuntimeParts = Pick<Runtime, 'clock' | 'journal' | 'secrets' | 'faults' | 'limits' | 'tokenListeners'>;

export interface SharedRuntimeOptions {
  clock: Clock;
  /** Seed of the fault matcher's randomness (default 1). */
  seed?: number;
  journal?: JournalOptions;
  /** Omnium's rate limits (omnium-api.md A7), changed or turned off (`false`). */
  rateLimits?: Partial<RateLimitSettings> | false;
}

/**
 * The parts the runtimes of one mock share, for `createRuntime`.
 *
 * @example
 * const shared = createSharedRuntimeParts({ clock: createManualClock(0) });
 */
export function createSharedRuntimeParts(options: SharedRuntimeOptions): SharedRuntimeParts {
  const { clock } = options;
  const now = () => clock.now();
  return {
    clock,
    journal: createJournal(options.journal),
    secrets: new SecretIndex(),
    faults: new FaultMatcher({ seed: options.seed ?? 1, now }),
    limits: new RateLimiter(options.rateLimits === false ? { enabled: false } : (options.rateLimits ?? {}), now),
    tokenListeners: new Set(),
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
    users: options.users ?? new ApiUserRegistry(tenant, environment, now),
    tokens: new TokenService({ tenant, environment, now }),
    db: await createDomain({ seed: options.seed ?? 1, scale: options.dataScale, now }),
    events: createEventBus(),
  };
}
