import { randomBytes } from 'node:crypto';
import type { Server as TlsServer } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoliveError } from '../errors.ts';
import { type ScenarioController, createAdminListener } from './admin/routes.ts';
import { createFeed } from './journal/feed.ts';
import { createSessions } from './admin/session.ts';
import type { MockControl, PlatformFacts, TlsConnectionRecord, Where } from './control.ts';
import type { ApiUserSpec, CreatedApiUser, EnvironmentName } from './auth/api-users.ts';
import { createScope } from './auth/scope.ts';
import { type Clock, createClock } from './clock.ts';
import { type DomainEvent, type EventFields, newEventId } from './domain/events.ts';
import type { RateLimitSettings } from './faults/rate-limit.ts';
import { type DeliveryRecord, type RegisteredSubscription, WebhookSender, defaultFailureEvent } from './webhooks/index.ts';
import type { Runtime } from './handlers/pipeline.ts';
import { type Profile, endpointInfo } from './handlers/profile.ts';
import { createRuntime, createSharedRuntimeParts } from './handlers/runtime.ts';
import { getProfile } from './profiles/index.ts';
import type { JournalOptions } from './journal/journal.ts';
import type { SecretIndex } from './journal/redact.ts';
import { type ApiListener, createApiListener } from './transports/fastify.ts';
import { listenOnDemand } from './transports/on-demand.ts';
import { BAD_TLS_KINDS, type BadCertificate, type BadTlsKind, type TlsMaterial, createBadCertificates, createTlsMaterial } from './transports/tls.ts';

export interface MockServerOptions {
  /** The platform to simulate: a profile, or the name of one golive ships (default `omnium`). */
  profile?: Profile | string;
  /** Address every listener binds to; loopback only by default. */
  host?: string;
  /** Port of the first tenant's test environment (0: chosen by the OS, the default). */
  port?: number;
  /** Port of the admin API (0: chosen by the OS, the default). */
  adminPort?: number;
  /** Seed of the generated data (default 1). */
  seed?: number;
  /** Orders to generate per environment (default 200); stores, products and customers grow with it. */
  dataScale?: number;
  /** Tenant ids (default `['acme']`); each gets a test and a production listener of its own. */
  tenants?: readonly string[];
  /** Serve HTTPS with a generated CA (default true). */
  tls?: boolean;
  /** Where the CA certificate is written (default: a new temporary folder). */
  stateDir?: string;
  clock?: Clock;
  journal?: JournalOptions;
  /** The API user printed by `golive serve`; `false` for none. */
  demoUser?: Partial<ApiUserSpec> | false;
  /** Bearer token of the admin API (default: random). */
  adminToken?: string;
  /**
   * Extra listeners of the first tenant's test environment that present a bad certificate
   * (untrusted CA, wrong host name, expired), to tell clients that verify TLS from those that
   * do not (default true with TLS).
   */
  badTls?: boolean;
  /** Scenarios the admin API can start and stop (the CLI passes its runner). */
  scenarios?: ScenarioController;
  /** The profile's rate limits (Omnium's: omnium-api.md A7), changed or turned off (`false`). */
  rateLimits?: Partial<RateLimitSettings> | false;
  /** Hosts webhooks may be delivered to besides loopback (none by default: a mock must not send traffic elsewhere). */
  webhookAllowHosts?: readonly string[];
  /** Delays before webhook retries (default Omnium's 1 s, 5 s, 15 s). */
  webhookRetryDelaysMs?: readonly number[];
  /**
   * The HS256 key of each tenant's environment, at least 32 bytes (default: 32 random bytes
   * each). For tests that sign tokens as the mock would, so that only its claim checks can
   * refuse them; nothing over HTTP reads or sets it.
   */
  signingKey?: (where: { tenant: string; environment: EnvironmentName }) => Uint8Array;
}

export interface EnvironmentInfo {
  apiUrl: string;
}

export interface TenantInfo {
  id: string;
  environments: Record<EnvironmentName, EnvironmentInfo>;
}

