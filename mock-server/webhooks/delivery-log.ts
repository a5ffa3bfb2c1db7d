import { GoliveError } from '../../errors.ts';
import type { Probe } from './probes.ts';

/** Records kept by default: enough for a certification run, bounded for a long-lived mock. */
export const DEFAULT_LOG_SIZE = 10_000;

/**
 * Why a request was sent: a first delivery, a retry, the same event again on purpose
 * (`deliver` or `redeliver`), or an auth probe.
 */
export type DeliveryKind = 'delivery' | 'retry' | 'duplicate' | 'probe';

/** One HTTP request the sender made, and what came of it. */
export interface DeliveryRecord {
  /** Increases by one per record, across the sender. */
  seq: number;
  eventId: string;
  subscriptionId: string;
  /** 1 for the first send, 2… for its retries; an HTTP fallback repeats its attempt's number. */
  attempt: number;
  kind: DeliveryKind;
  probe?: Probe;
  /** Set when the body was laid out unlike the platform's own serialisation (and signed as sent). */
  layout?: 'non-canonical';
  note?: string;
  verb: 'POST' | 'PUT';
  /** The URL requested, its scheme kept (http:// for an HTTP fallback). */
  url: string;
  scheme: 'https' | 'http';
  /** The auth header as sent, masked (`Bearer eyJh…Q2x8`); `null` when none was sent. */
  authSent: string | null;
  /** The receiver's status; `null` when none came (connection error, timeout before the headers). */
  status: number | null;
  /** `timeout`, or the Node error code (`ECONNREFUSED`, `ECONNRESET`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`…). */
  error: string | null;
  timedOut: boolean;
  /** The https:// URL's receiver answered the TLS handshake in plain HTTP. */
  plainHttpOnly?: boolean;
  /** This request is the http:// fallback of an https:// attempt (`fallbackToHttp`). */
  fallback?: boolean;
  /** The `Location` of a 3xx, which the sender never follows. */
  location?: string;
  latencyMs: number;
  /** Response body bytes read (at most `maxResponseBytes`). */
  responseBytes: number;
  /** The body was longer than `maxResponseBytes`; the rest was discarded with the connection. */
  responseTruncated?: boolean;
  /** Mock-clock time of the request (ISO). */
  startedAt: string;
  /** `performance.now()` at the request, to order and time records without the mock clock's shifts. */
  startMono: number;
}

/**
 * The last `size` delivery records, oldest dropped first, and the `onLog` listener told of each.
 * A ring: once full, a record overwrites the oldest in place instead of shifting the array, which
 * would cost a copy per delivery at thousands a second.
 */
export class DeliveryLog {
  readonly size: number;
  readonly #records: DeliveryRecord[] = [];
  /** Once the ring is full: the slot of the oldest record, which the next one overwrites. */
  #oldest = 0;
  #seq = 0;
  readonly #onLog: ((record: DeliveryRecord) => void) | undefined;

  /** Throws `GOLIVE_ERR_CONFIG_INVALID` for a size that is not a whole number ≥ 1. */
  constructor(size: number = DEFAULT_LOG_SIZE, onLog?: (record: DeliveryRecord) => void) {
    if (!Number.isInteger(size) || size < 1) throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', 'logSize: expected a whole number ≥ 1');
    this.size = size;
    this.#onLog = onLog;
  }

  /** The `seq` for the record about to be made. */
  nextSeq(): number {
    return ++this.#seq;
  }

  /** Keeps the record and tells the listener; a listener that throws costs nothing but its own call. */
  add(record: DeliveryRecord): void {
    if (this.#records.length < this.size) this.#records.push(record);
    else {
      this.#records[this.#oldest] = record;
      this.#oldest = (this.#oldest + 1) % this.size;
    }
    if (!this.#onLog) return;
    try {
      this.#onLog(record);
    } catch {
      // the listener's failure is its own; the delivery is recorded all the same
    }
  }

  /** The records kept, oldest first. */
  records(): DeliveryRecord[] {
    if (this.#records.length < this.size) return this.#records.slice();
    return this.#records.slice(this.#oldest).concat(this.#records.slice(0, this.#oldest));
  }
}
