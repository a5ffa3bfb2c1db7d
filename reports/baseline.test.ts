import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RENDERERS } from './index.ts';
import { readReport } from './schema.ts';
import { BaselineProblem, applyBaseline, baselineFor, formatBaseline, isExpired, parseBaseline } from './baseline.ts';
import { certifies } from './model.ts';
import { reportFixture } from './test/report-fixture.ts';

const IDS = reportFixture().checks.map((c) => c.id);
const NOW = new Date('2026-06-15T12:00:00Z');

function problem(text: string): BaselineProblem {
  try {
    parseBaseline(text, 'b.yaml', IDS);
  } catch (err) {
    if (err instanceof BaselineProblem) return err;
    throw err;
  }
  throw new Error('no problem found');
}

describe('parseBaseline', () => {
  it('reads YAML entries with a reason and an optional last day', () => {
    const b = parseBaseline(
      'accepted:\n  - check: token.not-in-url\n    reason: JIRA-12, fixed in the next release\n    expires: 2026-12-31\n  - check: webhooks.idempotent\n    reason: "needs a dedup table"\n',
      'b.yaml',
      IDS,
    );
    expect(b).toEqual({
      file: 'b.yaml',
      entries: [
        { check: 'token.not-in-url', reason: 'JIRA-12, fixed in the next release', expires: '2026-12-31' },
        { check: 'webhooks.idempotent', reason: 'needs a dedup table' },
      ],
    });
  });

  it('reads the same entries written as JSON', () => {
    const json = JSON.stringify({ accepted: [{ check: 'token.not-in-url', reason: 'JIRA-12', expires: '2026-12-31' }] }, null, 2);
    expect(parseBaseline(json, 'b.json', IDS).entries).toEqual([{ check: 'token.not-in-url', reason: 'JIRA-12', expires: '2026-12-31' }]);
  });

  it('names the line of an unknown check id', () => {
    const p = problem('# accepted for now\naccepted:\n  - check: token.not-in-url\n    reason: x\n  - check: token.cachd-and-reused\n    reason: y\n');
    expect(p.line).toBe(5);
    expect(p.problem).toBe('"token.cachd-and-reused" is not a check (see golive checks)');
  });

  it('names the line of an unknown check id in a JSON file', () => {
    const p = problem('{\n  "accepted": [\n    { "check": "no.such-check", "reason": "x" }\n  ]\n}\n');
    expect(p.line).toBe(3);
    expect(p.problem).toContain('"no.such-check" is not a check');
  });

  it('refuses an entry without a reason, a bad day, a duplicate and an unknown key, each with its line', () => {
    expect(problem('accepted:\n  - check: token.not-in-url\n').problem).toMatch(/needs a "reason"/);
    const day = problem('accepted:\n  - check: token.not-in-url\n    reason: x\n    expires: 2026-02-30\n');
    expect([day.line, day.problem]).toEqual([4, '"expires" of "token.not-in-url" must be a day written YYYY-MM-DD, got "2026-02-30"']);
    const twice = problem('accepted:\n  - check: token.not-in-url\n    reason: x\n  - check: token.not-in-url\n    reason: y\n');
    expect([twice.line, twice.problem]).toEqual([4, '"token.not-in-url" is listed twice (also on line 2)']);
    const key = problem('accepted:\n  - check: token.not-in-url\n    reason: x\n    until: 2026-01-01\n');
    expect([key.line, key.problem]).toEqual([4, 'unknown key "until" (an entry has check, reason and expires)']);
    expect(problem('acepted: []\n').problem).toBe('unknown key "acepted" (a baseline has one key, "accepted")');
  });

  it('names the line of a syntax error', () => {
    const p = problem('accepted:\n  - check: token.not-in-url\n    reason: "unclosed\n');
    expect(p.line).toBeGreaterThan(0);
    expect(p.problem).toMatch(/^not valid YAML or JSON/);
  });

  it('reads an empty list as no entries', () => {
    expect(parseBaseline('accepted: []\n', 'b.yaml', IDS).entries).toEqual([]);
    expect(parseBaseline('accepted:\n', 'b.yaml', IDS).entries).toEqual([]);
  });
});

