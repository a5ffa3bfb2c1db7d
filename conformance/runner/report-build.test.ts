import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../reports/html.ts';
import { renderJson } from '../../reports/json.ts';
import { readReport } from '../../reports/schema.ts';
import { renderMd } from '../../reports/md.ts';
import { bigRunReport, craftedReport } from '../test/traffic-fixtures.ts';
import { refusedOf, trafficOf } from './report-build.ts';

const entry = (seq: number, mono: number, status: number, more: object = {}) => ({
  seq,
  mono,
  listener: 'api',
  environment: 'test' as const,
  status,
  tokenRequest: false,
  fault: null,
  ...more,
});

describe('trafficOf', () => {
  it('puts each request on its run’s lane, by environment and bad-TLS listener, with its outcome and flags', () => {
    const traffic = trafficOf({
      runStartMono: 1000,
      spanSeconds: 10,
      runs: ['test', 'production', 'tls:untrusted-ca'],
      journal: [
        entry(1, 1500, 200, { tokenRequest: true }),
        entry(2, 2000, 0, { fault: { id: 'f1', kind: 'reset' } }),
        entry(3, 2500, 0, { fault: { id: 'f2', kind: 'hang' } }),
        entry(4, 3000, 503, { fault: { id: 'f3', kind: 'status 503' } }),
        entry(5, 3456.7, 401, { environment: 'production' }),
        entry(6, 4000, 200, { listener: 'bad-tls:wrong-host' }),
      ],
      deliveries: [
        { seq: 1, startMono: 5000, status: 200, error: null, timedOut: false },
        { seq: 2, startMono: 6000, status: null, error: 'timeout', timedOut: true },
        { seq: 3, startMono: 7000, status: null, error: 'ECONNREFUSED', timedOut: false },
      ],
      simulatedTimeouts: [2],
    });
    expect(traffic.lanes.map((l) => [l.name, l.kind, l.total])).toEqual([
      ['test', 'requests', 4],
      ['production', 'requests', 1],
      // Every run gets its lane, an empty one too: no request got through that certificate.
      ['tls:untrusted-ca', 'requests', 0],
      ['tls:wrong-host', 'requests', 1],
      ['webhooks', 'deliveries', 3],
    ]);
    expect(traffic.lanes[0]!.marks).toEqual([
      { at: 0.5, outcome: '2xx', seq: 1, token: true },
      { at: 1, outcome: 'reset', seq: 2, fault: true },
      { at: 1.5, outcome: 'hang', seq: 3, fault: true },
      { at: 2, outcome: '5xx', seq: 4, fault: true },
    ]);
    expect(traffic.lanes[1]!.marks).toEqual([{ at: 2.46, outcome: '401', seq: 5 }]);
    expect(traffic.lanes[4]!.marks).toEqual([
      { at: 4, outcome: '2xx', seq: 1 },
      { at: 5, outcome: 'hang', seq: 2, fault: true },
      { at: 6, outcome: 'reset', seq: 3 },
    ]);
    // Only times, outcomes and numbers: nothing a secret could hide in.
    const keys = new Set(traffic.lanes.flatMap((l) => (l.marks ?? []).flatMap((m) => Object.keys(m))));
    expect([...keys].sort()).toEqual(['at', 'fault', 'outcome', 'seq', 'token']);
  });

  it('has no webhook lane when the integration has no webhook endpoint', () => {
    const traffic = trafficOf({ runStartMono: 0, spanSeconds: 1, runs: ['test'], journal: [], deliveries: null });
    expect(traffic.lanes.map((l) => l.name)).toEqual(['test']);
  });
});

