import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse, Endpoint } from '../../../handlers/endpoint.ts';
import { FIRST_PROFILE, identitiesOf, isDeleted, type OmneoData, type Profile } from '../domain/index.ts';
import type { LaravelPage } from '../laravel.ts';
import { testContext, testData, testRequest, type TestContext } from '../test/context.ts';
import { EMAIL_TAKEN, PHONE_TAKEN, profileEndpoints } from './profiles.ts';

type Parts = Parameters<typeof testRequest>[2];

const endpoint = (id: string): Endpoint<OmneoData> => profileEndpoints.find((e) => e.id === id) as Endpoint<OmneoData>;

async function call(id: string, ctx: TestContext, parts: Parts = {}): Promise<ApiResponse> {
  const e = endpoint(id);
  const path = e.path.replace('{id}', parts?.params?.id ?? '');
  return e.resolve(testRequest(e.method, path, parts), ctx);
}

const NOW_TEXT = '2026-01-15 12:00:00';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NOT_FOUND = { status: 404, body: { message: 'Not Found' } };
const invalid = (errors: Record<string, string[]>) => ({ status: 422, body: { message: 'The given data was invalid.', errors } });

let db: OmneoData;
let ctx: TestContext;
beforeEach(async () => {
  db = await testData();
  ctx = testContext(db);
});

const list = async (query: Record<string, string> = {}) => (await call('Profiles_List', ctx, { query })).body as LaravelPage<Profile>;
const get = (id: string, query: Record<string, string> = {}) => call('Profiles_Get', ctx, { params: { id }, query });
const dataOf = (res: ApiResponse) => (res.body as { data: Profile }).data;
const liveCount = () => db.profiles.all().filter((p) => !isDeleted(p)).length;

