/**
 * The simulated Omneo tenant's data: profiles, their identities and the webhooks, each an
 * indexed `@msw/data` collection, seeded reproducibly (no webhook is seeded). Imports no HTTP library; the resolvers of
 * `endpoints/` read and write it.
 */
import { createAuthState, type OmneoAuthState } from '../auth/state.ts';
import { createTable, type Table } from '../../../domain/table.ts';
import { createUuidSource, DEFAULT_PROFILES, generateSeed, type SeedData } from './seed.ts';
import { identitySchema, profileRecordSchema, webhookSchema, type Identity, type Profile, type ProfileRecord, type Webhook } from './schemas.ts';

export * from './schemas.ts';
export { FIRST_PROFILE, DEFAULT_PROFILES } from './seed.ts';
export type { Table } from '../../../domain/table.ts';

export interface OmneoDataOptions {
  /** Faker seed: the same seed gives the same data. */
  seed: number;
  /** Number of profiles (default 50). */
  scale?: number;
  /** Clock in epoch milliseconds; seeded dates end at its value at creation. */
  now: () => number;
  /** The Shopify id secret (random unless given). */
  idSecret?: string;
}

/** Every record of every table as plain JSON, keyed by id and sorted: equal data, equal JSON. */
export interface OmneoSnapshot {
  profiles: Record<string, ProfileRecord>;
  /** Keyed by the identity's id, as a string. */
  identities: Record<string, Identity>;
  /** Keyed by the webhook's id, as a string. */
  webhooks: Record<string, Webhook>;
}

export interface OmneoData {
  readonly seed: number;
  /** Number of seeded profiles. */
  readonly scale: number;
  /** By profile `id`; soft-deleted profiles stay here with `deleted_at` set. */
  readonly profiles: Table<ProfileRecord>;
  /** By `String(id)` or `identityKey(handle, identifier)`; `group(profileId)` gives a profile's. */
  readonly identities: Table<Identity>;
  /** By `String(id)`; none seeded: an integration makes its own through `/api/v3/webhooks`. */
  readonly webhooks: Table<Webhook>;
  /** What the auth endpoints keep: API tokens made through the API (dropped by `reset`), the Shopify id secret. Not in `snapshot`. */
  readonly auth: OmneoAuthState;
  /** The data's clock, epoch milliseconds. */
  now(): number;
  /** A new, unused UUID v4 for a profile (seeded: the same sequence after each reset). */
  newProfileId(): string;
  /** The next free identity id. */
  nextIdentityId(): number;
  /** The next free webhook id (1 again after a reset). */
  nextWebhookId(): number;
  /** Back to the seeded state (same seed, scale and seed time). */
  reset(): Promise<void>;
  snapshot(): OmneoSnapshot;
}

/** The alias an identity is found by: one handle and identifier name at most one identity. */
export const identityKey = (handle: string, identifier: string): string => `${handle}\u0000${identifier}`;

/** Whether the profile was soft-deleted (`DELETE /profiles/{id}`). */
export const isDeleted = (p: ProfileRecord): boolean => p.deleted_at !== null || p.profile_type === 'deleted';

/** The profile of this id, unless it is unknown or soft-deleted. */
export function liveProfile(db: OmneoData, id: string): ProfileRecord | undefined {
  const p = db.profiles.get(id);
  return p === undefined || isDeleted(p) ? undefined : p;
}

/** The live profile holding the identity `handle` = `identifier`. */
export function profileByIdentity(db: OmneoData, handle: string, identifier: string): ProfileRecord | undefined {
  const identity = db.identities.get(identityKey(handle, identifier));
  return identity === undefined ? undefined : liveProfile(db, identity.profile_id);
}

/** A profile's identities, oldest first. */
export function identitiesOf(db: OmneoData, profileId: string): Identity[] {
  return [...db.identities.group(profileId)].sort((a, b) => a.id - b.id);
}

/** The profile as the API shows it: with its identities, and `external_id` from the primary one. */
export function showProfile(db: OmneoData, p: ProfileRecord): Profile {
  const identities = identitiesOf(db, p.id);
  const primary = identities.find((i) => i.is_primary);
  return { ...p, external_id: primary?.identifier ?? null, identities };
}

/**
 * Creates and seeds the data.
 *
 * @example const db = await createOmneoData({ seed: 1, now: () => Date.UTC(2026, 0, 15, 12) })
 */
export async function createOmneoData(options: OmneoDataOptions): Promise<OmneoData> {
  const seed = options.seed;
  const seededAt = options.now();
  const profiles = createTable<ProfileRecord>({ schema: profileRecordSchema, key: (p) => p.id });
  const identities = createTable<Identity>({
    schema: identitySchema,
    key: (i) => String(i.id),
    aliases: (i) => [identityKey(i.handle, i.identifier)],
    groupBy: (i) => i.profile_id,
  });
  const webhooks = createTable<Webhook>({ schema: webhookSchema, key: (w) => String(w.id) });
  const auth = createAuthState(options.idSecret);
  let uuid = createUuidSource(seed);
  let identityCounter = 1;
  let webhookCounter = 1;

  async function load(data: SeedData): Promise<void> {
    await Promise.all([profiles.load(data.profiles), identities.load(data.identities), webhooks.load([])]);
    uuid = createUuidSource(seed);
    identityCounter = data.identities.length + 1;
    webhookCounter = 1;
  }

  const seedData = () => generateSeed({ seed, scale: options.scale ?? DEFAULT_PROFILES, now: seededAt });
  await load(seedData());

  return {
    seed,
    scale: profiles.count(),
    profiles,
    identities,
    webhooks,
    auth,
    now: options.now,
    newProfileId() {
      let id = uuid();
      while (profiles.has(id)) id = uuid();
      return id;
    },
    nextIdentityId() {
      while (identities.has(String(identityCounter))) identityCounter++;
      return identityCounter++;
    },
    nextWebhookId() {
      while (webhooks.has(String(webhookCounter))) webhookCounter++;
      return webhookCounter++;
    },
    async reset() {
      await load(seedData());
      auth.apiTokens.clear();
    },
    snapshot() {
      return {
        profiles: digest(profiles.all(), (p) => p.id),
        identities: digest(identities.all(), (i) => String(i.id)),
        webhooks: digest(webhooks.all(), (w) => String(w.id)),
      };
    },
  };
}

function digest<T>(records: readonly T[], key: (r: T) => string): Record<string, T> {
  const entries = records.map((r) => [key(r), r] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // A JSON round trip: a deep, plain copy that later writes cannot change.
  return JSON.parse(JSON.stringify(Object.fromEntries(entries))) as Record<string, T>;
}
