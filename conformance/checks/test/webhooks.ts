/**
 * Crafted webhook phases for the webhook checks' unit tests: by default the story of an
 * endpoint that does everything right, which each test then spoils in one place.
 *
 * @example
 * const w = webhookRun({ probes: { status: 202 } });            // every probe accepted
 * const finding = check.judge(observations({ webhook: w }));
 *
 * Times are seconds since the run started, as in `journal.ts`.
 */
import type { DeliveryRecord } from '../../../mock-server/index.ts';
import type { DataChange, UnknownEventStep, WebhookObservations, WebhookStep } from '../observations.ts';
import { monoAt } from './journal.ts';

export const EVENT_ID = 'a1b2c3d4e5f6a7b8c9d0';
export const FORGED_ID = 'f0f1f2f3f4f5f6f7f8f9';
/** The correctly signed, non-canonically laid out copy of a signed run. */
export const RELAID_ID = 'e0e1e2e3e4e5e6e7e8e9';
/** The event of a type the platform does not define, sent last. */
export const UNKNOWN_ID = 'd0d1d2d3d4d5d6d7d8d9';
export const UNKNOWN_LABEL = 'operationId 999999, className GoliveUnknown';
const URL = 'https://127.0.0.1:41000/webhooks/omnium';

/** One delivery record, answered 202 in 12 ms unless told otherwise. */
export function delivery(partial: Partial<DeliveryRecord> & { at?: number } = {}): DeliveryRecord {
  const { at = 8, ...rest } = partial;
  return {
    seq: 1,
    eventId: EVENT_ID,
    subscriptionId: 's1',
    attempt: 1,
    kind: 'delivery',
    verb: 'POST',
    url: URL,
    scheme: 'https',
    authSent: 'Bearer whk_…Q2x8',
    status: 202,
    error: null,
    timedOut: false,
    latencyMs: 12,
    responseBytes: 0,
    startedAt: new Date(Date.UTC(2026, 0, 12, 9, 0, 0) + at * 1000).toISOString(),
    startMono: monoAt(at),
    ...rest,
  };
}

/** A timed-out send: no status, latency the timeout. */
export const timedOut = (latencyMs: number): Partial<DeliveryRecord> => ({ status: null, error: 'timeout', timedOut: true, latencyMs });

/** A change of one field, as the data diff reports it. */
export function change(key: string, field: string, before: unknown, after: unknown, where = 'inventory'): DataChange {
  return { where, key, field, before, after };
}

/** What the first delivery of a well-behaved endpoint changed: the order's status and a stock reservation. */
export const FIRST_EFFECTS: DataChange[] = [
  change('o-1001', 'status', 'New', 'InProgress', 'orders'),
  change('SKU-1@oslo-online', 'reservedInventory', 1, 3),
];

export interface WebhookRunOptions {
  /** The first delivery's outcome (default 202 in 12 ms). */
  first?: Partial<DeliveryRecord>;
  /** Every probe's outcome (default 401), or one per probe: no-auth, wrong-token, other-tenant (signed: no-signature, wrong-signature, tampered-body, other-tenant). */
  probes?: Partial<DeliveryRecord> | Partial<DeliveryRecord>[];
  /** The platform signs deliveries: no auth header is sent, and the probes are the signature ones. */
  signed?: boolean;
  /** Signed runs: the correctly signed copy laid out unlike the platform's bytes, and its outcome (left out unless given). */
  relaid?: Partial<DeliveryRecord>;
  /** Each duplicate's outcome: at once, the simulated timeout's retry (default 202). */
  duplicates?: Partial<DeliveryRecord>;
  firstChanges?: DataChange[];
  probeChanges?: DataChange[];
  duplicateChanges?: DataChange[];
  /** The event of a type the platform does not define (seq 8, 14 s in): its outcome (default 202; left out unless given). */
  unknown?: Partial<DeliveryRecord>;
  /** What changed after it, and how the process ended after it (default: nothing, still running). */
  unknownStep?: Partial<UnknownEventStep>;
  /** Steps that did not happen. */
  without?: ('probes' | 'duplicates')[];
  step?: { first?: Partial<WebhookStep>; probes?: Partial<WebhookStep>; duplicates?: Partial<WebhookStep> };
  extra?: Partial<WebhookObservations>;
}