export interface MockServer extends MockControl {
  /** Test environment of the first tenant: where the demo user lives. */
  readonly apiUrl: string;
  readonly environments: Record<EnvironmentName, EnvironmentInfo>;
  readonly tenants: readonly TenantInfo[];
  readonly adminUrl: string;
  readonly adminToken: string;
  /**
   * The console's address (the admin listener's root) with a fresh one-time sign-in code in
   * its fragment: opened in a browser, it signs in without typing the admin token.
   */
  consoleLink(): string;
  /** PEM file of the CA the listeners' certificates chain to (`null` without TLS). */
  readonly caCertPath: string | null;
  readonly tls: TlsMaterial | null;
  readonly demoUser: CreatedApiUser | null;
  /** URLs of the bad-TLS listeners (empty without TLS or with `badTls: false`). */
  readonly badTls: Partial<Record<BadTlsKind, string>>;
  close(): Promise<void>;
}

const ENVIRONMENTS: readonly EnvironmentName[] = ['test', 'production'];

async function listen<T>(what: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new GoliveError('GOLIVE_ERR_PORT_IN_USE', `${what}: port ${port} is in use (choose another, or 0 for any free port)`);
    }
    throw err;
  }
}

/** What the harness may know of a profile. */
function factsOf(profile: Profile): PlatformFacts {
  return {
    name: profile.name,
    title: profile.title,
    endpoints: endpointInfo(profile),
    permissions: profile.permissions,
    env: profile.env,
    webhookPath: profile.webhookPath,
    issuesTokens: profile.endpoints.some((e) => e.issuesToken),
    credentialHeader: profile.scheme.header,
    eventClasses: profile.events?.classNames ?? [],
    sampleEvent: profile.events?.sample ?? null,
    scoped: profile.universe !== undefined,
    webhookAuth: profile.webhookAuth?.kind === 'signature' ? { kind: 'signature', header: profile.webhookAuth.header } : { kind: 'header' },
    eventsNotBackToCauser: profile.events?.notBackToCauser === true,
    secrets: Object.entries(profile.secrets ?? {}).map(([name, s]) => ({ name, env: s.env })),
    rotationOverlapSeconds: profile.rotationOverlapSeconds ?? 0,
  };
}

/** A subscription's secrets, masked in the journal from now on. */
function addWebhookSecrets(secrets: SecretIndex, sub: RegisteredSubscription): void {
  const auth = sub.auth;
  if (auth?.type === 'bearer') secrets.add('webhook-secret', auth.token);
  if (auth?.type === 'basic') secrets.add('webhook-secret', auth.password);
  if (auth?.type === 'header') secrets.add('webhook-secret', auth.value);
  if (sub.signing) secrets.add('webhook-secret', sub.signing.secret);
}

/**
 * Delivers an event to the webhooks registered through the platform's own API in the
 * environment that raised it (`events.registrations`): each becomes an on-demand subscription
 * of the sender (`<tenant>.<environment>.<id>`), replaced when the registration changes.
 */
function registeredWebhooks(profile: Profile, webhooks: WebhookSender, added: (sub: RegisteredSubscription) => void): (rt: Runtime, event: DomainEvent) => void {
  const known = new Map<string, string>();
  return (rt, event) => {
    const registrations = profile.events?.registrations?.(rt.db, event) ?? [];
    for (const reg of registrations) {
      const id = `${rt.tenant}.${rt.environment}.${reg.id}`;
      const input = { ...reg, id, onDemand: true };
      const shape = JSON.stringify(input);
      try {
        if (known.get(id) !== shape) {
          webhooks.unsubscribe(id);
          added(webhooks.subscribe(input));
          known.set(id, shape);
        }
        void webhooks.deliver(id, event, { retry: true }).catch(() => {});
      } catch {
        // A registration the sender refuses (a host it may not reach) gets nothing, as a bad URL would.
      }
    }
  };
}

