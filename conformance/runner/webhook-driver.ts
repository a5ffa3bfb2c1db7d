import { performance } from 'node:perf_hooks';
import { AUTH_PROBES, type DomainEvent, type MockControl, SIGNATURE_PROBES, type SubscriptionInput, type TwinObject, forgedCopy } from '../../mock-server/index.ts';
import type { DataChange, WebhookObservations, WebhookStep } from '../checks/observations.ts';
import { type Tables, diffProbeOutput, diffTables } from '../observe/data-diff.ts';
import type { ProbeReading } from '../observe/side-effect-probe.ts';

/** How long the driver waits for the integration to finish what a delivery set off. */
export interface SettleTimings {
  /** Always at least this long after a step's sends were answered. */
  minMs: number;
  /** …and until the API user has made no write (and no delivery is in flight) for this long. */
  quietMs: number;
  /** …but never longer than this. */
  maxMs: number;
}

export interface WebhookDriverOptions {
  mock: MockControl;
  /** The run's API user: the object the event is about is one it may see; its writes are the effects watched. */
  clientId: string;
  /** The subscription: the integration's endpoint over HTTPS, its auth or signing, event classes and timeout. */
  subscription: Pick<SubscriptionInput, 'url' | 'auth' | 'signing' | 'skipEventsBy' | 'classNames' | 'timeoutMs'> & { url: string; timeoutMs: number };
  /** A secret of another tenant, for the other-tenant probe. */
  otherTenantToken: string;
  settle: SettleTimings;
  /** The integration's side-effect probe (config `webhook.idempotencyProbe`), when it has one. */
  readProbe?: () => Promise<ProbeReading>;
  /** How the integration's process ended, once it has (`null` while it runs): an unknown event must not end it. */
  exited?: () => { code: number | null; signal: string | null; atMono: number } | null;
  /** Settles when the run must end early. */
  stop: Promise<unknown>;
  /** The phase's time: no step starts after it, and waits end with it. */
  deadlineMono: number;
}

/** What a step compares: the mock's data and what the side-effect probe said. */
interface State {
  data: Tables;
  probe: ProbeReading | null;
}

/**
 * The webhook phase (checklist section 4): subscribes the integration's endpoint, emits a real
 * event, probes with bad auth or bad signatures (a copy of the event under a new id), a correctly
 * signed copy laid out unlike the platform's bytes (signed platforms), then sends the same event again at once and after a simulated
 * timeout, then the life of two new objects in order and out of order, and last an event of a type the platform does not define. Before and after each step
 * it takes the mock's data (and the side-effect probe's output), once the integration has
 * settled, so the checks can see what each step changed.
 */
