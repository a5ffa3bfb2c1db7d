import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { GoliveError } from '../../errors.ts';
import type { Clock } from '../clock.ts';
import { type DomainEvent, newEventId } from '../domain/events.ts';
import { mask } from '../secrets.ts';
import { createHostGuard, type HostGuard } from './hosts.ts';
import { type Scheduler, realScheduler } from './scheduler.ts';
import { sign, signingKey } from './signature.ts';
import {
  HEADER_VALUE,
  matches,
  parseSubscription,
  type RegisteredSubscription,
  type SubscriptionInput,
  type SubscriptionView,
  type WebhookAuth,
  viewSubscription,
} from './subscriptions.ts';

/** Omnium's three retries: 1 s, 5 s and 15 s after the failed attempt (omnium-api.md A8). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 5000, 15_000];
/** Failures Omnium does not retry: the retry policy "does not apply" to them (A8). */
export const RETRY_EXEMPT_STATUSES: readonly number[] = [400, 404, 429];
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
export const DEFAULT_LOG_SIZE = 10_000;
/** The timeout of the first attempt of `redeliver(id, { afterTimeout: true })`. */
export const SIMULATED_TIMEOUT_MS = 50;
/** Omnium's event id for a subscription's delivery result (A8). */
export const WEBHOOK_FAILED_OPERATION_ID = 290100;

// Enough parallel connections per receiver for well over 5,000 deliveries/s on loopback; a receiver
// that needs fewer simply leaves some kept-alive sockets idle.
const MAX_SOCKETS_PER_ORIGIN = 32;
// Requests handed to the agent per receiver: one more per socket waits in the agent, so a socket is
// reused the moment it frees (measured ~20 % faster than handing over only as many as there are
// sockets). The rest wait in the sender's own queue (see Lane), their timeouts not yet running.
const MAX_OUT_PER_ORIGIN = 2 * MAX_SOCKETS_PER_ORIGIN;
const CONTENT_TYPE = 'application/json; charset=utf-8';
const CLOSED = 'closed';
const NOOP = () => {};

export type DeliveryKind = 'delivery' | 'retry' | 'duplicate' | 'probe';

/**
 * A deliberate authentication mistake: no auth header, a wrong secret in the same place, or the
 * secret of another tenant (which the receiver must not accept for this one).
 */
export type Probe = 'no-auth' | 'wrong-token' | 'other-tenant';

/** One HTTP request the sender made, and what came of it. */
export interface DeliveryRecord {
  /** Increases by one per record, across the sender. */
  seq: number;
  eventId: string;
  subscriptionId: string;
  /** 1 for the first send, 2… for its retries; an HTTP fallback repeats its attempt's number. */
  attempt: number;
  kind: DeliveryKind;
  probe?: Probe;
  note?: string;
  verb: 'POST' | 'PUT';
  /** The URL requested, its scheme kept (http:// for an HTTP fallback). */
  url: string;
  scheme: 'https' | 'http';
  /** The auth header as sent, masked (`Bearer eyJh…Q2x8`); `null` when none was sent. */
  authSent: string | null;
  /** The receiver's status; `null` when none came (connection error, timeout before the headers). */
  status: number | null;
  /** `timeout`, or the Node error code (`ECONNREFUSED`, `ECONNRESET`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`…). */
  error: string | null;
  timedOut: boolean;
  /** The https:// URL's receiver answered the TLS handshake in plain HTTP. */
  plainHttpOnly?: boolean;
  /** This request is the http:// fallback of an https:// attempt (`fallbackToHttp`). */
  fallback?: boolean;
  /** The `Location` of a 3xx, which the sender never follows. */
  location?: string;
  latencyMs: number;
  /** Response body bytes read (at most `maxResponseBytes`). */
  responseBytes: number;
  /** The body was longer than `maxResponseBytes`; the rest was discarded with the connection. */
  responseTruncated?: boolean;
  /** Mock-clock time of the request (ISO). */
  startedAt: string;
  /** `performance.now()` at the request, to order and time records without the mock clock's shifts. */
  startMono: number;
}

/**
 * Event 290100 (EventSubscriptionExecuted) as Omnium logs a delivery that finally failed (A8).
 * Passed to `onFailure`; the lead decides where it goes (the journal, the event list).
 */
