import { GoliveError } from '../../errors.ts';
import type { Clock } from '../clock.ts';
import type { DeliveryFailure, DomainEvent } from '../domain/events.ts';
import { Activity } from './activity.ts';
import type { AuthHeader } from './auth-header.ts';
import { type DeliveryKind, DeliveryLog, type DeliveryRecord } from './delivery-log.ts';
import { deliveryFailure, failureReason } from './failure.ts';
import { type Probe, type SignOverride, probeSend } from './probes.ts';
import { type BodyLayout, nonCanonical } from './layout.ts';
import { type Endpoint, OriginQueues } from './queue.ts';
import { SubscriptionRegistry, type Target } from './registry.ts';
import { Requester } from './request.ts';
import { createRetryPolicy, isSuccess, type RetryPolicy } from './retry.ts';
import { type Scheduler, realScheduler } from './scheduler.ts';
import { type EventWire, type SentEvent, SentEvents } from './sent-events.ts';
import { signatureHeaders } from './signature.ts';
import type { RegisteredSubscription, SubscriptionInput, SubscriptionView } from './subscriptions.ts';

/** The timeout of the first attempt of `redeliver(id, { afterTimeout: true })`. */
export const SIMULATED_TIMEOUT_MS = 50;

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
  onFailure?: (failure: DeliveryFailure) => void;
  /** The platform's body and headers for an event (default: the whole event as JSON, no headers). */
  wire?: EventWire;
}

export interface DeliverOptions {
  probe?: Probe;
  /** The other tenant's secret, for `probe: 'other-tenant'`; sent in this subscription's auth scheme, or signed with. */
  otherTenantToken?: string;
  /** For `probe: 'tampered-body'`: the event whose body the signature is made over (this event's body is sent). */
  signedAs?: DomainEvent;
  /** This attempt's timeout (default the subscription's). */
  timeoutMs?: number;
  /** Follow the retry policy after a failure (default false: one attempt). Probes are never retried. */
  retry?: boolean;
  /**
   * `non-canonical`: the same JSON value laid out differently byte for byte (see `BodyLayout`),
   * and signed over those bytes: only a receiver that verifies what it received accepts it.
   */
  layout?: BodyLayout;
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

/** One attempt of one event to one subscription, and what is to follow it. */
interface Send {
  readonly target: Target;
  readonly entry: SentEvent;
  readonly attempt: number;
  readonly kind: DeliveryKind;
  readonly probe?: Probe;
  readonly note?: string;
  readonly auth: AuthHeader | null;
  /** How it is signed, when not as the subscription says (a probe). */
  readonly sign?: SignOverride;
  /** The bytes sent (and signed), when not the event's own serialisation: a non-canonical layout. */
  readonly body?: Buffer;
  readonly timeoutMs: number;
  /** Follow the retry policy and report a final failure. */
  readonly retry: boolean;
  /** Schedule the next attempt even after a success (the simulated-timeout redelivery). */
  readonly forceRetry?: boolean;
}

/**
 * Omnium's outbound webhooks: event subscriptions with filters, bearer / basic / header auth, the
 * 1-5-15 s retry policy and event 290100 for a final failure; plus the deliberate misbehaviours a
 * certification needs (duplicates, auth probes, a simulated timeout). Loopback only unless told
 * otherwise; never follows redirects; never disables certificate checks.
 *
 * This class wires the parts: the subscription registry, the requester and its per-origin
 * queues, the retry policy, failure events, probes, the delivery log and the sent events.
 *
 * @example
 * const sender = new WebhookSender({ clock, ca: tls.ca.cert, onFailure: (e) => journal.event(e) });
 * sender.subscribe({ url: 'https://127.0.0.1:4000/hooks/omnium', auth: { type: 'bearer', token }, classNames: ['Order'] });
 * bus.subscribe((event) => sender.publish(event));
 * await sender.idle();
 */
export class WebhookSender {
  readonly #clock: Clock;
  readonly #retry: RetryPolicy;
  readonly #requests: Requester;
  readonly #log: DeliveryLog;
  readonly #sent: SentEvents;
  readonly #queues: OriginQueues;
  readonly #subscriptions: SubscriptionRegistry;
  readonly #activity: Activity;
  readonly #onFailure: ((failure: DeliveryFailure) => void) | undefined;
  #closed = false;

