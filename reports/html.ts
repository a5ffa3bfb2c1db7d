import { describeEvidence } from './evidence.ts';
import { xmlSafe } from './junit.ts';
import type { CheckResult, Evidence, PhaseResult, Report, Verdict } from './model.ts';

/** Evidence listed per check; report.json holds the rest (the timeline still marks every timed item). */
export const HTML_EVIDENCE_PER_CHECK = 100;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text as HTML shows it literally, in content and in quoted attribute values alike.
 * @example escapeHtml('<a href="x">') // '&lt;a href=&quot;x&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Markup built here; anything else interpolated into `h` is text and gets escaped. */
class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Markup | string | number | boolean | null | undefined | readonly Part[];

function part(value: Part): string {
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(part).join('');
  if (value === null || value === undefined) return '';
  return escapeHtml(String(value));
}

/** A template whose every interpolation is escaped unless it is markup built by `h` itself, so no value can slip through raw. */
function h(strings: TemplateStringsArray, ...values: Part[]): Markup {
  return new Markup(strings.reduce((out, s, i) => out + s + (i < values.length ? part(values[i]!) : ''), ''));
}

/** The order verdicts are shown in: the ones that need action first. */
const VERDICTS: readonly Verdict[] = ['fail', 'inconclusive', 'warn', 'pass', 'not-applicable'];

type Timed = Extract<Evidence, { at: number }>;

function isTimed(e: Evidence): e is Timed {
  return e.kind === 'request' || e.kind === 'log' || e.kind === 'delivery';
}

/** Whether a check's evidence opens by itself: it needs a look (the same checks report.md details). */
function needsLook(c: CheckResult): boolean {
  return c.verdict !== 'pass' && c.verdict !== 'not-applicable';
}

const badge = (v: Verdict): Markup => h`<span class="badge v-${v}">${v}</span>`;

function checkRows(c: CheckResult): Markup {
  const row = h`<tr class="check" id="${`check-${c.id}`}" data-check-id="${c.id}" data-verdict="${c.verdict}" data-required="${c.required}">
<td>${badge(c.verdict)}${c.flaky ? h` <span class="flaky" data-flaky="${c.flaky.verdicts.join(' ')}">flaky</span>` : null}</td><td><code>${c.id}</code></td><td>${c.title}</td><td>${c.required ? 'required' : 'advisory'}</td><td class="summary">${c.summary}</td>
</tr>`;
  if (c.evidence.length === 0 && !c.remediation) return row;
  const shown = c.evidence.slice(0, HTML_EVIDENCE_PER_CHECK);
  const more = c.evidence.length - shown.length;
  const evidence =
    c.evidence.length === 0
      ? null
      : h`<ul class="evidence">${shown.map((e) => h`<li data-kind="${e.kind}">${describeEvidence(e)}</li>`)}${
          more > 0 ? h`<li class="more">… and ${more} more in report.json</li>` : null
        }</ul>`;
  const fix = c.remediation ? h`<p class="fix"><strong>Fix:</strong> ${c.remediation}</p>` : null;
  const label = c.evidence.length === 0 ? 'Fix' : `Evidence (${c.evidence.length})${c.remediation ? ' and fix' : ''}`;
  return h`${row}
<tr class="detail" data-check-id="${c.id}"><td colspan="5"><details${needsLook(c) ? h` open=""` : null}><summary>${label}</summary>${evidence}${fix}</details></td></tr>`;
}

/** The checks in the order given, grouped by section (sections in the order they first appear). */
function checklist(checks: readonly CheckResult[]): Markup {
  if (checks.length === 0) return h`<p>No check was judged.</p>`;
  const sections = new Map<string, CheckResult[]>();
  for (const c of checks) sections.set(c.section, [...(sections.get(c.section) ?? []), c]);
  return h`${[...sections].map(
    ([section, list]) => h`<section class="checks" data-section="${section}">
<h3>${section}</h3>
<table>
<thead><tr><th scope="col">verdict</th><th scope="col">check</th><th scope="col">title</th><th scope="col">kind</th><th scope="col">summary</th></tr></thead>
<tbody>
${list.map((c) => h`${checkRows(c)}\n`)}</tbody>
</table>
</section>
`,
  )}`;
}

