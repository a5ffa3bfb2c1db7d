import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECKS } from './index.ts';

// The catalog in code against the spec it implements, `../shared/spec/checklist.md` beside the
// project (where the developers' workplace keeps it): the same ids, in the same order, each
// required or advisory as the spec says. A clone without the spec beside it skips this.

const SPEC = fileURLToPath(new URL('../../../shared/spec/checklist.md', import.meta.url));

/**
 * Checks an issue added beyond the spec (which this project cannot edit), each right after the
 * spec row it extends: the only ids CHECKS may hold that the spec does not.
 */
const BEYOND_SPEC: readonly { id: string; after: string; required: boolean; issue: number }[] = [
  // X-API-KEY rotation with an overlap window (the api-key profile).
  { id: 'rotation.survives-key-rotation', after: 'rotation.survives-secret-rotation', required: true, issue: 18 },
  // An answer that cannot be read (security-tests.md case 83), advisory.
  { id: 'errors.survives-malformed-responses', after: 'errors.network-retry-bounded', required: false, issue: 15 },
  // 400, 404 and 422 are not retried (security-tests.md case 79), advisory.
  { id: 'errors.no-retry-on-4xx', after: 'errors.no-retry-on-403', required: false, issue: 15 },
  // A long outage, then recovery (security-tests.md case 81): the calls decay, the work resumes; advisory.
  { id: 'errors.backoff-in-outage', after: 'errors.network-retry-bounded', required: false, issue: 15 },
  // A 200 that says RateLimit r=0 (security-tests.md case 77): a pause until its t; advisory, only where the headers are sent.
  { id: 'errors.ratelimit-pause', after: 'errors.network-retry-bounded', required: false, issue: 15 },
  // A redirect to a foreign host gets no credentials (security-tests.md case 84), advisory.
  { id: 'token.not-sent-on-redirect', after: 'token.tls-verified', required: false, issue: 15 },
  // "changed" delivered before "created" (security-tests.md case 95): the same state as in order; advisory.
  { id: 'webhooks.out-of-order', after: 'webhooks.idempotent', required: false, issue: 15 },
  // An event of a type the platform does not define (security-tests.md case 99), advisory.
  { id: 'webhooks.ignores-unknown-events', after: 'webhooks.responds-in-time', required: false, issue: 15 },
  // A call to an endpoint the platform has deprecated (security-tests.md case 89, OWASP API9), advisory.
  { id: 'data.no-deprecated-endpoints', after: 'data.minimal-payloads', required: false, issue: 15 },
];

/** The spec's rows with each check of BEYOND_SPEC after the row it extends. */
function withBeyondSpec(rows: { id: string; required: boolean }[]): { id: string; required: boolean }[] {
  return rows.flatMap((row) => [row, ...BEYOND_SPEC.filter((b) => b.after === row.id).map(({ id, required }) => ({ id, required }))]);
}

/** Every check row of the spec's tables: `| \`id\` | yes / yes, when … / warn | … |`. */
function specRows(text: string): { id: string; required: boolean }[] {
  return [...text.matchAll(/^\| `([a-z]+\.[a-z0-9-]+)` \| ([^|]+) \|/gm)].map(([, id, required]) => ({ id: id!, required: !required!.trim().startsWith('warn') }));
}

describe.skipIf(!existsSync(SPEC))('the catalog against shared/spec/checklist.md', () => {
  const rows = withBeyondSpec(specRows(existsSync(SPEC) ? readFileSync(SPEC, 'utf8') : ''));

  it('has every check of the spec, in its order', () => {
    expect(rows.length).toBeGreaterThanOrEqual(26);
    expect(CHECKS.map((c) => c.id)).toEqual(rows.map((r) => r.id));
  });

  it('adds beyond the spec only checks of BEYOND_SPEC, each after a row the spec has', () => {
    const spec = new Set(specRows(existsSync(SPEC) ? readFileSync(SPEC, 'utf8') : '').map((r) => r.id));
    for (const b of BEYOND_SPEC) {
      expect(spec.has(b.after)).toBe(true);
      expect(spec.has(b.id)).toBe(false);
    }
  });

  it('makes each check required or advisory as the spec says', () => {
    const spec = new Map(rows.map((r) => [r.id, r.required]));
    expect(CHECKS.map((c) => [c.id, c.required])).toEqual(CHECKS.map((c) => [c.id, spec.get(c.id)]));
  });
});