describe('GET /api/v3/profiles', () => {
  it('lists the 48 live profiles, 15 a page, in Laravel envelope', async () => {
    const page = await list();
    expect(page.data).toHaveLength(15);
    expect(page.data[0]?.id).toBe(FIRST_PROFILE.id);
    expect(page.meta).toMatchObject({ current_page: 1, from: 1, to: 15, last_page: 4, per_page: 15, total: 48, path: '/api/v3/profiles' });
    expect(page.links).toEqual({
      first: '/api/v3/profiles?page%5Bnumber%5D=1',
      last: '/api/v3/profiles?page%5Bnumber%5D=4',
      prev: null,
      next: '/api/v3/profiles?page%5Bnumber%5D=2',
    });
  });

  it('pages with page[size] and page[number], to the last page and past it', async () => {
    const last = await list({ 'page[size]': '20', 'page[number]': '3' });
    expect(last.data).toHaveLength(8);
    expect(last.meta).toMatchObject({ current_page: 3, from: 41, to: 48, last_page: 3, per_page: 20, total: 48 });
    expect(last.links.next).toBeNull();
    const past = await list({ 'page[size]': '20', 'page[number]': '4' });
    expect(past.data).toEqual([]);
    expect(past.meta).toMatchObject({ current_page: 4, from: null, to: null, last_page: 3, total: 48 });
    const all = [...(await list({ 'page[size]': '20' })).data, ...(await list({ 'page[size]': '20', 'page[number]': '2' })).data, ...last.data];
    expect(new Set(all.map((p) => p.id)).size).toBe(48);
  });

  it('leaves soft-deleted profiles out', async () => {
    const all = (await list({ 'page[size]': '100' })).data;
    expect(all).toHaveLength(liveCount());
    expect(all.some((p) => p.profile_type === 'deleted' || p.deleted_at !== null)).toBe(false);
  });

  it('filters by email (exactly, without regard to case) and external_id', async () => {
    const byEmail = await list({ 'filter[email]': 'JANE.Citizen@example.com' });
    expect(byEmail.data.map((p) => p.id)).toEqual([FIRST_PROFILE.id]);
    expect(byEmail.meta.total).toBe(1);
    expect((await list({ 'filter[email]': 'jane.citizen@example' })).data).toEqual([]);
    expect((await list({ 'filter[external_id]': '7000000000001' })).data.map((p) => p.id)).toEqual([FIRST_PROFILE.id]);
    // The magento identity is not the primary one, so it is not the external id.
    expect((await list({ 'filter[external_id]': '100001' })).data).toEqual([]);
  });

  it('filters by a part of the first or last name', async () => {
    expect((await list({ 'filter[first_name]': 'jan' })).data.map((p) => p.first_name)).toEqual(['Jane']);
    expect((await list({ 'filter[last_name]': 'CITIZ' })).data.map((p) => p.id)).toEqual([FIRST_PROFILE.id]);
    const second = db.profiles.all()[1]!;
    const hits = (await list({ 'filter[last_name]': second.last_name as string, 'page[size]': '100' })).data;
    expect(hits.map((p) => p.id)).toContain(second.id);
    expect(hits.every((p) => p.last_name?.toLowerCase().includes((second.last_name as string).toLowerCase()))).toBe(true);
  });

  it('searches names and email for a piece of text', async () => {
    expect((await list({ search: 'citizen' })).data.map((p) => p.id)).toEqual([FIRST_PROFILE.id]);
    expect((await list({ search: 'Jane Citizen' })).data.map((p) => p.id)).toEqual([FIRST_PROFILE.id]);
    expect((await list({ search: 'jane.citizen@' })).data.map((p) => p.id)).toEqual([FIRST_PROFILE.id]);
    expect((await list({ search: 'example.com', 'page[size]': '100' })).meta.total).toBe(48);
    expect((await list({ search: 'zzzz-nobody' })).meta.total).toBe(0);
  });

  it('sorts by created_at descending, by last name, and keeps insertion order without sort', async () => {
    const newestFirst = (await list({ sort: '-created_at', 'page[size]': '100' })).data.map((p) => p.created_at);
    expect(newestFirst).toEqual([...newestFirst].sort().reverse());
    expect(newestFirst.at(-1)).toBe('2024-01-16 12:00:00');
    const names = (await list({ sort: 'last_name', 'page[size]': '100' })).data.map((p) => (p.last_name as string).toLowerCase());
    expect(names).toEqual([...names].sort());
    const unsorted = (await list({ 'page[size]': '100' })).data.map((p) => p.id);
    expect(unsorted).toEqual(db.profiles.all().filter((p) => !isDeleted(p)).map((p) => p.id));
    expect((await list({ sort: 'nonsense', 'page[size]': '100' })).data.map((p) => p.id)).toEqual(unsorted);
  });

  it('writes absolute links for the host the client called, keeping the filters', async () => {
    const page = (await call('Profiles_List', ctx, {
      query: { search: 'example', 'page[size]': '5' },
      headers: { host: 'api.demo.getomneo.com', 'x-forwarded-proto': 'https' },
    })).body as LaravelPage<Profile>;
    expect(page.meta.path).toBe('https://api.demo.getomneo.com/api/v3/profiles');
    expect(page.links.next).toBe('https://api.demo.getomneo.com/api/v3/profiles?search=example&page%5Bsize%5D=5&page%5Bnumber%5D=2');
  });
});

describe('GET /api/v3/profiles/{id}', () => {
  it('answers {data: Profile} with identities and external_id', async () => {
    const res = await get(FIRST_PROFILE.id);
    expect(res.status).toBe(200);
    expect(dataOf(res)).toMatchObject({ id: FIRST_PROFILE.id, external_id: '7000000000001', email: FIRST_PROFILE.email });
    expect(dataOf(res).identities.map((i) => i.handle)).toEqual(['shopify', 'magento_id']);
  });

  it('finds a profile by an identity with identity[handle], the id being its identifier', async () => {
    expect(dataOf(await get('100001', { 'identity[handle]': 'magento_id' })).id).toBe(FIRST_PROFILE.id);
    expect(await get('100001', { 'identity[handle]': 'shopify' })).toEqual(NOT_FOUND);
    expect(await get(FIRST_PROFILE.id, { 'identity[handle]': 'shopify' })).toEqual(NOT_FOUND);
  });

  it('answers 404 {message:"Not Found"} for an unknown or soft-deleted profile', async () => {
    expect(await get('00000000-0000-4000-8000-000000000000')).toEqual(NOT_FOUND);
    const deleted = db.profiles.all().find(isDeleted)!;
    expect(await get(deleted.id)).toEqual(NOT_FOUND);
  });
});

