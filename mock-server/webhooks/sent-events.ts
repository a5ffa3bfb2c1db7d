import type { DomainEvent } from '../domain/events.ts';

/** An event as the sender sent it: serialised once for all its sends, and where it went. */
export interface SentEvent {
  readonly event: DomainEvent;
  readonly body: Buffer;
  /** `body.length` as a string, made once rather than per request. */
  readonly contentLength: string;
  /** The ids of the subscriptions it was sent to, for `redeliver`. */
  readonly sentTo: Set<string>;
}

/** The last `size` events sent, oldest dropped first: what `redeliver` can send again. */
export class SentEvents {
  readonly #size: number;
  /** In the order last sent: a Map iterates in insertion order, so the first key is the oldest. */
  readonly #entries = new Map<string, SentEvent>();

  constructor(size: number) {
    this.#size = size;
  }

  get(id: string): SentEvent | undefined {
    return this.#entries.get(id);
  }

  /**
   * Serialises the event for its sends and makes it the newest; an event sent before keeps the
   * subscriptions it went to (the body is made anew, since the caller may pass a changed event).
   */
  remember(event: DomainEvent): SentEvent {
    const sentTo = this.#entries.get(event.id)?.sentTo ?? new Set<string>();
    const body = Buffer.from(JSON.stringify(event), 'utf8');
    const entry: SentEvent = { event, body, contentLength: String(body.length), sentTo };
    this.#entries.delete(event.id);
    this.#entries.set(event.id, entry);
    if (this.#entries.size > this.#size) this.#entries.delete(this.#entries.keys().next().value as string);
    return entry;
  }
}