/** A position on the timeline as an SVG percentage of the track's width, clamped to the track. */
function percent(seconds: number, scale: number): string {
  return `${Math.min(100, Math.max(0, (seconds / scale) * 100)).toFixed(2)}%`;
}

function phaseRow(p: PhaseResult, scale: number): Markup {
  const end = p.startedAt + p.durationSeconds;
  const state = p.completed ? 'completed' : 'not completed';
  const tip = `${p.name} (${p.environment}): ${p.startedAt} s to ${end} s, ${state}${p.note ? `, ${p.note}` : ''}`;
  // A phase that did not run still gets a sliver, so its row shows where it would have been.
  const width = `${Math.max(0.3, Math.min(100, (p.durationSeconds / scale) * 100)).toFixed(2)}%`;
  return h`<tr class="phase-row"><th scope="row">${p.name} <span class="muted">${p.environment}${p.note ? ` · ${p.note}` : ''}</span></th>
<td><svg class="track" width="100%" height="22" role="img" aria-label="${tip}"><rect class="${p.completed ? 'phase' : 'phase incomplete'}" data-phase="${p.name}" data-start="${p.startedAt}" data-duration="${p.durationSeconds}" data-completed="${p.completed}" x="${percent(p.startedAt, scale)}" width="${width}" y="3" height="16" rx="3"><title>${tip}</title></rect></svg></td></tr>
`;
}

function tickRow(verdict: Verdict, ticks: { check: CheckResult; e: Timed }[], scale: number): Markup {
  const label = `evidence of ${verdict} checks`;
  return h`<tr class="tick-row" data-verdict="${verdict}"><th scope="row">${badge(verdict)} <span class="muted">${ticks.length} ${ticks.length === 1 ? 'item' : 'items'}</span></th>
<td><svg class="track" width="100%" height="22" role="group" aria-label="${label}">${ticks.map(({ check, e }) => {
    const x = percent(e.at, scale);
    return h`<a href="${`#check-${check.id}`}"><line class="tick v-${verdict}" data-check-id="${check.id}" data-verdict="${verdict}" data-kind="${e.kind}" data-at="${e.at}" x1="${x}" x2="${x}" y1="2" y2="20"><title>${`${check.id} (${verdict}): ${describeEvidence(e)}`}</title></line></a>`;
  })}</svg></td></tr>
`;
}

/** One bar per phase and, below, the timed evidence as ticks on the same scale, one row per verdict. */
function timeline(report: Report): Markup {
  const ticks = report.checks.flatMap((check) => check.evidence.filter(isTimed).map((e) => ({ check, e })));
  if (report.phases.length === 0 && ticks.length === 0) return h`<p>No phase ran and no evidence has a time.</p>`;
  const scale = Math.max(report.durationSeconds, ...report.phases.map((p) => p.startedAt + p.durationSeconds), ...ticks.map((t) => t.e.at)) || 1;
  const byVerdict = VERDICTS.map((v) => [v, ticks.filter((t) => t.check.verdict === v)] as const).filter(([, list]) => list.length > 0);
  return h`<table class="timeline" data-scale="${scale}">
<thead><tr><th scope="col">phase</th><th scope="col"><span class="axis"><span>0 s</span><span>${scale} s</span></span></th></tr></thead>
<tbody>
${report.phases.map((p) => phaseRow(p, scale))}${byVerdict.map(([v, list]) => tickRow(v, list, scale))}</tbody>
</table>`;
}

function exits(report: Report): Markup {
  if (report.integration.exits.length === 0) return h`<p>No process of the integration was recorded.</p>`;
  return h`${report.integration.exits.map((exit) => {
    const how = exit.error ? `did not start: ${exit.error}` : exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    const early = exit.beforeEnd && !exit.error ? ' (before the harness stopped it)' : '';
    return h`<section class="exit" data-environment="${exit.environment}">
<h3>${exit.environment}</h3>
<p>${how}${early}</p>
${exit.outputTail.length > 0 ? h`<pre>${exit.outputTail.join('\n')}</pre>` : null}
</section>
`;
  })}`;
}

