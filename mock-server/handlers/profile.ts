/**
 * A platform, as the engine sees it: data plus a few small functions. Everything
 * platform-specific lives in one folder under `profiles/` and reaches the engine only
 * through this interface; the pipeline, journal, faults, limits, webhooks, transports,
 * admin and the harness name no platform.
 */
import type { ApiUserSpec } from '../auth/api-users.ts';
import type { Permissions } from '../auth/permissions.ts';
import type { CredentialScheme } from '../auth/scheme.ts';
import type { Scope, ScopeList } from '../auth/scope.ts';
import type { DeliveryFailure, DomainEvent, EventFields, EventWire, WebhookRegistration } from '../domain/events.ts';
import type { RateLimitSettings } from '../faults/rate-limit.ts';
import type { ApiResponse, Endpoint, RequestProblem } from './endpoint.ts';
import { withRequestChecks } from './request-schema.ts';

/** What the engine needs of a profile's data model: back to the seed, and a copy to compare. */
export interface ProfileData {
  reset(): Promise<void>;
  /** Every table, records by key: before and after a webhook delivery, to see what it changed. */
  snapshot(): object;
}

export interface DataOptions {
  seed: number;
  /** How much to generate (the profile's default when absent). */
  scale?: number;
  now: () => number;
  /**
   * What the mock's other environments generated, kept by the profile under a key of its own
   * (its seed and scale): the same seed gives the same data, so a profile may copy it rather
   * than generate it again (1.4 s of CPU per environment at 100,000 Omnium orders). The mock
   * drops it once every environment has its data.
   */
  generated?: Map<string, unknown>;
}

/** The values the harness gives an integration, by the key `integration.envNames` renames each one with. */
export const ENV_NAME_KEYS = [
  'apiUrl',
  'clientId',
  'clientSecret',
  'clientIdFile',
  'clientSecretFile',
  'tenants',
  'webhookPort',
  'webhookPath',
  'webhookToken',
  'webhookTlsCert',
  'webhookTlsKey',
] as const;

export type EnvNameKey = (typeof ENV_NAME_KEYS)[number];

/** A change to make to the data, and the event it raises. */
export interface EventSpec {
  /** The class of object that changes (Omnium: `Order`). */
  className: string;
  /** Which object; the first one the API user may see when absent. */
  objectId?: string;
  /** The status it moves to. */
  status: string;
}

/** An event of a type the platform does not define (an operationId, class or trigger it has none of). */
export interface UnknownEventShape {
  /** What makes it unknown, in a few words for a report: `operationId 999999, className GoliveUnknown`. */
  readonly label: string;
  /** Its fields, about the object a real event `about` names; the engine gives it an id and a time. */
  fields(about: DomainEvent): EventFields;
}

