import { performance } from 'node:perf_hooks';
import type { ServerResponse } from 'node:http';
import type { MockControl } from '../control.ts';
import type { JournalEntry } from '../journal/journal.ts';
import type { DeliveryRecord } from '../webhooks/index.ts';
import type { Feed } from '../journal/feed.ts';
import { BAD_TLS_KINDS } from '../transports/tls.ts';

/** What the console's timeline needs of a request; the rest is one click away (`/__admin/journal/:seq`). */
export type StreamedRequest = Pick<
  JournalEntry,
  'seq' | 'mono' | 'time' | 'apiUser' | 'method' | 'path' | 'status' | 'tokenRequest' | 'denied' | 'retryAfter' | 'latencyMs' | 'listener' | 'transport' | 'aborted'
> & { fault: string | null };

export function streamed(e: JournalEntry): StreamedRequest {
  return {
    seq: e.seq,
    mono: Math.round(e.mono),
    time: e.time,
    apiUser: e.apiUser,
    method: e.method,
    path: e.path,
    status: e.status,
    tokenRequest: e.tokenRequest,
    denied: e.denied,
    retryAfter: e.retryAfter,
    latencyMs: Math.round(e.latencyMs),
    listener: e.listener,
    transport: e.transport,
    aborted: e.aborted,
    fault: e.fault?.kind ?? null,
  };
}

export interface StreamOptions {
  /** How often batched requests are sent (default 100 ms): one message per flush, not one per request. */
  flushMs?: number;
  /** Requests held for one slow client before the oldest are dropped (and counted). Default 5,000. */
  maxPending?: number;
  /** Requests and deliveries replayed to a new connection. Default 500. */
  replay?: number;
  /** Told to the page: the API serves HTTPS (a bad certificate can be presented). */
  tls?: boolean;
}

/**
 * Streams the journal, the delivery log and the feed to one console as server-sent events:
 * `hello` (the clock to place marks by), `requests` and `deliveries` (batched arrays), `feed`
 * (one event each), `dropped` (requests a slow client missed). A client that cannot keep up
 * costs the mock a bounded buffer, never unbounded memory.
 */
/** An open stream: `stop` forgets it (its socket went away); `end` sends what is batched, then ends it. */
export interface Stream {
  stop(): void;
  end(timeoutMs?: number): Promise<void>;
}

export function openStream(raw: ServerResponse, control: MockControl, feed: Feed, onDelivery: (l: (r: DeliveryRecord) => void) => () => void, options: StreamOptions = {}): Stream {
  const flushMs = options.flushMs ?? 100;
  const maxPending = options.maxPending ?? 5_000;
  const replay = options.replay ?? 500;
  let requests: StreamedRequest[] = [];
  let deliveries: DeliveryRecord[] = [];
  let dropped = 0;
  let blocked = false;

  const send = (event: string, data: unknown): void => {
    if (raw.destroyed) return;
    if (!raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) blocked = true;
  };
  raw.on('drain', () => {
    blocked = false;
  });

  const p = control.platform;
  send('hello', {
    now: performance.now(),
    platform: { name: p.name, title: p.title, noun: p.permissions.noun, scoped: p.scoped, tls: options.tls ?? false, badCertificates: options.tls ? BAD_TLS_KINDS : [], sampleEvent: p.sampleEvent, webhookAuth: p.webhookAuth.kind },
  });
  for (const event of feed.snapshot()) send('feed', event);
  const recent = control.journal.since(Math.max(0, control.journal.lastSeq - replay));
  if (recent.length > 0) send('requests', recent.map(streamed));
  const log = control.webhooks.log();
  if (log.length > 0) send('deliveries', log.slice(-replay));

  const stopJournal = control.journal.subscribe((entry) => {
    requests.push(streamed(entry));
    if (requests.length > maxPending) {
      const over = requests.length - maxPending;
      requests = requests.slice(over);
      dropped += over;
    }
  });
  const stopDeliveries = onDelivery((record) => {
    deliveries.push(record);
    if (deliveries.length > maxPending) deliveries = deliveries.slice(-maxPending);
  });
  const stopFeed = feed.subscribe((event) => send('feed', event));
  const flushPending = () => {
    if (blocked) return;
    if (dropped > 0) {
      send('dropped', { count: dropped });
      dropped = 0;
    }
    if (requests.length > 0) {
      send('requests', requests);
      requests = [];
    }
    if (deliveries.length > 0) {
      send('deliveries', deliveries);
      deliveries = [];
    }
  };
  const flush = setInterval(flushPending, flushMs);
  // A comment now and then keeps proxies and idle timers from closing a quiet stream.
  const keepAlive = setInterval(() => {
    if (!blocked && !raw.destroyed) raw.write(': keep-alive\n\n');
  }, 15_000);

  let closed = false;
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(flush);
    clearInterval(keepAlive);
    stopJournal();
    stopDeliveries();
    stopFeed();
  };
  raw.on('close', stop);
  return {
    stop,
    // What is still batched goes out, then the stream ends: a run's last verdicts reach the
    // page even when the listener closes right after publishing them.
    end(timeoutMs = 1_000) {
      flushPending();
      stop();
      if (raw.destroyed || raw.writableFinished) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        raw.once('finish', done);
        raw.once('close', done);
        raw.end();
      });
    },
  };
}
