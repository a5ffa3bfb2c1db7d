/** One request as the mock saw it. Secrets and tokens appear only masked or as fingerprints. */
export interface JournalEntry {
  /** Increases by one per request, across every listener of one mock server. */
  seq: number;
  /** Wall time the request arrived (ISO 8601, the mock's clock). */
  time: string;
  /** Monotonic milliseconds since the mock started (for gaps and durations). */
  mono: number;
  tenant: string;
  environment: 'test' | 'production';
  /** Which listener: `api`, or a bad-TLS listener's name. */
  listener: string;
  /**
   * How the request came: over TLS, or in plain HTTP. A listener that serves HTTPS answers
   * plain HTTP on the same port too, so that a client calling `http://` is seen: such a request
   * is answered 403 with no body and never authorised or resolved.
   */
  transport: 'https' | 'http';
  method: string;
  path: string;
  /** Query parameters, secrets masked. */
  query: Record<string, string | string[]>;
  /** Endpoint id from the endpoint table, or `null` when no route matched. */
  routeId: string | null;
  requiredRole: string | null;
  /** The endpoint exchanges credentials for a token (a token request, not an API call). */
  tokenRequest: boolean;
  /** The endpoint changes data. */
  writes: boolean;
  /** Client id of the API user the request was made as (from the token, or the token request). */
  apiUser: string | null;
  /** `jti` of the bearer token, when one was sent and could be decoded. */
  tokenId: string | null;
  /** sha256 fingerprint (first 16 hex chars) and masked form of the bearer token. */
  tokenFingerprint: string | null;
  tokenMasked: string | null;
  /** The token had expired when it was presented (it was still answered 401). */
  tokenExpired: boolean;
  /**
   * Where the bearer token sent was issued (tenant and environment), when it is one this mock
   * issued: a token of another tenant shows here with that tenant, whatever the answer.
   */
  tokenIssuedBy: { tenant: string; environment: 'test' | 'production' } | null;
  /** Why a request was answered 401/403, in words (`expired`, `deactivated`, `missing <noun> <name>`…). */
  denied: string | null;
  /** Where the credentials of a token request came from (`header`: an `Authorization: Basic` login). */
  credentialsIn: 'query' | 'body' | 'both' | 'header' | null;
  /** The token a token request was answered with: its id, fingerprint and expiry (epoch seconds). */
  issued: { tokenId: string; fingerprint: string; exp: number } | null;
  /** Stores and markets of the entities the response carried (for the scoping check). */
  touched: { stores: string[]; markets: string[] } | null;
  /** Known secrets (tokens, client secrets, webhook secrets) found in the URL, by kind. */
  secretsInUrl: { kind: SecretKind; where: 'path' | 'query'; param?: string }[];
  /**
   * Known secrets a plain-HTTP request to an HTTPS listener carried, so sent in clear: by kind,
   * and where (the header, or the query parameter, they were in). Empty for every other request.
   */
  sentInClear: ClearCredential[];
  /** Request body, secrets masked, cut at the journal's per-entry limit. */
  requestBody: string | null;
  /**
   * sha256 fingerprint (first 16 hex chars) of the whole request body as sent, `null` without
   * one: with method, path and query it tells a retry (the same request) from the next poll
   * of the same route (a new body). See `requestKey`.
   */
  bodyFingerprint: string | null;
  requestBytes: number;
  /**
   * Query parameters (`query.debug`) and body fields (`body.customer.email`; array items as
   * `[]`) that the endpoint's request schema does not accept, names only and at most 20; `null`
   * when no route matched or the endpoint declares no request schema.
   */
  unaccepted: string[] | null;
  status: number;
  latencyMs: number;
  responseBytes: number;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  /** Monotonic time the client closed the socket early, when it did. */
  abortedAtMono: number | null;
  /** The Retry-After header the response carried (seconds, or an HTTP date), if any. */
  retryAfter: string | null;
  /** The fault rule applied to this request, if any (its id and kind). */
  fault: { id: string; kind: string } | null;
}

/** What identifies a request: an attempt to send it again has the same key. */
export type RequestIdentity = Pick<JournalEntry, 'method' | 'path' | 'query' | 'bodyFingerprint'> & Partial<Pick<JournalEntry, 'secretsInUrl'>>;

/**
 * One request's identity as a string: method, path (case-insensitive, as the API routes),
 * query (parameter order ignored) and body fingerprint. Two journal entries with the same key
 * are attempts of the same request; the next poll of a route with a new body or query is not.
 * A secret in the query string stands for itself whatever its value: a retry with a renewed
 * token in the URL is still the same request.
 */
export function requestKey(r: RequestIdentity): string {
  const names = Object.keys(r.query);
  let query = '';
  if (names.length > 0) {
    names.sort();
    for (const name of names) {
      const secret = r.secretsInUrl?.some((s) => s.where === 'query' && s.param === name);
      const value = r.query[name]!;
      query += `&${name}=${secret ? '(secret)' : Array.isArray(value) ? value.join(',') : value}`;
    }
  }
  return `${r.method.toUpperCase()} ${r.path.toLowerCase()}?${query}#${r.bodyFingerprint ?? ''}`;
}