/** How a profile's data changes raise the events webhooks deliver. */
export interface ProfileEvents<Db> {
  /** The classes `change` can change. */
  readonly classNames: readonly string[];
  /** The change a certify run makes to set off a delivery (Omnium: an order moved to `InProgress`). */
  readonly sample: EventSpec;
  /** Makes the change as if through the API and returns the event it raises; throws a `GoliveError` when there is nothing to change. */
  change(db: Db, spec: EventSpec, scope: Scope, now: number): Promise<EventFields> | EventFields;
  /** The records a delivery about `objectId` may rightly change (its own work), as `table key`. */
  footprint(db: Db, objectId: string): string[];
  /**
   * Another object the API user may see that shares no record with `objectId` (what bad-auth
   * probes are about), as the event fields that name it; `undefined` when there is none.
   */
  another(db: Db, objectId: string, stores: ScopeList): Partial<EventFields> | undefined;
  /**
   * What an event of a type the platform does not define looks like (security-tests.md case 99:
   * a receiver answers it 2xx and ignores it), about the same object as a real event `about`.
   */
  readonly unknown: UnknownEventShape;
  /**
   * Two new objects alike but for their ids, sharing no record (security-tests.md case 95: the
   * same life delivered in order to one, out of order to the other). Each is made as if through
   * the API at `times.created` with its "created" event (Omnium: an order, AddOrder 110106; Omneo:
   * `profile.created`), then changed at `times.changed` (a status change), in the data of `scope`.
   * The events are returned, not raised. Absent: the platform cannot make new objects.
   */
  twins?(db: Db, scope: Scope, times: { created: number; changed: number }): Promise<[NewObject, NewObject]>;
  /** How the platform logs a delivery that failed for good (Omnium: event 290100); a plain record when absent. */
  failure?(f: DeliveryFailure): DomainEvent;
  /** The body and headers a delivery carries, where they are not the whole event as JSON (Omneo: the changed resource, `X-Omneo-Event`). */
  readonly wire?: EventWire;
  /**
   * Events an API user's own calls raise are not delivered back to its subscriptions (Omneo's
   * namespaces), so an integration that writes back what it was told does not loop.
   */
  readonly notBackToCauser?: boolean;
  /**
   * Webhooks registered through the platform's own API (Omneo's `/api/v3/webhooks`) that want
   * this event, as subscriptions: each is delivered to with the engine's retries, log and
   * probes. Ids are the registrations' own, unique in one environment.
   */
  registrations?(db: Db, event: DomainEvent): WebhookRegistration[];
}

/** A new object and the two events of its life so far (see `ProfileEvents.twins`). */
export interface NewObject {
  objectId: string;
  /**
   * The object's own ids and those of the records it names (its order number, its lines' SKUs
   * and products…), placed alike in each twin: the i-th id of one twin plays the part of the
   * i-th of the other, so their changes can be compared with the ids set aside.
   */
  ids: string[];
  /** The event of its creation (with the object as it was made, where the platform sends it). */
  created: EventFields;
  /** The event of its later change. */
  changed: EventFields;
}

/**
 * How the platform proves a delivery is its own: a secret configured on the subscription, sent
 * in a header (Omnium: bearer, basic or an API-key header), or a signature of the raw body with
 * a shared secret (Omneo: the lowercase hex HMAC-SHA256 in `X-Omneo-Hmac-SHA256`).
 */
export type WebhookAuthStyle = { readonly kind: 'header' } | { readonly kind: 'signature'; readonly header: string };

/** A profile's webhook auth: a signing platform may have one shared secret per environment (`secret`). */
export type ProfileWebhookAuth<Db> = { readonly kind: 'header' } | { readonly kind: 'signature'; readonly header: string; secret?(db: Db): string };

