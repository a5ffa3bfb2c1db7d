import { describe, expect, it } from 'vitest';
import { type JournalEntry, createJournal, estimateEntryBytes } from './journal.ts';

/** The empty list the pipeline shares between entries (frozen). */
const NONE = Object.freeze([]) as unknown as never[];

function entry(seq: number, extra: Partial<JournalEntry> = {}): JournalEntry {
  return {
    seq, time: '2026-01-15T12:00:00.000Z', mono: seq, tenant: 'acme', environment: 'test', listener: 'api', transport: 'https',
    method: 'GET', path: `/api/Orders/ORD-${100000 + seq}`, query: {}, routeId: 'orders.get', requiredRole: 'OrderRead',
    tokenRequest: false, writes: false, apiUser: 'client', tokenId: 'jti', tokenFingerprint: '0123456789abcdef', tokenMasked: 'eyJh…abcd',
    tokenExpired: false, tokenIssuedBy: null, denied: null, credentialsIn: null, issued: null, touched: null, secretsInUrl: NONE,
    sentInClear: NONE, requestBody: null, bodyFingerprint: null, requestBytes: 600, unaccepted: null, status: 200, latencyMs: 1,
    responseBytes: 2_000, aborted: false, abortedAtMono: null, retryAfter: null, fault: null,
    ...extra,
  };
}

/** Records entries 1..n, as the pipeline does. */
function fill(journal: ReturnType<typeof createJournal>, n: number, extra: (seq: number) => Partial<JournalEntry> = () => ({})): void {
  for (let i = 0; i < n; i++) {
    const seq = journal.nextSeq();
    journal.record(entry(seq, extra(seq)));
  }
}

describe('estimateEntryBytes', () => {
  it('grows with the request body, the query and the lists an entry carries', () => {
    const plain = estimateEntryBytes(entry(1));
    expect(plain).toBeGreaterThan(200);
    expect(plain).toBeLessThan(2_000);
    expect(estimateEntryBytes(entry(1, { requestBody: 'x'.repeat(2_048) }))).toBeGreaterThanOrEqual(plain + 2_048);
    expect(estimateEntryBytes(entry(1, { query: { pageSize: '5', ids: ['a', 'b'] } }))).toBeGreaterThan(plain);
    expect(estimateEntryBytes(entry(1, { unaccepted: ['query.debug', 'body.x'] }))).toBeGreaterThan(plain);
  });
});

describe('estimateEntryBytes, against what the heap holds', () => {
  // The figures `npm run bench -- journal` measures with Node's V8 (64-bit, no pointer
  // compression): 420 to 430 bytes for a GET of one order, about 740 for a search with a JSON body.
  it('counts a GET of one order within 10 % of the 430 bytes the heap holds for it', () => {
    const counted = estimateEntryBytes(entry(1, { touched: Object.freeze({ stores: ['s1'], markets: ['fin'] }) }));
    expect(counted).toBeGreaterThanOrEqual(430 * 0.9);
    expect(counted).toBeLessThanOrEqual(430 * 1.1);
  });

  it('leaves out a part entries share (frozen) and counts one of the entry\'s own', () => {
    const stores = ['store-helsinki-kamppi', 'store-tampere'];
    const shared = estimateEntryBytes(entry(1, { touched: Object.freeze({ stores, markets: ['fin'] }) }));
    const own = estimateEntryBytes(entry(1, { touched: { stores, markets: ['fin'] } }));
    expect(shared).toBe(estimateEntryBytes(entry(1)));
    expect(own).toBeGreaterThan(shared + 100);
  });

  it('counts a text past Latin-1 (a masked secret\'s …) at two bytes a character', () => {
    const body = 'clientId=a&clientSecret=' + 'x'.repeat(200);
    const plain = estimateEntryBytes(entry(1, { requestBody: body }));
    const masked = estimateEntryBytes(entry(1, { requestBody: body.replace('xxxx', 'xx…x') }));
    expect(masked - plain).toBeGreaterThanOrEqual(body.length - 8);
  });

  it('grows with a query of its own, and a frozen empty list costs nothing', () => {
    expect(estimateEntryBytes(entry(1, { unaccepted: NONE }))).toBe(estimateEntryBytes(entry(1, { unaccepted: null })));
    expect(estimateEntryBytes(entry(1, { unaccepted: [] }))).toBeGreaterThan(estimateEntryBytes(entry(1, { unaccepted: NONE })));
    const five = { a: '1', b: '2', c: '3', d: '4', e: '5' };
    expect(estimateEntryBytes(entry(1, { query: five }))).toBeGreaterThan(estimateEntryBytes(entry(1, { query: { a: '1' } })) + 4 * 24);
  });
});