describe('isExpired', () => {
  it('holds an entry through its last day, in UTC', () => {
    expect(isExpired({ check: 'x', reason: 'y', expires: '2026-06-15' }, NOW)).toBe(false);
    expect(isExpired({ check: 'x', reason: 'y', expires: '2026-06-14' }, NOW)).toBe(true);
    expect(isExpired({ check: 'x', reason: 'y', expires: '2026-06-14' }, new Date('2026-06-14T23:59:59Z'))).toBe(false);
    expect(isExpired({ check: 'x', reason: 'y' }, NOW)).toBe(false);
  });
});

describe('applyBaseline', () => {
  const blocking = reportFixture().checks.filter((c) => c.required && c.verdict !== 'pass' && c.verdict !== 'not-applicable').map((c) => c.id);

  it('certifies a run whose every blocking check is accepted, keeping the verdicts as judged', () => {
    const report = reportFixture();
    const b = { file: 'b.yaml', entries: blocking.map((check) => ({ check, reason: `ticket for ${check}` })) };
    const out = applyBaseline(report, b, NOW);
    expect(out.certified).toBe(true);
    expect(certifies(out.checks)).toBe(true);
    expect(out.checks.find((c) => c.id === 'token.not-in-url')).toMatchObject({ verdict: 'fail', accepted: { reason: 'ticket for token.not-in-url' } });
    expect(out.totals).toEqual(report.totals);
    expect(out.baseline).toEqual({ file: 'b.yaml', stale: [], expired: [] });
  });

  it('accepts an advisory warning too', () => {
    const out = applyBaseline(reportFixture(), { file: 'b', entries: [{ check: 'errors.jitter-on-429', reason: 'later' }] }, NOW);
    expect(out.checks.find((c) => c.id === 'errors.jitter-on-429')?.accepted).toEqual({ reason: 'later' });
  });

  it('fails the run on an entry whose check passes now (stale), even when everything else is accepted', () => {
    const entries = [...blocking.map((check) => ({ check, reason: 'r' })), { check: 'token.tls-verified', reason: 'old' }];
    const out = applyBaseline(reportFixture(), { file: 'b.yaml', entries }, NOW);
    expect(out.baseline?.stale).toEqual([{ check: 'token.tls-verified', reason: 'old' }]);
    expect(out.checks.find((c) => c.id === 'token.tls-verified')?.accepted).toBeUndefined();
    expect(out.certified).toBe(false);
  });

  it('treats an entry of a not-applicable check as stale', () => {
    const out = applyBaseline(reportFixture(), { file: 'b', entries: [{ check: 'tenancy.token-per-tenant', reason: 'r' }] }, NOW);
    expect(out.baseline?.stale.map((e) => e.check)).toEqual(['tenancy.token-per-tenant']);
  });

  it('fails the run on an expired entry and judges its check as if unlisted', () => {
    const entries = blocking.map((check) => ({ check, reason: 'r', ...(check === 'token.not-in-url' ? { expires: '2026-06-01' } : {}) }));
    const out = applyBaseline(reportFixture(), { file: 'b.yaml', entries }, NOW);
    expect(out.baseline?.expired).toEqual([{ check: 'token.not-in-url', reason: 'r', expires: '2026-06-01' }]);
    expect(out.checks.find((c) => c.id === 'token.not-in-url')?.accepted).toBeUndefined();
    expect(out.certified).toBe(false);
  });

  it('leaves alone an entry of a check the run did not judge, unless it expired', () => {
    const report = { ...reportFixture(), checks: reportFixture().checks.filter((c) => c.id !== 'webhooks.idempotent') };
    const kept = applyBaseline(report, { file: 'b', entries: [{ check: 'webhooks.idempotent', reason: 'r' }] }, NOW);
    expect(kept.baseline).toEqual({ file: 'b', stale: [], expired: [] });
    const old = applyBaseline(report, { file: 'b', entries: [{ check: 'webhooks.idempotent', reason: 'r', expires: '2025-01-01' }] }, NOW);
    expect(old.baseline?.expired.map((e) => e.check)).toEqual(['webhooks.idempotent']);
  });

  it('never certifies an interrupted run', () => {
    const report = { ...reportFixture(), interrupted: { signal: 'SIGINT' } };
    const out = applyBaseline(report, { file: 'b', entries: blocking.map((check) => ({ check, reason: 'r' })) }, NOW);
    expect(out.certified).toBe(false);
  });
});