describe('POST /api/v3/profiles/search-id', () => {
  it('finds the profile of {type: handle, id: identifier}, numbers included', async () => {
    expect(dataOf(await call('Profiles_SearchId', ctx, { body: { type: 'shopify', id: '7000000000001' } })).id).toBe(FIRST_PROFILE.id);
    expect(dataOf(await call('Profiles_SearchId', ctx, { body: { type: 'shopify', id: 7000000000001 } })).id).toBe(FIRST_PROFILE.id);
    expect(await call('Profiles_SearchId', ctx, { body: { type: 'shopify', id: '1' } })).toEqual(NOT_FOUND);
  });

  it('answers 422 when type or id is missing', async () => {
    expect(await call('Profiles_SearchId', ctx, { body: {} })).toEqual(
      invalid({ type: ['The type field is required.'], id: ['The id field is required.'] }),
    );
    expect(await call('Profiles_SearchId', ctx, { body: { type: 'shopify' } })).toEqual(invalid({ id: ['The id field is required.'] }));
  });

  it('is declared a read, not a write', () => {
    expect(endpoint('Profiles_SearchId')).toMatchObject({ writes: false, role: 'read-profiles' });
  });
});

describe('POST /api/v3/profiles', () => {
  const NEW = { first_name: 'Kylie', last_name: 'Nguyen', email: 'kylie.nguyen@example.com', mobile_phone: '+61400000001', birth_day: 3, birth_month: 9, birth_year: 1990 };

  it('creates a profile: 201 {data}, a new UUID v4, derived fields, timestamps now, event profile.created', async () => {
    const res = await call('Profiles_Create', ctx, { body: NEW });
    expect(res.status).toBe(201);
    const p = dataOf(res);
    expect(p.id).toMatch(UUID_V4);
    expect(p).toMatchObject({
      ...NEW,
      full_name: 'Kylie Nguyen',
      mobile_phone_country: 61,
      mobile_phone_national: '400000001',
      birth_date: '1990-09-03',
      profile_type: 'active',
      is_completed: true,
      external_id: null,
      identities: [],
      tags: [],
      point_balance: 0,
      created_at: NOW_TEXT,
      updated_at: NOW_TEXT,
      joined_at: NOW_TEXT,
      deleted_at: null,
    });
    expect(p.attributes.comms).toMatchObject({ profile_id: p.id, email_promo: false, email_optout: false });
    expect(ctx.events).toEqual([{ className: 'profile', objectId: p.id, trigger: 'profile.created', status: 'created', context: expect.objectContaining({ id: p.id, flattened_tags: [] }) }]);
    expect(dataOf(await get(p.id)).email).toBe(NEW.email);
    expect((await list()).meta.total).toBe(49);
  });

  it('gives the same new ids after the same calls on the same seed', async () => {
    const other = await testData();
    const a = dataOf(await call('Profiles_Create', ctx, { body: NEW })).id;
    const b = dataOf(await call('Profiles_Create', testContext(other), { body: NEW })).id;
    expect(a).toBe(b);
  });

  it('answers 422 with Laravel messages for a missing first name, a bad email, phone, gender and birth day', async () => {
    const res = await call('Profiles_Create', ctx, { body: { email: 'not-an-email', mobile_phone: '0412345678', gender: 'robot', birth_day: 32 } });
    expect(res).toEqual(
      invalid({
        first_name: ['The first name field is required.'],
        email: ['The email must be a valid email address.'],
        gender: ['The selected gender is invalid.'],
        mobile_phone: ['The mobile phone format is invalid.'],
        birth_day: ['The birth day must be between 1 and 31.'],
      }),
    );
    expect(await call('Profiles_Create', ctx, { body: 'nonsense' })).toEqual(invalid({ first_name: ['The first name field is required.'] }));
    expect(ctx.events).toEqual([]);
    expect(db.profiles.count()).toBe(50);
  });

  it('accepts E.164 numbers only', async () => {
    for (const bad of ['+0412345678', '+61 412 345 678', '+123456', '+1234567890123456']) {
      const res = await call('Profiles_Create', ctx, { body: { first_name: 'A', mobile_phone: bad } });
      expect(res, bad).toEqual(invalid({ mobile_phone: ['The mobile phone format is invalid.'] }));
    }
    expect((await call('Profiles_Create', ctx, { body: { first_name: 'A', mobile_phone: '+1234567' } })).status).toBe(201);
  });

  it('answers 422 to an email (in any case) or a mobile phone another profile holds', async () => {
    const res = await call('Profiles_Create', ctx, { body: { first_name: 'Jo', email: 'Jane.Citizen@EXAMPLE.com', mobile_phone: FIRST_PROFILE.mobile_phone } });
    expect(res).toEqual(invalid({ email: [EMAIL_TAKEN], mobile_phone: [PHONE_TAKEN] }));
    expect(EMAIL_TAKEN).toBe('The email has already been taken.');
    expect(PHONE_TAKEN).toBe('The phone number exists');
    expect(ctx.events).toEqual([]);
  });

  it("lets a new profile take a soft-deleted profile's email", async () => {
    const deleted = db.profiles.all().find(isDeleted)!;
    expect((await call('Profiles_Create', ctx, { body: { first_name: 'Again', email: deleted.email } })).status).toBe(201);
  });
});

