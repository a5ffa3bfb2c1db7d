/**
 * `/api/v3/profiles`: list, get (by id or by identity), search by identity, create, update,
 * soft delete, purge, availability (omnium-api.md B3, B4, C2). Answers in Laravel's shapes
 * (`../laravel.ts`); soft-deleted profiles are gone for every read but purge.
 */
import { z } from 'zod';
import { profileEventFields } from '../events.ts';
import { defineEndpoint, type ApiRequest, type ApiResponse, type Endpoint, type ResolverContext } from '../../../handlers/endpoint.ts';
import {
  deriveFields,
  GENDERS,
  identitiesOf,
  isDeleted,
  liveProfile,
  PROFILE_TYPES,
  profileByIdentity,
  profileSchema,
  showProfile,
  type OmneoData,
  type Profile,
  type ProfileRecord,
} from '../domain/index.ts';
import {
  bodyOf,
  data,
  dataSchema,
  invalid,
  messageFor,
  noContent,
  notFound,
  nullableUnlessRequired,
  omneoTime,
  pageQuery,
  paginate,
  paginatedSchema,
  queryString,
  rules,
  sometimes,
  validate,
  type Rule,
  type RuleSet,
} from '../laravel.ts';

type Ctx = ResolverContext<OmneoData>;
type Errors = Record<string, string[]>;

const PROFILES = '/api/v3/profiles';
const TAG = 'Profiles';

/** E.164: a plus, a country code that does not start with 0, 7 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

export const EMAIL_TAKEN = 'The email has already been taken.';
/** Omneo's own message (omnium-api.md B3), not Laravel's `unique` one: the SDK retries on it. */
export const PHONE_TAKEN = 'The phone number exists';

/** `profile_type`s a client may set: `deleted` only comes from a delete. */
const SETTABLE_TYPES = PROFILE_TYPES.filter((t) => t !== 'deleted');

const stringList: Rule = {
  passes: (v) => Array.isArray(v) && v.every((t) => typeof t === 'string'),
  message: 'The :attribute must only contain strings.',
};

const text = (max: number) => [rules.string, rules.max(max)];

/** The rules of a profile's fields on create; an update applies those of the fields it sends. */
function profileRules(year: number): RuleSet {
  return nullableUnlessRequired({
    title: text(255),
    first_name: [rules.required, ...text(255)],
    last_name: text(255),
    email: [rules.string, rules.email, rules.max(255)],
    gender: [rules.in(GENDERS)],
    mobile_phone: [rules.string, rules.regex(E164)],
    secondary_phone: text(255),
    birth_day: [rules.integer, rules.between(1, 31)],
    birth_month: [rules.integer, rules.between(1, 12)],
    birth_year: [rules.integer, rules.between(1900, year)],
    company: text(255),
    occupation: text(255),
    avatar_url: text(2048),
    currency: text(3),
    preferred_location_id: [rules.integer],
    joined_location_id: [rules.integer],
    tags: [rules.array, stringList],
    custom_fields: [rules.object],
    profile_type: [rules.in(SETTABLE_TYPES)],
  });
}

const nullableText = z.string().nullable().optional();
const nullableInt = z.union([z.number().int(), z.string()]).nullable().optional();

/** What a client may send for a profile (the mock ignores every other field, as Laravel's `validated()` does). */
const profileWrite = {
  title: nullableText,
  first_name: z.string().optional(),
  last_name: nullableText,
  email: nullableText,
  gender: z.enum(GENDERS).nullable().optional(),
  mobile_phone: nullableText,
  secondary_phone: nullableText,
  birth_day: nullableInt,
  birth_month: nullableInt,
  birth_year: nullableInt,
  company: nullableText,
  occupation: nullableText,
  avatar_url: nullableText,
  currency: nullableText,
  preferred_location_id: nullableInt,
  joined_location_id: nullableInt,
  tags: z.array(z.string()).optional(),
  custom_fields: z.record(z.string(), z.unknown()).optional(),
  profile_type: z.enum(SETTABLE_TYPES as [string, ...string[]]).optional(),
};
const WRITABLE = Object.keys(profileWrite) as (keyof typeof profileWrite)[];
const INTEGER_FIELDS = new Set(['birth_day', 'birth_month', 'birth_year', 'preferred_location_id', 'joined_location_id']);

