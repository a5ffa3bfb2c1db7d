/**
 * The backup platform's API: `POST /auth/token` exchanges the API token (in
 * `Authorization: Bearer`, never in the URL or a body) for an access token; with that, services
 * and their backups are listed and an on-demand backup started. Errors are JSON `{ error }`.
 */
import { z } from 'zod';
import { type ApiResponse, type Endpoint, defineEndpoint, reply } from '../../handlers/endpoint.ts';
import { fingerprint } from '../../secrets.ts';
import { API_TOKEN, API_TOKEN_CLAIM, bearerOf } from './auth.ts';
import { type Backup, type BackupData, backup, backupService } from './domain.ts';
import { BACKUPS_READ, BACKUPS_RUN } from './permissions.ts';

const error = (message: string, status: number): ApiResponse => reply.json({ error: message }, status);

const exchange = defineEndpoint<BackupData>({
  id: 'Auth_Token',
  method: 'POST',
  path: '/auth/token',
  role: null,
  credential: API_TOKEN,
  issuesToken: true,
  writes: false,
  tag: 'Auth',
  summary: 'Exchanges the API token (Authorization: Bearer) for a short-lived access token',
  request: {},
  response: z
    .object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.int(), expires_at: z.string() })
    .meta({ id: 'AccessToken' }),
  async resolve(req, ctx): Promise<ApiResponse> {
    const apiToken = bearerOf(req.headers.authorization)!;
    // The access token carries the API token's permissions, and which API token made it.
    const issued = await ctx.tokens.mint(ctx.clientId!, { scope: [...ctx.granted], claims: { [API_TOKEN_CLAIM]: fingerprint(apiToken) } });
    const journal = { credentialsIn: 'header' as const };
    if (!issued) return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: { error: 'unauthorized' }, journal };
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, expires_at: new Date(issued.exp * 1000).toISOString() },
      journal: { ...journal, issued: { tokenId: issued.tokenId, fingerprint: issued.fingerprint, exp: issued.exp } },
    };
  },
});

const listServices = defineEndpoint<BackupData>({
  id: 'Services_List',
  method: 'GET',
  path: '/api/v1/services',
  role: BACKUPS_READ,
  tag: 'Services',
  summary: 'The services backed up',
  request: {},
  response: z.object({ data: z.array(backupService) }),
  resolve: (_req, { db }) => reply.json({ data: [...db.services.values()] }),
});

const listBackups = defineEndpoint<BackupData>({
  id: 'Backups_List',
  method: 'GET',
  path: '/api/v1/services/{serviceId}/backups',
  role: BACKUPS_READ,
  tag: 'Backups',
  summary: "A service's backups, newest first",
  request: { query: z.object({ status: z.enum(['queued', 'running', 'completed', 'failed']).optional() }) },
  response: z.object({ data: z.array(backup) }),
  resolve(req, { db }) {
    const serviceId = req.params.serviceId!;
    if (!db.services.has(serviceId)) return error(`no service ${serviceId}`, 404);
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    const data = [...db.backups.values()].filter((b) => b.serviceId === serviceId && (status === undefined || b.status === status)).reverse();
    return reply.json({ data });
  },
});

const startBackup = defineEndpoint<BackupData>({
  id: 'Backups_Start',
  method: 'POST',
  path: '/api/v1/services/{serviceId}/backups',
  role: BACKUPS_RUN,
  tag: 'Backups',
  summary: 'Starts an on-demand backup of a service (queued; 409 while one is queued)',
  request: {},
  response: backup,
  okStatus: 202,
  resolve(req, ctx) {
    const { db } = ctx;
    const serviceId = req.params.serviceId!;
    if (!db.services.has(serviceId)) return error(`no service ${serviceId}`, 404);
    const queued = [...db.backups.values()].find((b) => b.serviceId === serviceId && b.status === 'queued');
    if (queued) return error(`backup ${queued.id} of ${serviceId} is queued already`, 409);
    const started: Backup = {
      id: `bkp_${String(db.backups.size + 1).padStart(6, '0')}`,
      serviceId,
      trigger: 'on-demand',
      status: 'queued',
      startedAt: ctx.now().toISOString(),
      finishedAt: null,
      records: 0,
    };
    db.backups.set(started.id, started);
    return reply.json(started, 202);
  },
});

const getBackup = defineEndpoint<BackupData>({
  id: 'Backups_Get',
  method: 'GET',
  path: '/api/v1/backups/{backupId}',
  role: BACKUPS_READ,
  tag: 'Backups',
  summary: 'One backup',
  request: {},
  response: backup,
  resolve(req, { db }) {
    const found = db.backups.get(req.params.backupId!);
    return found ? reply.json(found) : error(`no backup ${req.params.backupId!}`, 404);
  },
});

const health = defineEndpoint<BackupData>({
  id: 'Health_Get',
  method: 'GET',
  path: '/api/health',
  role: null,
  auth: false,
  limit: 'none',
  tag: 'Health',
  summary: 'Answers 200 while the platform is up',
  request: {},
  response: z.object({ status: z.literal('ok') }),
  resolve: () => reply.json({ status: 'ok' }),
});

export const REFRESH_TOKEN_ENDPOINTS: readonly Endpoint<BackupData>[] = [health, exchange, listServices, listBackups, startBackup, getBackup];