/** The journal's `denied` for a plain-HTTP request to a listener that serves HTTPS. */
export const PLAIN_HTTP_REFUSED = 'plain HTTP to an HTTPS listener';

/**
 * Whether the mock refused `e` for coming in plain HTTP to its HTTPS port: a 403 that was never
 * authorised nor resolved, unlike every request of a mock that serves plain HTTP (`--no-tls`).
 */
export const refusedAsPlain = (e: Pick<JournalEntry, 'transport' | 'denied'>): boolean => e.transport === 'http' && e.denied === PLAIN_HTTP_REFUSED;

/** `platform-secret`: one the platform gives integrators besides API users' (a shop's id secret). */
export type SecretKind = 'token' | 'client-secret' | 'webhook-secret' | 'admin-token' | 'platform-secret';

/** A known secret a request carried in clear, and where it was. */
export interface ClearCredential {
  kind: SecretKind;
  where: 'header' | 'path' | 'query' | 'body';
  /** The header or query parameter's name. */
  name?: string;
}

export interface JournalOptions {
  /** Entries kept; the oldest go first. Default 100,000. */
  maxEntries?: number;
  /**
   * Bytes of memory the kept entries may hold, as `estimateEntryBytes` counts them (within some
   * 10 % of the heap's own count); the oldest go first. Default 16 MiB: some 37,000 API calls,
   * ten times what a certify run journals (see the README's Memory). The newest entry is kept
   * whatever its size.
   */
  maxBytes?: number;
  /** Bytes of request body kept per entry. Default 2,048. */
  maxBodyBytes?: number;
}

/** The journal's default bounds: whichever is reached first drops the oldest entries. */
// 16 MiB, not 64: with the count of real bytes, 64 MiB let 100,000 entries (45 MB) stay, and
// V8 lets garbage grow to about three times what is live before it collects, so `golive serve`
// grew 170 MB and more under load (`npm run bench -- memory`; target 150).
export const JOURNAL_DEFAULTS = { maxEntries: 100_000, maxBytes: 16 * 1024 * 1024 } as const;

type Listener = (entry: JournalEntry) => void;

