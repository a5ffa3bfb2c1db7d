import type { Report } from './model.ts';

/** Green when certified, red when not. */
export const BADGE_COLOURS = { certified: '#2e7d32', notCertified: '#c62828' } as const;

/** Text as XML shows it literally, with the characters XML 1.0 forbids dropped. */
function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** About the width of `s` in 11 px Verdana (the badge font), so the boxes fit their text without measuring it. */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[il.,:;|' ]/.test(ch) ? 3.5 : /[mwMW@%]/.test(ch) ? 10 : /[A-Z0-9+/]/.test(ch) ? 7.5 : 6.5;
  return Math.ceil(w);
}

/**
 * What the badge says: required checks that pass (or do not apply) out of all required ones,
 * then how many the baseline accepts, and whether the baseline itself fails the run.
 * @example badgeMessage(report) // '20/21 +1 accepted'
 */
export function badgeMessage(report: Report): string {
  const required = report.checks.filter((c) => c.required);
  const ok = required.filter((c) => (c.verdict === 'pass' || c.verdict === 'not-applicable') && !c.flaky && !c.accepted).length;
  const accepted = required.filter((c) => c.accepted).length;
  const parts = [`${ok}/${required.length}`];
  if (accepted > 0) parts.push(`+${accepted} accepted`);
  if ((report.baseline?.stale.length ?? 0) > 0) parts.push('· stale baseline');
  if ((report.baseline?.expired.length ?? 0) > 0) parts.push('· baseline expired');
  if (report.interrupted) parts.push('· interrupted');
  return parts.join(' ');
}

/**
 * `badge.svg`: a flat badge "go-live 21/21", green when the report certifies and red when not.
 * One self-contained SVG (no fonts, images or links), for a README or a CI artifact page.
 */
export function renderBadge(report: Report): string {
  const label = 'go-live';
  const message = badgeMessage(report);
  const colour = report.certified ? BADGE_COLOURS.certified : BADGE_COLOURS.notCertified;
  const lw = textWidth(label) + 10;
  const mw = textWidth(message) + 10;
  const width = lw + mw;
  const title = `${label}: ${message} (${report.certified ? 'certified' : 'not certified'})`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${xmlText(title)}">
  <title>${xmlText(title)}</title>
  <linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
  <clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>
  <g clip-path="url(#r)">
    <rect width="${lw}" height="20" fill="#555"/>
    <rect x="${lw}" width="${mw}" height="20" fill="${colour}"/>
    <rect width="${width}" height="20" fill="url(#s)"/>
  </g>
  <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
    <text x="${lw / 2}" y="14">${xmlText(label)}</text>
    <text x="${lw + mw / 2}" y="14">${xmlText(message)}</text>
  </g>
</svg>
`;
}