  constructor(options: WebhookSenderOptions) {
    this.#clock = options.clock;
    // Each part checks its own option and throws GOLIVE_ERR_CONFIG_INVALID naming it.
    this.#retry = createRetryPolicy(options.retryDelaysMs);
    this.#requests = new Requester(options.clock, options.maxResponseBytes);
    this.#log = new DeliveryLog(options.logSize, options.onLog);
    this.#sent = new SentEvents(this.#log.size, options.wire);
    this.#queues = new OriginQueues(options.ca);
    this.#subscriptions = new SubscriptionRegistry(options.allowHosts, this.#queues);
    this.#activity = new Activity(options.scheduler ?? realScheduler);
    this.#onFailure = options.onFailure;
  }

  /**
   * Validates the subscription (see `parseSubscription`), refuses a host that is neither loopback
   * nor allowed, and adds it; returns it with its id (`s1`, `s2`… unless given), secrets included.
   */
  subscribe(input: SubscriptionInput | RegisteredSubscription): RegisteredSubscription {
    return this.#subscriptions.add(input);
  }

  /** Removes a subscription; its scheduled retries are dropped. `false` when there is none with this id. */
  unsubscribe(id: string): boolean {
    return this.#subscriptions.remove(id);
  }

  /** The subscriptions, secrets masked. */
  list(): SubscriptionView[] {
    return this.#subscriptions.list();
  }

  /** Sends the event to every matching subscription, with retries. Returns at once; failures go to the log. */
  publish(event: DomainEvent): void {
    if (this.#closed) return;
    let entry: SentEvent | undefined;
    for (const target of this.#subscriptions.matching(event)) {
      entry ??= this.#sent.remember(event);
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
    const target = this.#subscriptions.get(subscriptionId);
    const timeoutMs = options.timeoutMs ?? target.sub.timeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'timeoutMs: expected milliseconds > 0');
    const signedBody = options.signedAs ? this.#remembered(options.signedAs).body : undefined;
    const probe = options.probe === undefined ? { auth: target.auth } : probeSend(target.sub, options.probe, options.otherTenantToken, signedBody);
    const entry = this.#remembered(event);
    const kind: DeliveryKind = options.probe ? 'probe' : entry.sentTo.has(subscriptionId) ? 'duplicate' : 'delivery';
    if (!options.probe) entry.sentTo.add(subscriptionId);
    return this.#attempt({
      target,
      entry,
      attempt: 1,
      kind,
      auth: probe.auth,
      ...(probe.sign === undefined ? {} : { sign: probe.sign }),
      timeoutMs,
      retry: options.probe === undefined && options.retry === true,
      ...(options.layout === 'non-canonical' ? { body: nonCanonical(entry.body) } : {}),
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
    const entry = this.#sent.get(eventId);
    if (!entry) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `eventId: no event ${eventId} was sent (or it is older than the last ${this.#log.size})`);
    const targets =
      options.subscriptionId !== undefined
        ? [this.#subscriptions.get(options.subscriptionId)]
        : [...entry.sentTo].flatMap((id) => this.#subscriptions.find(id) ?? []);
    const delayMs = options.delayMs ?? 0;
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'delayMs: expected milliseconds ≥ 0');
    const sendAll = () =>
      Promise.all(
        // A subscription removed while the redelivery waited is left out.
        targets.filter((t) => this.#subscriptions.isCurrent(t)).map((target) => {
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
      this.#activity.schedule(delayMs, () => resolve(sendAll()), () => resolve([]));
    });
  }

  /** An event sent before (kept for `redeliver` and probes, the last `logSize`). */
  event(id: string): DomainEvent | undefined {
    return this.#sent.get(id)?.event;
  }

  /** The delivery records, oldest first (the last `logSize`). */
  log(): DeliveryRecord[] {
    return this.#log.records();
  }

  /** Sends in flight and retries waiting on the scheduler. */
  pending(): { inFlight: number; scheduled: number } {
    return this.#activity.pending();
  }

  /** Resolves when no send is in flight; retries waiting on the scheduler may remain (advance a manual scheduler). */
  drain(): Promise<void> {
    return this.#activity.drain();
  }

  /** Resolves when no send is in flight and no retry or redelivery is scheduled. Tests await it instead of sleeping. */
  idle(): Promise<void> {
    return this.#activity.idle();
  }

  /**
   * Stops: requests in flight are aborted (recorded with error `closed`), scheduled retries and
   * delayed redeliveries dropped, connections closed; later `publish` calls do nothing. No
   * delivery is lost without a word (security-tests.md case 57): each one still owed, cut short
   * in flight or waiting for a retry, is reported to `onFailure` as undelivered, its reason
   * starting `closed before delivery`. A delayed redelivery (a deliberate duplicate) resolves
   * its caller with no records instead.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#activity.stop();
    this.#requests.close();
    // Queued sends start, see the requester closed and resolve at once with error 'closed'.
    this.#queues.flush();
    await this.#activity.drain();
    this.#queues.destroy();
  }

  /** The very event sent before is not serialised again; a changed one under the same id is. */
  #remembered(event: DomainEvent): SentEvent {
    const known = this.#sent.get(event.id);
    return known?.event === event ? known : this.#sent.remember(event);
  }