describe('refusedOf', () => {
  const refusal = (seq: number, mono: number, status: number, more: object = {}) => ({
    seq,
    mono,
    environment: 'test' as const,
    method: 'GET',
    path: `/api/Orders/ORD-${seq}`,
    routeId: 'Orders_Get' as string | null,
    status,
    denied: null as string | null,
    ...more,
  });

  it('lists every 403 the integration got, with the route and the role, store or market refused (case 90)', () => {
    const refused = refusedOf({
      runStartMono: 1000,
      journal: [
        refusal(1, 1500, 200),
        refusal(2, 2000, 403, { denied: 'store oslo-online out of scope' }),
        refusal(3, 2500, 403, { method: 'PATCH', path: '/api/Orders/ORD-3/PatchOrder', routeId: 'Orders_PatchOrder', denied: 'missing role OrderAdmin' }),
        refusal(4, 3000, 401, { denied: 'token expired' }),
        refusal(5, 3500, 403, { environment: 'production', path: '/api/Products/P-1', routeId: 'Products_Get', denied: 'market swe out of scope' }),
        refusal(6, 4000, 403, { method: 'GET', path: '/v1/orders', routeId: null }),
        refusal(7, 4500, 403, { routeId: 'Customers_Search', denied: 'missing scope customers.read' }),
      ],
    });
    expect(refused).toEqual({
      total: 5,
      requests: [
        { seq: 2, at: 1, environment: 'test', method: 'GET', path: '/api/Orders/ORD-2', route: 'Orders_Get', reason: 'store oslo-online out of scope', store: 'oslo-online' },
        { seq: 3, at: 1.5, environment: 'test', method: 'PATCH', path: '/api/Orders/ORD-3/PatchOrder', route: 'Orders_PatchOrder', reason: 'missing role OrderAdmin', role: 'OrderAdmin' },
        { seq: 5, at: 2.5, environment: 'production', method: 'GET', path: '/api/Products/P-1', route: 'Products_Get', reason: 'market swe out of scope', market: 'swe' },
        { seq: 6, at: 3, environment: 'test', method: 'GET', path: '/v1/orders', route: null, reason: 'refused by the endpoint' },
        { seq: 7, at: 3.5, environment: 'test', method: 'GET', path: '/api/Orders/ORD-7', route: 'Customers_Search', reason: 'missing scope customers.read', role: 'customers.read' },
      ],
    });
  });

  it('counts every 403 but lists at most the cap, and the report shows them in report.json, report.md and report.html', () => {
    const journal = Array.from({ length: 30 }, (_, i) => refusal(i + 1, 1000 + i * 100, 403, { denied: `store store-${i + 1} out of scope` }));
    const refused = refusedOf({ runStartMono: 1000, journal, cap: 25 });
    expect(refused.total).toBe(30);
    expect(refused.requests.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const report = { ...craftedReport(), refused };
    expect(readReport(JSON.parse(renderJson(report))).report!.refused).toEqual(refused);
    const md = renderMd(report);
    expect(md).toContain('## Refused with 403 (30)');
    expect(md).toContain('| 0 | test | `GET /api/Orders/ORD-1` | Orders\\_Get | store store-1 out of scope |');
    expect(md).toContain('… and 10 more in report.json.');
    const html = renderHtml(report);
    expect(html).toContain('<h2>Refused with 403 (30)</h2>');
    expect(html.match(/<tr data-seq="\d+">/g)).toHaveLength(25);
    expect(html).toContain('… and 5 more, counted in report.json.');
  });
});

describe('a report with traffic', () => {
  it('is read back by the schema as it was written', () => {
    const report = craftedReport();
    const read = readReport(JSON.parse(renderJson(report)));
    expect(read.problem).toBeUndefined();
    expect(read.report!.traffic).toEqual(report.traffic);
  });

  it('stays small for a 20-phase run of 100,000 requests: report.html under 5 MB, report.json under 2 MB', () => {
    const report = bigRunReport(100_000, 20);
    expect(report.traffic!.lanes.reduce((n, l) => n + l.total, 0)).toBe(100_000 + 1500);
    expect(report.traffic!.lanes.find((l) => l.name === 'test')!.buckets).toBeDefined();
    expect(Buffer.byteLength(renderHtml(report))).toBeLessThan(5 * 1024 * 1024);
    expect(Buffer.byteLength(renderJson(report))).toBeLessThan(2 * 1024 * 1024);
  });
});