const createRequest = z.object({ ...profileWrite, first_name: z.string() }).meta({ id: 'OmneoProfileCreateRequest' });
const updateRequest = z.object(profileWrite).meta({ id: 'OmneoProfileUpdateRequest' });
const profileData = dataSchema(profileSchema);

/** What a blank value of a list or map field is stored as; a blank `profile_type` changes nothing. */
const EMPTY: Readonly<Record<string, unknown>> = { tags: [], custom_fields: {} };

/** A value the rules skip as blank: Laravel's `TrimStrings` and `ConvertEmptyStringsToNull` make a blank string `null`; an empty list. */
const isBlank = (value: unknown): boolean => value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);

/**
 * The writable fields `body` sends, integers as numbers and blanks as none: `null`, or an empty
 * list or map for `tags` and `custom_fields` (the rules let a blank value through, and the model
 * holds only those).
 */
function writableFields(body: Record<string, unknown>): Partial<ProfileRecord> {
  const fields: Record<string, unknown> = {};
  for (const field of WRITABLE) {
    if (!(field in body)) continue;
    const value = body[field];
    if (isBlank(value) && !(field === 'tags' && Array.isArray(value))) {
      if (field !== 'profile_type') fields[field] = field in EMPTY ? EMPTY[field] : null;
      continue;
    }
    fields[field] = INTEGER_FIELDS.has(field) ? Number(value) : value;
  }
  return fields as Partial<ProfileRecord>;
}

/** Whether a live profile other than `self` matches. */
function taken(db: OmneoData, matches: (p: ProfileRecord) => boolean, self: string | undefined): boolean {
  return db.profiles.all().some((p) => p.id !== self && !isDeleted(p) && matches(p));
}

const sameEmail = (email: string) => (p: ProfileRecord) => p.email?.toLowerCase() === email.toLowerCase();
const samePhone = (phone: string) => (p: ProfileRecord) => p.mobile_phone === phone;

/**
 * The rule errors of `body`, then the uniqueness of the email and mobile phone it sends (when
 * those are valid). A soft-deleted profile holds neither: the customer may sign up again.
 */
function profileErrors(db: OmneoData, body: Record<string, unknown>, ruleSet: RuleSet, self?: string): Errors {
  const errors = validate(body, ruleSet);
  const { email, mobile_phone: phone } = body;
  if (!errors.email && typeof email === 'string' && email && taken(db, sameEmail(email), self)) errors.email = [EMAIL_TAKEN];
  if (!errors.mobile_phone && typeof phone === 'string' && phone && taken(db, samePhone(phone), self)) errors.mobile_phone = [PHONE_TAKEN];
  return errors;
}

const hasErrors = (errors: Errors): boolean => Object.keys(errors).length > 0;

/** A new profile's subscriptions: none (opting in is the comms endpoint's business), none opted out. */
function defaultComms(id: string, at: string): ProfileRecord['attributes']['comms'] {
  const channels = ['email', 'sms', 'push', 'phone', 'post'] as const;
  const flags = Object.fromEntries(channels.flatMap((c) => [[`${c}_optout`, false], [`${c}_promo`, false]]));
  return { profile_id: id, ...flags, email_bounced: false, sms_bounced: false, created_at: at, updated_at: at } as ProfileRecord['attributes']['comms'];
}

/** A new profile from a valid create body: every field not sent is `null` or empty, balances 0. */
export function newProfile(db: OmneoData, body: Record<string, unknown>, at: string): ProfileRecord {
  const id = db.newProfileId();
  const own = {
    title: null,
    first_name: '',
    last_name: null,
    email: null,
    gender: null,
    mobile_phone: null,
    secondary_phone: null,
    birth_day: null,
    birth_month: null,
    birth_year: null,
    company: null,
    occupation: null,
    avatar_url: null,
    currency: null,
    preferred_location_id: null,
    joined_location_id: null,
    tags: [],
    custom_fields: {},
    profile_type: 'active' as const,
    ...writableFields(body),
  };
  return {
    id,
    ...own,
    ...deriveFields(own),
    joined_at: at,
    tier_handle: null,
    statuses: [],
    attributes: { comms: defaultComms(id, at) },
    reward_balance: 0,
    point_balance: 0,
    point_balance_dollars: 0,
    combined_balance_dollars: 0,
    created_at: at,
    updated_at: at,
    deleted_at: null,
  };
}

