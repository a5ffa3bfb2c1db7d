import { describe, expect, it } from 'vitest';
import { certifies, type Report } from './model.ts';
import { joinRuns } from './repeat.ts';
import { RENDERERS } from './index.ts';
import { readReport } from './schema.ts';
import { reportFixture } from './test/report-fixture.ts';

/** A run of the fixture with `verdicts` for some checks, the others as the fixture has them. */
function run(verdicts: Record<string, Report['checks'][number]['verdict']>, summary = 'seen'): Report {
  const base = reportFixture();
  const checks = base.checks.map((c) => (c.id in verdicts ? { ...c, verdict: verdicts[c.id]!, summary: `${summary}: ${verdicts[c.id]}` } : c));
  return { ...base, checks, certified: certifies(checks) };
}

describe('--repeat: runs joined into one report', () => {
  it('marks a check whose verdict changed between runs as flaky, with its worst verdict and that run’s evidence, and does not certify', () => {
    const id = reportFixture().checks.find((c) => c.required)!.id;
    const joined = joinRuns([run({ [id]: 'pass' }), run({ [id]: 'fail' }, 'second'), run({ [id]: 'pass' })]);
    const check = joined.checks.find((c) => c.id === id)!;
    expect(check.verdict).toBe('fail');
    expect(check.flaky).toEqual({ verdicts: ['pass', 'fail', 'pass'] });
    expect(check.summary).toBe('Flaky: pass in runs 1 and 3, fail in run 2; the same integration must get the same verdict every time. Run 2: second: fail');
    expect(joined.runs).toBe(3);
    expect(joined.certified).toBe(false);
    expect(joined.totals.fail).toBe(joined.checks.filter((c) => c.verdict === 'fail').length);
  });

  it('does not certify a required check that passed once and was not applicable once', () => {
    const id = reportFixture().checks.find((c) => c.required)!.id;
    const everyPass = (v: 'pass' | 'not-applicable') => Object.fromEntries(reportFixture().checks.map((c) => [c.id, c.id === id ? v : 'pass'])) as Record<string, 'pass'>;
    const joined = joinRuns([run(everyPass('pass')), run(everyPass('not-applicable'))]);
    expect(joined.checks.find((c) => c.id === id)!.flaky).toEqual({ verdicts: ['pass', 'not-applicable'] });
    expect(joined.certified).toBe(false);
    // The same runs with steady verdicts certify.
    expect(joinRuns([run(everyPass('pass')), run(everyPass('pass'))]).certified).toBe(true);
  });

  it('keeps steady checks as they were, and a single run unchanged', () => {
    const one = run({});
    expect(joinRuns([one])).toBe(one);
    const joined = joinRuns([run({}), run({})]);
    expect(joined.checks.every((c) => c.flaky === undefined)).toBe(true);
    expect(joined.integration.exits.map((e) => e.environment)).toEqual([...one.integration.exits.map((e) => `${e.environment} (run 1)`), ...one.integration.exits.map((e) => `${e.environment} (run 2)`)]);
  });

  it('renders a flaky check in every format, and its report.json reads back', () => {
    const id = reportFixture().checks.find((c) => c.required)!.id;
    const joined = joinRuns([run({ [id]: 'pass' }), run({ [id]: 'fail' })]);
    expect(readReport(JSON.parse(RENDERERS.json.render(joined))).report?.checks.find((c) => c.id === id)?.flaky).toEqual({ verdicts: ['pass', 'fail'] });
    expect(RENDERERS.md.render(joined)).toContain('fail (flaky)');
    expect(RENDERERS.html.render(joined)).toContain('data-flaky="pass fail"');
    for (const format of ['junit', 'sarif'] as const) expect(RENDERERS[format].render(joined)).toContain('Flaky: pass in run 1, fail in run 2');
  });
});
