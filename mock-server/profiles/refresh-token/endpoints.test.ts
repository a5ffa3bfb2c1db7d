import { beforeEach, describe, expect, it } from 'vitest';
import { createScope } from '../../auth/scope.ts';
import type { IssueOptions } from '../../auth/tokens.ts';
import type { ApiRequest, Endpoint, HttpMethod, ResolverContext } from '../../handlers/endpoint.ts';
import { fingerprint } from '../../secrets.ts';
import { type BackupData, createBackupData } from './domain.ts';
import { REFRESH_TOKEN_ENDPOINTS } from './endpoints.ts';

const NOW = Date.UTC(2026, 0, 15, 12);
const endpoint = (id: string) => REFRESH_TOKEN_ENDPOINTS.find((e) => e.id === id) as Endpoint<BackupData>;
const request = (method: HttpMethod, path: string, parts: Partial<Pick<ApiRequest, 'params' | 'query' | 'headers'>> = {}): ApiRequest => ({
  method,
  path,
  params: parts.params ?? {},
  query: parts.query ?? {},
  headers: parts.headers ?? {},
  body: undefined,
  transport: 'https',
});

let db: BackupData;
let minted: { clientId: string; options: IssueOptions }[];
let ctx: ResolverContext<BackupData>;
beforeEach(() => {
  db = createBackupData({ seed: 1, now: () => NOW });
  minted = [];
  ctx = {
    db,
    scope: createScope('*', '*'),
    clientId: 'backup-sync',
    granted: ['backups:read'],
    subject: null,
    tokens: {
      issue: async () => null,
      mint: async (clientId, options) => {
        minted.push({ clientId, options });
        return { token: 'header.claims.signature', expiresIn: 900, tokenId: 'jti-1', exp: NOW / 1000 + 900, fingerprint: fingerprint('header.claims.signature') };
      },
      revoke: () => undefined,
    },
    now: () => new Date(NOW),
    emit: () => undefined,
  };
});

describe('POST /auth/token', () => {
  it("mints an access token with the API token's permissions and fingerprint, not to be cached", async () => {
    const res = await endpoint('Auth_Token').resolve(request('POST', '/auth/token', { headers: { authorization: 'Bearer bpt_the-api-token' } }), ctx);
    expect(res).toMatchObject({
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { access_token: 'header.claims.signature', token_type: 'Bearer', expires_in: 900, expires_at: new Date(NOW + 900_000).toISOString() },
      journal: { credentialsIn: 'header', issued: { tokenId: 'jti-1', fingerprint: fingerprint('header.claims.signature') } },
    });
    expect(minted).toEqual([{ clientId: 'backup-sync', options: { scope: ['backups:read'], claims: { atf: fingerprint('bpt_the-api-token') } } }]);
  });

  it('takes the API token, not an access token, and issues tokens', () => {
    const e = endpoint('Auth_Token');
    expect([e.credential, e.issuesToken, e.writes, e.auth, e.role]).toEqual(['api-token', true, false, true, null]);
  });
});

describe('services and backups', () => {
  it('lists services, and a service’s backups newest first (404 naming an unknown service)', async () => {
    const services = (await endpoint('Services_List').resolve(request('GET', '/api/v1/services'), ctx)).body as { data: { id: string }[] };
    expect(services.data.map((s) => s.id)).toEqual(['svc_0001', 'svc_0002', 'svc_0003']);
    const backups = (await endpoint('Backups_List').resolve(request('GET', '', { params: { serviceId: 'svc_0001' } }), ctx)).body as { data: { startedAt: string }[] };
    expect(backups.data).toHaveLength(7);
    expect(backups.data[0]!.startedAt > backups.data[6]!.startedAt).toBe(true);
    expect(await endpoint('Backups_List').resolve(request('GET', '', { params: { serviceId: 'svc_9' } }), ctx)).toEqual({ status: 404, body: { error: 'no service svc_9' } });
  });

  it('starts an on-demand backup (202, queued), 409 while one is queued', async () => {
    const start = () => endpoint('Backups_Start').resolve(request('POST', '', { params: { serviceId: 'svc_0002' } }), ctx);
    const first = await start();
    expect(first).toMatchObject({ status: 202, body: { serviceId: 'svc_0002', trigger: 'on-demand', status: 'queued', finishedAt: null } });
    const id = (first.body as { id: string }).id;
    expect(await start()).toEqual({ status: 409, body: { error: `backup ${id} of svc_0002 is queued already` } });
    expect(await endpoint('Backups_Get').resolve(request('GET', '', { params: { backupId: id } }), ctx)).toMatchObject({ status: 200, body: { id } });
    expect(await endpoint('Backups_Get').resolve(request('GET', '', { params: { backupId: 'bkp_x' } }), ctx)).toEqual({ status: 404, body: { error: 'no backup bkp_x' } });
  });

  it('declares each endpoint once with its permission', () => {
    expect(REFRESH_TOKEN_ENDPOINTS.map((e) => `${e.method} ${e.path} ${e.role ?? 'none'}`)).toEqual([
      'GET /api/health none',
      'POST /auth/token none',
      'GET /api/v1/services backups:read',
      'GET /api/v1/services/{serviceId}/backups backups:read',
      'POST /api/v1/services/{serviceId}/backups backups:run',
      'GET /api/v1/backups/{backupId} backups:read',
    ]);
  });
});