  #open(): void {
    if (this.#closed) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'the webhook sender is closed');
  }

  /** One attempt (and its HTTP fallback), then the retry policy. */
  async #attempt(send: Send): Promise<DeliveryRecord> {
    this.#activity.begin();
    let record: DeliveryRecord;
    try {
      const { target } = send;
      record = await this.#exchange(send, target.endpoint, false);
      if (record.plainHttpOnly && target.fallback && target.sub.fallbackToHttp && !this.#closed) {
        record = await this.#exchange(send, target.fallback, true);
      }
      // Before `end`, so a scheduled retry keeps `idle` waiting without a gap.
      if (send.retry) this.#afterAttempt(send, record);
    } finally {
      this.#activity.end();
    }
    return record;
  }

  #afterAttempt(send: Send, record: DeliveryRecord): void {
    // Cut short by close(), or answered while it closed: undelivered unless it got its 2xx.
    if (this.#closed) {
      if (!isSuccess(record)) this.#fail(send, record, closedReason(record));
      return;
    }
    const next = this.#retry.after(send.attempt, record, send.forceRetry);
    if (next === 'failed') this.#fail(send, record);
    if (typeof next !== 'number') return;
    const { target } = send;
    this.#activity.schedule(
      next,
      () => {
        // An unsubscribed (or replaced) subscription gets no more retries.
        if (!this.#subscriptions.isCurrent(target)) return;
        void this.#attempt({
          target,
          entry: send.entry,
          attempt: send.attempt + 1,
          kind: 'retry',
          auth: target.auth,
          ...(send.body === undefined ? {} : { body: send.body }),
          timeoutMs: target.sub.timeoutMs,
          retry: true,
          ...(send.note === undefined ? {} : { note: send.note }),
        });
      },
      // Dropped by close() before it ran: the event was never delivered.
      () => {
        if (this.#subscriptions.isCurrent(target)) this.#fail(send, record, closedReason(record));
      },
    );
  }

  #fail(send: Send, record: DeliveryRecord, reason?: string): void {
    if (!this.#onFailure) return;
    const failure = deliveryFailure(send.entry.event, send.target.sub, record, this.#clock.now());
    if (reason !== undefined) failure.reason = reason;
    try {
      this.#onFailure(failure);
    } catch {
      // the listener's failure is its own; the sender carries on
    }
  }

  /** One HTTP request, recorded. */
  async #exchange(send: Send, endpoint: Endpoint, viaFallback: boolean): Promise<DeliveryRecord> {
    const { entry, target } = send;
    const sent = send.body ?? entry.body;
    const headers: Record<string, string> = { ...entry.headers, ...target.headers, 'content-length': send.body ? String(sent.length) : entry.contentLength };
    if (send.auth) headers[send.auth.name] = send.auth.value;
    if (target.signing && send.sign !== null) {
      const { key, body } = send.sign ?? { key: target.signing.key };
      Object.assign(headers, signatureHeaders(target.signing, key, entry.event.id, this.#clock.now(), body ?? sent));
    }
    const verb = target.sub.verb;
    let outcome = await this.#requests.send(endpoint, verb, headers, sent, send.timeoutMs);
    // Node's advice for kept-alive sockets: a request that died on a socket the receiver had just
    // closed never reached it, so it is sent again at once rather than counted as a failure.
    if (outcome.staleSocket && !this.#closed) outcome = await this.#requests.send(endpoint, verb, headers, sent, send.timeoutMs);
    const record: DeliveryRecord = {
      seq: this.#log.nextSeq(),
      eventId: entry.event.id,
      subscriptionId: target.sub.id,
      attempt: send.attempt,
      kind: send.kind,
      verb,
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
    if (send.body) record.layout = 'non-canonical';
    if (send.note !== undefined) record.note = send.note;
    if (outcome.plainHttpOnly || viaFallback) record.plainHttpOnly = true;
    if (viaFallback) record.fallback = true;
    if (outcome.location !== undefined) record.location = outcome.location;
    if (outcome.truncated) record.responseTruncated = true;
    this.#log.add(record);
    return record;
  }
}

/** Why a delivery the sender's close() stopped failed, with what its last attempt got when that was not the close itself. */
function closedReason(last: DeliveryRecord): string {
  return last.error === 'closed' ? 'closed before delivery' : `closed before delivery (last attempt: ${failureReason(last)})`;
}