/** `current` with the fields `body` sends, derived fields recomputed, `updated_at` now. */
function updatedProfile(current: ProfileRecord, body: Record<string, unknown>, at: string): ProfileRecord {
  const next = { ...current, ...writableFields(body) };
  return { ...next, ...deriveFields(next), updated_at: at };
}

const nowText = (ctx: Ctx): string => omneoTime(ctx.now().getTime());

function profileEvent(ctx: Ctx, id: string, action: 'created' | 'updated' | 'deleted'): void {
  const stored = ctx.db.profiles.get(id);
  if (stored) ctx.emit(profileEventFields(ctx.db, stored, action));
}

// ---------------------------------------------------------------------------------------
// Listing

const SORTABLE = new Set(['id', 'first_name', 'last_name', 'full_name', 'email', 'created_at', 'updated_at']);

/** `a` before `b` by one field, as MySQL orders it: `null` first, text without regard to case. */
function compareBy(field: keyof Profile, a: Profile, b: Profile): number {
  const x = a[field];
  const y = b[field];
  if (x === y) return 0;
  if (x === null || x === undefined) return -1;
  if (y === null || y === undefined) return 1;
  const [l, r] = typeof x === 'string' && typeof y === 'string' ? [x.toLowerCase(), y.toLowerCase()] : [x, y];
  return l < r ? -1 : l > r ? 1 : 0;
}

/** `sort=-created_at,last_name`: each field ascending, `-` descending; unknown fields are ignored. Stable: ties keep insertion order. */
function sortProfiles(profiles: Profile[], sort: string | undefined): Profile[] {
  const keys = (sort ?? '')
    .split(',')
    .map((s) => s.trim())
    .map((s) => ({ field: s.replace(/^-/, ''), sign: s.startsWith('-') ? -1 : 1 }))
    .filter((k) => SORTABLE.has(k.field));
  if (keys.length === 0) return profiles;
  return [...profiles].sort((a, b) => {
    for (const k of keys) {
      const c = compareBy(k.field as keyof Profile, a, b) * k.sign;
      if (c !== 0) return c;
    }
    return 0;
  });
}

const contains = (value: string | null, needle: string): boolean => value !== null && value.toLowerCase().includes(needle);

/**
 * The live profiles the list's filters keep: `filter[email]` and `filter[external_id]` match
 * exactly (email without regard to case); `filter[first_name]`, `filter[last_name]` and
 * `search` (over names and email) match a part, without regard to case.
 */
function filterProfiles(db: OmneoData, req: ApiRequest): Profile[] {
  const email = queryString(req, 'filter[email]')?.toLowerCase();
  const externalId = queryString(req, 'filter[external_id]');
  const firstName = queryString(req, 'filter[first_name]')?.toLowerCase();
  const lastName = queryString(req, 'filter[last_name]')?.toLowerCase();
  const search = queryString(req, 'search')?.trim().toLowerCase();
  return db.profiles
    .all()
    .filter((p) => !isDeleted(p))
    .map((p) => showProfile(db, p))
    .filter(
      (p) =>
        (!email || p.email?.toLowerCase() === email) &&
        (!externalId || p.external_id === externalId) &&
        (!firstName || contains(p.first_name, firstName)) &&
        (!lastName || contains(p.last_name, lastName)) &&
        (!search || [p.first_name, p.last_name, p.full_name, p.email].some((v) => contains(v, search))),
    );
}