describe('PUT /api/v3/profiles/{id}', () => {
  it('changes only the fields sent, recomputes derived ones, moves updated_at and emits profile.updated', async () => {
    const later = testContext(db, { now: () => Date.UTC(2026, 1, 1, 8, 30, 15) });
    const res = await call('Profiles_Update', later, { params: { id: FIRST_PROFILE.id }, body: { last_name: 'Smith', birth_year: 1990 } });
    expect(res.status).toBe(200);
    expect(dataOf(res)).toMatchObject({
      first_name: 'Jane',
      last_name: 'Smith',
      full_name: 'Jane Smith',
      email: FIRST_PROFILE.email,
      birth_date: '1990-07-14',
      created_at: '2024-01-16 12:00:00',
      updated_at: '2026-02-01 08:30:15',
      external_id: '7000000000001',
    });
    expect(later.events).toEqual([{ className: 'profile', objectId: FIRST_PROFILE.id, trigger: 'profile.updated', status: 'updated', context: expect.objectContaining({ id: FIRST_PROFILE.id, identities: expect.any(Array) }) }]);
  });

  it('keeps its own email and phone but refuses those of another profile', async () => {
    const own = { email: FIRST_PROFILE.email, mobile_phone: FIRST_PROFILE.mobile_phone };
    expect((await call('Profiles_Update', ctx, { params: { id: FIRST_PROFILE.id }, body: own })).status).toBe(200);
    const other = db.profiles.all().find((p) => p.id !== FIRST_PROFILE.id && p.mobile_phone && !isDeleted(p))!;
    const res = await call('Profiles_Update', ctx, { params: { id: other.id }, body: own });
    expect(res).toEqual(invalid({ email: [EMAIL_TAKEN], mobile_phone: [PHONE_TAKEN] }));
    expect(ctx.events.map((e) => e.trigger)).toEqual(['profile.updated']);
  });

  it('validates the fields sent: an empty first name, a bad email, the deleted type', async () => {
    const res = await call('Profiles_Update', ctx, { params: { id: FIRST_PROFILE.id }, body: { first_name: '', email: 'x', profile_type: 'deleted' } });
    expect(res).toEqual(
      invalid({
        first_name: ['The first name field is required.'],
        email: ['The email must be a valid email address.'],
        profile_type: ['The selected profile type is invalid.'],
      }),
    );
    expect(ctx.events).toEqual([]);
    expect(db.profiles.get(FIRST_PROFILE.id)?.first_name).toBe('Jane');
  });

  it('takes a blank string as none, on create and update, as Laravel hands it on as null (found by fuzz.test.ts: a 500)', async () => {
    const blanks = { title: ' ', email: '', gender: ' ', mobile_phone: '', currency: ' ', tags: '', custom_fields: [], profile_type: '' };
    const created = await call('Profiles_Create', ctx, { body: { first_name: 'Ada', ...blanks } });
    expect(created.status).toBe(201);
    expect(dataOf(created)).toMatchObject({ title: null, email: null, gender: null, mobile_phone: null, currency: null, tags: [], custom_fields: {}, profile_type: 'active' });
    const type = db.profiles.get(FIRST_PROFILE.id)!.profile_type;
    const updated = await call('Profiles_Update', ctx, { params: { id: FIRST_PROFILE.id }, body: blanks });
    expect(updated.status).toBe(200);
    expect(dataOf(updated)).toMatchObject({ title: null, email: null, gender: null, tags: [], custom_fields: {}, profile_type: type });
    // A later write of the same profile still works.
    expect((await call('Profiles_Update', ctx, { params: { id: FIRST_PROFILE.id }, body: { title: 'Dr' } })).status).toBe(200);
  });

  it('judges an empty list as a value: 422 where the field takes a string', async () => {
    const res = await call('Profiles_Create', ctx, { body: { first_name: 'Ada', title: [], email: [], tags: [] } });
    expect(res.status).toBe(422);
    expect((res.body as { errors: Record<string, string[]> }).errors).toEqual({ title: ['The title must be a string.'], email: ['The email must be a string.'] });
  });

  it('answers 404 for an unknown or soft-deleted profile', async () => {
    expect(await call('Profiles_Update', ctx, { params: { id: 'nope' }, body: { first_name: 'x' } })).toEqual(NOT_FOUND);
    const deleted = db.profiles.all().find(isDeleted)!;
    expect(await call('Profiles_Update', ctx, { params: { id: deleted.id }, body: { first_name: 'x' } })).toEqual(NOT_FOUND);
  });
});

