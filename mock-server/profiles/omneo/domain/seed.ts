/**
 * The seeded Omneo tenant: Australian customer profiles, each with one or two identities in
 * other systems (`shopify`, `magento_id`, `email`). The only file of the profile that imports
 * faker. Same seed, scale and `now` → the same data, field for field.
 */
import type { Faker } from '@faker-js/faker';
import { faker as base } from '@faker-js/faker/locale/base';
import { faker as en_AU } from '@faker-js/faker/locale/en_AU';
import { fakerLike } from '../../../domain/faker.ts';
import { omneoTime } from '../laravel.ts';
import { deriveFields, type Comms, type Identity, type ProfileRecord } from './schemas.ts';

export interface SeedOptions {
  seed: number;
  /** Number of profiles (at least 1: the first profile). */
  scale: number;
  /** The seed's "now", in epoch milliseconds: every date is at or before it. */
  now: number;
}

export interface SeedData {
  profiles: ProfileRecord[];
  identities: Identity[];
}

/** Profiles seeded when no scale is given. */
export const DEFAULT_PROFILES = 50;

/** Every 25th seeded profile is soft-deleted, so lists have something to leave out. */
const DELETED_EVERY = 25;

/** The first profile, the same whatever the seed: tests and scenarios name it. */
export const FIRST_PROFILE = {
  id: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed',
  title: 'Ms',
  first_name: 'Jane',
  last_name: 'Citizen',
  email: 'jane.citizen@example.com',
  mobile_phone: '+61412345678',
  gender: 'female',
  birth: { day: 14, month: 7, year: 1988 },
  point_balance: 1200,
  reward_balance: 20,
  /** Identity ids 1 (primary) and 2. */
  identities: [
    { handle: 'shopify', identifier: '7000000000001' },
    { handle: 'magento_id', identifier: '100001' },
  ],
} as const;

const DAY = 86_400_000;
/** Seeded profiles joined over the two years before now, oldest first. */
const HISTORY = 730 * DAY;

const HANDLES = ['shopify', 'magento_id', 'email'] as const;
const TAGS = ['vip', 'newsletter', 'staff', 'wholesale', 'birthday-club'] as const;
const TIERS = ['bronze', 'silver', 'gold'] as const;

/** A whole second: Omneo's timestamps have no milliseconds. */
const second = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** Lower-case ASCII letters and digits only, for e-mail local parts. */
const slug = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();

type Promo = { email: boolean; sms: boolean; push: boolean };

function comms(profileId: string, at: string, promo: Promo): Comms {
  return {
    profile_id: profileId,
    email_optout: false,
    email_promo: promo.email,
    email_bounced: false,
    sms_optout: false,
    sms_promo: promo.sms,
    sms_bounced: false,
    push_optout: false,
    push_promo: promo.push,
    phone_optout: false,
    phone_promo: false,
    post_optout: false,
    post_promo: false,
    created_at: at,
    updated_at: at,
  };
}

function balances(points: number, rewards: number): Pick<ProfileRecord, 'point_balance' | 'reward_balance' | 'point_balance_dollars' | 'combined_balance_dollars'> {
  // The mock's exchange rate: 100 points are worth a dollar (tenants set their own).
  const dollars = points / 100;
  return { point_balance: points, reward_balance: rewards, point_balance_dollars: dollars, combined_balance_dollars: Math.round((dollars + rewards) * 100) / 100 };
}

function firstProfile(now: number): ProfileRecord {
  const p = FIRST_PROFILE;
  const at = omneoTime(now - HISTORY);
  const own = {
    first_name: p.first_name,
    last_name: p.last_name,
    email: p.email,
    mobile_phone: p.mobile_phone,
    birth_day: p.birth.day,
    birth_month: p.birth.month,
    birth_year: p.birth.year,
  };
  return {
    id: p.id,
    title: p.title,
    ...own,
    ...deriveFields(own),
    gender: p.gender,
    currency: 'AUD',
    joined_at: at,
    secondary_phone: null,
    company: null,
    occupation: null,
    avatar_url: null,
    preferred_location_id: 1,
    joined_location_id: 1,
    tier_handle: 'gold',
    tags: ['vip'],
    statuses: [],
    custom_fields: {},
    attributes: { comms: comms(p.id, at, { email: true, sms: true, push: false }) },
    ...balances(p.point_balance, p.reward_balance),
    profile_type: 'active',
    created_at: at,
    updated_at: omneoTime(now - 30 * DAY),
    deleted_at: null,
  };
}

interface Generator {
  f: Faker;
  now: number;
  scale: number;
  phones: Set<string>;
}

/** A unique Australian mobile number in E.164 (`+614` and eight digits). */
function mobile(g: Generator): string {
  let phone = `+614${g.f.string.numeric(8)}`;
  while (g.phones.has(phone)) phone = `+614${g.f.string.numeric(8)}`;
  g.phones.add(phone);
  return phone;
}

function birth(g: Generator): Pick<ProfileRecord, 'birth_day' | 'birth_month' | 'birth_year'> {
  if (!g.f.datatype.boolean({ probability: 0.7 })) return { birth_day: null, birth_month: null, birth_year: null };
  const d = g.f.date.birthdate({ mode: 'age', min: 18, max: 80, refDate: g.now });
  return { birth_day: d.getUTCDate(), birth_month: d.getUTCMonth() + 1, birth_year: d.getUTCFullYear() };
}