/** Inline, so the file works offline; light and dark follow the reader's system. The CSP in the head allows nothing else. */
const CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --inconclusive: #8250df; --na: #6e7781; --phase: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --panel: #151b23;
    --pass: #3fb950; --fail: #f85149; --warn: #d29922; --inconclusive: #a371f7; --na: #8b949e; --phase: #4493f8; }
}
body { font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: 1.5rem; max-width: 72rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
.status { display: inline-block; padding: .1rem .6rem; border-radius: .3rem; color: #fff; font-weight: 700; }
.status.yes { background: var(--pass); } .status.no { background: var(--fail); }
.muted { color: var(--muted); font-weight: 400; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
ul.totals { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
td.summary { white-space: pre-wrap; }
tr.detail td { background: var(--panel); }
.badge { display: inline-block; min-width: 6.5em; text-align: center; border-radius: 1em; padding: 0 .5em; font-size: .85em; font-weight: 600; color: #fff; }
.v-pass { background: var(--pass); stroke: var(--pass); } .v-fail { background: var(--fail); stroke: var(--fail); }
.v-warn { background: var(--warn); stroke: var(--warn); } .v-inconclusive { background: var(--inconclusive); stroke: var(--inconclusive); }
.v-not-applicable { background: var(--na); stroke: var(--na); }
ul.evidence { margin: .3rem 0; padding-left: 1.2rem; font-family: ui-monospace, monospace; font-size: .85em; overflow-wrap: anywhere; }
.timeline th[scope=row] { width: 14rem; white-space: nowrap; font-weight: 600; }
.axis { display: flex; justify-content: space-between; font-weight: 400; color: var(--muted); }
svg.track { display: block; background: var(--panel); border-radius: 3px; }
rect.phase { fill: var(--phase); } rect.phase.incomplete { fill: none; stroke: var(--phase); stroke-dasharray: 3 2; }
line.tick { stroke-width: 2; }
pre { background: var(--panel); padding: .6rem; overflow-x: auto; font-size: .85em; }
code { font-family: ui-monospace, monospace; }
`;

/**
 * The report as one self-contained HTML page (no scripts, no external fonts, styles or images):
 * the verdict and totals, the checklist by section with the evidence and fix of each check that
 * needs a look, a timeline of the phases with the timed evidence marked, and how the integration ended.
 * Every value from the report is escaped; characters HTML forbids become U+FFFD.
 */
export function renderHtml(report: Report): string {
  const t = report.totals;
  const verdict = report.certified ? 'CERTIFIED' : 'NOT CERTIFIED';
  const page = h`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/>
<title>golive: ${verdict}</title>
<style>${new Markup(CSS)}</style>
</head>
<body>
<header>
<h1>golive <span class="status ${report.certified ? 'yes' : 'no'}" data-certified="${report.certified}">${verdict}</span></h1>
<ul class="totals">${VERDICTS.map((v) => h`<li data-verdict="${v}">${badge(v)} ${t[v]}</li>`)}</ul>
<dl class="facts">
<dt>started</dt><dd><time datetime="${report.startedAt}">${report.startedAt}</time></dd>
<dt>duration</dt><dd>${report.durationSeconds} s</dd>
<dt>golive</dt><dd>${report.tool.version}</dd>
<dt>command</dt><dd><code>${report.integration.command.join(' ')}</code></dd>
<dt>API user</dt><dd>${report.apiUser.name}</dd>
${report.interrupted === undefined ? null : h`<dt>interrupted</dt><dd data-interrupted="${report.interrupted.signal}">by ${report.interrupted.signal}: the phases that did not run left their checks inconclusive</dd>
`}
${report.configFile === undefined ? null : h`<dt>config</dt><dd><code>${report.configFile}</code></dd>
`}</dl>
<nav><a href="#checklist">Checklist</a> · <a href="#timeline">Timeline</a> · <a href="#exits">How the integration ended</a></nav>
</header>
<main>
<section id="checklist">
<h2>Checklist</h2>
${checklist(report.checks)}
</section>
<section id="timeline">
<h2>Timeline of the run</h2>
${timeline(report)}
</section>
<section id="exits">
<h2>How the integration ended</h2>
${exits(report)}
</section>
</main>
</body>
</html>
`;
  // Escaping leaves control characters alone; HTML forbids them as XML does, and U+FFFD keeps the loss visible.
  return xmlSafe(page.text);
}