describe('DELETE /api/v3/profiles/{id}', () => {
  it('soft-deletes: 204 without a body, then gone from GET and lists, identities kept; emits profile.deleted', async () => {
    const res = await call('Profiles_Delete', ctx, { params: { id: FIRST_PROFILE.id } });
    expect(res).toEqual({ status: 204 });
    expect(db.profiles.get(FIRST_PROFILE.id)).toMatchObject({ profile_type: 'deleted', deleted_at: NOW_TEXT, updated_at: NOW_TEXT });
    expect(await get(FIRST_PROFILE.id)).toEqual(NOT_FOUND);
    expect((await list({ 'filter[email]': FIRST_PROFILE.email })).meta.total).toBe(0);
    expect(await get('7000000000001', { 'identity[handle]': 'shopify' })).toEqual(NOT_FOUND);
    expect(identitiesOf(db, FIRST_PROFILE.id)).toHaveLength(2);
    expect(ctx.events).toEqual([{ className: 'profile', objectId: FIRST_PROFILE.id, trigger: 'profile.deleted', status: 'deleted', context: expect.objectContaining({ profile_type: 'deleted' }) }]);
  });

  it('answers 404 to a second delete', async () => {
    await call('Profiles_Delete', ctx, { params: { id: FIRST_PROFILE.id } });
    expect(await call('Profiles_Delete', ctx, { params: { id: FIRST_PROFILE.id } })).toEqual(NOT_FOUND);
    expect(ctx.events).toHaveLength(1);
  });
});