const listEndpoint = defineEndpoint<OmneoData>({
  id: 'Profiles_List',
  method: 'GET',
  path: PROFILES,
  role: 'read-profiles',
  tag: TAG,
  summary: 'List profiles (filter[email|external_id|first_name|last_name], search, sort, page[size], page[number])',
  request: {
    query: z.object({
      'filter[email]': z.string().optional(),
      'filter[external_id]': z.string().optional(),
      'filter[first_name]': z.string().optional(),
      'filter[last_name]': z.string().optional(),
      search: z.string().optional(),
      sort: z.string().optional(),
      ...pageQuery,
    }),
  },
  response: paginatedSchema(profileSchema),
  resolve: (req, ctx) => ({ status: 200, body: paginate(sortProfiles(filterProfiles(ctx.db, req), queryString(req, 'sort')), req, PROFILES) }),
});

// ---------------------------------------------------------------------------------------
// Reading one

const getEndpoint = defineEndpoint<OmneoData>({
  id: 'Profiles_Get',
  method: 'GET',
  path: `${PROFILES}/{id}`,
  role: 'read-profiles',
  tag: TAG,
  summary: 'Get a profile by id, or by an identity with identity[handle] (then {id} is its identifier)',
  request: { query: z.object({ 'identity[handle]': z.string().optional() }) },
  response: profileData,
  resolve: (req, ctx) => {
    const id = req.params.id ?? '';
    const handle = queryString(req, 'identity[handle]');
    const profile = handle ? profileByIdentity(ctx.db, handle, id) : liveProfile(ctx.db, id);
    return profile ? data(showProfile(ctx.db, profile)) : notFound();
  },
});

/** An identifier as sent: a string, or a number (Shopify ids often travel as JSON numbers). */
const identifierText = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

const searchIdEndpoint = defineEndpoint<OmneoData>({
  id: 'Profiles_SearchId',
  method: 'POST',
  writes: false, // a lookup, sent as a POST
  path: `${PROFILES}/search-id`,
  role: 'read-profiles',
  tag: TAG,
  summary: 'Find the profile holding an identity: {type: handle, id: identifier}',
  request: { body: z.object({ type: z.string(), id: z.union([z.string(), z.number()]) }).meta({ id: 'OmneoProfileSearchIdRequest' }) },
  response: profileData,
  resolve: (req, ctx) => {
    const body = bodyOf(req);
    const errors = validate(body, { type: [rules.required, rules.string], id: [rules.required] });
    if (hasErrors(errors)) return invalid(errors);
    const profile = profileByIdentity(ctx.db, body.type as string, identifierText(body.id) ?? '');
    return profile ? data(showProfile(ctx.db, profile)) : notFound();
  },
});

// ---------------------------------------------------------------------------------------
// Writing

const createEndpoint = defineEndpoint<OmneoData>({
  id: 'Profiles_Create',
  method: 'POST',
  path: PROFILES,
  role: 'create-profiles',
  tag: TAG,
  summary: 'Create a profile (first_name required; email and mobile_phone unique)',
  request: { body: createRequest },
  response: profileData,
  okStatus: 201,
  resolve: async (req, ctx) => {
    const body = bodyOf(req);
    const errors = profileErrors(ctx.db, body, profileRules(ctx.now().getUTCFullYear()));
    if (hasErrors(errors)) return invalid(errors);
    const stored = await ctx.db.profiles.insert(newProfile(ctx.db, body, nowText(ctx)));
    profileEvent(ctx, stored.id, 'created');
    return data(showProfile(ctx.db, stored), 201);
  },
});

const updateEndpoint = defineEndpoint<OmneoData>({
  id: 'Profiles_Update',
  method: 'PUT',
  path: `${PROFILES}/{id}`,
  role: 'update-profiles',
  tag: TAG,
  summary: 'Update the fields sent of a profile',
  request: { body: updateRequest },
  response: profileData,
  resolve: async (req, ctx) => {
    const current = liveProfile(ctx.db, req.params.id ?? '');
    if (current === undefined) return notFound();
    const body = bodyOf(req);
    const errors = profileErrors(ctx.db, body, sometimes(profileRules(ctx.now().getUTCFullYear()), body), current.id);
    if (hasErrors(errors)) return invalid(errors);
    const stored = (await ctx.db.profiles.replace(current.id, updatedProfile(current, body, nowText(ctx)))) as ProfileRecord;
    profileEvent(ctx, stored.id, 'updated');
    return data(showProfile(ctx.db, stored));
  },
});

