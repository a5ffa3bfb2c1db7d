import { describe, expect, it } from 'vitest';
import type { Report } from './model.ts';
import { renderSarif } from './sarif.ts';
import { reportFixture } from './test/report-fixture.ts';

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  kind: string;
  message: { text: string };
  locations?: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number } } }[];
  partialFingerprints: Record<string, string>;
}
interface Sarif {
  version: string;
  $schema: string;
  runs: { tool: { driver: { name: string; rules: { id: string; properties: { required: boolean } }[] } }; results: SarifResult[]; invocations: { startTimeUtc: string; endTimeUtc: string }[] }[];
}

const parse = (report: Report): Sarif => JSON.parse(renderSarif(report)) as Sarif;
const resultOf = (sarif: Sarif, id: string) => sarif.runs[0]!.results.find((r) => r.ruleId === id);

describe('the SARIF report', () => {
  it('is SARIF 2.1.0 with one rule per check, in report order, required or advisory', () => {
    const report = reportFixture();
    const sarif = parse(report);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0\.json$/);
    const rules = sarif.runs[0]!.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(report.checks.map((c) => c.id));
    expect(rules.map((r) => r.properties.required)).toEqual(report.checks.map((c) => c.required));
    expect(sarif.runs[0]!.invocations[0]!.startTimeUtc).toBe(report.startedAt);
  });

  it('has a result for every check that did not pass: fail an error, warn a warning, inconclusive a warning or a note', () => {
    const report = reportFixture();
    const sarif = parse(report);
    const expected = report.checks
      .filter((c) => c.verdict !== 'pass' && c.verdict !== 'not-applicable')
      .map((c) => [c.id, c.verdict === 'fail' ? 'error' : c.verdict === 'warn' ? 'warning' : c.required ? 'warning' : 'note']);
    expect(sarif.runs[0]!.results.map((r) => [r.ruleId, r.level])).toEqual(expected);
    for (const r of sarif.runs[0]!.results) expect(sarif.runs[0]!.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(resultOf(sarif, 'token.tls-verified')).toBeUndefined();
    expect(resultOf(sarif, 'errors.no-retry-on-403')!.kind).toBe('review');
  });

  it('points a finding at the file its evidence names, with the line, relative to the source root', () => {
    const sarif = parse(reportFixture());
    const located = resultOf(sarif, 'token.not-in-url')!;
    expect(located.locations).toEqual([
      { physicalLocation: { artifactLocation: { uri: 'src/client.js', uriBaseId: '%SRCROOT%' }, region: { startLine: 42 } }, message: { text: 'builds ?access_token=' } },
    ]);
  });

  it('points other findings at the config file, and gives none without one or for an absolute path', () => {
    const report = { ...reportFixture(), configFile: 'golive.config.json' };
    expect(resultOf(parse(report), 'token.cached-and-reused')!.locations).toEqual([{ physicalLocation: { artifactLocation: { uri: 'golive.config.json', uriBaseId: '%SRCROOT%' } } }]);
    const { configFile: _, ...without } = report;
    expect(resultOf(parse(without), 'token.cached-and-reused')!.locations).toBeUndefined();
    expect(resultOf(parse({ ...report, configFile: '/etc/golive/golive.config.json' }), 'token.cached-and-reused')!.locations).toBeUndefined();
  });

  it('carries the summary, at most 10 lines of evidence and the fix in the message', () => {
    const report = reportFixture();
    const evidence = report.checks.find((c) => c.id === 'token.cached-and-reused')!.evidence.length;
    const text = resultOf(parse(report), 'token.cached-and-reused')!.message.text;
    expect(text).toMatch(/^A token is requested once and reused: 14 token requests/);
    expect(text.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(11); // 10 lines and "…and N more"
    expect(text).toContain(`- …and ${evidence - 10} more in report.json`);
    expect(text).toMatch(/\nFix: Cache the token/);
  });

  it('fingerprints a finding the same way in every run, and differently per check', () => {
    const a = parse(reportFixture()).runs[0]!.results;
    const b = parse({ ...reportFixture(), startedAt: '2027-01-01T00:00:00.000Z' }).runs[0]!.results;
    expect(a.map((r) => r.partialFingerprints)).toEqual(b.map((r) => r.partialFingerprints));
    expect(new Set(a.map((r) => r.partialFingerprints['goliveCheck/v1'])).size).toBe(a.length);
  });

  it('renders a report without checks', () => {
    const sarif = parse({ ...reportFixture(), checks: [] });
    expect(sarif.runs[0]!.results).toEqual([]);
  });
});