export interface Profile<Db extends ProfileData = ProfileData> {
  /** The registry key and `--profile` value: `omnium`. */
  readonly name: string;
  /** For people: "Omnium OMS". */
  readonly title: string;
  /** Every endpoint, declared once: routing, enforcement, OpenAPI and least privilege read it. */
  readonly endpoints: readonly Endpoint<Db>[];
  /** How a request is authenticated. */
  readonly scheme: CredentialScheme;
  /** How it is authorised: the vocabulary endpoints' `role` and API users' `roles` are in. */
  readonly permissions: Permissions;
  /** One environment's data, seeded. */
  createData(options: DataOptions): Promise<Db>;
  /** The variable names an integration is given, by key. */
  readonly env: Readonly<Record<EnvNameKey, string>>;
  /** Where deliveries are POSTed by default. */
  readonly webhookPath: string;
  /** The base URL the in-process (msw) handlers answer on by default: the real test host. */
  readonly mswBaseUrl: string;
  /** How a generated client secret (or key) looks. */
  newSecret?(): string;
  /** The platform's rate limits, where they differ from the engine's defaults. */
  readonly rateLimits?: Partial<RateLimitSettings>;
  /** Stores and markets of the entities a successful response carried (for the scoping check), when the platform has them. */
  touched?(body: unknown): { stores: string[]; markets: string[] } | null;
  /** Every store and market of the data, when the platform scopes API users to them. */
  universe?(db: Db): { stores: string[]; markets: string[] };
  /** Data changes that raise webhook events; absent when the platform sends none. */
  readonly events?: ProfileEvents<Db>;
  /** How its deliveries authenticate (default: a header configured on the subscription). */
  readonly webhookAuth?: ProfileWebhookAuth<Db>;
  /** The platform's own answers to refused calls, where they have a body or headers (Laravel's JSON messages); a bare status when absent. */
  readonly refusals?: Refusals;
  /**
   * API users the platform has built in, in every environment: whom the tokens of its open
   * flows belong to (Omneo's Shopify storefront). Each needs a fixed `clientId`.
   */
  readonly principals?: readonly (ApiUserSpec & { clientId: string })[];
  /**
   * Secrets the platform gives integrators besides API users' (a shop's id secret), by name:
   * read from one environment's data, masked in the journal and every report.
   */
  readonly secrets?: Readonly<Record<string, PlatformSecret<Db>>>;
  /** The lifetime of a new API user's tokens, where the platform's differs from Omnium's 10 days. */
  readonly tokenLifetimeSeconds?: number;
  /** The longest lifetime a token may claim, where the platform issues long-lived ones (default 30 days). */
  readonly maxTokenLifetimeSeconds?: number;
  /**
   * Seconds an old secret (a key) keeps working beside the new one after a rotation that names
   * no window of its own (default 0: refused at once, Omnium's).
   */
  readonly rotationOverlapSeconds?: number;
}

/** One of a platform's own secrets. */
export interface PlatformSecret<Db> {
  /** The variable the integration is given it in (`OMNEO_ID_SECRET`). */
  readonly env: string;
  /** Its value in one environment's data. */
  read(db: Db): string;
}

/**
 * Answers to a refused call: no valid credential (401), a missing permission (403), too many
 * requests (429), and a request whose body cannot be taken (`invalidRequest`).
 */
export interface Refusals {
  readonly unauthenticated?: Omit<ApiResponse, 'status'>;
  readonly forbidden?: Omit<ApiResponse, 'status'>;
  readonly tooMany?: Omit<ApiResponse, 'status'>;
  /**
   * The platform's answer to a body it cannot take (wrong media type, encoding or JSON shape,
   * malformed, too large, refused fields): Laravel's 422 `{ message, errors }` for a validation
   * failure, say. Absent: the problem's status with its message as plain text, as ASP.NET's
   * string 400s.
   */
  readonly invalidRequest?: (problem: RequestProblem) => ApiResponse;
}

/**
 * Checks a profile's shape at the type level and hands it back, each endpoint that reads a
 * JSON body wrapped in the engine's body checks (`withRequestChecks`, answered with
 * `refusals.invalidRequest`), so every profile refuses a body it cannot take the same way
 * without a line of its own.
 */
export function defineProfile<Db extends ProfileData>(profile: Profile<Db>): Profile<Db> {
  const refuse = profile.refusals?.invalidRequest;
  return { ...profile, endpoints: profile.endpoints.map((e) => withRequestChecks(e, refuse)) };
}

/** One endpoint without its resolver: what the harness needs to compute least privilege and tell calls apart. */
export interface EndpointInfo {
  id: string;
  method: string;
  path: string;
  role: string | null;
  /** Needs an authenticated caller. */
  auth: boolean;
  /** Exchanges credentials for a token. */
  issuesToken: boolean;
  /** Changes data. */
  writes: boolean;
  /** Deprecated by the platform: the endpoint to use instead. */
  deprecated?: string;
}

export function endpointInfo(profile: Profile): EndpointInfo[] {
  return profile.endpoints.map(({ id, method, path, role, auth, issuesToken, writes, deprecated }) => ({
    id,
    method,
    path,
    role,
    auth,
    issuesToken,
    writes,
    ...(deprecated ? { deprecated } : {}),
  }));
}
