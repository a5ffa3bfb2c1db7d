/**
 * What the admin API and the harness may do to a running mock (`MockControl`), apart from
 * the server that implements it: `admin/` imports this, not `server.ts`.
 */
import type { ApiUserPatch, ApiUserSpec, ApiUserView, CreatedApiUser, EnvironmentName, RotateOptions } from './auth/api-users.ts';
import type { Permissions } from './auth/permissions.ts';
import type { ScopeList } from './auth/scope.ts';
import type { Clock } from './clock.ts';
import type { DomainEvent, EventFields } from './domain/events.ts';
import type { FaultRules } from './faults/rules.ts';
import type { EndpointInfo, EnvNameKey, EventSpec, WebhookAuthStyle } from './handlers/profile.ts';
import type { TokenListener } from './handlers/pipeline.ts';
import type { Journal } from './journal/journal.ts';
import type { BadTlsKind } from './transports/tls.ts';
import type { DeliveryRecord, RegisteredSubscription, SubscriptionInput, WebhookSender } from './webhooks/index.ts';
import type { Feed } from './journal/feed.ts';

/** One connection to a bad-TLS listener: did the handshake complete, did any request follow? */
export interface TlsConnectionRecord {
  /** A bad-TLS listener, or `api:<kind>` for the API while it presents a bad certificate. */
  listener: BadTlsKind | `api:${BadTlsKind}`;
  mono: number;
  handshake: 'completed' | 'failed';
  /** Why the client refused the handshake, as OpenSSL or Node reported it. */
  error?: string;
}

export type { FaultRules };

/** Subscriptions, deliveries and their log, as the harness and the admin API see them. */
export type Webhooks = Pick<WebhookSender, 'deliver' | 'redeliver' | 'event' | 'list' | 'unsubscribe' | 'log' | 'pending' | 'drain' | 'idle'>;

/** What the harness may know of the platform a mock simulates: its profile's facts, no resolvers, no data. */
export interface PlatformFacts {
  readonly name: string;
  readonly title: string;
  /** The endpoint table without resolvers. */
  readonly endpoints: readonly EndpointInfo[];
  readonly permissions: Permissions;
  /** The variable names an integration is given, by key. */
  readonly env: Readonly<Record<EnvNameKey, string>>;
  readonly webhookPath: string;
  /** Credentials are exchanged for tokens at a token endpoint (token checks and phases apply). */
  readonly issuesTokens: boolean;
  /** The header the credential travels in (lower case). */
  readonly credentialHeader: string;
  /** Classes of objects whose changes raise webhook events (empty: the platform sends none). */
  readonly eventClasses: readonly string[];
  /** The change a certify run makes to set off a webhook delivery; `null` when the platform sends no events. */
  readonly sampleEvent: EventSpec | null;
  /** API users are scoped to stores and markets. */
  readonly scoped: boolean;
  /** How deliveries authenticate: a header configured on the subscription, or a signature of the body. */
  readonly webhookAuth: WebhookAuthStyle;
  /** Events an API user's own calls raise are not delivered back to its subscriptions. */
  readonly eventsNotBackToCauser: boolean;
  /** The platform's own secrets (`platformSecret`), besides API users', and the variable each is given to the integration in. */
  readonly secrets: readonly { name: string; env: string }[];
  /** Seconds an old key keeps working beside the new one after a rotation (0: refused at once). */
  readonly rotationOverlapSeconds: number;
}

/** A new object of `twinObjects`: its id, the ids it is compared without, and its two events, stamped a second apart. */
export interface TwinObject {
  objectId: string;
  /** Its own ids and those of the records it names, placed alike in each twin (see `NewObject.ids`). */
  ids: string[];
  created: DomainEvent;
  changed: DomainEvent;
}

/** Which environment a query is about: the first tenant's test environment by default. */
export interface Where {
  tenant?: string;
  environment?: EnvironmentName;
}