const deleteEndpoint = defineEndpoint<OmneoData>({
  id: 'Profiles_Delete',
  method: 'DELETE',
  path: `${PROFILES}/{id}`,
  role: 'delete-profiles',
  tag: TAG,
  summary: 'Soft-delete a profile (profile_type "deleted"); its identities stay until a purge',
  request: {},
  response: null,
  okStatus: 204,
  resolve: async (req, ctx) => {
    const current = liveProfile(ctx.db, req.params.id ?? '');
    if (current === undefined) return notFound();
    const at = nowText(ctx);
    await ctx.db.profiles.update(current.id, (draft) => {
      draft.profile_type = 'deleted';
      draft.deleted_at = at;
      draft.updated_at = at;
    });
    profileEvent(ctx, current.id, 'deleted');
    return noContent();
  },
});

/** Erases the profile, deleted or not, and its identities. */
async function purge(req: ApiRequest, ctx: Ctx): Promise<ApiResponse> {
  const profile = ctx.db.profiles.get(req.params.id ?? '');
  if (profile === undefined) return notFound();
  for (const identity of identitiesOf(ctx.db, profile.id)) ctx.db.identities.remove(String(identity.id));
  ctx.db.profiles.remove(profile.id);
  return noContent();
}

/** The SDK purges with DELETE, the docs with POST (omnium-api.md B9): both are served. */
const purgeEndpoints = (['DELETE', 'POST'] as const).map((method) =>
  defineEndpoint<OmneoData>({
    id: method === 'DELETE' ? 'Profiles_Purge' : 'Profiles_PurgePost',
    method,
    path: `${PROFILES}/{id}/purge`,
    role: 'delete-profiles',
    tag: TAG,
    summary: 'Erase a profile and its identities for good (GDPR)',
    request: {},
    response: null,
    okStatus: 204,
    resolve: purge,
  }),
);

// ---------------------------------------------------------------------------------------
// Availability

/**
 * Whether an email and a mobile phone are free for a new profile. The answer's shape is not
 * published (omnium-api.md B4); the mock answers `{data: {email, mobile_phone}}`, each `true`
 * when no live profile holds it, `false` when one does, `null` when the request did not ask.
 */
const availabilityResponse = dataSchema(z.object({ email: z.boolean().nullable(), mobile_phone: z.boolean().nullable() }));

function availabilityErrors(body: Record<string, unknown>): Errors {
  const errors = validate(body, { email: [rules.nullable, rules.string, rules.email], mobile_phone: [rules.nullable, rules.string, rules.regex(E164)] });
  if (!body.email && !body.mobile_phone) {
    errors.email = [messageFor('email', 'The :attribute field is required when mobile phone is not present.')];
    errors.mobile_phone = [messageFor('mobile_phone', 'The :attribute field is required when email is not present.')];
  }
  return errors;
}

const availabilityEndpoint = defineEndpoint<OmneoData>({
  id: 'Profiles_Availability',
  method: 'POST',
  writes: false, // a question, sent as a POST
  path: `${PROFILES}/availability`,
  role: 'read-profiles',
  tag: TAG,
  summary: 'Whether an email and a mobile phone are free: {data: {email, mobile_phone}} (true: free)',
  request: { body: z.object({ email: z.string().optional(), mobile_phone: z.string().optional() }).meta({ id: 'OmneoProfileAvailabilityRequest' }) },
  response: availabilityResponse,
  resolve: (req, ctx) => {
    const body = bodyOf(req);
    const errors = availabilityErrors(body);
    if (hasErrors(errors)) return invalid(errors);
    const free = (value: unknown, same: (v: string) => (p: ProfileRecord) => boolean) =>
      typeof value === 'string' && value ? !taken(ctx.db, same(value), undefined) : null;
    return data({ email: free(body.email, sameEmail), mobile_phone: free(body.mobile_phone, samePhone) });
  },
});

/** The profile endpoints of C2. */
export const profileEndpoints: readonly Endpoint<OmneoData>[] = [
  listEndpoint,
  getEndpoint,
  searchIdEndpoint,
  createEndpoint,
  updateEndpoint,
  deleteEndpoint,
  ...purgeEndpoints,
  availabilityEndpoint,
];
