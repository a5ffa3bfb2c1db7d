import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../reports/html.ts';
import { renderJson } from '../../reports/json.ts';
import { readReport } from '../../reports/schema.ts';
import { bigRunReport, craftedReport } from '../test/traffic-fixtures.ts';
import { trafficOf } from './report-build.ts';

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
