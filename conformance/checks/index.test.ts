import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planFor } from '../runner/certify.ts';
import { FULL_TIMINGS, certifyPlan } from '../runner/plan.ts';
import { CHECKS, runCheck } from './index.ts';
import { context, observations } from './test/journal.ts';

const CHECKLIST_ORDER = [
  'credentials.descriptive-name',
  'credentials.secret-not-in-source',
  'credentials.test-not-in-production',
  'credentials.least-privilege',
  'credentials.store-market-scoping',
  'token.cached-and-reused',
  'token.proactive-renewal',
  'token.renew-once-on-401',
  'token.no-retry-loop',
  'token.not-in-url',
  'token.secret-in-body',
  'token.not-logged',
  'token.not-in-browser',
  'token.tls-verified',
  // Beyond the checklist (issue 15, case 84), as checklist.test.ts allows it.
  'token.not-sent-on-redirect',
  'errors.backoff-on-429',
  'errors.jitter-on-429',
  'errors.no-retry-on-403',
  // Beyond the checklist (issue 15, case 79), as checklist.test.ts allows it.
  'errors.no-retry-on-4xx',
  'errors.network-retry-bounded',
  // Beyond the checklist (issue 15, case 83), as checklist.test.ts allows it.
  'errors.survives-malformed-responses',
  // Beyond the spec (issue 15, security-tests.md cases 81 and 77).
  'errors.backoff-in-outage',
  'errors.ratelimit-pause',
  'webhooks.https',
  'webhooks.validates-auth',
  'webhooks.idempotent',
  // Beyond the checklist (issue 15, case 95), as checklist.test.ts allows it.
  'webhooks.out-of-order',
  'webhooks.responds-in-time',
  // Beyond the checklist (issue 15, case 99), as checklist.test.ts allows it.
  'webhooks.ignores-unknown-events',
  'tenancy.token-per-tenant',
  'rotation.survives-secret-rotation',
  // Beyond the checklist (issue 18), as checklist.test.ts allows it.
  'rotation.survives-key-rotation',
  'transport.https-only',
  'data.minimal-payloads',
  'data.no-deprecated-endpoints',
];

/** Advisory checks of checklist.md (required: warn). */
const ADVISORY = [
  'credentials.descriptive-name',
  'credentials.store-market-scoping',
  'token.secret-in-body',
  'token.not-sent-on-redirect',
  'errors.jitter-on-429',
  'errors.no-retry-on-4xx',
  'errors.survives-malformed-responses',
  'errors.backoff-in-outage',
  'errors.ratelimit-pause',
  'webhooks.out-of-order',
  'webhooks.ignores-unknown-events',
  'data.minimal-payloads',
  'data.no-deprecated-endpoints',
];

describe('the catalog of checks', () => {
  it('lists the checks of sections 1 to 4, then those of section 5 built so far, in checklist order', () => {
    expect(CHECKS.map((c) => c.id)).toEqual(CHECKLIST_ORDER);
  });

  it('has one file per check, named by its id, and a unit test beside each', () => {
    const files = readdirSync(import.meta.dirname);
    for (const { id } of CHECKS) {
      expect(files).toContain(`${id}.ts`);
      expect(files).toContain(`${id}.test.ts`);
    }
  });

  it('names only phases of the certify plan as the phases a check needs', () => {
    const names = new Set(certifyPlan(FULL_TIMINGS, { webhook: true, frontend: true, tenants: 2, rateLimitHeaders: true }).map((p) => p.name));
    for (const c of CHECKS) for (const p of c.phases) expect(names.has(p), `${c.id}: ${p}`).toBe(true);
  });

  it('runs only the phases the checks given with --only need, in plan order, steady always', () => {
    const plan = certifyPlan(FULL_TIMINGS, { webhook: true });
    const pick = (...ids: string[]) => planFor(plan, CHECKS.filter((c) => ids.includes(c.id))).map((p) => p.name);
    expect(pick('webhooks.idempotent')).toEqual(['steady', 'webhooks']);
    expect(pick('token.not-in-url')).toEqual(['steady']);
    expect(pick('errors.jitter-on-429', 'token.proactive-renewal')).toEqual(['steady', 'rate-limit-no-retry-after', 'rate-limit-no-retry-after-again', 'revoked-token', 'short-lived-tokens']);
    expect(planFor(plan, null)).toHaveLength(plan.length);
  });

  it('marks exactly the advisory checks of the checklist as not required', () => {
    expect(CHECKS.filter((c) => !c.required).map((c) => c.id)).toEqual(ADVISORY);
  });

  it('gives every check a title, a section and a remediation', () => {
    for (const c of CHECKS) {
      expect(c.title, c.id).not.toBe('');
      expect(c.remediation, c.id).not.toBe('');
      // Every id outside the four sections of the guide's checklist is one of section 5.
      const section = { credentials: 'Credentials', token: 'Token handling', errors: 'Error handling', webhooks: 'Webhooks' }[c.id.split('.')[0]!] ?? 'Beyond the Omnium checklist';
      expect(c.section, c.id).toBe(section);
    }
  });

  it('judges an empty run without a pass it did not see and without throwing', () => {
    const results = CHECKS.map((c) => runCheck(c, observations({ phases: [] }), context()));

    for (const r of results) expect(r.summary, r.id).not.toMatch(/bug in golive/);
    // With no traffic, only the checks that look for something bad may pass.
    expect(results.filter((r) => r.verdict === 'pass').map((r) => r.id)).toEqual([
      'credentials.descriptive-name',
      'credentials.secret-not-in-source',
      'token.not-logged',
    ]);
  });
});
