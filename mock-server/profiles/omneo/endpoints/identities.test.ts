import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse, Endpoint } from '../../../handlers/endpoint.ts';
import { FIRST_PROFILE, identitiesOf, isDeleted, profileByIdentity, showProfile, type Identity, type OmneoData } from '../domain/index.ts';
import { testContext, testData, testRequest, type TestContext } from '../test/context.ts';
import { HANDLE_TAKEN, IDENTIFIER_TAKEN, identityEndpoints } from './identities.ts';

type Parts = Parameters<typeof testRequest>[2];

const endpoint = (id: string): Endpoint<OmneoData> => identityEndpoints.find((e) => e.id === id) as Endpoint<OmneoData>;

async function call(id: string, ctx: TestContext, parts: Parts = {}): Promise<ApiResponse> {
  const e = endpoint(id);
  const path = e.path.replace('{id}', parts?.params?.id ?? '').replace('{handle}', parts?.params?.handle ?? '');
  return e.resolve(testRequest(e.method, path, parts), ctx);
}

const NOW_TEXT = '2026-01-15 12:00:00';
const NOT_FOUND = { status: 404, body: { message: 'Not Found' } };
const invalid = (errors: Record<string, string[]>) => ({ status: 422, body: { message: 'The given data was invalid.', errors } });
const id = FIRST_PROFILE.id;

let db: OmneoData;
let ctx: TestContext;
beforeEach(async () => {
  db = await testData();
  ctx = testContext(db);
});

const identityOf = (res: ApiResponse) => (res.body as { data: Identity }).data;

describe('GET /api/v3/profiles/{id}/identities', () => {
  it("answers {data: [Identity]} with the profile's identities, oldest first", async () => {
    const res = await call('Identities_List', ctx, { params: { id } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        { id: 1, profile_id: id, handle: 'shopify', identifier: '7000000000001', is_primary: true, is_active: true, merged_from: null, created_at: '2024-01-16 12:00:00', updated_at: '2024-01-16 12:00:00' },
        { id: 2, profile_id: id, handle: 'magento_id', identifier: '100001', is_primary: false, is_active: true, merged_from: null, created_at: '2024-01-16 12:00:00', updated_at: '2024-01-16 12:00:00' },
      ],
    });
  });

  it('answers 404 for an unknown or soft-deleted profile', async () => {
    expect(await call('Identities_List', ctx, { params: { id: 'nope' } })).toEqual(NOT_FOUND);
    const deleted = db.profiles.all().find(isDeleted)!;
    expect(await call('Identities_List', ctx, { params: { id: deleted.id } })).toEqual(NOT_FOUND);
  });
});

describe('POST /api/v3/profiles/{id}/identities', () => {
  it('adds an identity: 201 {data}, the next integer id, timestamps now, event identity.created', async () => {
    const next = db.identities.count() + 1;
    const res = await call('Identities_Create', ctx, { params: { id }, body: { handle: 'email', identifier: 'jane@example.org' } });
    expect(res).toEqual({
      status: 201,
      body: {
        data: { id: next, profile_id: id, handle: 'email', identifier: 'jane@example.org', is_primary: false, is_active: true, merged_from: null, created_at: NOW_TEXT, updated_at: NOW_TEXT },
      },
    });
    expect(ctx.events).toEqual([{ className: 'identity', objectId: String(next), trigger: 'identity.created', status: 'created', context: expect.objectContaining({ id: next }) }]);
    expect(identitiesOf(db, id).map((i) => i.handle)).toEqual(['shopify', 'magento_id', 'email']);
    expect(profileByIdentity(db, 'email', 'jane@example.org')?.id).toBe(id);
  });

  it('makes a new primary identity the only primary one, which moves external_id', async () => {
    const res = await call('Identities_Create', ctx, { params: { id }, body: { handle: 'loyalty', identifier: 4711, is_primary: true } });
    expect(identityOf(res)).toMatchObject({ identifier: '4711', is_primary: true });
    expect(identitiesOf(db, id).filter((i) => i.is_primary).map((i) => i.handle)).toEqual(['loyalty']);
    expect(showProfile(db, db.profiles.get(id)!).external_id).toBe('4711');
  });

  it("makes a profile's first identity primary unless told otherwise", async () => {
    const created = db.profiles.all().find((p) => !isDeleted(p) && p.id !== id)!;
    for (const i of identitiesOf(db, created.id)) db.identities.remove(String(i.id));
    expect(identityOf(await call('Identities_Create', ctx, { params: { id: created.id }, body: { handle: 'shopify', identifier: '42' } })).is_primary).toBe(true);
  });

  it('answers 422 to missing fields, a handle already on the profile, or an identifier another profile holds under that handle', async () => {
    expect(await call('Identities_Create', ctx, { params: { id }, body: {} })).toEqual(
      invalid({ handle: ['The handle field is required.'], identifier: ['The identifier field is required.'] }),
    );
    expect(await call('Identities_Create', ctx, { params: { id }, body: { handle: 'shopify', identifier: '123' } })).toEqual(invalid({ handle: [HANDLE_TAKEN] }));
    const free = db.profiles.all().find((p) => !isDeleted(p) && identitiesOf(db, p.id).every((i) => i.handle !== 'shopify'))!;
    expect(await call('Identities_Create', ctx, { params: { id: free.id }, body: { handle: 'shopify', identifier: '7000000000001' } })).toEqual(
      invalid({ identifier: [IDENTIFIER_TAKEN] }),
    );
    expect(await call('Identities_Create', ctx, { params: { id }, body: { handle: 'x', identifier: '1', is_active: 'yes' } })).toEqual(
      invalid({ is_active: ['The is active field must be true or false.'] }),
    );
    expect(HANDLE_TAKEN).toBe('The handle has already been taken.');
    expect(ctx.events).toEqual([]);
  });

  it('answers 404 for an unknown profile', async () => {
    expect(await call('Identities_Create', ctx, { params: { id: 'nope' }, body: { handle: 'a', identifier: 'b' } })).toEqual(NOT_FOUND);
  });
});

