import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { BADGE_COLOURS, renderBadge } from './badge.ts';
import { applyBaseline } from './baseline.ts';
import { type Report, certifies, totals } from './model.ts';
import { reportFixture } from './test/report-fixture.ts';

/** The badge parsed back: it must be well-formed XML, and its texts and colours are read from the tree. */
function parseBadge(svg: string): { texts: string[]; fills: string[]; title: string; label: string } {
  expect(XMLValidator.validate(svg)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === 'text' || n === 'rect' }).parse(svg);
  const texts = (doc.svg.g[1].text as { '#text': string | number }[]).map((t) => String(t['#text']));
  const fills = (doc.svg.g[0].rect as { '@_fill': string }[]).map((r) => r['@_fill']);
  return { texts, fills, title: String(doc.svg.title), label: doc.svg['@_aria-label'] };
}

function passing(): Report {
  const checks = reportFixture().checks.map((c) => ({ ...c, verdict: c.verdict === 'not-applicable' ? c.verdict : ('pass' as const) }));
  return { ...reportFixture(), checks, totals: totals(checks), certified: certifies(checks) };
}

describe('renderBadge', () => {
  it('says go-live with every required check passing, in green, for a certified report', () => {
    const badge = parseBadge(renderBadge(passing()));
    expect(badge.texts).toEqual(['go-live', '6/6']);
    expect(badge.fills[1]).toBe(BADGE_COLOURS.certified);
    expect(badge.title).toBe('go-live: 6/6 (certified)');
  });

  it('is red with the count of passing required checks when the report does not certify', () => {
    const badge = parseBadge(renderBadge(reportFixture()));
    expect(badge.texts).toEqual(['go-live', '2/6']);
    expect(badge.fills[1]).toBe(BADGE_COLOURS.notCertified);
  });

  it('shows checks the baseline accepts beside the count', () => {
    const blocking = ['token.cached-and-reused', 'token.not-in-url', 'webhooks.idempotent', 'errors.no-retry-on-403'];
    const report = applyBaseline(reportFixture(), { file: 'b', entries: blocking.map((check) => ({ check, reason: 'r & <later>' })) }, new Date('2026-01-01'));
    const badge = parseBadge(renderBadge(report));
    expect(badge.texts).toEqual(['go-live', '2/6 +4 accepted']);
    expect(badge.fills[1]).toBe(BADGE_COLOURS.certified);
  });

  it('says the baseline is stale, in red', () => {
    const report = applyBaseline(passing(), { file: 'b', entries: [{ check: 'token.tls-verified', reason: 'old' }] }, new Date('2026-01-01'));
    const badge = parseBadge(renderBadge(report));
    expect(badge.texts[1]).toBe('6/6 · stale baseline');
    expect(badge.fills[1]).toBe(BADGE_COLOURS.notCertified);
  });

  it('is one self-contained SVG: no scripts, links, images or external fonts', () => {
    const svg = renderBadge(reportFixture());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toMatch(/<script|href=|<image|@import|url\((?!#)/);
  });
});
