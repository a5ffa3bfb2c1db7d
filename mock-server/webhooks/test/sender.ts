/**
 * Test helper: a vitest `it` whose tests get a WebhookSender on a manual clock and scheduler, a
 * real receiver, and whatever they start through `newSender`/`newReceiver`, all closed after the
 * test, newest first. Plus the events and secrets the sender's tests share.
 */
import { it as base } from 'vitest';
import { createManualClock } from '../../clock.ts';
import type { DeliveryFailure, DomainEvent } from '../../domain/events.ts';
import type { DeliveryRecord } from '../delivery-log.ts';
import { createManualScheduler, type ManualScheduler } from '../scheduler.ts';
import { WebhookSender, type WebhookSenderOptions } from '../sender.ts';
import { type Receiver, startReceiver } from './receiver.ts';

/** The mock clock's start: every `startedAt` and failure timestamp is relative to it. */
export const START = Date.UTC(2026, 0, 15, 12, 0, 0);

/** A bearer token long enough for `mask` to show 4 characters at each end. */
export const TOKEN = 'whk-bearer-0123456789abcdefghij';

let n = 0;
/** A shipped order event with a fresh id and object, as Omnium sends it; `extra` overrides fields. */
export const orderEvent = (extra: Partial<DomainEvent> = {}): DomainEvent => ({
  id: `evt${String(++n).padStart(17, '0')}`,
  operationId: 310101,
  timestamp: '2026-01-15T12:00:00.000Z',
  message: 'Order status updated',
  className: 'Order',
  subClassName: 'Online',
  objectId: `ORD-${n}`,
  objectNumber: `ORD-${n}`,
  category: 'Updated',
  market: 'NOR',
  storeId: 'oslo-online',
  status: 'Shipped',
  previousStatus: 'New',
  isError: false,
  isRead: false,
  ...extra,
});

export const statuses = (log: DeliveryRecord[]): (number | null)[] => log.map((r) => r.status);

export interface SenderFixtures {
  /** Starts at START; the scheduler moves it. */
  clock: ReturnType<typeof createManualClock>;
  scheduler: ManualScheduler;
  /** What every sender made by `newSender` passed to `onFailure`. */
  failures: DeliveryFailure[];
  /** Closed after the test, newest first. */
  closers: (() => Promise<void>)[];
  /** A sender on the test's clock and scheduler, reporting to `failures`; `options` override. */
  newSender: (options?: Partial<WebhookSenderOptions>) => WebhookSender;
  newReceiver: (...args: Parameters<typeof startReceiver>) => Promise<Receiver>;
  /** A plain-HTTP receiver answering 200 unless told otherwise. */
  receiver: Receiver;
  /** A sender with the default options. */
  sender: WebhookSender;
  /** Moves the manual scheduler and waits for the sends it started. */
  advance: (ms: number) => Promise<void>;
}

export const it = base.extend<SenderFixtures>({
  clock: async ({}, use) => use(createManualClock(START)),
  scheduler: async ({ clock }, use) => use(createManualScheduler({ clock })),
  failures: async ({}, use) => use([]),
  // One list for senders and receivers, so they close in the reverse of the order they started.
  closers: async ({}, use) => {
    const closers: (() => Promise<void>)[] = [];
    await use(closers);
    for (const close of closers.splice(0).reverse()) await close();
  },
  newSender: async ({ clock, scheduler, failures, closers }, use) =>
    use((options = {}) => {
      const s = new WebhookSender({ clock, scheduler, onFailure: (e) => failures.push(e), ...options });
      closers.push(() => s.close());
      return s;
    }),
  newReceiver: async ({ closers }, use) =>
    use(async (...args) => {
      const r = await startReceiver(...args);
      closers.push(() => r.close());
      return r;
    }),
  receiver: async ({ newReceiver }, use) => use(await newReceiver()),
  // Depends on the receiver so that, as the tests were written, the receiver starts first and
  // closes last: the sender's requests never meet a closed receiver during teardown.
  sender: async ({ newSender, receiver: _ }, use) => use(newSender()),
  advance: async ({ scheduler, sender }, use) =>
    use(async (ms) => {
      scheduler.advance(ms);
      await sender.drain();
    }),
});