describe('purge /api/v3/profiles/{id}/purge', () => {
  it.each(['Profiles_Purge', 'Profiles_PurgePost'])('%s erases the profile and its identities: 204', async (id) => {
    expect(await call(id, ctx, { params: { id: FIRST_PROFILE.id } })).toEqual({ status: 204 });
    expect(db.profiles.get(FIRST_PROFILE.id)).toBeUndefined();
    expect(identitiesOf(db, FIRST_PROFILE.id)).toEqual([]);
    expect(db.identities.get('1')).toBeUndefined();
    expect(await call('Profiles_SearchId', ctx, { body: { type: 'shopify', id: '7000000000001' } })).toEqual(NOT_FOUND);
    expect(await call(id, ctx, { params: { id: FIRST_PROFILE.id } })).toEqual(NOT_FOUND);
  });

  it('erases a soft-deleted profile too', async () => {
    const deleted = db.profiles.all().find(isDeleted)!;
    expect(await call('Profiles_Purge', ctx, { params: { id: deleted.id } })).toEqual({ status: 204 });
    expect(db.profiles.has(deleted.id)).toBe(false);
  });

  it('serves both methods on the same path', () => {
    expect([endpoint('Profiles_Purge'), endpoint('Profiles_PurgePost')].map((e) => [e.method, e.path, e.role, e.okStatus])).toEqual([
      ['DELETE', '/api/v3/profiles/{id}/purge', 'delete-profiles', 204],
      ['POST', '/api/v3/profiles/{id}/purge', 'delete-profiles', 204],
    ]);
  });
});

describe('POST /api/v3/profiles/availability', () => {
  const ask = (body: unknown) => call('Profiles_Availability', ctx, { body });

  it('answers true for a free email or phone, false for a taken one, null for one not asked', async () => {
    expect(await ask({ email: 'free@example.com', mobile_phone: FIRST_PROFILE.mobile_phone })).toEqual({
      status: 200,
      body: { data: { email: true, mobile_phone: false } },
    });
    expect((await ask({ email: 'JANE.CITIZEN@example.com' })).body).toEqual({ data: { email: false, mobile_phone: null } });
  });

  it('answers 422 when neither is sent, or one is malformed', async () => {
    expect(await ask({})).toEqual(
      invalid({
        email: ['The email field is required when mobile phone is not present.'],
        mobile_phone: ['The mobile phone field is required when email is not present.'],
      }),
    );
    expect(await ask({ mobile_phone: '12345' })).toEqual(invalid({ mobile_phone: ['The mobile phone format is invalid.'] }));
  });
});

describe('the profile endpoint table', () => {
  it('declares each endpoint with its Omneo scope, method, path and success status', () => {
    expect(profileEndpoints.map((e) => [e.id, e.method, e.path, e.role, e.writes, e.okStatus])).toEqual([
      ['Profiles_List', 'GET', '/api/v3/profiles', 'read-profiles', false, 200],
      ['Profiles_Get', 'GET', '/api/v3/profiles/{id}', 'read-profiles', false, 200],
      ['Profiles_SearchId', 'POST', '/api/v3/profiles/search-id', 'read-profiles', false, 200],
      ['Profiles_Create', 'POST', '/api/v3/profiles', 'create-profiles', true, 201],
      ['Profiles_Update', 'PUT', '/api/v3/profiles/{id}', 'update-profiles', true, 200],
      ['Profiles_Delete', 'DELETE', '/api/v3/profiles/{id}', 'delete-profiles', true, 204],
      ['Profiles_Purge', 'DELETE', '/api/v3/profiles/{id}/purge', 'delete-profiles', true, 204],
      ['Profiles_PurgePost', 'POST', '/api/v3/profiles/{id}/purge', 'delete-profiles', true, 204],
      ['Profiles_Availability', 'POST', '/api/v3/profiles/availability', 'read-profiles', false, 200],
    ]);
  });

  it('answers bodies that match the declared response schemas', async () => {
    const checks: [string, Parts][] = [
      ['Profiles_List', {}],
      ['Profiles_Get', { params: { id: FIRST_PROFILE.id } }],
      ['Profiles_Create', { body: { first_name: 'Schema' } }],
      ['Profiles_Availability', { body: { email: 'a@example.com' } }],
    ];
    for (const [id, parts] of checks) {
      const schema = endpoint(id).response as import('zod').ZodType;
      expect(schema.safeParse((await call(id, ctx, parts)).body).success, id).toBe(true);
    }
  });
});