export async function driveWebhooks(options: WebhookDriverOptions): Promise<WebhookObservations> {
  const { mock, clientId } = options;
  const sub = mock.subscribe({ ...options.subscription, verb: 'POST', fallbackToHttp: true });
  const user = mock.getApiUser(clientId);
  const where = { ...(user ? { tenant: user.tenant } : {}), environment: 'test' as const };
  const sample = mock.platform.sampleEvent;
  let stopped = false;
  void options.stop.then(() => {
    stopped = true;
  });
  const simulatedTimeouts: number[] = [];
  const obs: WebhookObservations = {
    url: options.subscription.url,
    timeoutMs: options.subscription.timeoutMs,
    probe: options.readProbe !== undefined,
    deliveries: [],
    simulatedTimeouts,
    probes: null,
    first: null,
    duplicates: null,
  };
  const remaining = () => options.deadlineMono - performance.now();
  /** `promise`, or nothing once the phase's time is up or the run stops. */
  const bounded = <T>(promise: Promise<T>): Promise<T | undefined> =>
    Promise.race([promise, sleep(Math.max(0, remaining())), options.stop.then(() => undefined)]);
  const state = async (): Promise<State> => ({ data: mock.snapshot(where), probe: options.readProbe ? await options.readProbe() : null });
  let objectId: string | undefined;

  /**
   * One step: its sends, then a wait for the work they set off, then the state after. With
   * `workIfAccepted`, a send answered 2xx is expected to set work off: the wait first looks for
   * a sign of it (a call naming the event's object, or a write), so a slow start is not taken
   * for no effect. (Not for duplicates: a receiver that skips them answers 2xx and does nothing,
   * and waiting for work that never comes would cost every run seconds.)
   */
  const step = async (before: State, eventIdOf: () => string, workIfAccepted: boolean, sends: () => Promise<unknown>, about?: readonly string[]): Promise<WebhookStep> => {
    const fromSeq = lastSeq(mock);
    const work = watchWork(mock, clientId, () => about ?? (objectId === undefined ? [] : [objectId]));
    let calm: boolean;
    try {
      await bounded(sends());
      const accepted = mock.webhooks.log().some((r) => r.subscriptionId === sub.id && r.seq > fromSeq && r.status !== null && r.status >= 200 && r.status < 300);
      calm = await work.settle(options.settle, workIfAccepted && accepted, () => stopped || remaining() <= 0);
    } finally {
      work.stop();
    }
    const after = await state();
    const failed = [before.probe, after.probe].find((p) => p && !p.ok);
    // Read after the sends: the first step's event exists only once it has been emitted.
    const eventId = eventIdOf();
    return {
      eventId,
      seqs: mock.webhooks.log().filter((r) => r.subscriptionId === sub.id && r.seq > fromSeq && r.eventId === eventId).map((r) => r.seq),
      changes: changesBetween(before, after),
      settled: calm,
      ...(failed && !failed.ok ? { probeError: failed.error } : {}),
    };
  };

  try {
    // 1. A real domain change, delivered with the right token.
    if (!sample) throw new Error(`${mock.platform.title} sends no events`);
    let event: DomainEvent | undefined;
    const beforeFirst = await state();
    obs.first = await step(beforeFirst, () => event?.id ?? '', true, async () => {
      event = await mock.emitEvent(sample, { clientId });
      objectId = event.objectId;
      // A slow downstream (security-tests.md case 96): while the delivery waits for its answer, the
      // calls naming its object wait out the timeout, so an endpoint that makes them before it
      // answers cannot answer in time. Calls made after the answer are not slowed.
      const timeoutMs = options.subscription.timeoutMs;
      const fromSeq = mock.journal.lastSeq;
      const slow = mock.faults.add({
        match: { apiUser: clientId, path: `/${escapeRegExp(objectId)}/`, whileDelivering: true },
        action: { kind: 'latency', ms: timeoutMs },
        note: 'a slow downstream: calls about the event while its delivery waits for an answer',
      });
      let fired = 0;
      try {
        // Published on emit; drain() resolves once its first attempt (and any HTTP fallback) is answered.
        await mock.webhooks.drain();
      } finally {
        fired = mock.faults.list().find((r) => r.id === slow.id)?.fired ?? 0;
        mock.faults.remove(slow.id);
      }
      // The slowed calls end by the timeout: their answers come before the state after is taken.
      const slowed = () => mock.journal.since(fromSeq).filter((e) => e.fault?.id === slow.id);
      const until = performance.now() + timeoutMs + 1_000;
      await untilDone(() => slowed().length >= fired, () => stopped || remaining() <= 0 || performance.now() > until);
      obs.slowDownstream = { ms: timeoutMs, seqs: slowed().map((e) => e.seq) };
    });
    if (!event) throw new Error(`no ${sample.className} event could be emitted`);
    if (obs.first.seqs.length === 0) {
      obs.problem = `the ${sample.className} event was not delivered: the subscription's event classes (config webhook.events: ${options.subscription.classNames?.join(', ')}) do not include ${sample.className}`;
      return obs;
    }

    // 2. A forged copy (a new event id) with no auth, a wrong token, another tenant's token (or,
    // when the platform signs deliveries, no signature, a wrong one, the real event's signature
    // on the copy's body, one with another tenant's secret), about another object of the user's
    // that shares no record with the first when there is one: what a probe sets off is then told
    // apart from the right delivery's own work, even when that work is still going on (a slow
    // endpoint).
    if (stopped || remaining() <= 0) return obs;
    const scope = user?.stores ?? '*';
    obs.accepted = { objectId: event.objectId, keys: mock.eventFootprint(event.objectId, where) };
    const forged = { ...forgedCopy(event), ...mock.anotherSubject(event.objectId, scope, where) };
    obs.probes = await step(await state(), () => forged.id, true, () =>
      Promise.all(
        (sub.signing ? SIGNATURE_PROBES : AUTH_PROBES).map((probe) =>
          mock.webhooks.deliver(sub.id, forged, { probe, otherTenantToken: options.otherTenantToken, signedAs: event!, note: `probe: ${probe}` }),
        ),
      ),
    );

    // 3. Where deliveries are signed: another forged copy about the same object, correctly signed
    // over a body laid out unlike the platform's bytes (security-tests.md case 93). A receiver
    // that hashes re-serialised JSON instead of the bytes it received refuses it.
    if (sub.signing) {
      if (stopped || remaining() <= 0) return obs;
      const relaid = forgedCopy(forged);
      obs.nonCanonical = await step(await state(), () => relaid.id, true, () =>
        mock.webhooks.deliver(sub.id, relaid, { layout: 'non-canonical', note: 'correctly signed, laid out unlike the platform (whitespace, \\u escapes, keys reordered)' }),
      );
    }

    // 4. The first event again, same id: at once, then cut short after 50 ms and retried as after a timeout.
    if (stopped || remaining() <= 0) return obs;
    const id = event.id;
    obs.duplicates = await step(await state(), () => id, false, async () => {
      await mock.webhooks.redeliver(id, { subscriptionId: sub.id, note: 'duplicate, at once' });
      const cut = await mock.webhooks.redeliver(id, { subscriptionId: sub.id, afterTimeout: true, note: 'duplicate after a simulated timeout' });
      simulatedTimeouts.push(...cut.map((r) => r.seq));
      // The cut-short send goes again after the first retry delay; its record appears once it is answered.
      // (Not idle(): that would also wait out the retries of any delivery the endpoint failed, up to 21 s.)
      const after = Math.max(...cut.map((r) => r.seq));
      await untilDone(() => mock.webhooks.log().some((r) => r.seq > after && r.eventId === id && r.kind === 'retry' && r.subscriptionId === sub.id), () => stopped || remaining() <= 0);
    });

    // 5. The same life told in order and out of order (security-tests.md case 95): two new
    // objects alike but for their ids, each made and then changed before any delivery, so the
    // truth is the same for both; one's events go created then changed, the other's changed then
    // created, both at once (their records are disjoint).
    if (stopped || remaining() <= 0) return obs;
    const twins = await mock.twinObjects({ clientId });
    if (!twins) {
      obs.outOfOrder = { unavailable: `${mock.platform.title} has no way for golive to make a new object with its "created" event` };
    } else {
      const [inOrder, outOfOrder] = twins;
      const fromSeq = lastSeq(mock);
      const send = (event: DomainEvent, note: string) => mock.webhooks.deliver(sub.id, event, { note });
      const taken = await step(
        await state(),
        () => inOrder.created.id,
        true,
        () =>
          Promise.all([
            send(inOrder.created, 'in order: created').then(() => send(inOrder.changed, 'in order: changed, after created')),
            send(outOfOrder.changed, 'out of order: changed, before created').then(() => send(outOfOrder.created, 'out of order: created, after changed')),
          ]),
        [inOrder.objectId, outOfOrder.objectId],
      );
      const eventIds = new Set([inOrder, outOfOrder].flatMap((t) => [t.created.id, t.changed.id]));
      const twin = (t: TwinObject) => ({ objectId: t.objectId, ids: t.ids, keys: mock.eventFootprint(t.objectId, where), createdId: t.created.id, changedId: t.changed.id, changes: [] as DataChange[] });
      const first = twin(inOrder);
      const second = twin(outOfOrder);
      const elsewhere: DataChange[] = [];
      for (const c of taken.changes) {
        const owner = [first, second].find((t) => (c.where === 'probe' ? t.ids.some((id) => JSON.stringify(c).includes(id)) : t.keys.includes(`${c.where} ${c.key}`)));
        (owner?.changes ?? elsewhere).push(c);
      }
      obs.outOfOrder = {
        seqs: mock.webhooks.log().filter((r) => r.subscriptionId === sub.id && r.seq > fromSeq && eventIds.has(r.eventId)).map((r) => r.seq),
        settled: taken.settled,
        ...(taken.probeError ? { probeError: taken.probeError } : {}),
        inOrder: first,
        outOfOrder: second,
        elsewhere,
      };
    }

    // 6. Last (it may end the process): an event of a type the platform does not define,
    // correctly authenticated, about the first event's object (security-tests.md case 99). Not
    // retried: one answer tells. No work is waited for: a receiver that ignores it does none.
    if (stopped || remaining() <= 0) return obs;
    const unknown = mock.unknownEvent(event);
    if (unknown) {
      const sentMono = performance.now();
      const taken = await step(await state(), () => unknown.event.id, false, () =>
        mock.webhooks.deliver(sub.id, unknown.event, { note: `an event of a type the platform does not define (${unknown.label})` }),
      );
      const exit = options.exited?.();
      obs.unknownEvent = { ...taken, label: unknown.label, sentMono, exit: exit && exit.atMono >= sentMono ? { code: exit.code, signal: exit.signal, mono: exit.atMono } : null };
    }
    return obs;
  } catch (err) {
    obs.problem = `golive could not drive the webhook phase (a bug in golive, please report it): ${(err as Error).message}`;
    return obs;
  } finally {
    // The subscription stays: a later phase may deliver an event to set off the integration's
    // event-driven calls (missing-role). Its deliveries are not this phase's.
    obs.deliveries = mock.webhooks.log().filter((r) => r.subscriptionId === sub.id);
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function lastSeq(mock: MockControl): number {
  const log = mock.webhooks.log();
  return log.length ? log[log.length - 1]!.seq : 0;
}

function changesBetween(before: State, after: State): DataChange[] {
  const { changes } = diffTables(before.data, after.data);
  if (before.probe?.ok && after.probe?.ok) changes.push(...diffProbeOutput(before.probe.output, after.probe.output));
  return changes;
}

/** Resolves once `done()` holds (true) or `over()` does (false); looks every 50 ms. */
async function untilDone(done: () => boolean, over: () => boolean): Promise<boolean> {
  for (;;) {
    if (done()) return true;
    if (over()) return false;
    await sleep(50);
  }
}

const sleep = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());


/**
 * Watches the API user's calls from now on for signs of work on a delivery: writes, and calls
 * naming the event's object (`GET /api/Orders/{objectId}`) or objects.
 */
function watchWork(mock: MockControl, clientId: string, objectIds: () => readonly string[]) {
  let lastActivity = performance.now();
  let worked = false;
  const stop = mock.journal.subscribe((e) => {
    if (e.apiUser !== clientId) return;
    if (e.writes || objectIds().some((id) => e.path.includes(id))) {
      lastActivity = performance.now();
      worked = true;
    }
  });
  return {
    stop,
    /**
     * Waits until the integration has finished what the sends set off. When work is expected:
     * until a sign of it, or `maxMs` without one (then there is nothing golive could wait for).
     * Then at least `minMs` in all, and until `quietMs` have passed with no such call and no
     * delivery in flight. Resolves false when it gave up: never quiet within twice `maxMs`,
     * time up, or the run stopped.
     */
    async settle(t: SettleTimings, expectWork: boolean, over: () => boolean): Promise<boolean> {
      const start = performance.now();
      // A quiet period can only be waited for by looking again; 50 ms is far below any quiet period asked for.
      for (;;) {
        const now = performance.now();
        if (mock.webhooks.pending().inFlight > 0) lastActivity = Math.max(lastActivity, now);
        if (expectWork && !worked) {
          if (now - start >= t.maxMs) return true;
        } else if (now - start >= t.minMs && now - lastActivity >= t.quietMs) {
          return true;
        } else if (now - start >= 2 * t.maxMs) {
          return false;
        }
        if (over()) return false;
        await sleep(50);
      }
    },
  };
}