export interface WebhookFailureEvent {
  id: string;
  operationId: typeof WEBHOOK_FAILED_OPERATION_ID;
  timestamp: string;
  /** `Order webhook: POST <url> |Error: <reason>. Took: <n> ms` */
  message: string;
  className: 'EventSubscription';
  subClassName: 'WebHook';
  /** The failed event's object. */
  objectId: string;
  objectNumber?: string;
  /** `<className> webhook`: `Order webhook` for order events, as in Omnium's example. */
  category: string;
  status: 'Failed';
  market?: string;
  storeId?: string;
  isError: true;
  isRead: false;
  /** `EventId`, `SubscriptionId` and `Attempts` of the failed delivery. */
  attachments: { name: string; value: string }[];
}

export interface WebhookSenderOptions {
  /** For timestamps (`startedAt`, the signature timestamp, failure events). */
  clock: Clock;
  /** Where retries and delayed redeliveries wait (default: real timers). Request timeouts always use real time. */
  scheduler?: Scheduler;
  /** Delays before retry 1, 2, 3… (default 1 s, 5 s, 15 s). */
  retryDelaysMs?: readonly number[];
  /** PEM of the CAs trusted for https:// receivers (the harness CA); default Node's roots. */
  ca?: string | readonly string[];
  /** Hosts allowed besides loopback: names, IP addresses or CIDR ranges. */
  allowHosts?: readonly string[];
  /** Response bytes read per delivery (default 64 KiB); the rest is discarded. */
  maxResponseBytes?: number;
  /** Records kept by `log()` (default 10,000), oldest dropped first. */
  logSize?: number;
  /** Every record, as it is made. */
  onLog?: (record: DeliveryRecord) => void;
  /** Every delivery that failed for good (after its retries, or at once when not retried). */
  onFailure?: (event: WebhookFailureEvent) => void;
}

export interface DeliverOptions {
  probe?: Probe;
  /** The other tenant's secret, for `probe: 'other-tenant'`; sent in this subscription's auth scheme. */
  otherTenantToken?: string;
  /** This attempt's timeout (default the subscription's). */
  timeoutMs?: number;
  /** Follow the retry policy after a failure (default false: one attempt). Probes are never retried. */
  retry?: boolean;
  note?: string;
}

export interface RedeliverOptions {
  /** Wait this long on the scheduler first. */
  delayMs?: number;
  /**
   * Send with a 50 ms timeout so the sender gives up while the receiver still works, record it as
   * timed out, then send it again after the first retry delay, as Omnium does after a timeout.
   */
  afterTimeout?: boolean;
  /** Only to this subscription (default every subscription the event went to). */
  subscriptionId?: string;
  note?: string;
}

/** Whether Omnium retries after this result: timeouts, connection errors, 5xx and 4xx but 400, 404, 429. */
export function isRetryable(result: Pick<DeliveryRecord, 'status' | 'timedOut'>): boolean {
  const { status } = result;
  if (result.timedOut || status === null) return true;
  if (status >= 500) return true;
  return status >= 400 && !RETRY_EXEMPT_STATUSES.includes(status);
}

/** A 2xx that arrived in time. */
export function isSuccess(result: Pick<DeliveryRecord, 'status' | 'timedOut'>): boolean {
  return !result.timedOut && result.status !== null && result.status >= 200 && result.status < 300;
}

/**
 * The requests to one origin: at most MAX_OUT_PER_ORIGIN out at once, the rest queued here
 * rather than in the http.Agent, whose queue is an array it shifts (slow when long) and whose
 * queued requests would already be running their timeouts.
 */
interface Lane {
  active: number;
  queue: (() => void)[];
  head: number;
}

interface Endpoint {
  readonly lane: Lane;
  readonly module: typeof http | typeof https;
  readonly agent: http.Agent;
  readonly hostname: string;
  readonly port: number;
  readonly path: string;
  readonly url: string;
  readonly scheme: 'https' | 'http';
}

interface AuthHeader {
  readonly name: string;
  readonly value: string;
  readonly shown: string;
}