/**
 * A webhook phase: the first delivery (seq 1), three probes of a forged copy (2–4), then the
 * duplicates: one at once (5), one cut short after 50 ms (6, a simulated timeout) and its retry (7);
 * with `unknown`, last an event of a type the platform does not define (8).
 */
export function webhookRun(options: WebhookRunOptions = {}): WebhookObservations {
  const names = options.signed ? (['no-signature', 'wrong-signature', 'tampered-body', 'other-tenant'] as const) : (['no-auth', 'wrong-token', 'other-tenant'] as const);
  const one = options.probes as Partial<DeliveryRecord> | undefined;
  const probeOutcomes: (Partial<DeliveryRecord> | undefined)[] = Array.isArray(options.probes) ? options.probes : names.map(() => one);
  const first = delivery({ seq: 1, at: 8, ...(options.signed ? { authSent: null } : {}), ...options.first });
  // Signed: a fourth probe between seqs 4 and 5.
  const probes = names.map((probe, i) =>
    delivery({
      seq: i < 3 ? 2 + i : 4.5,
      at: 10,
      eventId: FORGED_ID,
      kind: 'probe',
      probe,
      note: `probe: ${probe}`,
      status: 401,
      authSent: probe === 'no-auth' || options.signed ? null : 'Bearer whk_…zzzz',
      ...probeOutcomes[i],
    }),
  );
  const relaid = options.relaid
    ? [delivery({ seq: 4.7, at: 11, eventId: RELAID_ID, kind: 'delivery', layout: 'non-canonical', authSent: null, note: 'correctly signed, laid out unlike the platform', ...options.relaid })]
    : [];
  const dup = { eventId: EVENT_ID, kind: 'duplicate' as const, ...options.duplicates };
  const duplicates = [
    delivery({ seq: 5, at: 12, ...dup, note: 'duplicate, at once' }),
    delivery({ seq: 6, at: 12.1, eventId: EVENT_ID, kind: 'duplicate', note: 'duplicate after a simulated timeout', ...timedOut(50) }),
    delivery({ seq: 7, at: 13.2, ...dup, kind: 'retry', attempt: 2, note: 'duplicate after a simulated timeout' }),
  ];
  const unknown = options.unknown
    ? [delivery({ seq: 8, at: 14, eventId: UNKNOWN_ID, note: `an event of a type the platform does not define (${UNKNOWN_LABEL})`, ...options.unknown })]
    : [];
  const without = new Set(options.without ?? []);
  const step = (eventId: string, records: DeliveryRecord[], changes: DataChange[], extra?: Partial<WebhookStep>): WebhookStep => ({
    eventId,
    seqs: records.map((r) => r.seq),
    changes,
    settled: true,
    ...extra,
  });
  return {
    url: URL,
    timeoutMs: 10_000,
    probe: false,
    deliveries: [first, ...(without.has('probes') ? [] : probes), ...relaid, ...(without.has('duplicates') ? [] : duplicates), ...unknown],
    simulatedTimeouts: without.has('duplicates') ? [] : [6],
    first: step(EVENT_ID, [first], options.firstChanges ?? FIRST_EFFECTS, options.step?.first),
    probes: without.has('probes') ? null : step(FORGED_ID, probes, options.probeChanges ?? [], options.step?.probes),
    ...(relaid.length > 0 ? { nonCanonical: step(RELAID_ID, relaid, []) } : {}),
    duplicates: without.has('duplicates') ? null : step(EVENT_ID, duplicates, options.duplicateChanges ?? [], options.step?.duplicates),
    ...(unknown.length > 0
      ? { unknownEvent: { ...step(UNKNOWN_ID, unknown, []), label: UNKNOWN_LABEL, sentMono: monoAt(14), exit: null, ...options.unknownStep } }
      : {}),
    ...options.extra,
  };
}