describe('baselineFor and formatBaseline', () => {
  it('lists every required check that blocks certification, reason TODO, and reads back as a baseline', () => {
    const entries = baselineFor(reportFixture());
    expect(entries).toEqual([
      { check: 'token.cached-and-reused', reason: 'TODO' },
      { check: 'token.not-in-url', reason: 'TODO' },
      { check: 'webhooks.idempotent', reason: 'TODO' },
      { check: 'errors.no-retry-on-403', reason: 'TODO' },
    ]);
    const yaml = formatBaseline(entries, 'yaml');
    expect(yaml.startsWith('# golive baseline')).toBe(true);
    expect(parse(yaml)).toEqual({ accepted: entries });
    expect(parseBaseline(yaml, 'b.yaml', IDS).entries).toEqual(entries);
    expect(parseBaseline(formatBaseline(entries, 'json'), 'b.json', IDS).entries).toEqual(entries);
  });

  it('keeps the reason and day an earlier baseline gave', () => {
    const applied = applyBaseline(reportFixture(), { file: 'b', entries: [{ check: 'token.not-in-url', reason: 'JIRA-12', expires: '2026-12-31' }] }, NOW);
    expect(baselineFor(applied)).toContainEqual({ check: 'token.not-in-url', reason: 'JIRA-12', expires: '2026-12-31' });
  });
});

describe('every format', () => {
  const applied = applyBaseline(
    reportFixture(),
    { file: 'golive-baseline.yaml', entries: [{ check: 'token.not-in-url', reason: 'JIRA-12 <soon>', expires: '2026-12-31' }, { check: 'token.tls-verified', reason: 'old' }] },
    NOW,
  );

  it('shows an accepted failure as accepted, with its reason', () => {
    const md = RENDERERS.md.render(applied);
    expect(md).toContain('| ❌ fail (accepted) | `token.not-in-url` | required | accepted: JIRA-12 \\<soon\\> (until 2026-12-31) · ');
    expect(md).toContain('**Stale baseline entries** (these checks pass now; remove them, the baseline only shrinks): `token.tls-verified`.');
    const junit = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === 'testcase' }).parse(RENDERERS.junit.render(applied));
    const cases = junit.testsuites.testsuite.testcase as { '@_name': string; skipped?: { '@_message': string }; failure?: { '@_type': string; '@_message': string } }[];
    const byId = (id: string) => cases.find((t) => t['@_name'].startsWith(`${id}:`))!;
    expect(byId('token.not-in-url').skipped?.['@_message']).toMatch(/^accepted: JIRA-12 <soon> \(until 2026-12-31\) · fail: /);
    expect(byId('token.tls-verified').failure).toMatchObject({ '@_type': 'stale-baseline', '@_message': expect.stringContaining('remove the entry') });
    const sarif = JSON.parse(RENDERERS.sarif.render(applied)) as { runs: { results: { ruleId: string; suppressions?: { status: string; justification: string }[] }[] }[] };
    expect(sarif.runs[0]!.results.find((r) => r.ruleId === 'token.not-in-url')?.suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'accepted: JIRA-12 <soon> (until 2026-12-31)' },
    ]);
    expect(RENDERERS.html.render(applied)).toContain('<span class="accepted" data-accepted="JIRA-12 &lt;soon&gt;">accepted: JIRA-12 &lt;soon&gt;</span>');
    const back = readReport(JSON.parse(RENDERERS.json.render(applied)));
    expect(back.report?.checks.find((c) => c.id === 'token.not-in-url')?.accepted).toEqual({ reason: 'JIRA-12 <soon>', expires: '2026-12-31' });
    expect(back.report?.baseline?.stale).toEqual([{ check: 'token.tls-verified', reason: 'old' }]);
  });
});