/** A subscription compiled for sending: built once so a delivery copies as little as possible. */
interface Target {
  readonly sub: RegisteredSubscription;
  readonly endpoint: Endpoint;
  /** The http:// twin of an https:// endpoint. */
  readonly fallback: Endpoint | null;
  /** content-type and the custom headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly auth: AuthHeader | null;
  readonly signKey: Buffer | null;
}

interface EventEntry {
  readonly event: DomainEvent;
  readonly body: Buffer;
  readonly contentLength: string;
  /** The subscriptions it was sent to, for `redeliver`. */
  readonly sentTo: Set<string>;
}

interface Send {
  readonly target: Target;
  readonly entry: EventEntry;
  readonly attempt: number;
  readonly kind: DeliveryKind;
  readonly probe?: Probe;
  readonly note?: string;
  readonly auth: AuthHeader | null;
  readonly timeoutMs: number;
  /** Follow the retry policy and report a final failure. */
  readonly retry: boolean;
  /** Schedule the next attempt even after a success (the simulated-timeout redelivery). */
  readonly forceRetry?: boolean;
}

interface Outcome {
  /** Mock-clock and monotonic time when the request went out (after any wait in its lane). */
  startedAt: number;
  startMono: number;
  endMono: number;
  status: number | null;
  error: string | null;
  timedOut: boolean;
  plainHttpOnly: boolean;
  /** Failed on a kept-alive socket before any response: the receiver closed it meanwhile. */
  staleSocket: boolean;
  bytes: number;
  truncated: boolean;
  location: string | undefined;
}

function authHeader(auth: WebhookAuth): AuthHeader {
  if (auth.type === 'bearer') return { name: 'authorization', value: `Bearer ${auth.token}`, shown: `Bearer ${mask(auth.token)}` };
  if (auth.type === 'basic') {
    const b64 = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
    return { name: 'authorization', value: `Basic ${b64}`, shown: `Basic ${mask(b64)}` };
  }
  return { name: auth.name.toLowerCase(), value: auth.value, shown: `${auth.name}: ${mask(auth.value)}` };
}

/** A random secret of the same length, so a receiver cannot tell it apart by its size. */
function wrongLike(secret: string): string {
  let s: string;
  do s = randomBytes(Math.ceil((secret.length * 3) / 4) + 3).toString('base64url').slice(0, Math.max(secret.length, 1));
  while (s === secret);
  return s;
}

function errorCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  // OpenSSL 3 reports a plain-HTTP answer to a ClientHello as EPROTO with this reason in the message.
  if (/wrong version number/i.test(error.message)) return 'ERR_SSL_WRONG_VERSION_NUMBER';
  return code ?? error.message;
}

/** The TLS handshake got something that is not TLS: typically `HTTP/1.1 400` from a plain-HTTP server. */
function isPlainHttpAnswer(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_HTTP_REQUEST') return true;
  return (code === 'EPROTO' || code.startsWith('ERR_SSL_')) && /wrong version number|http request|packet length too long/i.test(error.message);
}

function failureReason(record: DeliveryRecord): string {
  if (record.timedOut) return 'timeout';
  if (record.error !== null && record.status === null) return record.error;
  return `${record.status} ${http.STATUS_CODES[record.status ?? 0] ?? ''}`.trim();
}


/**
 * Omnium's outbound webhooks: event subscriptions with filters, bearer / basic / header auth, the
 * 1-5-15 s retry policy and event 290100 for a final failure; plus the deliberate misbehaviours a
 * certification needs (duplicates, auth probes, a simulated timeout). Loopback only
 * unless told otherwise; never follows redirects; never disables certificate checks.
 *
 * @example
 * const sender = new WebhookSender({ clock, ca: tls.ca.cert, onFailure: (e) => journal.event(e) });
 * sender.subscribe({ url: 'https://127.0.0.1:4000/hooks/omnium', auth: { type: 'bearer', token }, classNames: ['Order'] });
 * bus.subscribe((event) => sender.publish(event));
 * await sender.idle();
 */
export class WebhookSender {
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #retryDelays: readonly number[];
  readonly #maxResponseBytes: number;
  readonly #logSize: number;
  readonly #onLog: ((record: DeliveryRecord) => void) | undefined;
  readonly #onFailure: ((event: WebhookFailureEvent) => void) | undefined;
  readonly #hosts: HostGuard;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;

