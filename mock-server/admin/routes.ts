import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyPluginAsync, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { GoliveError } from '../../errors.ts';
import { issueSentence } from '../../zod-issues.ts';
import { forgedCopy } from '../domain/events.ts';
import { AUTH_PROBES, SIGNATURE_PROBES } from '../webhooks/index.ts';
import type { Endpoint } from '../handlers/endpoint.ts';
import type { MockControl } from '../control.ts';
import type { ApiListener } from '../transports/fastify.ts';
import { NO_FASTIFY_SCHEMAS } from '../transports/no-fastify-schemas.ts';
import { BAD_TLS_KINDS } from '../transports/tls.ts';
import { CONSOLE_ASSETS, SECURITY_HEADERS, loadConsoleAssets } from './console-assets.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, type Sessions, cookieValue, createSessions, crossSiteReason, sameSecret } from './session.ts';
import { openStream, type Stream } from './stream.ts';

const scopeList = z.union([z.literal('*'), z.array(z.string().min(1))]);

const createUserBody = z.strictObject({
  name: z.string().min(1),
  roles: z.array(z.string()),
  stores: scopeList.optional(),
  markets: scopeList.optional(),
  environment: z.enum(['test', 'production']).optional(),
  tenant: z.string().optional(),
  tokenLifetimeSeconds: z.number().int().positive().optional(),
});

const patchUserBody = z.strictObject({
  active: z.boolean().optional(),
  roles: z.array(z.string()).optional(),
  stores: scopeList.optional(),
  markets: scopeList.optional(),
  tokenLifetimeSeconds: z.number().int().positive().optional(),
});

const rotateSecretBody = z.strictObject({
  overlapSeconds: z.number().int().min(0).optional(),
});

/** An API user change in words, for the console's timeline. */
function describePatch(patch: z.infer<typeof patchUserBody>, noun: string): string {
  const parts: string[] = [];
  if (patch.active !== undefined) parts.push(patch.active ? 'reactivated' : 'deactivated');
  if (patch.roles) parts.push(`${noun}s now ${patch.roles.join(', ') || 'none'}`);
  if (patch.stores) parts.push(`stores now ${patch.stores === '*' ? '*' : patch.stores.join(', ')}`);
  if (patch.markets) parts.push(`markets now ${patch.markets === '*' ? '*' : patch.markets.join(', ')}`);
  if (patch.tokenLifetimeSeconds) parts.push(`tokens now last ${patch.tokenLifetimeSeconds} s`);
  return parts.join('; ') || 'unchanged';
}

/** A zod failure as one sentence naming the field. */
function badRequest(error: z.ZodError): GoliveError {
  const unknownKeys = (keys: readonly string[]) => `unknown field(s) ${keys.join(', ')}`;
  return new GoliveError('GOLIVE_ERR_BAD_REQUEST', issueSentence(error.issues[0], { subject: 'body', unknownKeys }));
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw badRequest(result.error);
  return result.data;
}

const STATUS: Partial<Record<GoliveError['code'], number>> = {
  GOLIVE_ERR_BAD_REQUEST: 400,
  GOLIVE_ERR_UNKNOWN_ROLE: 400,
  GOLIVE_ERR_UNKNOWN_PROFILE: 400,
  GOLIVE_ERR_NOT_FOUND: 404,
  GOLIVE_ERR_CONFLICT: 409,
};

/** Scenarios, as whoever runs them (the CLI) offers them to the admin API. */
export interface ScenarioController {
  list(): { name: string; summary: string; phases: string[] }[];
  /** Starts a scenario against an API user (default: the demo user); one at a time. */
  start(name: string, clientId?: string): Promise<void>;
  stop(): Promise<void>;
  status(): ScenarioStatus;
}

export interface ScenarioStatus {
  running: string | null;
  phase: string | null;
  /** Where the running scenario is: its phase's number (from 0) of how many, and the wall time (epoch ms) the phase ends. */
  phaseIndex?: number;
  phaseCount?: number;
  phaseEndsAt?: number;
}

export interface AdminRoutesOptions {
  control: MockControl;
  /** The admin bearer token every call must present. */
  token: string;
  endpoints: readonly Endpoint[];
  scenarios?: ScenarioController;
  /** The API serves HTTPS, so its certificate can be swapped for a bad one. */
  tls?: boolean;
  /** The console's sign-in sessions (default: a store of this plugin's own). */
  sessions?: Sessions;
}