describe('createJournal', () => {
  it('keeps the newest entries within its byte bound, in order, and counts every one', () => {
    const size = estimateEntryBytes(entry(1));
    const journal = createJournal({ maxBytes: size * 10 + size / 2 });
    fill(journal, 25);
    expect(journal.since().map((e) => e.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(journal.bytes).toBeLessThanOrEqual(size * 10 + size / 2);
    expect(journal.lastSeq).toBe(25);
  });

  it('drops as many old entries as a large new one needs', () => {
    const size = estimateEntryBytes(entry(1));
    const journal = createJournal({ maxBytes: size * 10 });
    fill(journal, 10);
    const big = entry(journal.nextSeq(), { requestBody: 'x'.repeat(size * 4) });
    journal.record(big);
    const kept = journal.since();
    expect(kept.at(-1)).toBe(big);
    expect(kept.length).toBeLessThan(10);
    expect(journal.bytes).toBeLessThanOrEqual(size * 10);
  });

  it('keeps the newest entry even when it alone is larger than the bound', () => {
    const journal = createJournal({ maxBytes: 100 });
    fill(journal, 3);
    expect(journal.since().map((e) => e.seq)).toEqual([3]);
  });

  it('applies whichever bound is reached first, entries or bytes', () => {
    const journal = createJournal({ maxEntries: 4, maxBytes: 1e9 });
    fill(journal, 9);
    expect(journal.since().map((e) => e.seq)).toEqual([6, 7, 8, 9]);
    expect(journal.kept).toBe(4);
  });

  it('keeps wrapping correctly when entries of different sizes alternate', () => {
    const size = estimateEntryBytes(entry(1));
    const journal = createJournal({ maxEntries: 50, maxBytes: size * 20 });
    fill(journal, 1_000, (seq) => (seq % 3 === 0 ? { requestBody: 'y'.repeat(size) } : {}));
    const seqs = journal.since().map((e) => e.seq);
    expect(seqs.at(-1)).toBe(1_000);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    const held = journal.since().reduce((sum, e) => sum + estimateEntryBytes(e), 0);
    expect(journal.bytes).toBe(held);
    expect(held).toBeLessThanOrEqual(size * 20);
    // The next entry older than the oldest kept would not have fitted.
    expect(held + estimateEntryBytes(entry(seqs[0]! - 1, (seqs[0]! - 1) % 3 === 0 ? { requestBody: 'y'.repeat(size) } : {}))).toBeGreaterThan(size * 20);
  });

  it('grows its ring while the oldest entry sits mid-ring, keeping every entry in order', () => {
    // Large entries first: the byte bound drops the oldest, so the ring's head moves; then
    // small ones fill it past its first capacity, and it grows with its head mid-ring.
    const size = estimateEntryBytes(entry(1));
    const journal = createJournal({ maxEntries: 10_000, maxBytes: size * 300 });
    fill(journal, 40, (seq) => (seq <= 40 ? { requestBody: 'z'.repeat(size * 30) } : {}));
    fill(journal, 2_000);
    const seqs = journal.since().map((e) => e.seq);
    expect(seqs.at(-1)).toBe(2_040);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    expect(journal.kept).toBe(seqs.length);
    expect(journal.bytes).toBe(journal.since().reduce((sum, e) => sum + estimateEntryBytes(e), 0));
    expect(seqs.length).toBeGreaterThanOrEqual(299);
  });

  it('starts empty again after clear, and keeps counting', () => {
    const journal = createJournal({ maxEntries: 3 });
    fill(journal, 5);
    journal.clear();
    expect(journal.since()).toEqual([]);
    expect(journal.bytes).toBe(0);
    expect(journal.kept).toBe(0);
    fill(journal, 2);
    expect(journal.since().map((e) => e.seq)).toEqual([6, 7]);
  });
});
