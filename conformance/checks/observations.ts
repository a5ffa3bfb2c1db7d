import type { BadTlsKind, DeliveryRecord, EndpointInfo, JournalEntry, Permissions, ScopeList, TlsConnectionRecord } from '../../mock-server/index.ts';
import type { BrowserObservations } from '../observe/browser.ts';

/** A line of the integration's output, already masked. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** Monotonic milliseconds (performance.now of the harness process). */
  mono: number;
  text: string;
  /** Which run of the integration printed it (`tls:<kind>`: a run against a bad certificate; `lane:<name>`: a side lane's instance). */
  run: 'test' | 'production' | `tls:${BadTlsKind}` | `lane:${string}`;
}

/** A secret seen where it should not be: in output (`log`) or in the integration's files (`file`). */
export interface SecretSighting {
  where: 'log' | 'file';
  /** `encryption-key`: a key that decrypts an "encrypted" file of the same workspace (`beside`). */
  kind: 'client-secret' | 'token' | 'customer-token' | 'webhook-secret' | 'platform-secret' | 'encryption-key';
  /** Masked form of the secret. */
  masked: string;
  how: 'full' | 'prefix' | 'base64';
  /** Log sightings: stream, time and the masked line. */
  stream?: 'stdout' | 'stderr';
  mono?: number;
  text?: string;
  /** File sightings: path relative to the workspace, line, commit when found in git history. */
  file?: string;
  line?: number;
  commit?: string;
  /** File sightings: the secret sat in a URL, or was a whole string literal. */
  context?: 'url' | 'literal';
  /** An `encryption-key` sighting: the encrypted file it opens. */
  beside?: string;
}

/** One phase of the plan as it actually ran. */
export interface PhaseRecord {
  name: string;
  environment: 'test' | 'production';
  startMono: number;
  endMono: number;
  /** False when the run ended early (the integration exited, or the harness was stopped). */
  completed: boolean;
  /** Settings of the phase, e.g. `tokenLifetimeSeconds`, `observeWindowMs`. */
  params: Record<string, number>;
  /** The lane it ran in (certify runs lanes side by side); absent: the main lane. */
  lane?: string;
  /** The run of the integration it watched (its log lines carry this `run`); absent: `test`. */
  run?: string;
  /** The API users whose traffic it provoked: its lane's, then any a rotation created; absent: the test run's (`clients.test`). */
  apiUsers?: readonly string[];
}

/** Everything the harness saw, and all a check may read. Checks never reach into the mock. */
export interface Observations {
  runStartMono: number;
  apiUser: { name: string; roles: readonly string[]; stores: ScopeList; markets: ScopeList };
  /**
   * Client ids the harness created for each environment; `lanes`: the test API users of the
   * side lanes (certify runs phases beside the main lane, each lane with an API user of its own).
   */
  clients: { test: string; production: string | null; lanes: readonly string[] };
  /** The client id of the API user that replaced the test run's in the secret-rotation phase; `null` when no rotation happened. */
  rotatedClient: string | null;
  journal: readonly JournalEntry[];
  phases: readonly PhaseRecord[];
  logs: readonly LogLine[];
  secrets: readonly SecretSighting[];
  endpoints: readonly EndpointInfo[];
  /** The platform's permission vocabulary (Omnium's roles, with their inheritance). */
  permissions: Permissions;
  /** Every store and market id of the test environment's data. */
  universe: { stores: readonly string[]; markets: readonly string[] };
  /** The webhook phase as it ran; `null` when the integration has no webhook endpoint (config `webhook`). */
  webhook: WebhookObservations | null;
  /** TLS handshakes with the bad-certificate listeners (and the API while it presented one). */
  tls: readonly TlsConnectionRecord[];
  /** The bad certificates the integration was run against. */
  tlsRuns: readonly BadTlsKind[];
  /** `integration.mode: "job"`: whether golive handed the job a token cache folder, and when each of its test runs started; `null` for a service. */
  job: { tokenCache: boolean; starts: readonly number[] } | null;
  /** The front-end pages as a real browser saw them; `null` when the config has none (`frontend.urls`). */
  browser: BrowserObservations | null;
  /** The tenants phase as it ran; `null` with one tenant (config `tenants`), or when the phase did not run. */
  tenancy: TenancyObservations | null;
  /** What the foreign host (an origin of the harness's own, where one API call was redirected) received; `null` when none listened. */
  foreignHost: ForeignHostObservations | null;
}

/** The foreign host: a listener at another origin than the API's, which a redirect of the mock's pointed to. */
export interface ForeignHostObservations {
  /** `https://127.0.0.1:PORT`. */
  origin: string;
  /** Every request it received, oldest first (at most 100). */
  requests: readonly ForeignRequest[];
  /** Requests received beyond those kept. */
  dropped: number;
}

/** One request to the foreign host. Nothing in it is in clear: headers and secrets are masked. */
export interface ForeignRequest {
  /** Monotonic milliseconds. */
  mono: number;
  method: string;
  /** Path and query as received, known secrets masked. */
  path: string;
  /** The credential headers it carried (`authorization`, `proxy-authorization`, the platform's own), whatever their value: scheme kept, the rest masked. */
  headers: readonly { name: string; masked: string }[];
  /** The run's secrets it carried (tokens, client and webhook secrets), where, masked. */
  credentials: readonly { kind: SecretSighting['kind']; where: 'header' | 'url' | 'body'; name?: string; masked: string }[];
}

