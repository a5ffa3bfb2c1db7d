import { randomUUID } from 'node:crypto';

/**
 * What a profile's data change raises: the fields the engine reads (routing to subscriptions,
 * the harness), and whatever else the platform's envelope carries (Omnium: `operationId`,
 * `message`, `subClassName`…, omnium-api.md A8). A delivery's body is the whole event: the
 * metadata, not the entity; subscribers fetch the entity with `objectId`.
 */
export interface EventFields {
  /** The class of object that changed (Omnium: `Order`; the profile's `events.classNames`). */
  className: string;
  objectId: string;
  /** What subscriptions may filter on, when the platform's events carry it. */
  category?: string;
  status?: string;
  isError?: boolean;
  storeId?: string;
  market?: string;
  /** The API user whose call raised it (absent for changes made through the admin API). */
  userId?: string;
  /** The rest of the platform's envelope. */
  [field: string]: unknown;
}

/** An event as published: its fields, a new id and the time it was raised. */
export type DomainEvent = EventFields & { id: string; timestamp: string };

/** A delivery that failed for good (after its retries, or at once when not retried): what a profile's failure event is made of. */
export interface DeliveryFailure {
  event: DomainEvent;
  subscription: { id: string; verb: string; url: string };
  /** Attempts made, the first included. */
  attempts: number;
  /** `timeout`, the Node error code, or the status and its reason phrase (`500 Internal Server Error`). */
  reason: string;
  /** How long the last attempt took. */
  latencyMs: number;
  /** The mock clock's time, in ms. */
  at: number;
}

/** A new event id: 20 hex characters, as Omnium's look. */
export const newEventId = (): string => randomUUID().replace(/-/g, '').slice(0, 20);

/**
 * The same event under a new id: what an auth probe sends, so a receiver that drops known
 * ids before it checks the auth does not look safe.
 */
export const forgedCopy = (event: DomainEvent): DomainEvent => ({ ...event, id: newEventId() });

/**
 * How a platform puts an event on the wire, where it differs from the whole event as JSON:
 * its body (Omneo sends the changed resource, not an envelope) and headers of its own
 * (`X-Omneo-Event`).
 */
export interface EventWire {
  body?(event: DomainEvent): unknown;
  headers?(event: DomainEvent): Record<string, string>;
}

/**
 * How deliveries are signed: Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`), or the lowercase hex HMAC-SHA256 of the raw body in one header (the
 * Shopify style, which Omneo uses with `X-Omneo-Hmac-SHA256`).
 */
export type WebhookSigning = { type: 'standard-webhooks'; secret: string } | { type: 'hmac-sha256-hex'; header: string; secret: string };

/**
 * A webhook registered through a platform's own API (Omneo's `/api/v3/webhooks`), as the
 * profile hands it to the engine: where to, how signed, and whose events it never gets.
 */
export interface WebhookRegistration {
  /** Unique in one environment. */
  id: string;
  url: string;
  verb?: 'POST' | 'PUT';
  signing?: WebhookSigning;
  skipEventsBy?: string[];
  timeoutMs?: number;
}