describe('GET/PUT/DELETE /api/v3/profiles/{id}/identities/{handle}', () => {
  it('answers the identity of a handle, 404 for a handle the profile lacks', async () => {
    expect(identityOf(await call('Identities_Get', ctx, { params: { id, handle: 'magento_id' } }))).toMatchObject({ id: 2, identifier: '100001' });
    expect(await call('Identities_Get', ctx, { params: { id, handle: 'email' } })).toEqual(NOT_FOUND);
    expect(await call('Identities_Get', ctx, { params: { id: 'nope', handle: 'shopify' } })).toEqual(NOT_FOUND);
  });

  it('updates the identifier and flags sent, moving updated_at, and keeps one primary', async () => {
    const later = testContext(db, { now: () => Date.UTC(2026, 2, 3, 4, 5, 6) });
    const res = await call('Identities_Update', later, { params: { id, handle: 'magento_id' }, body: { identifier: '200002', is_primary: true } });
    expect(identityOf(res)).toEqual({
      id: 2,
      profile_id: id,
      handle: 'magento_id',
      identifier: '200002',
      is_primary: true,
      is_active: true,
      merged_from: null,
      created_at: '2024-01-16 12:00:00',
      updated_at: '2026-03-03 04:05:06',
    });
    expect(db.identities.get('1')?.is_primary).toBe(false);
    expect(showProfile(db, db.profiles.get(id)!).external_id).toBe('200002');
    // The old identifier no longer finds the profile; the new one does.
    expect(db.identities.get('magento_id\u0000100001')).toBeUndefined();
    expect(db.identities.get('magento_id\u0000200002')?.id).toBe(2);
  });

  it('answers 422 to an update that takes an identifier another identity holds, and 404 to an unknown handle', async () => {
    const other = db.identities.all().find((i) => i.handle === 'shopify' && i.profile_id !== id)!;
    expect(await call('Identities_Update', ctx, { params: { id, handle: 'shopify' }, body: { identifier: other.identifier } })).toEqual(
      invalid({ identifier: [IDENTIFIER_TAKEN] }),
    );
    expect(await call('Identities_Update', ctx, { params: { id, handle: 'shopify' }, body: { identifier: '' } })).toEqual(
      invalid({ identifier: ['The identifier field is required.'] }),
    );
    expect(await call('Identities_Update', ctx, { params: { id, handle: 'email' }, body: { identifier: 'x' } })).toEqual(NOT_FOUND);
  });

  it('deletes an identity: 204 without a body, then 404', async () => {
    expect(await call('Identities_Delete', ctx, { params: { id, handle: 'magento_id' } })).toEqual({ status: 204 });
    expect(identitiesOf(db, id).map((i) => i.handle)).toEqual(['shopify']);
    expect(await call('Identities_Get', ctx, { params: { id, handle: 'magento_id' } })).toEqual(NOT_FOUND);
    expect(await call('Identities_Delete', ctx, { params: { id, handle: 'magento_id' } })).toEqual(NOT_FOUND);
    expect(ctx.events).toEqual([]);
  });
});

describe('the identity endpoint table', () => {
  it('declares each endpoint with its Omneo scope', () => {
    expect(identityEndpoints.map((e) => [e.id, e.method, e.path, e.role, e.okStatus])).toEqual([
      ['Identities_List', 'GET', '/api/v3/profiles/{id}/identities', 'read-profiles', 200],
      ['Identities_Create', 'POST', '/api/v3/profiles/{id}/identities', 'update-profiles', 201],
      ['Identities_Get', 'GET', '/api/v3/profiles/{id}/identities/{handle}', 'read-profiles', 200],
      ['Identities_Update', 'PUT', '/api/v3/profiles/{id}/identities/{handle}', 'update-profiles', 200],
      ['Identities_Delete', 'DELETE', '/api/v3/profiles/{id}/identities/{handle}', 'update-profiles', 204],
    ]);
  });
});
