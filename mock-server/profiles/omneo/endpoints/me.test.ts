import { beforeEach, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../handlers/endpoint.ts';
import { FIRST_PROFILE, isDeleted, type OmneoData } from '../domain/index.ts';
import { OMNEO_SCOPES } from '../scopes.ts';
import { testContext, testData, testRequest } from '../test/context.ts';
import { healthEndpoints } from './health.ts';
import { omneoResourceEndpoints } from './index.ts';
import { meEndpoints } from './me.ts';

const me = meEndpoints[0] as Endpoint<OmneoData>;
const NOT_FOUND = { status: 404, body: { message: 'Not Found' } };
const ask = (subject: string | null) => me.resolve(testRequest('GET', '/id/api/v1/profiles/me'), testContext(db, { subject }));

let db: OmneoData;
beforeEach(async () => {
  db = await testData();
});

describe('GET /id/api/v1/profiles/me', () => {
  it("answers {data: Profile} of the ID token's profile", async () => {
    const res = await ask(FIRST_PROFILE.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: { id: FIRST_PROFILE.id, email: FIRST_PROFILE.email, external_id: '7000000000001' } });
  });

  it('answers 404 {message} to an anonymous token ("null"), no subject, an unknown or a soft-deleted profile', async () => {
    expect(await ask('null')).toEqual(NOT_FOUND);
    expect(await ask(null)).toEqual(NOT_FOUND);
    expect(await ask('00000000-0000-4000-8000-000000000000')).toEqual(NOT_FOUND);
    expect(await ask(db.profiles.all().find(isDeleted)!.id)).toEqual(NOT_FOUND);
  });

  it('takes an ID token and the id-profile permission', () => {
    expect([me.method, me.path, me.role, me.credential, me.writes]).toEqual(['GET', '/id/api/v1/profiles/me', 'id-profile', 'id', false]);
  });
});

describe('GET /api/health', () => {
  it('answers 200 JSON to anyone, unlimited', async () => {
    const health = healthEndpoints[0] as Endpoint<OmneoData>;
    expect(await health.resolve(testRequest('GET', '/api/health'), testContext(db))).toEqual({ status: 200, body: { status: 'ok' } });
    expect([health.role, health.auth, health.limit]).toEqual([null, false, 'none']);
  });
});

describe('omneoResourceEndpoints', () => {
  it('collects health, profiles, identities, me and webhooks under unique ids and unique method + path', () => {
    expect(omneoResourceEndpoints).toHaveLength(21);
    expect(new Set(omneoResourceEndpoints.map((e) => e.id)).size).toBe(21);
    expect(new Set(omneoResourceEndpoints.map((e) => `${e.method} ${e.path}`)).size).toBe(21);
    expect(omneoResourceEndpoints.filter((e) => !e.auth).map((e) => e.id)).toEqual(['Health_Get']);
  });

  it('names only Omneo scopes as roles', () => {
    const roles = new Set(omneoResourceEndpoints.map((e) => e.role));
    expect([...roles].sort()).toEqual(
      ['create-profiles', 'delete-profiles', 'id-profile', 'read-profiles', 'update-profiles', 'create-webhooks', 'read-webhooks', 'update-webhooks', 'delete-webhooks', null].sort(),
    );
    for (const role of roles) if (role !== null) expect(OMNEO_SCOPES.has(role), role).toBe(true);
  });
});