/**
 * The admin API (contract.md "Admin API") as a fastify plugin, every call behind the admin
 * bearer token. Trainers, CI scripts and the console drive the mock through it.
 *
 * @example
 * await app.register(adminRoutes, { control: mock, token, endpoints: profile.endpoints });
 */
export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, options) => {
  const { control } = options;

  const sessions = options.sessions ?? createSessions();
  const streams = new Set<Stream>();
  const refuse = (reply: FastifyReply) => reply.code(401).header('www-authenticate', 'Bearer realm="golive-admin"').send({ error: 'admin token required' });
  const bearerOf = (authorization: string | undefined) => /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];

  // Every route needs the admin token or the console's session cookie, except the console's
  // three static files (they hold no data) and the sign-in itself.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const bearer = bearerOf(request.headers.authorization);
    if (bearer !== undefined) return sameSecret(bearer, options.token) ? undefined : refuse(reply);
    const isPublic = (request.method === 'GET' && CONSOLE_ASSETS.has(path)) || (request.method === 'POST' && path === '/__admin/session');
    const session = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!isPublic && !sessions.valid(session)) return refuse(reply);
    // What rides on a cookie (or asks for one) must come from the console's own page on loopback.
    const why = crossSiteReason(request, request.socket.localPort ?? 0);
    if (why) return reply.code(403).send({ error: `refused: ${why}` });
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
    return payload;
  });
  const assets = loadConsoleAssets();
  for (const [path, asset] of assets) app.get(path, async (_request, reply) => reply.type(asset.type).send(asset.body));
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());

  app.post('/__admin/session', async (request, reply) => {
    const bearer = bearerOf(request.headers.authorization);
    let id: string | null = null;
    if (bearer !== undefined) id = sessions.open();
    else {
      const { code } = parse(z.strictObject({ code: z.string().min(1).max(200) }), request.body);
      id = sessions.redeem(code);
    }
    if (!id) return refuse(reply);
    const cookie = `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
    return reply.header('set-cookie', cookie).send({ signedIn: true, expiresInSeconds: SESSION_TTL_MS / 1000 });
  });
  app.get('/__admin/session', async () => ({ signedIn: true, platform: control.platform.title }));
  app.delete('/__admin/session', async (request, reply) => {
    sessions.close(cookieValue(request.headers.cookie, SESSION_COOKIE));
    return reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`).code(204).send();
  });
  app.get('/__admin/stream', async (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    const stream = openStream(reply.raw, control, control.feed, control.onDelivery, { tls: options.tls ?? false });
    streams.add(stream);
    request.raw.on('close', () => {
      streams.delete(stream);
      reply.raw.end();
    });
  });
  // Closing the listener ends each stream after its last batch, before connections are cut.
  app.addHook('preClose', async () => {
    await Promise.all([...streams].map((s) => s.end()));
  });
  const action = (text: string, clientId?: string) => control.feed.publish({ kind: 'action', text, ...(clientId ? { clientId } : {}) });

  app.setErrorHandler((error, _request, reply: FastifyReply) => {
    if (error instanceof GoliveError) return reply.code(STATUS[error.code] ?? 500).send({ error: error.message, code: error.code });
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return reply.code(status).send({ error: status === 500 ? 'internal error' : (error as Error).message });
  });

  app.get('/__admin/health', async () => ({ status: 'ok' }));
  app.get('/__admin/endpoints', async () =>
    options.endpoints.map(({ id, method, path, role, tag, summary }) => ({ id, method, path, role, tag, summary })),
  );
  app.post('/__admin/api-users', async (request, reply) => {
    const created = await control.createApiUser(parse(createUserBody, request.body));
    action(`API user ${created.name} created`, created.clientId);
    return reply.code(201).send(created);
  });
  app.get('/__admin/api-users', async () => control.listApiUsers());
  app.get<{ Params: { clientId: string } }>('/__admin/api-users/:clientId', async (request) => {
    const user = control.getApiUser(request.params.clientId);
    if (!user) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no API user ${request.params.clientId}`);
    return user;
  });
  app.patch<{ Params: { clientId: string } }>('/__admin/api-users/:clientId', async (request) => {
    const patch = parse(patchUserBody, request.body);
    const user = control.patchApiUser(request.params.clientId, patch);
    action(`${user.name}: ${describePatch(patch, control.platform.permissions.noun)}`, user.clientId);
    return user;
  });
  // `{ "overlapSeconds": N }`: the old secret keeps working N more seconds (default: the profile's window, else none).
  app.post<{ Params: { clientId: string } }>('/__admin/api-users/:clientId/rotate-secret', async (request) => {
    const { overlapSeconds } = parse(rotateSecretBody, request.body);
    const rotated = control.rotateSecret(request.params.clientId, overlapSeconds === undefined ? {} : { overlapSeconds });
    const window = rotated.previousSecret ? `the old one works until ${rotated.previousSecret.validUntil}, then answers 401` : 'the old one answers 401 from now on';
    action(`${rotated.name}: client secret rotated (${window})`, rotated.clientId);
    return rotated;
  });
  app.post<{ Params: { clientId: string } }>('/__admin/api-users/:clientId/revoke-tokens', async (request, reply) => {
    control.revokeTokens(request.params.clientId);
    action(`${control.getApiUser(request.params.clientId)?.name ?? request.params.clientId}: every token revoked`, request.params.clientId);
    return reply.code(204).send();
  });
  app.get<{ Querystring: { since?: string } }>('/__admin/journal', async (request) => {
    const since = Number(request.query.since ?? 0);
    if (!Number.isInteger(since) || since < 0) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'since: expected a whole number ≥ 0');
    return { lastSeq: control.journal.lastSeq, kept: control.journal.kept, entries: control.journal.since(since) };
  });
  app.get<{ Params: { seq: string } }>('/__admin/journal/:seq', async (request) => {
    const seq = Number(request.params.seq);
    const entry = Number.isInteger(seq) && seq > 0 ? control.journal.since(seq - 1).find((e) => e.seq === seq) : undefined;
    if (!entry) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no journal entry ${request.params.seq} (kept: the latest ones only)`);
    return entry;
  });
  app.get('/__admin/faults', async () => control.faults.list());
  app.post('/__admin/faults', async (request, reply) => {
    const rule = control.faults.add(request.body as never);
    action(`fault ${rule.id} on: ${rule.note ?? rule.action.kind}`, rule.match.apiUser);
    return reply.code(201).send(rule);
  });
  app.delete('/__admin/faults', async (_request, reply) => {
    control.faults.clear();
    action('every fault cleared');
    return reply.code(204).send();
  });
  app.delete<{ Params: { id: string } }>('/__admin/faults/:id', async (request, reply) => {
    if (!control.faults.remove(request.params.id)) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no fault rule ${request.params.id}`);
    action(`fault ${request.params.id} off`);
    return reply.code(204).send();
  });
  app.post('/__admin/subscriptions', async (request, reply) => {
    const sub = control.subscribe(request.body as never);
    return reply.code(201).send({ id: sub.id });
  });
  app.get('/__admin/subscriptions', async () => control.webhooks.list());
  app.delete<{ Params: { id: string } }>('/__admin/subscriptions/:id', async (request, reply) => {
    if (!control.webhooks.unsubscribe(request.params.id)) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no subscription ${request.params.id}`);
    return reply.code(204).send();
  });
  app.get('/__admin/deliveries', async () => ({ deliveries: control.webhooks.log(), failures: control.webhookFailures() }));
  // Deliberate redeliveries and auth probes, for a console or a test of one's own endpoint.
  app.post('/__admin/deliveries/redeliver', async (request, reply) => {
    const { eventId, ...options } = parse(
      z.strictObject({
        eventId: z.string().min(1),
        subscriptionId: z.string().min(1).optional(),
        delayMs: z.number().int().min(0).max(600_000).optional(),
        afterTimeout: z.boolean().optional(),
      }),
      request.body,
    );
    if (!control.webhooks.event(eventId)) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `eventId: no event ${eventId} was sent`);
    const sent = control.webhooks.redeliver(eventId, options);
    // A delayed redelivery is only scheduled: answering waits for nothing.
    action(`event ${eventId} sent again (a duplicate delivery${options.delayMs ? `, in ${options.delayMs} ms` : ''})`);
    if (options.delayMs) return reply.code(202).send({ scheduled: true, delayMs: options.delayMs });
    return reply.code(200).send({ deliveries: await sent });
  });
  app.post('/__admin/deliveries/probe', async (request) => {
    const { subscriptionId, eventId, probe, otherTenantToken } = parse(
      z.strictObject({
        subscriptionId: z.string().min(1),
        eventId: z.string().min(1),
        probe: z.enum([...AUTH_PROBES, ...SIGNATURE_PROBES]),
        otherTenantToken: z.string().min(1).optional(),
      }),
      request.body,
    );
    const event = control.webhooks.event(eventId);
    if (!event) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `eventId: no event ${eventId} was sent`);
    const forged = forgedCopy(event);
    const other = otherTenantToken ?? `whk_${randomBytes(24).toString('base64url')}`;
    action(`probe ${probe} sent to subscription ${subscriptionId}`);
    return control.webhooks.deliver(subscriptionId, forged, { probe, otherTenantToken: other, note: `probe: ${probe}` });
  });
  app.post('/__admin/events', async (request, reply) => {
    const { clientId, ...spec } = parse(
      z.strictObject({ className: z.string().min(1), objectId: z.string().optional(), status: z.string().min(1), clientId: z.string().optional() }),
      request.body,
    );
    const event = await control.emitEvent(spec, clientId ? { clientId } : {});
    action(`event ${event.id}: ${spec.className} ${event.objectId} → ${event.status}`);
    return reply.code(201).send({ eventId: event.id, objectId: event.objectId, status: event.status, previousStatus: event.previousStatus });
  });
  app.get('/__admin/tls', async () => control.tlsConnections());
  app.post('/__admin/tls/certificate', async (request) => {
    const { certificate } = parse(z.strictObject({ certificate: z.enum(['valid', ...BAD_TLS_KINDS]) }), request.body);
    await control.presentCertificate(certificate);
    action(certificate === 'valid' ? 'the API presents its valid certificate again' : `the API presents a bad certificate (${certificate})`);
    return { certificate };
  });
  app.post('/__admin/clock', async (request) => {
    const { shiftMs } = parse(z.strictObject({ shiftMs: z.number().int() }), request.body);
    control.clock.shift(shiftMs);
    action(`the mock's clock moved ${shiftMs / 1000} s`);
    return { now: new Date(control.clock.now()).toISOString() };
  });
  const scenarios = options.scenarios;
  if (scenarios) {
    app.get('/__admin/scenarios', async () => ({ ...scenarios.status(), scenarios: scenarios.list() }));
    app.post<{ Params: { name: string } }>('/__admin/scenarios/:name/start', async (request, reply) => {
      const { clientId } = parse(z.strictObject({ clientId: z.string().optional() }), request.body);
      await scenarios.start(request.params.name, clientId);
      action(`scenario ${request.params.name} started`, clientId);
      return reply.code(202).send(scenarios.status());
    });
    app.post('/__admin/scenarios/stop', async () => {
      const was = scenarios.status().running;
      await scenarios.stop();
      if (was) action(`scenario ${was} stopped`);
      return scenarios.status();
    });
  }
  app.post('/__admin/reset', async (_request, reply) => {
    await control.reset();
    action('data reset to the seed');
    return reply.code(204).send();
  });
};
// Not encapsulated (what fastify-plugin marks): the token check and the error handler cover
// the whole admin listener, so an unknown path without the token still answers 401.
Object.assign(adminRoutes, { [Symbol.for('skip-override')]: true });

export interface AdminOptions extends Omit<AdminRoutesOptions, 'control'> {
  host: string;
  port: number;
}

/** The admin listener: plain HTTP on loopback, serving `adminRoutes`. */
export async function createAdminListener(control: MockControl, options: AdminOptions): Promise<ApiListener> {
  const { host, port: requested, ...routes } = options;
  const app = Fastify({ logger: false, forceCloseConnections: true, schemaController: NO_FASTIFY_SCHEMAS });
  await app.register(adminRoutes, { control, ...routes });
  await app.listen({ host, port: requested });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : requested;
  return { app, port, url: `http://${host}:${port}`, close: () => app.close() };
}
