/** Scroll ids "may expire after 5 minutes of inactivity" (omnium-api.md A4). */
export const SCROLL_IDLE_MS = 5 * 60_000;

/** At most this many scrolls stay open; the least recently used is dropped first. */
const MAX_OPEN = 1_000;

/** One batch of a scroll: `{ totalHits, result, scrollId }`. */
export interface ScrollPage<T> {
  totalHits: number;
  result: T[];
  scrollId: string;
}

/**
 * Open scroll searches, by id. A scroll keeps the hits of its search as they were when
 * it started and hands them out in batches.
 */
export interface Scrolls {
  /** Starts a scroll over `hits` of `kind` (`orders`, `products`…) and returns its first batch. */
  open<T>(kind: string, hits: readonly T[], batchSize: number): ScrollPage<T>;
  /** The next batch (empty at the end), or `undefined` for an unknown, expired or other-kind id. */
  next<T>(kind: string, scrollId: string): ScrollPage<T> | undefined;
  clear(): void;
}

interface ScrollState {
  kind: string;
  hits: readonly unknown[];
  offset: number;
  batchSize: number;
  touched: number;
}

export function createScrolls(now: () => number): Scrolls {
  const open = new Map<string, ScrollState>();
  let counter = 0;

  function page<T>(id: string, s: ScrollState): ScrollPage<T> {
    const result = s.hits.slice(s.offset, s.offset + s.batchSize) as T[];
    s.offset += result.length;
    s.touched = now();
    // Re-insert so the Map's order is least recently used first.
    open.delete(id);
    open.set(id, s);
    return { totalHits: s.hits.length, result, scrollId: id };
  }

  return {
    open(kind, hits, batchSize) {
      const id = `${kind}-scroll-${(++counter).toString(36).padStart(6, '0')}`;
      const state: ScrollState = { kind, hits, offset: 0, batchSize, touched: now() };
      open.set(id, state);
      while (open.size > MAX_OPEN) open.delete(open.keys().next().value as string);
      return page(id, state);
    },
    next(kind, scrollId) {
      const state = open.get(scrollId);
      if (!state || state.kind !== kind) return undefined;
      if (now() - state.touched > SCROLL_IDLE_MS) {
        open.delete(scrollId);
        return undefined;
      }
      return page(scrollId, state);
    },
    clear() {
      open.clear();
    },
  };
}