/** The bounded traffic journal. Readable in-process and through the admin API. */
export interface Journal {
  /** Adds a completed entry; assigns nothing (the seq was taken with `nextSeq`). */
  record(entry: JournalEntry): void;
  nextSeq(): number;
  /** Entries with `seq` greater than `since` (default: all kept). */
  since(since?: number): JournalEntry[];
  /** Most recent seq handed out (0 before the first request). */
  readonly lastSeq: number;
  readonly maxBodyBytes: number;
  /** Estimated bytes the kept entries hold (`estimateEntryBytes` summed). */
  readonly bytes: number;
  /** Entries kept now: below `lastSeq` once the bounds have dropped the oldest. */
  readonly kept: number;
  /** Subscribes to new entries; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void;
  clear(): void;
}

// V8 as Node ships it on 64-bit (no pointer compression), measured (`npm run bench -- journal`):
// an object is a 24-byte header plus 8 bytes a field; a one-byte string 16 bytes plus its length,
// rounded up to 8; a number that is not a small integer a box of 16; an array 32 bytes plus its
// store, 16 plus 8 an item.
const OBJECT = 24;
const FIELD = 8;
const STRING = 16;
const NUMBER = 16;
const ARRAY = 32 + 16;
/**
 * What every entry holds: its own object (its 37 fields), the boxes of `mono` and `latencyMs`,
 * its slot and its size in the ring, and its `time` (shared by the entries of one millisecond,
 * counted as its own).
 */
const ENTRY = OBJECT + 37 * FIELD + 2 * NUMBER + 2 * FIELD + STRING + 24;

const str = (s: string | null | undefined): number => (s == null ? 0 : (STRING + s.length + 7) & ~7);
/** A text that may hold characters past Latin-1 (a masked secret's `…`): V8 then keeps 2 bytes a character. */
const text = (s: string | null | undefined): number => (s == null ? 0 : WIDE.test(s) ? (STRING + 2 * s.length + 7) & ~7 : str(s));
const WIDE = /[^\u0000-\u00ff]/;
const strings = (xs: readonly string[]): number => xs.reduce((sum, x) => sum + str(x), 0);
const list = (xs: readonly unknown[]): number => (xs.length === 0 && Object.isFrozen(xs) ? 0 : ARRAY + xs.length * FIELD);
/** A list of found secrets (`{ kind, where, param }` each), none when it is the shared empty one. */
const found = (xs: readonly unknown[] | undefined): number => (xs === undefined || xs.length === 0 ? (xs === undefined || Object.isFrozen(xs) ? 0 : ARRAY) : ARRAY + xs.length * (FIELD + OBJECT + 3 * FIELD));

/**
 * What an entry holds in memory, estimated from its strings and the length of its lists,
 * without serialising it: recording must stay cheap. Counts what the entry alone keeps alive;
 * what entries share is left out: the strings of the endpoint table and the listener, a
 * token's (its id, fingerprint, masked form and API user: one set for all the requests made
 * with it; a token request's API user is counted), the token's origin, and a part the pipeline shares between entries, which it
 * freezes (the empty lists, the stores and markets of a record read again). Within some 10 %
 * of the heap's own count for typical entries (`npm run bench -- journal` measures it).
 */
export function estimateEntryBytes(e: JournalEntry): number {
  // A path is Latin-1 (an HTTP request line's bytes, or a URL's pathname) unless a secret in it was masked (`…`).
  let n = ENTRY + (e.secretsInUrl?.length ? text(e.path) : str(e.path)) + text(e.requestBody) + str(e.denied) + str(e.bodyFingerprint) + str(e.retryAfter);
  // A token request's API user is read from its own body, not shared with a token's.
  if (e.tokenRequest) n += str(e.apiUser);
  if (e.abortedAtMono !== null) n += NUMBER;
  // Lists and the query read defensively: entries recorded by hand (tests, tools) may leave them out.
  const query = e.query ?? {};
  let names = 0;
  for (const name in query) {
    const v = query[name]!;
    names++;
    n += typeof v === 'string' ? str(v) : ARRAY + v.length * FIELD + strings(v);
  }
  // A query of its own: an object with room for 4 fields in itself, more in a store beside it.
  if (names > 0) n += OBJECT + Math.max(4, names) * FIELD + (names > 4 ? 16 + names * 2 * FIELD : 0);
  if (e.touched && !Object.isFrozen(e.touched)) n += OBJECT + 2 * FIELD + list(e.touched.stores) + list(e.touched.markets);
  if (e.issued) n += OBJECT + 3 * FIELD + str(e.issued.tokenId) + str(e.issued.fingerprint);
  if (e.fault) n += OBJECT + 2 * FIELD;
  n += found(e.secretsInUrl) + found(e.sentInClear);
  if (e.unaccepted) n += list(e.unaccepted) + strings(e.unaccepted);
  return n;
}

/**
 * Creates a journal bounded to `maxEntries` and to `maxBytes` of estimated memory, in a ring
 * so recording stays O(1) (dropping the oldest is O(1) per entry dropped).
 */
export function createJournal(options: JournalOptions = {}): Journal {
  const maxEntries = options.maxEntries ?? JOURNAL_DEFAULTS.maxEntries;
  const maxBytes = options.maxBytes ?? JOURNAL_DEFAULTS.maxBytes;
  const maxBodyBytes = options.maxBodyBytes ?? 2_048;
  // Grown as entries come, up to maxEntries: a journal that stays small costs little.
  let ring: (JournalEntry | undefined)[] = [];
  let sizes: number[] = [];
  /** Index of the oldest kept entry, and how many are kept. */
  let head = 0;
  let count = 0;
  let bytes = 0;
  let seq = 0;
  const listeners = new Set<Listener>();

  /**
   * Full but below the entry bound: the ring unrolled into one twice its size (up to the bound),
   * so growing costs O(1) a record amortised. (Growing by one entry copied the whole ring on
   * every record until it held 100,000: the server slowed from thousands of requests a second to
   * hundreds as its journal filled, found by the soak.)
   */
  function grow(): void {
    const capacity = Math.min(maxEntries, Math.max(64, ring.length * 2));
    const grown = new Array<JournalEntry | undefined>(capacity);
    const grownSizes = new Array<number>(capacity).fill(0);
    for (let i = 0; i < count; i++) {
      const from = (head + i) % ring.length;
      grown[i] = ring[from];
      grownSizes[i] = sizes[from]!;
    }
    ring = grown;
    sizes = grownSizes;
    head = 0;
  }

  function dropOldest(): void {
    bytes -= sizes[head]!;
    ring[head] = undefined;
    head = (head + 1) % ring.length;
    count--;
  }

  return {
    record(entry) {
      const size = estimateEntryBytes(entry);
      while (count > 0 && (count >= maxEntries || bytes + size > maxBytes)) dropOldest();
      if (count === ring.length && ring.length < maxEntries) grow();
      const at = (head + count) % ring.length;
      ring[at] = entry;
      sizes[at] = size;
      count++;
      bytes += size;
      for (const l of listeners) l(entry);
    },
    nextSeq: () => ++seq,
    since(since = 0) {
      const kept: JournalEntry[] = [];
      for (let i = 0; i < count; i++) {
        const e = ring[(head + i) % ring.length]!;
        if (e.seq > since) kept.push(e);
      }
      // Entries are recorded when their response completes, so order by seq for readers.
      return kept.sort((a, b) => a.seq - b.seq);
    },
    get lastSeq() {
      return seq;
    },
    get bytes() {
      return bytes;
    },
    get kept() {
      return count;
    },
    maxBodyBytes,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear() {
      ring = [];
      sizes = [];
      head = 0;
      count = 0;
      bytes = 0;
    },
  };
}