/** One tenant the integration serves, and the API user it was given there. */
export interface TenantClient {
  /** The tenant's id, as the journal's `tenant` names it. */
  id: string;
  clientId: string;
}

/** The tenants phase: every tenant served, and which one's tokens were revoked, when. */
export interface TenancyObservations {
  /** Every tenant the integration was given, in the order it was given them (the test run's own first). */
  tenants: readonly TenantClient[];
  /** The tenant whose tokens were revoked mid-phase and when (monotonic ms); `null` when the phase ended before (a tenant made no call that worked). */
  revoked: { tenant: string; mono: number } | null;
}

/** One difference between two states: a record (or a probe's value) added, removed or changed at `field`. */
export interface DataChange {
  /** `orders`, `inventory`…, or `probe` for the integration's side-effect probe. */
  where: string;
  key: string;
  /** Dotted path of the field that differs; empty when the whole record was added or removed. */
  field: string;
  before: unknown;
  after: unknown;
}

/** What happened in one step of the webhook phase, and what changed because of it. */
export interface WebhookStep {
  /** The event the step delivered (the probes share one). */
  eventId: string;
  /** Delivery records (`seq`) of the step's sends. */
  seqs: number[];
  /** Changes between just before the step and once the integration had settled after it. */
  changes: DataChange[];
  /** False when the step ran out of time before the integration settled. */
  settled: boolean;
  /** Why the side-effect probe could not be read before or after the step (its changes are then unknown). */
  probeError?: string;
}

/** The delivery of an event of a type the platform does not define, and how the integration took it. */
export interface UnknownEventStep extends WebhookStep {
  /** What makes the event unknown, as the platform's profile says: `operationId 999999, className GoliveUnknown`. */
  label: string;
  /** Monotonic ms when it was sent. */
  sentMono: number;
  /** The integration's process ended after it was sent, before golive stopped watching; `null` while it kept running. */
  exit: { code: number | null; signal: string | null; mono: number } | null;
}

/** One of the two new objects of the out-of-order step: its events and what its deliveries changed. */
export interface TwinStep {
  objectId: string;
  /** Its own ids and those of the records it names, placed alike in both twins: its changes are compared with them set aside. */
  ids: readonly string[];
  /** The records (`table key`) its work may change. */
  keys: readonly string[];
  /** The event of its creation, and of its later change (a status change). */
  createdId: string;
  changedId: string;
  /** Changes to its records, and those of the side-effect probe's output that name it. */
  changes: DataChange[];
}

/**
 * Two new objects alike but for their ids (security-tests.md case 95), each made and then
 * changed in the mock before any delivery: one's events delivered in order (created, then
 * changed), the other's out of order (changed, then created), both at once.
 */
export interface OutOfOrderStep {
  /** Delivery records (`seq`) of the four events. */
  seqs: number[];
  settled: boolean;
  probeError?: string;
  inOrder: TwinStep;
  outOfOrder: TwinStep;
  /** What else changed meanwhile (neither twin's records, nor probe output naming one). */
  elsewhere: DataChange[];
}

/** The webhook phase: the deliveries the mock sent and what they changed. */
export interface WebhookObservations {
  /** The subscribed URL (`https://127.0.0.1:PORT/path`). */
  url: string;
  /** The connector's timeout (config `webhook.timeoutMs`). */
  timeoutMs: number;
  /** Whether a side-effect probe (config `webhook.idempotencyProbe`) was read besides the mock's data. */
  probe: boolean;
  /** Every delivery record of the run's subscription, oldest first. */
  deliveries: readonly DeliveryRecord[];
  /** Sends cut short on purpose (a simulated timeout): not the endpoint's latency. */
  simulatedTimeouts: readonly number[];
  /** Deliveries with no auth, a wrong token and another tenant's token. */
  probes: WebhookStep | null;
  /** The first, correctly authenticated delivery of a real domain event. */
  first: WebhookStep | null;
  /**
   * While that delivery waited for its answer, the run's API calls naming the event's object
   * were slowed to the timeout (a slow downstream, security-tests.md case 96): the journal `seq`s
   * of those slowed, and by how much. An endpoint that does this work before answering cannot
   * answer in time. Absent when the phase did not get that far.
   */
  slowDownstream?: { ms: number; seqs: readonly number[] };
  /**
   * What that event is about, and the records (`table key`) its work may change: changes to
   * them while the probes run are that delivery's work, not the probes' (the probes are about
   * another object whenever the data has one).
   */
  accepted?: { objectId: string; keys: readonly string[] };
  /**
   * Where the platform signs its deliveries: another event about the probes' object, correctly
   * signed over a body laid out unlike the platform's own serialisation (whitespace, `\u`
   * escapes, keys reordered). A receiver that verifies the bytes it received accepts it.
   */
  nonCanonical?: WebhookStep;
  /** The same event again: at once, and after a simulated timeout (then its retry). */
  duplicates: WebhookStep | null;
  /**
   * The same life delivered in order to one new object and out of order to its twin (case 95);
   * `unavailable` says why it was not sent (the platform cannot make new objects). Absent when
   * the phase did not get that far.
   */
  outOfOrder?: OutOfOrderStep | { unavailable: string };
  /**
   * Last, an event of a type the platform does not define (security-tests.md case 99), correctly
   * authenticated, about the first event's object; absent when it was not sent.
   */
  unknownEvent?: UnknownEventStep;
  /** Why the phase could not take every step (the endpoint never answered, the run was stopped…). */
  problem?: string;
}
