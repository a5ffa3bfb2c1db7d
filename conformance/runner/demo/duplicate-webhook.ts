import { performance } from 'node:perf_hooks';
import type { MockControl } from '../../../mock-server/index.ts';
import type { PhaseSpec } from '../plan.ts';

/** How long the driver waits for the integrations to finish what a delivery set off. */
export interface DuplicateSettle {
  /** At least this long after each send was answered. */
  minMs: number;
  /** …and until no target has written (or called about the event's object) for this long. */
  quietMs: number;
  /** …but, waiting for work to begin, never longer than this. */
  maxMs: number;
}

export interface DuplicateOptions {
  /** The integrations' API users (each a function: a rotation may have replaced one). */
  clients: readonly (() => string)[];
  settle: DuplicateSettle;
  /** Settles when the demo stops early. */
  stop: Promise<unknown>;
  /** The duplicate's note in the delivery log (default "duplicate (golive demo)"). */
  note?: string;
}

/** A quiet period can only be seen by looking again: 50 ms is far below any asked for. */
const LOOK_MS = 50;
/** The share of the phase spent, at most, waiting for every integration to be at work again before the event is sent. */
const READY_SHARE = 0.4;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * `golive demo`'s driver of a `drive: 'webhooks'` phase: once every integration is at work
 * again (an API call that worked since the phase began, within 40 % of the phase), one event
 * about an object every integration may see, delivered to every subscription (the platform's
 * sample change); once their work on it is done, the same event again (same id). Unlike
 * certify's driver it sends no probes and takes no snapshots: the demo judges from the journal
 * and the delivery log.
 */
export async function deliverTwice(mock: MockControl, phase: PhaseSpec, options: DuplicateOptions): Promise<void> {
  const sample = mock.platform.sampleEvent;
  if (!sample || options.clients.length === 0) return;
  const start = performance.now();
  const deadline = start + phase.durationMs;
  let stopped = false;
  void options.stop.then(() => {
    stopped = true;
  });
  const over = () => stopped || performance.now() >= deadline;
  const clients = () => options.clients.map((c) => c());

  // Who has made a call that worked since the phase began; who has worked on the event since the last send.
  const working = new Set<string>();
  const busy = new Set<string>();
  let objectId: string | undefined;
  let lastWork = start;
  const unsubscribe = mock.journal.subscribe((e) => {
    if (e.apiUser === null || !clients().includes(e.apiUser)) return;
    if (e.requiredRole !== null && e.status > 0 && e.status < 400) working.add(e.apiUser);
    if (e.writes || (objectId !== undefined && e.path.includes(objectId))) {
      busy.add(e.apiUser);
      lastWork = performance.now();
    }
  });

  const until = async (done: () => boolean, bound: number): Promise<void> => {
    while (!done() && !over() && performance.now() < bound) await sleep(LOOK_MS);
  };
  /** After a send: work begun by every target (when expected, within maxMs), then quiet. */
  const settle = async (expectWork: boolean): Promise<void> => {
    const from = performance.now();
    if (expectWork) await until(() => clients().every((c) => busy.has(c)), from + options.settle.maxMs);
    await until(() => {
      const now = performance.now();
      return now - from >= options.settle.minMs && now - lastWork >= options.settle.quietMs && mock.webhooks.pending().inFlight === 0;
    }, from + 2 * options.settle.maxMs);
  };

  try {
    await until(() => clients().every((c) => working.has(c)), start + phase.durationMs * READY_SHARE);
    if (over()) return;
    // About an object the most narrowly scoped user may see: the others (all stores, or more) see it too.
    const scope = (id: string) => {
      const stores = mock.getApiUser(id)?.stores ?? '*';
      return stores === '*' ? Number.POSITIVE_INFINITY : stores.length;
    };
    const about = [...clients()].sort((a, b) => scope(a) - scope(b))[0]!;
    const event = await mock.emitEvent(sample, { clientId: about });
    objectId = event.objectId;
    await mock.webhooks.drain();
    await settle(true);
    if (over()) return;
    busy.clear();
    await mock.webhooks.redeliver(event.id, { note: options.note ?? 'duplicate (golive demo)' });
    await mock.webhooks.drain();
    await settle(false);
  } finally {
    unsubscribe();
  }
}
