import { type CheckResult, type Report, SCHEMA_VERSION, totals } from '../model.ts';

/** A summary with every XML-special character and a control character (ESC) a masked log line can carry. */
export const TRICKY_SUMMARY = `token "eyJh…Q2x8" sent as <a&b> in 'query'\u001b[31m | twice`;

const checks: CheckResult[] = [
  {
    id: 'token.cached-and-reused',
    title: 'A token is requested once and reused',
    section: 'Token handling',
    required: true,
    verdict: 'fail',
    summary: '14 token requests for 20 API calls in the steady phase (at most 1 expected)',
    evidence: [
      { kind: 'metric', name: 'token requests', value: 14, limit: 1 },
      { kind: 'request', seq: 12, at: 3.4, method: 'POST', path: '/api/token', status: 200, environment: 'test', note: 'second token' },
      { kind: 'request', seq: 13, at: 3.5, method: 'GET', path: '/api/Orders/GetOrders?pageSize=50', status: 200, environment: 'production' },
      ...Array.from({ length: 12 }, (_, i) => ({
        kind: 'request' as const,
        seq: 20 + i,
        at: 4 + i,
        method: 'POST',
        path: '/api/token',
        status: 200,
        environment: 'test',
      })),
    ],
    remediation: 'Cache the token until shortly before it expires and reuse it for every call.',
  },
  {
    id: 'token.not-in-url',
    title: 'Tokens never travel in a URL',
    section: 'Token handling',
    required: true,
    verdict: 'fail',
    summary: TRICKY_SUMMARY,
    evidence: [
      { kind: 'log', stream: 'stderr', at: 5.1, text: 'GET /api/Orders?access_token=eyJh…Q2x8 <done>' },
      { kind: 'file', path: 'src/client.js', line: 42, note: 'builds ?access_token=' },
    ],
    remediation: 'Send the token in the Authorization header: `Authorization: Bearer <token>`.',
  },
  {
    id: 'webhooks.idempotent',
    title: 'The same event twice has the effect of once',
    section: 'Webhooks',
    required: true,
    verdict: 'fail',
    summary: 'a duplicate delivery reserved the inventory again (1 → 4)',
    evidence: [
      {
        kind: 'delivery',
        seq: 4,
        at: 9.1,
        eventId: '1e2c…9a0f',
        attempt: 2,
        deliveryKind: 'duplicate',
        url: 'https://127.0.0.1:41000/webhooks/omnium',
        authSent: 'Bearer whk_…zzzz',
        status: 200,
        error: null,
        latencyMs: 3,
      },
      {
        kind: 'delivery',
        seq: 5,
        at: 19.4,
        eventId: '1e2c…9a0f',
        attempt: 3,
        deliveryKind: 'retry',
        url: 'https://127.0.0.1:41000/webhooks/omnium',
        authSent: null,
        status: null,
        error: 'timeout',
        latencyMs: 10000,
        note: 'after a simulated timeout',
      },
      { kind: 'change', where: 'inventory', key: 'SKU-1@oslo-online', field: 'reservedInventory', before: 1, after: 4, note: 'changed by a duplicate' },
      { kind: 'note', text: 'the side-effect probe\nprinted two rows' },
    ],
    remediation: 'Remember the event ids you have handled and ignore a repeat.',
  },
  {
    id: 'errors.no-retry-on-403',
    title: '403 is logged, not retried',
    section: 'Error handling',
    required: true,
    verdict: 'inconclusive',
    summary: 'the integration exited before the 403 phase',
    evidence: [],
    remediation: 'Keep the integration running; see its exit below.',
  },
  {
    id: 'errors.jitter-on-429',
    title: 'Backoff has jitter',
    section: 'Error handling',
    required: false,
    verdict: 'warn',
    summary: 'retry gaps were equal within 1 % in both storms',
    evidence: [{ kind: 'metric', name: 'gap spread', value: 0.4, unit: '%', limit: 5 }],
    remediation: 'Add random jitter to each backoff wait.',
  },
  {
    id: 'credentials.store-market-scoping',
    title: 'Scoped to the stores and markets it uses',
    section: 'Credentials',
    required: false,
    verdict: 'inconclusive',
    summary: 'no store was touched',
    evidence: [],
    remediation: '',
  },
  {
    id: 'tenancy.token-per-tenant',
    title: 'Tokens are cached per tenant',
    section: 'Beyond the Omnium checklist',
    required: true,
    verdict: 'not-applicable',
    summary: 'one tenant configured',
    evidence: [],
    remediation: '',
  },
  {
    id: 'token.tls-verified',
    title: 'An untrusted certificate is refused',
    section: 'Token handling',
    required: true,
    verdict: 'pass',
    summary: 'no request reached the bad-TLS listener',
    evidence: [],
    remediation: '',
  },
];

/** A report as `golive certify` writes it, with every verdict and every kind of evidence. */
export function reportFixture(): Report {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'golive', version: '0.1.0' },
    certified: false,
    startedAt: '2026-11-23T10:00:00.000Z',
    durationSeconds: 84.2,
    integration: {
      command: ['node', 'app.mjs'],
      exits: [
        { environment: 'test', code: 1, signal: null, beforeEnd: true, outputTail: ['starting', 'Error: boom ``` <x>', '    at main (app.mjs:3)'] },
        { environment: 'production', code: 0, signal: null, beforeEnd: false, outputTail: [] },
      ],
    },
    apiUser: { name: 'ERP Order Sync', roles: ['OrderRead'], stores: ['oslo-online'], markets: '*' },
    phases: [
      { name: 'steady', environment: 'test', startedAt: 1.2, durationSeconds: 10, completed: true },
      { name: 'forbidden', environment: 'test', startedAt: 11.2, durationSeconds: 0, completed: false, note: 'not run' },
    ],
    checks: structuredClone(checks),
    totals: totals(checks),
  };
}

/** Markup and every HTML-special character, as a summary, a log line or a path could carry them. */
export const HOSTILE_TEXT = `<script>alert(1)</script> "quoted" 'single' & </td><img src=x onerror=alert(2)>`;