/** Seeded profile number `i` (1-based after the first), joined `createdMs`. */
function generatedProfile(g: Generator, i: number, createdMs: number): ProfileRecord {
  const { f } = g;
  const gender = f.helpers.weightedArrayElement([
    { value: 'female' as const, weight: 45 },
    { value: 'male' as const, weight: 40 },
    { value: 'withheld' as const, weight: 10 },
    { value: 'other' as const, weight: 5 },
  ]);
  const sex = gender === 'male' || gender === 'female' ? gender : undefined;
  const first = f.person.firstName(sex);
  const last = f.person.lastName();
  const id = f.string.uuid();
  const created = omneoTime(createdMs);
  const updatedMs = second(f.number.int({ min: createdMs, max: g.now }));
  const deleted = i % DELETED_EVERY === DELETED_EVERY - 1;
  const own = {
    first_name: first,
    last_name: last,
    email: `${slug(first)}.${slug(last)}.${i}@example.com`,
    mobile_phone: f.datatype.boolean({ probability: 0.85 }) ? mobile(g) : null,
    ...birth(g),
  };
  return {
    id,
    title: gender === 'female' ? 'Ms' : gender === 'male' ? 'Mr' : null,
    ...own,
    ...deriveFields(own),
    gender,
    currency: 'AUD',
    joined_at: created,
    secondary_phone: null,
    company: f.datatype.boolean({ probability: 0.3 }) ? f.company.name() : null,
    occupation: f.datatype.boolean({ probability: 0.3 }) ? f.person.jobTitle() : null,
    avatar_url: null,
    preferred_location_id: f.helpers.maybe(() => f.number.int({ min: 1, max: 12 }), { probability: 0.6 }) ?? null,
    joined_location_id: f.helpers.maybe(() => f.number.int({ min: 1, max: 12 }), { probability: 0.6 }) ?? null,
    tier_handle: f.helpers.maybe(() => f.helpers.arrayElement(TIERS), { probability: 0.7 }) ?? null,
    tags: f.helpers.arrayElements(TAGS, { min: 0, max: 2 }),
    statuses: [],
    custom_fields: {},
    attributes: { comms: comms(id, created, { email: f.datatype.boolean(), sms: f.datatype.boolean(), push: f.datatype.boolean() }) },
    ...balances(f.number.int({ min: 0, max: 5000 }), f.number.int({ min: 0, max: 10 }) * 5),
    profile_type: deleted ? 'deleted' : 'active',
    created_at: created,
    updated_at: omneoTime(updatedMs),
    deleted_at: deleted ? omneoTime(updatedMs) : null,
  };
}

/** The identifier a seeded profile `i` has under `handle`. */
function identifierFor(g: Generator, handle: (typeof HANDLES)[number], i: number, profile: ProfileRecord): string {
  if (handle === 'email') return profile.email as string;
  if (handle === 'magento_id') return String(100001 + i);
  // Shopify customer ids are 13-digit numbers; `i` keeps them unique.
  return String(7000000000001 + i * 1000 + g.f.number.int({ min: 0, max: 999 }));
}

function generatedIdentities(g: Generator, i: number, profile: ProfileRecord, firstId: number): Identity[] {
  const handles = g.f.helpers.arrayElements(HANDLES, { min: 1, max: 2 });
  return handles.map((handle, n) => ({
    id: firstId + n,
    profile_id: profile.id,
    handle,
    identifier: identifierFor(g, handle, i, profile),
    is_primary: n === 0,
    is_active: true,
    merged_from: null,
    created_at: profile.created_at,
    updated_at: profile.created_at,
  }));
}

function firstIdentities(profile: ProfileRecord): Identity[] {
  return FIRST_PROFILE.identities.map((identity, n) => ({
    id: n + 1,
    profile_id: profile.id,
    ...identity,
    is_primary: n === 0,
    is_active: true,
    merged_from: null,
    created_at: profile.created_at,
    updated_at: profile.created_at,
  }));
}

/** Generates the seeded tenant. */
export function generateSeed(options: SeedOptions): SeedData {
  const f = fakerLike(en_AU);
  f.seed(options.seed);
  const g: Generator = { f, now: options.now, scale: Math.max(1, Math.floor(options.scale)), phones: new Set([FIRST_PROFILE.mobile_phone]) };
  const first = firstProfile(g.now);
  const profiles = [first];
  const identities = firstIdentities(first);
  // Join times rise with the index, so insertion order is `created_at` order.
  const spacing = Math.floor((HISTORY - 30 * DAY) / g.scale);
  for (let i = 1; i < g.scale; i++) {
    const createdMs = second(g.now - HISTORY + i * spacing + f.number.int({ min: 0, max: Math.max(0, spacing - 1) }));
    const profile = generatedProfile(g, i, createdMs);
    profiles.push(profile);
    identities.push(...generatedIdentities(g, i, profile, identities.length + 1));
  }
  return { profiles, identities };
}

/**
 * Ids for profiles created through the API: UUID v4 from a faker of its own, seeded apart
 * from the seed data's, so a run's new ids are the same each time it is replayed.
 */
export function createUuidSource(seed: number): () => string {
  const f = fakerLike(base);
  f.seed([seed, 0x0e0e0]);
  return () => f.string.uuid();
}
