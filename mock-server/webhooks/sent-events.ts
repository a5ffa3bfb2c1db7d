import type { DomainEvent, EventWire } from '../domain/events.ts';

export type { EventWire } from '../domain/events.ts';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** An event as the sender sent it: serialised once for all its sends, and where it went. */
export interface SentEvent {
  readonly event: DomainEvent;
  readonly body: Buffer;
  /** The platform's headers for this event (none unless its wire has some). */
  readonly headers: Readonly<Record<string, string>>;
  /** `body.length` as a string, made once rather than per request. */
  readonly contentLength: string;
  /** The ids of the subscriptions it was sent to, for `redeliver`. */
  readonly sentTo: Set<string>;
}

/** The last `size` events sent, oldest dropped first: what `redeliver` can send again. */
export class SentEvents {
  readonly #size: number;
  readonly #wire: EventWire;
  /** In the order last sent: a Map iterates in insertion order, so the first key is the oldest. */
  readonly #entries = new Map<string, SentEvent>();

  constructor(size: number, wire: EventWire = {}) {
    this.#size = size;
    this.#wire = wire;
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
    const body = Buffer.from(JSON.stringify(this.#wire.body ? this.#wire.body(event) : event), 'utf8');
    const headers = this.#wire.headers ? lowerCased(this.#wire.headers(event)) : NO_HEADERS;
    const entry: SentEvent = { event, body, headers, contentLength: String(body.length), sentTo };
    this.#entries.delete(event.id);
    this.#entries.set(event.id, entry);
    if (this.#entries.size > this.#size) this.#entries.delete(this.#entries.keys().next().value as string);
    return entry;
  }
}

/** Header names as Node sends them, so a subscription's own header of the same name replaces the platform's. */
function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
