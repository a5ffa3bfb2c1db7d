/**
 * What the admin API and the harness may do to a running mock (`MockControl`), apart from
 * the server that implements it: `admin/` imports this, not `server.ts`.
 */
import type { ApiUserPatch, ApiUserSpec, ApiUserView, CreatedApiUser, EnvironmentName } from './auth/api-users.ts';
import type { Clock } from './clock.ts';
import type { DomainEvent } from './domain/events.ts';
import type { RateLimiter } from './faults/rate-limit.ts';
import type { FaultMatcher } from './faults/rules.ts';
import type { Runtime } from './handlers/pipeline.ts';
import type { Journal } from './journal/journal.ts';
import type { BadTlsKind } from './transports/tls.ts';
import type { RegisteredSubscription, SubscriptionInput, WebhookFailureEvent, WebhookSender } from './webhooks/index.ts';

/** One connection to a bad-TLS listener: did the handshake complete, did any request follow? */
export interface TlsConnectionRecord {
  /** A bad-TLS listener, or `api:<kind>` for the API while it presents a bad certificate. */
  listener: BadTlsKind | `api:${BadTlsKind}`;
  mono: number;
  handshake: 'completed' | 'failed';
  /** Why the client refused the handshake, as OpenSSL or Node reported it. */
  error?: string;
}

/** Everything that can be done to a running mock, in-process; the admin API is a thin layer over it. */
export interface MockControl {
  readonly journal: Journal;
  readonly clock: Clock;
  /** Fault rules: add, remove, list; every injected fault is marked in the journal. */
  readonly faults: FaultMatcher;
  readonly limits: RateLimiter;
  /** Event subscriptions (webhooks) and their delivery log; every domain event is published to it. */
  readonly webhooks: WebhookSender;
  /** Adds a subscription; its secrets are masked in the journal and every listing from then on. */
  subscribe(input: SubscriptionInput): RegisteredSubscription;
  /** Deliveries that failed for good, as Omnium's event 290100. */
  webhookFailures(): WebhookFailureEvent[];
  createApiUser(spec: ApiUserSpec): Promise<CreatedApiUser>;
  listApiUsers(): ApiUserView[];
  getApiUser(clientId: string): ApiUserView | undefined;
  /** Changes take effect on the next request, even for tokens already issued. */
  patchApiUser(clientId: string, patch: ApiUserPatch): ApiUserView;
  /** Every token issued to the user so far answers 401. */
  revokeTokens(clientId: string): void;
  /** Back to the seeded data; users and the journal are kept. */
  reset(): Promise<void>;
  /** Told of every token issued, in clear (for a harness scanning logs); never stored. Returns the unsubscribe. */
  onTokenIssued(listener: (token: string, clientId: string) => void): () => void;
  runtime(tenant?: string, environment?: EnvironmentName): Runtime;
  /** Connections to the bad-TLS listeners; the requests that followed are in the journal under the listener's name. */
  tlsConnections(): TlsConnectionRecord[];
  /**
   * Makes every API listener present a bad certificate to new connections (a man in the
   * middle), or the valid one again. Idle keep-alive connections are closed so clients
   * handshake anew.
   */
  presentCertificate(kind: BadTlsKind | 'valid'): void;
  /**
   * A domain change as if made through the API: the order (`objectId`, or the first order
   * the API user may see) moves to `status`, and its event (310101, ApiOrderUpdateStatus)
   * goes to the event bus and so to matching subscriptions.
   */
  emitEvent(spec: EventSpec, options?: { clientId?: string; tenant?: string; environment?: EnvironmentName }): Promise<DomainEvent>;
}

export interface EventSpec {
  className: 'Order';
  objectId?: string;
  status: string;
}
