import { type DomainEvent, type EventFields, newEventId } from '../domain/events.ts';

type Listener = (event: DomainEvent) => void;

/** Where domain events go: the webhook sender and anyone watching subscribe here. */
export interface EventBus {
  emit(event: EventFields, now: number): DomainEvent;
  subscribe(listener: Listener): () => void;
}

/** A synchronous fan-out; one failing listener never keeps an event from the others. */
export function createEventBus(): EventBus {
  const listeners = new Set<Listener>();
  return {
    emit(partial, now) {
      const event: DomainEvent = { ...partial, id: newEventId(), timestamp: new Date(now).toISOString() };
      for (const l of listeners) {
        try {
          l(event);
        } catch {
          // a listener's failure is its own; the others still get the event
        }
      }
      return event;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