/**
 * Starts the simulated platform (Omnium unless `profile` says otherwise): one listener per tenant and environment (each with its
 * own signing key, API users and data), and the admin API on its own loopback port.
 *
 * @example
 * const mock = await createMockServer({ seed: 7 });
 * console.log(mock.apiUrl, mock.demoUser?.clientId);
 * await mock.close();
 */
export async function createMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? createClock();
  const profile = typeof options.profile === 'object' ? options.profile : getProfile(options.profile);
  const endpoints = profile.endpoints;
  const shared = createSharedRuntimeParts({ profile, clock, seed: options.seed, journal: options.journal, rateLimits: options.rateLimits });
  const { journal, secrets, faults, tokenListeners } = shared;
  const tenantIds = options.tenants?.length ? [...options.tenants] : ['acme'];
  const tls = options.tls === false ? null : await createTlsMaterial(options.stateDir ?? (await mkdtemp(join(tmpdir(), 'golive-'))));
  // Made when first needed (a bad-TLS listener's first connection, or `presentCertificate`), not
  // at start: `golive serve` prints none of those listeners, and the six certificates cost about
  // 75 ms of CPU before its first line.
  let badCertsMade: Promise<Record<BadTlsKind, BadCertificate>> | null = null;
  const badCertificates = (ca: TlsMaterial['ca']) => (badCertsMade ??= createBadCertificates(ca));
  const adminToken = options.adminToken ?? `gla_${randomBytes(24).toString('base64url')}`;
  secrets.add('admin-token', adminToken);
  const webhookFailures: DomainEvent[] = [];
  const deliveryListeners = new Set<(record: DeliveryRecord) => void>();
  const feed = createFeed();
  const sessions = createSessions();
  const failureEvent = profile.events?.failure ?? defaultFailureEvent;
  const webhooks = new WebhookSender({
    clock,
    ...(tls ? { ca: tls.ca.cert } : {}),
    ...(options.webhookAllowHosts ? { allowHosts: options.webhookAllowHosts } : {}),
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
    // Omnium logs a delivery that failed for good as event 290100; so does the mock.
    onFailure: (failure) => webhookFailures.push(failureEvent(failure)),
    onLog: (record) => {
      for (const listener of deliveryListeners) listener(record);
    },
    ...(profile.events?.wire ? { wire: profile.events.wire } : {}),
  });

  faults.watchDeliveries(() => webhooks.pending().inFlight > 0);
  const runtimes: Runtime[] = [];
  // Every environment is seeded alike: the first generates, the others copy (dropped after this loop).
  const generated = new Map<string, unknown>();
  for (const tenant of tenantIds) {
    for (const environment of ENVIRONMENTS) {
      const signingKey = options.signingKey?.({ tenant, environment });
      runtimes.push(await createRuntime(shared, { tenant, environment, seed: options.seed, dataScale: options.dataScale, generated, ...(signingKey ? { signingKey } : {}) }));
    }
  }

  const runtime = ({ tenant = tenantIds[0]!, environment = 'test' }: Where = {}): Runtime => {
    const rt = runtimes.find((r) => r.tenant === tenant && r.environment === environment);
    if (!rt) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no tenant "${tenant}" (tenants: ${tenantIds.join(', ')})`);
    return rt;
  };
  const owner = (clientId: string): Runtime => {
    const rt = runtimes.find((r) => r.users.get(clientId));
    if (!rt) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no API user ${clientId}`);
    return rt;
  };

  const tlsLog: TlsConnectionRecord[] = [];
  const apiListeners: ApiListener[] = [];
  let presented: BadTlsKind | 'valid' = 'valid';
  // Certificates are presented in the order asked: a bad one still being made must not land after the valid one asked for since.
  let presenting: Promise<void> = Promise.resolve();
  const registered = registeredWebhooks(profile, webhooks, (s) => addWebhookSecrets(secrets, s));
  for (const rt of runtimes) {
    rt.events.subscribe((event) => {
      webhooks.publish(event);
      registered(rt, event);
    });
  }
  for (const rt of runtimes) for (const secret of Object.values(profile.secrets ?? {})) secrets.add('platform-secret', secret.read(rt.db));
  for (const rt of runtimes) if (profile.webhookAuth?.kind === 'signature' && profile.webhookAuth.secret) secrets.add('webhook-secret', profile.webhookAuth.secret(rt.db));
  const control: MockControl = {
    webhooks,
    webhookFailures: () => [...webhookFailures],
    subscribe(input) {
      const sub = webhooks.subscribe(input);
      addWebhookSecrets(secrets, sub);
      return sub;
    },
    async emitEvent(spec, where = {}) {
      if (!profile.events) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', `${profile.title} sends no events`);
      const user = where.clientId ? control.getApiUser(where.clientId) : undefined;
      const rt = runtime({ tenant: where.tenant ?? user?.tenant, environment: where.environment ?? user?.environment });
      const scope = createScope(user?.stores ?? '*', user?.markets ?? '*');
      return rt.events.emit(await profile.events.change(rt.db, spec, scope, clock.now()), clock.now());
    },
    platform: factsOf(profile),
    snapshot: (where) => runtime(where).db.snapshot(),
    webhookSecret(where) {
      const style = profile.webhookAuth;
      return style?.kind === 'signature' && style.secret ? style.secret(runtime(where).db) : null;
    },
    platformSecret(name, where) {
      const secret = profile.secrets?.[name];
      if (!secret) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `${profile.title} has no secret "${name}" (it has: ${Object.keys(profile.secrets ?? {}).join(', ') || 'none'})`);
      return secret.read(runtime(where).db);
    },
    universe: (where) => (profile.universe ? profile.universe(runtime(where).db) : null),
    eventFootprint: (objectId, where) => profile.events?.footprint(runtime(where).db, objectId) ?? [],
    anotherSubject: (objectId, stores, where) => profile.events?.another(runtime(where).db, objectId, stores),
    unknownEvent(about) {
      const shape = profile.events?.unknown;
      return shape ? { event: { ...shape.fields(about), id: newEventId(), timestamp: new Date(clock.now()).toISOString() }, label: shape.label } : null;
    },
    async twinObjects(where = {}) {
      const make = profile.events?.twins;
      if (!make) return null;
      const user = where.clientId ? control.getApiUser(where.clientId) : undefined;
      const rt = runtime({ tenant: user?.tenant, environment: user?.environment });
      // The change comes a second after the creation, as the events' timestamps say.
      const changed = clock.now();
      const times = { created: changed - 1_000, changed };
      const stamp = (fields: EventFields, at: number): DomainEvent => ({ ...fields, id: newEventId(), timestamp: new Date(at).toISOString() });
      const made = await make(rt.db, createScope(user?.stores ?? '*', user?.markets ?? '*'), times);
      const twin = (o: (typeof made)[number]) => ({ objectId: o.objectId, ids: o.ids, created: stamp(o.created, times.created), changed: stamp(o.changed, times.changed) });
      return [twin(made[0]), twin(made[1])];
    },
    onEvent(listener) {
      const stops = runtimes.map((rt) => rt.events.subscribe(listener));
      return () => {
        for (const stop of stops) stop();
      };
    },
    tlsConnections: () => [...tlsLog],
    presentCertificate(kind) {
      if (!tls) return Promise.reject(new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'the mock serves plain HTTP: there is no certificate to change'));
      const next = presenting.then(async () => {
        const pair = kind === 'valid' ? tls.server : (await badCertificates(tls.ca))[kind];
        presented = kind;
        for (const l of apiListeners) {
          // fastify types its server as plain HTTP; with TLS it is an https.Server.
          const server = l.app.server as unknown as TlsServer & { closeIdleConnections?: () => void };
          server.setSecureContext({ cert: pair.cert, key: pair.key });
          server.closeIdleConnections?.();
        }
      });
      presenting = next.catch(() => {});
      return next;
    },
    journal,
    clock,
    faults,
    async createApiUser(spec) {
      const rt = runtime(spec);
      const created = rt.users.create(spec);
      secrets.add('client-secret', created.clientSecret);
      return created;
    },
    listApiUsers: () => runtimes.flatMap((r) => r.users.list()),
    getApiUser: (clientId) => runtimes.flatMap((r) => r.users.list()).find((u) => u.clientId === clientId),
    patchApiUser: (clientId, patch) => owner(clientId).users.patch(clientId, patch),
    revokeTokens: (clientId) => owner(clientId).users.revokeTokens(clientId),
    rotateSecret(clientId, options) {
      const rotated = owner(clientId).users.rotateSecret(clientId, options);
      secrets.add('client-secret', rotated.clientSecret);
      return rotated;
    },
    onDelivery(listener) {
      deliveryListeners.add(listener);
      return () => deliveryListeners.delete(listener);
    },
    feed,
    async reset() {
      for (const rt of runtimes) await rt.db.reset();
    },
    onTokenIssued(listener) {
      tokenListeners.add(listener);
      return () => tokenListeners.delete(listener);
    },
  };

  const listeners: { readonly url: string; close(): Promise<void> }[] = [];
  const closeAll = () => Promise.allSettled(listeners.map((l) => l.close()));
  try {
    for (const rt of runtimes) {
      const first = rt === runtimes[0];
      const port = first ? (options.port ?? 0) : 0;
      const listener = await listen(`the ${rt.environment} API of tenant ${rt.tenant}`, port, () =>
        createApiListener(rt, endpoints, {
          host,
          port,
          name: 'api',
          ...(tls
            ? {
                tls: tls.server,
                // A client calling http:// is seen (journaled, refused with 403), not just unable to connect.
                refusePlainHttp: true,
                onTls: (event) => {
                  if (presented !== 'valid') tlsLog.push({ listener: `api:${presented}`, mono: performance.now(), ...event });
                },
              }
            : {}),
        }),
      );
      listeners.push(listener);
      apiListeners.push(listener);
    }
    const badTls: Partial<Record<BadTlsKind, string>> = {};
    if (tls && options.badTls !== false) {
      for (const kind of BAD_TLS_KINDS) {
        // The port is bound now; its certificate and fastify app are made on its first connection.
        const listener = await listenOnDemand({ host, port: 0, protocol: 'https' }, async () => {
          // It binds a port of its own too (fastify boots by listening), which nobody is told of.
          const made = await createApiListener(runtimes[0]!, endpoints, {
            host,
            port: 0,
            name: `bad-tls:${kind}`,
            tls: (await badCertificates(tls.ca))[kind],
            onTls: (event) => tlsLog.push({ listener: kind, mono: performance.now(), ...event }),
          });
          return { server: made.app.server, close: made.close };
        });
        listeners.push(listener);
        badTls[kind] = listener.url;
      }
    }
    const adminPort = options.adminPort ?? 0;
    const admin = await listen('the admin API', adminPort, () =>
      createAdminListener(control, {
        host,
        port: adminPort,
        token: adminToken,
        sessions,
        tls: tls !== null,
        endpoints,
        ...(options.scenarios ? { scenarios: options.scenarios } : {}),
      }),
    );
    listeners.push(admin);

    const urlOf = (rt: Runtime) => listeners[runtimes.indexOf(rt)]!.url;
    const tenants: TenantInfo[] = tenantIds.map((id) => ({
      id,
      environments: { test: { apiUrl: urlOf(runtime({ tenant: id })) }, production: { apiUrl: urlOf(runtime({ tenant: id, environment: 'production' })) } },
    }));
    const demoUser =
      options.demoUser === false
        ? null
        : await control.createApiUser({ name: 'Demo integration', roles: profile.permissions.owner, ...options.demoUser });

    return {
      ...control,
      apiUrl: tenants[0]!.environments.test.apiUrl,
      environments: tenants[0]!.environments,
      tenants,
      adminUrl: admin.url,
      adminToken,
      consoleLink: () => `${admin.url}/#code=${sessions.code()}`,
      caCertPath: tls?.caCertPath ?? null,
      tls,
      demoUser,
      badTls,
      async close() {
        await webhooks.close();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