  readonly #targets = new Map<string, Target>();
  readonly #events = new Map<string, EventEntry>();
  readonly #log: DeliveryRecord[] = [];
  #logNext = 0;
  #seq = 0;
  #nextId = 1;

  /** Sends and orchestrations under way. */
  #busy = 0;
  /** Scheduled retries and delayed redeliveries, with what to do if the sender closes first. */
  readonly #timers = new Map<unknown, () => void>();
  readonly #requests = new Set<http.ClientRequest>();
  readonly #lanes = new Map<string, Lane>();
  #drainWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: WebhookSenderOptions) {
    this.#clock = options.clock;
    this.#scheduler = options.scheduler ?? realScheduler;
    this.#retryDelays = [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)];
    this.#retryDelays.forEach((ms, i) => {
      if (!Number.isFinite(ms) || ms < 0) throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `retryDelaysMs.${i}: expected milliseconds ≥ 0`);
    });
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isInteger(this.#maxResponseBytes) || this.#maxResponseBytes < 0) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', 'maxResponseBytes: expected a whole number of bytes ≥ 0');
    }
    this.#logSize = options.logSize ?? DEFAULT_LOG_SIZE;
    if (!Number.isInteger(this.#logSize) || this.#logSize < 1) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', 'logSize: expected a whole number ≥ 1');
    }
    this.#onLog = options.onLog;
    this.#onFailure = options.onFailure;
    this.#hosts = createHostGuard(options.allowHosts);
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_ORIGIN });
    this.#httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: MAX_SOCKETS_PER_ORIGIN,
      ...(options.ca === undefined ? {} : { ca: typeof options.ca === 'string' ? options.ca : [...options.ca] }),
    });
  }

  /**
   * Validates the subscription (see `parseSubscription`), refuses a host that is neither loopback
   * nor allowed, and adds it; returns it with its id (`s1`, `s2`… unless given), secrets included.
   */
  subscribe(input: SubscriptionInput | RegisteredSubscription): RegisteredSubscription {
    const parsed = parseSubscription(input);
    const url = new URL(parsed.url);
    if (!this.#hosts.allows(url.hostname)) {
      throw new GoliveError(
        'GOLIVE_ERR_BAD_REQUEST',
        `url: host ${url.hostname} is not loopback; webhooks go only to 127.0.0.0/8, ::1 and localhost unless allowHosts names the host`,
      );
    }
    let id = parsed.id;
    if (id === undefined) {
      do id = `s${this.#nextId++}`;
      while (this.#targets.has(id));
    } else if (this.#targets.has(id)) {
      throw new GoliveError('GOLIVE_ERR_CONFLICT', `id: a subscription ${id} exists already`);
    }
    const sub: RegisteredSubscription = deepFreeze({ ...parsed, id });
    this.#targets.set(id, this.#compile(sub, url));
    return sub;
  }

  /** Removes a subscription; its scheduled retries are dropped. `false` when there is none with this id. */
  unsubscribe(id: string): boolean {
    return this.#targets.delete(id);
  }

  /** The subscriptions, secrets masked. */
  list(): SubscriptionView[] {
    return [...this.#targets.values()].map((t) => viewSubscription(t.sub));
  }

  /** Sends the event to every matching subscription, with retries. Returns at once; failures go to the log. */
  publish(event: DomainEvent): void {
    if (this.#closed) return;
    let entry: EventEntry | undefined;
    for (const target of this.#targets.values()) {
      if (!matches(target.sub, event)) continue;
      entry ??= this.#remember(event);
      entry.sentTo.add(target.sub.id);
      void this.#attempt({ target, entry, attempt: 1, kind: 'delivery', auth: target.auth, timeoutMs: target.sub.timeoutMs, retry: true });
    }
  }

  /**
   * One attempt to one subscription, filters ignored: a deliberate duplicate (the same event
   * again), a first delivery, or an auth probe. Resolves with its record.
   *
   * @example
   * await sender.deliver('s1', event, { probe: 'other-tenant', otherTenantToken: tenantB.token });
   */
  async deliver(subscriptionId: string, event: DomainEvent, options: DeliverOptions = {}): Promise<DeliveryRecord> {
    this.#open();
    const target = this.#target(subscriptionId);
    const timeoutMs = options.timeoutMs ?? target.sub.timeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'timeoutMs: expected milliseconds > 0');
    const auth = options.probe === undefined ? target.auth : this.#probeAuth(target, options.probe, options.otherTenantToken);
    const known = this.#events.get(event.id);
    const entry = known?.event === event ? known : this.#remember(event);
    const kind: DeliveryKind = options.probe ? 'probe' : entry.sentTo.has(subscriptionId) ? 'duplicate' : 'delivery';
    if (!options.probe) entry.sentTo.add(subscriptionId);
    return this.#attempt({
      target,
      entry,
      attempt: 1,
      kind,
      auth,
      timeoutMs,
      retry: options.probe === undefined && options.retry === true,
      ...(options.probe ? { probe: options.probe } : {}),
      ...(options.note === undefined ? {} : { note: options.note }),
    });
  }

  /**
   * Sends an event already sent, with the same id, to the subscriptions it went to: at once, after
   * `delayMs` on the scheduler, or after a simulated timeout (see `RedeliverOptions.afterTimeout`).
   * Resolves with the records of the first sends (their retries follow in the log).
   */
  async redeliver(eventId: string, options: RedeliverOptions = {}): Promise<DeliveryRecord[]> {
    this.#open();
    const entry = this.#events.get(eventId);
    if (!entry) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `eventId: no event ${eventId} was sent (or it is older than the last ${this.#logSize})`);
    const targets =
      options.subscriptionId !== undefined
        ? [this.#target(options.subscriptionId)]
        : [...entry.sentTo].flatMap((id) => this.#targets.get(id) ?? []);
    const delayMs = options.delayMs ?? 0;
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'delayMs: expected milliseconds ≥ 0');
    const sendAll = () =>
      Promise.all(
        // A subscription removed while the redelivery waited is left out.
        targets.filter((t) => this.#targets.get(t.sub.id) === t).map((target) => {
          entry.sentTo.add(target.sub.id);
          return this.#attempt({
            target,
            entry,
            attempt: 1,
            kind: 'duplicate',
            auth: target.auth,
            timeoutMs: options.afterTimeout ? SIMULATED_TIMEOUT_MS : target.sub.timeoutMs,
            retry: true,
            forceRetry: options.afterTimeout === true,
            ...(options.note !== undefined ? { note: options.note } : options.afterTimeout ? { note: 'simulated timeout' } : {}),
          });
        }),
      );
    if (delayMs === 0) return sendAll();
    return new Promise<DeliveryRecord[]>((resolve) => {
      this.#schedule(delayMs, () => resolve(sendAll()), () => resolve([]));
    });
  }

  /** An event sent before (kept for `redeliver` and probes, the last `logSize`). */
  event(id: string): DomainEvent | undefined {
    return this.#events.get(id)?.event;
  }

  /** The delivery records, oldest first (the last `logSize`). */
  log(): DeliveryRecord[] {
    if (this.#log.length < this.#logSize) return this.#log.slice();
    return this.#log.slice(this.#logNext).concat(this.#log.slice(0, this.#logNext));
  }

  /** Sends in flight and retries waiting on the scheduler. */
  pending(): { inFlight: number; scheduled: number } {
    return { inFlight: this.#busy, scheduled: this.#timers.size };
  }

  /** Resolves when no send is in flight; retries waiting on the scheduler may remain (advance a manual scheduler). */
  drain(): Promise<void> {
    if (this.#busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Resolves when no send is in flight and no retry or redelivery is scheduled. Tests await it instead of sleeping. */
  idle(): Promise<void> {
    if (this.#busy === 0 && this.#timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops: scheduled retries and delayed redeliveries are dropped, requests in flight are aborted
   * (recorded with their error), connections closed. Later `publish` calls do nothing.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [handle, cancel] of this.#timers) {
      this.#scheduler.clearTimeout(handle);
      cancel();
    }
    this.#timers.clear();
    for (const req of this.#requests) req.destroy(Object.assign(new Error('the webhook sender closed'), { code: CLOSED }));
    // Queued sends start, see the sender closed and resolve at once with error 'closed'.
    for (const lane of this.#lanes.values()) {
      const queued = lane.queue.slice(lane.head);
      lane.queue = [];
      lane.head = 0;
      for (const go of queued) go();
    }
    await this.drain();
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
    this.#settle();
  }

  #open(): void {
    if (this.#closed) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'the webhook sender is closed');
  }

  #target(id: string): Target {
    const target = this.#targets.get(id);
    if (!target) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `subscriptionId: no subscription ${id}`);
    return target;
  }

  #compile(sub: RegisteredSubscription, url: URL): Target {
    const endpoint = (scheme: 'https' | 'http'): Endpoint => {
      const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
      const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      const path = `${url.pathname}${url.search}`;
      const u = new URL(url.href);
      u.protocol = `${scheme}:`;
      if (scheme !== url.protocol.slice(0, -1)) u.port = String(port);
      const origin = `${scheme}://${url.host}:${port}`;
      let lane = this.#lanes.get(origin);
      if (!lane) this.#lanes.set(origin, (lane = { active: 0, queue: [], head: 0 }));
      return {
        lane,
        module: scheme === 'https' ? https : http,
        agent: scheme === 'https' ? this.#httpsAgent : this.#httpAgent,
        hostname,
        port,
        path,
        url: u.href,
        scheme,
      };
    };
    const primary = url.protocol === 'https:' ? 'https' : 'http';
    return {
      sub,
      endpoint: endpoint(primary),
      fallback: primary === 'https' ? endpoint('http') : null,
      headers: { 'content-type': CONTENT_TYPE, ...sub.headers },
      auth: sub.auth ? authHeader(sub.auth) : null,
      signKey: sub.signing ? signingKey(sub.signing.secret) : null,
    };
  }

  #probeAuth(target: Target, probe: Probe, otherTenantToken: string | undefined): AuthHeader | null {
    if (probe === 'no-auth') return null;
    const auth = target.sub.auth;
    if (!auth) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', `probe: subscription ${target.sub.id} has no auth to replace`);
    let secret: string;
    if (probe === 'wrong-token') {
      secret = wrongLike(auth.type === 'bearer' ? auth.token : auth.type === 'basic' ? auth.password : auth.value);
    } else if (probe === 'other-tenant') {
      if (!otherTenantToken) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'otherTenantToken: required for the other-tenant probe');
      if (!HEADER_VALUE.test(otherTenantToken)) {
        throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'otherTenantToken: may not contain CR, LF, NUL, control characters or characters beyond U+00FF');
      }
      secret = otherTenantToken;
    } else {
      throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'probe: expected no-auth, wrong-token or other-tenant');
    }
    if (auth.type === 'bearer') return authHeader({ type: 'bearer', token: secret });
    if (auth.type === 'basic') return authHeader({ type: 'basic', username: auth.username, password: secret });
    return authHeader({ type: 'header', name: auth.name, value: secret });
  }

  /** Serialises the event once for all its sends; keeps where it went if it was sent before. */
  #remember(event: DomainEvent): EventEntry {
    const sentTo = this.#events.get(event.id)?.sentTo ?? new Set<string>();
    const body = Buffer.from(JSON.stringify(event), 'utf8');
    const entry: EventEntry = { event, body, contentLength: String(body.length), sentTo };
    this.#events.delete(event.id);
    this.#events.set(event.id, entry);
    if (this.#events.size > this.#logSize) this.#events.delete(this.#events.keys().next().value as string);
    return entry;
  }

  #schedule(ms: number, run: () => void, cancel: () => void = () => {}): void {
    const handle: unknown = this.#scheduler.setTimeout(() => {
      this.#timers.delete(handle);
      if (!this.#closed) run();
      this.#settle();
    }, ms);
    this.#timers.set(handle, cancel);
  }

  /** One attempt (and its HTTP fallback), then the retry policy. */
  async #attempt(send: Send): Promise<DeliveryRecord> {
    this.#busy++;
    let record: DeliveryRecord;
    try {
      const { target } = send;
      record = await this.#exchange(send, target.endpoint, false);
      if (record.plainHttpOnly && target.fallback && target.sub.fallbackToHttp && !this.#closed) {
        record = await this.#exchange(send, target.fallback, true);
      }
      if (send.retry) this.#afterAttempt(send, record);
    } finally {
      this.#busy--;
      this.#settle();
    }
    return record;
  }

  #afterAttempt(send: Send, record: DeliveryRecord): void {
    if (isSuccess(record) && !send.forceRetry) return;
    const delay = this.#retryDelays[send.attempt - 1];
    if ((send.forceRetry || isRetryable(record)) && delay !== undefined && !this.#closed) {
      const { target } = send;
      this.#schedule(delay, () => {
        // An unsubscribed (or replaced) subscription gets no more retries.
        if (this.#targets.get(target.sub.id) !== target) return;
        void this.#attempt({
          target,
          entry: send.entry,
          attempt: send.attempt + 1,
          kind: 'retry',
          auth: target.auth,
          timeoutMs: target.sub.timeoutMs,
          retry: true,
          ...(send.note === undefined ? {} : { note: send.note }),
        });
      });
      return;
    }
    // A send cut short by close() is the harness stopping, not the receiver failing.
    if (!isSuccess(record) && !this.#closed) this.#fail(send, record);
  }

  #fail(send: Send, record: DeliveryRecord): void {
    if (!this.#onFailure) return;
    const { event } = send.entry;
    const { sub } = send.target;
    const failure: WebhookFailureEvent = {
      id: newEventId(),
      operationId: WEBHOOK_FAILED_OPERATION_ID,
      timestamp: new Date(this.#clock.now()).toISOString(),
      message: `${event.className} webhook: ${sub.verb} ${sub.url} |Error: ${failureReason(record)}. Took: ${Math.round(record.latencyMs)} ms`,
      className: 'EventSubscription',
      subClassName: 'WebHook',
      objectId: event.objectId,
      category: `${event.className} webhook`,
      status: 'Failed',
      isError: true,
      isRead: false,
      attachments: [
        { name: 'EventId', value: event.id },
        { name: 'SubscriptionId', value: sub.id },
        { name: 'Attempts', value: String(record.attempt) },
      ],
    };
    if (event.objectNumber !== undefined) failure.objectNumber = event.objectNumber;
    if (event.market !== undefined) failure.market = event.market;
    if (event.storeId !== undefined) failure.storeId = event.storeId;
    try {
      this.#onFailure(failure);
    } catch {
      // the listener's failure is its own; the sender carries on
    }
  }

  /** One HTTP request, recorded. */
  async #exchange(send: Send, endpoint: Endpoint, viaFallback: boolean): Promise<DeliveryRecord> {
    const { entry, target } = send;
    const headers: Record<string, string> = { ...target.headers, 'content-length': entry.contentLength };
    if (send.auth) headers[send.auth.name] = send.auth.value;
    if (target.signKey) {
      const timestamp = Math.floor(this.#clock.now() / 1000);
      headers['webhook-id'] = entry.event.id;
      headers['webhook-timestamp'] = String(timestamp);
      headers['webhook-signature'] = sign(target.signKey, entry.event.id, timestamp, entry.body);
    }
    let outcome = await this.#request(endpoint, target.sub.verb, headers, entry.body, send.timeoutMs);
    // Node's advice for kept-alive sockets: a request that died on a socket the receiver had just
    // closed never reached it, so it is sent again at once rather than counted as a failure.
    if (outcome.staleSocket && !this.#closed) outcome = await this.#request(endpoint, target.sub.verb, headers, entry.body, send.timeoutMs);
    const record: DeliveryRecord = {
      seq: ++this.#seq,
      eventId: entry.event.id,
      subscriptionId: target.sub.id,
      attempt: send.attempt,
      kind: send.kind,
      verb: target.sub.verb,
      url: endpoint.url,
      scheme: endpoint.scheme,
      authSent: send.auth ? send.auth.shown : null,
      status: outcome.status,
      error: outcome.error,
      timedOut: outcome.timedOut,
      latencyMs: outcome.endMono - outcome.startMono,
      responseBytes: outcome.bytes,
      startedAt: new Date(outcome.startedAt).toISOString(),
      startMono: outcome.startMono,
    };
    if (send.probe) record.probe = send.probe;
    if (send.note !== undefined) record.note = send.note;
    if (outcome.plainHttpOnly || viaFallback) record.plainHttpOnly = true;
    if (viaFallback) record.fallback = true;
    if (outcome.location !== undefined) record.location = outcome.location;
    if (outcome.truncated) record.responseTruncated = true;
    this.#record(record);
    return record;
  }

  /** One HTTP request, when its lane has room. */
  #request(endpoint: Endpoint, method: string, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const { lane } = endpoint;
      const go = () => {
        const o: Outcome = {
          startedAt: this.#clock.now(),
          startMono: performance.now(),
          endMono: 0,
          status: null,
          error: null,
          timedOut: false,
          plainHttpOnly: false,
          staleSocket: false,
          bytes: 0,
          truncated: false,
          location: undefined,
        };
        if (this.#closed) {
          o.error = CLOSED;
          o.endMono = o.startMono;
          resolve(o);
          return;
        }
        lane.active++;
        const max = this.#maxResponseBytes;
        let done = false;
        let req: http.ClientRequest | undefined;
        let timer: NodeJS.Timeout | undefined;
        const finish = () => {
          if (done) return;
          done = true;
          o.endMono = performance.now();
          clearTimeout(timer);
          if (req) this.#requests.delete(req);
          lane.active--;
          resolve(o);
          this.#next(lane);
        };
        const onResponse = (res: http.IncomingMessage) => {
          o.status = res.statusCode ?? null;
          if (o.status !== null && o.status >= 300 && o.status < 400 && res.headers.location !== undefined) o.location = res.headers.location;
          res.on('data', (chunk: Buffer) => {
            if (done) return;
            o.bytes += chunk.length;
            if (o.bytes > max) {
              o.bytes = max;
              o.truncated = true;
              finish();
              res.destroy();
            }
          });
          res.on('end', finish);
          res.on('error', (error) => {
            if (done) return;
            o.error = errorCode(error);
            finish();
          });
          res.on('close', finish);
        };
        try {
          req = endpoint.module.request({ agent: endpoint.agent, hostname: endpoint.hostname, port: endpoint.port, path: endpoint.path, method, headers }, onResponse);
        } catch (error) {
          // Node refuses some header values synchronously: that is this send's error, not the caller's.
          o.error = errorCode(error as Error);
          finish();
          return;
        }
        const sent = req;
        this.#requests.add(sent);
        sent.on('error', (error) => {
          if (done) return;
          o.error = errorCode(error);
          o.plainHttpOnly = endpoint.scheme === 'https' && isPlainHttpAnswer(error);
          o.staleSocket = sent.reusedSocket && o.status === null && (o.error === 'ECONNRESET' || o.error === 'EPIPE');
          finish();
        });
        // Real time on purpose: this bounds real I/O, unlike the retry waits on the scheduler.
        timer = setTimeout(() => {
          if (done) return;
          o.timedOut = true;
          o.error = 'timeout';
          finish();
          sent.destroy();
        }, timeoutMs);
        sent.end(body);
      };
      if (lane.active < MAX_OUT_PER_ORIGIN && lane.head === lane.queue.length) go();
      else lane.queue.push(go);
    });
  }

  /** Starts the next queued request of the lane, if any. */
  #next(lane: Lane): void {
    if (lane.head === lane.queue.length || lane.active >= MAX_OUT_PER_ORIGIN) return;
    const go = lane.queue[lane.head] as () => void;
    lane.queue[lane.head++] = NOOP;
    if (lane.head === lane.queue.length) {
      lane.queue.length = 0;
      lane.head = 0;
    } else if (lane.head > 1024 && lane.head * 2 > lane.queue.length) {
      lane.queue = lane.queue.slice(lane.head);
      lane.head = 0;
    }
    go();
  }

  #record(record: DeliveryRecord): void {
    if (this.#log.length < this.#logSize) this.#log.push(record);
    else {
      this.#log[this.#logNext] = record;
      this.#logNext = (this.#logNext + 1) % this.#logSize;
    }
    if (!this.#onLog) return;
    try {
      this.#onLog(record);
    } catch {
      // the listener's failure is its own; the delivery is recorded all the same
    }
  }

  #settle(): void {
    if (this.#busy !== 0) return;
    if (this.#drainWaiters.length > 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
    if (this.#timers.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