/** The two new objects of the out-of-order step, and their events. */
export const TWINS = {
  inOrder: { objectId: 'ORD-2001', created: 'b0b1b2b3b4b5b6b7b8b9', changed: 'b1b1b2b3b4b5b6b7b8b9' },
  outOfOrder: { objectId: 'ORD-2002', created: 'c0c1c2c3c4c5c6c7c8c9', changed: 'c1c1c2c3c4c5c6c7c8c9' },
} as const;

/** What a receiver that reads each order when told of it and books its two lines leaves for one twin. */
export function twinBooking(orderId: string, skus: [string, string], stock: [number, number] = [10, 4]): DataChange[] {
  return [
    change(`${skus[0]}@oslo-online`, 'reservedInventory', stock[0], stock[0] + 1),
    change(`${skus[0]}@oslo-online`, 'modified', '2026-01-12T09:00:13Z', `2026-01-12T09:00:1${orderId.endsWith('1') ? 4 : 5}Z`),
    change(`${skus[1]}@oslo-online`, 'reservedInventory', stock[1], stock[1] + 2),
  ];
}

export interface OutOfOrderOptions {
  /** Each delivery's outcome, by event: created and changed of each twin (default 202). */
  outcomes?: Partial<Record<'inOrderCreated' | 'inOrderChanged' | 'outOfOrderChanged' | 'outOfOrderCreated', Partial<DeliveryRecord>>>;
  inOrderChanges?: DataChange[];
  outOfOrderChanges?: DataChange[];
  step?: { settled?: boolean; probeError?: string };
}

/**
 * A webhook phase (see `webhookRun`) with the out-of-order step after the duplicates: two new
 * orders alike but for their ids and SKUs (ORD-2001 with SKU-10 and SKU-11 in order, ORD-2002
 * with SKU-20 and SKU-21 out of order), their events as seqs 7.1–7.4; each books its lines by default.
 */
export function outOfOrderRun(options: OutOfOrderOptions = {}, base: WebhookRunOptions = {}): WebhookObservations {
  const w = webhookRun(base);
  const o = options.outcomes ?? {};
  const records = [
    delivery({ seq: 7.1, at: 13.5, eventId: TWINS.inOrder.created, note: 'in order: created', ...o.inOrderCreated }),
    delivery({ seq: 7.2, at: 13.5, eventId: TWINS.outOfOrder.changed, note: 'out of order: changed, before created', ...o.outOfOrderChanged }),
    delivery({ seq: 7.3, at: 13.6, eventId: TWINS.inOrder.changed, note: 'in order: changed, after created', ...o.inOrderChanged }),
    delivery({ seq: 7.4, at: 13.6, eventId: TWINS.outOfOrder.created, note: 'out of order: created, after changed', ...o.outOfOrderCreated }),
  ];
  const twin = (t: (typeof TWINS)['inOrder' | 'outOfOrder'], skus: [string, string], changes: DataChange[]) => ({
    objectId: t.objectId,
    ids: [t.objectId, skus[0], 'P-' + skus[0], skus[1], 'P-' + skus[1]],
    keys: [`orders ${t.objectId}`, ...skus.map((s) => `inventory ${s}@oslo-online`)],
    createdId: t.created,
    changedId: t.changed,
    changes,
  });
  return {
    ...w,
    deliveries: [...w.deliveries, ...records],
    outOfOrder: {
      seqs: records.map((r) => r.seq),
      settled: options.step?.settled ?? true,
      ...(options.step?.probeError ? { probeError: options.step.probeError } : {}),
      inOrder: twin(TWINS.inOrder, ['SKU-10', 'SKU-11'], options.inOrderChanges ?? twinBooking('ORD-2001', ['SKU-10', 'SKU-11'])),
      outOfOrder: twin(TWINS.outOfOrder, ['SKU-20', 'SKU-21'], options.outOfOrderChanges ?? twinBooking('ORD-2002', ['SKU-20', 'SKU-21'], [7, 30])),
      elsewhere: [],
    },
  };
}