/** Everything that can be done to a running mock, in-process; the admin API is a thin layer over it. */
export interface MockControl {
  readonly platform: PlatformFacts;
  readonly journal: Journal;
  readonly clock: Clock;
  /** Fault rules: add, remove, list; every injected fault is marked in the journal. */
  readonly faults: FaultRules;
  /** Event subscriptions (webhooks) and their delivery log; every domain event is published to it. */
  readonly webhooks: Webhooks;
  /** Adds a subscription; its secrets are masked in the journal and every listing from then on. */
  subscribe(input: SubscriptionInput): RegisteredSubscription;
  /** Deliveries that failed for good, as the platform logs them (Omnium: event 290100). */
  webhookFailures(): DomainEvent[];
  createApiUser(spec: ApiUserSpec): Promise<CreatedApiUser>;
  listApiUsers(): ApiUserView[];
  getApiUser(clientId: string): ApiUserView | undefined;
  /** Changes take effect on the next request, even for tokens already issued. */
  patchApiUser(clientId: string, patch: ApiUserPatch): ApiUserView;
  /** Every token issued to the user so far answers 401. */
  revokeTokens(clientId: string): void;
  /**
   * A new client secret, returned once (and masked everywhere from then on). The old one answers
   * 401 at once, unless `overlapSeconds` (or the profile's `rotationOverlapSeconds`) keeps it
   * working beside the new one until that window closes.
   */
  rotateSecret(clientId: string, options?: RotateOptions): CreatedApiUser;
  /** Told of every webhook delivery record as it is made. Returns the unsubscribe. */
  onDelivery(listener: (record: DeliveryRecord) => void): () => void;
  /** Admin actions and a certify run's plan, phases and verdicts, for the console. */
  readonly feed: Feed;
  /** Back to the seeded data; users and the journal are kept. */
  reset(): Promise<void>;
  /** Told of every token issued, in clear (for a harness scanning logs); never stored. Returns the unsubscribe. */
  onTokenIssued(listener: TokenListener): () => void;
  /** A copy of one environment's data, records by key per table: to compare before and after. */
  snapshot(where?: Where): object;
  /** One of the platform's own secrets (see `Profile.secrets`) in one environment, in clear: for the integration's environment only. */
  platformSecret(name: string, where?: Where): string;
  /** The environment's shared webhook secret, in clear, where the platform signs deliveries with one (Omneo); else `null`. */
  webhookSecret(where?: Where): string | null;
  /** Every store and market of one environment's data, when the platform scopes API users to them. */
  universe(where?: Where): { stores: string[]; markets: string[] } | null;
  /** The records a delivery about `objectId` may rightly change, as `table key` (empty when the platform sends no events). */
  eventFootprint(objectId: string, where?: Where): string[];
  /** Event fields naming another object in `stores` that shares no record with `objectId`, if there is one. */
  anotherSubject(objectId: string, stores: ScopeList, where?: Where): Partial<EventFields> | undefined;
  /**
   * An event of a type the platform does not define, about the object `about` names, under a new
   * id, and what makes it unknown in a few words; `null` when the platform sends no events. It is
   * not published: deliver it to one subscription (`webhooks.deliver`).
   */
  unknownEvent(about: DomainEvent): { event: DomainEvent; label: string } | null;
  /**
   * Two new objects alike but for their ids, sharing no record, each made and then changed as if
   * through the API (security-tests.md case 95), in the data the API user may see; `null` when
   * the platform cannot make new objects. Their events are not published: deliver them to one
   * subscription (`webhooks.deliver`), in whatever order is wanted.
   */
  twinObjects(options?: { clientId?: string }): Promise<[TwinObject, TwinObject] | null>;
  /** Told of every domain event of every environment. Returns the unsubscribe. */
  onEvent(listener: (event: DomainEvent) => void): () => void;
  /** Connections to the bad-TLS listeners; the requests that followed are in the journal under the listener's name. */
  tlsConnections(): TlsConnectionRecord[];
  /**
   * Makes every API listener present a bad certificate to new connections (a man in the
   * middle), or the valid one again. Idle keep-alive connections are closed so clients
   * handshake anew. Resolves once it does (the bad certificates are made the first time one
   * is asked for).
   */
  presentCertificate(kind: BadTlsKind | 'valid'): Promise<void>;
  /**
   * A domain change as if made through the API: the object (`objectId`, or the first one
   * the API user may see) moves to `status`, and the event the profile says it raises goes
   * to the event bus and so to matching subscriptions.
   */
  emitEvent(spec: EventSpec, options?: { clientId?: string; tenant?: string; environment?: EnvironmentName }): Promise<DomainEvent>;
}

export type { EventSpec };
