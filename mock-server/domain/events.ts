import { randomUUID } from 'node:crypto';

/**
 * A domain event as Omnium's event subscriptions deliver it (omnium-api.md A8): the event
 * metadata, not the entity. Subscribers fetch the entity with `objectId`.
 */
export interface DomainEvent {
  id: string;
  operationId: number;
  timestamp: string;
  message: string;
  /** The class of object that changed (Omnium: `Order`, `Product`…; the profile's `events.classNames`). */
  className: string;
  subClassName?: string;
  objectId: string;
  objectNumber?: string;
  category: 'Created' | 'Updated' | 'Workflow' | 'Deleted';
  market?: string;
  storeId?: string;
  status?: string;
  previousStatus?: string;
  isError: boolean;
  isRead: false;
  origin?: string;
  user?: string;
  userId?: string;
  tags?: string[];
}

/** A new event id: 20 hex characters, as Omnium's look. */
export const newEventId = (): string => randomUUID().replace(/-/g, '').slice(0, 20);

/**
 * The same event under a new id: what an auth probe sends, so a receiver that drops known
 * ids before it checks the auth does not look safe.
 */
export const forgedCopy = (event: DomainEvent): DomainEvent => ({ ...event, id: newEventId() });
