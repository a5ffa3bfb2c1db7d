import { createHash } from 'node:crypto';
import { describeEvidence } from './evidence.ts';
import { xmlSafe } from './junit.ts';
import { type CheckResult, type Evidence, OUTCOMES, type Outcome, type PhaseResult, type Report, type Traffic, type TrafficBucket, type TrafficLane, type Verdict } from './model.ts';

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
<td>${badge(c.verdict)}${c.flaky ? h` <span class="flaky" data-flaky="${c.flaky.verdicts.join(' ')}">flaky</span>` : null}${c.accepted ? h` <span class="accepted" data-accepted="${c.accepted.reason}">accepted: ${c.accepted.reason}</span>` : null}</td><td><code>${c.id}</code></td><td>${c.title}</td><td>${c.required ? 'required' : 'advisory'}</td><td class="summary">${c.summary}</td>
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
  const onLanes = needsLook(c) && c.evidence.some((e) => e.kind === 'request' || e.kind === 'delivery');
  const show = onLanes ? h`<p class="show"><a class="show-on-timeline" href="#timeline" data-check-id="${c.id}">Show on the timeline</a></p>` : null;
  const label = c.evidence.length === 0 ? 'Fix' : `Evidence (${c.evidence.length})${c.remediation ? ' and fix' : ''}`;
  return h`${row}
<tr class="detail" data-check-id="${c.id}"><td colspan="5"><details${needsLook(c) ? h` open=""` : null}><summary>${label}</summary>${evidence}${fix}${show}</details></td></tr>`;
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
function percent(seconds: number, scale: number, digits = 2): string {
  return `${Math.min(100, Math.max(0, (seconds / scale) * 100)).toFixed(digits)}%`;
}

function phaseRow(p: PhaseResult, scale: number): Markup {
  const end = p.startedAt + p.durationSeconds;
  const state = p.completed ? 'completed' : 'not completed';
  const tip = `${p.name} (${p.lane ? `lane ${p.lane}, ` : ''}${p.environment}): ${p.startedAt} s to ${end} s, ${state}${p.note ? `, ${p.note}` : ''}`;
  // A phase that did not run still gets a sliver, so its row shows where it would have been.
  const width = `${Math.max(0.3, Math.min(100, (p.durationSeconds / scale) * 100)).toFixed(2)}%`;
  return h`<tr class="phase-row"><th scope="row">${p.name} <span class="muted">${p.lane ? `${p.lane} lane · ` : ''}${p.environment}${p.note ? ` · ${p.note}` : ''}</span> <button type="button" class="zoom" data-phase="${p.name}" data-start="${p.startedAt}" data-duration="${p.durationSeconds}" aria-pressed="false" hidden="">zoom</button></th>
<td><svg class="track" width="100%" height="22" role="img" aria-label="${tip}"><g class="z"><rect class="${p.completed ? 'phase' : 'phase incomplete'}" data-phase="${p.name}" data-start="${p.startedAt}" data-duration="${p.durationSeconds}" data-completed="${p.completed}" x="${percent(p.startedAt, scale)}" width="${width}" y="3" height="16" rx="3"><title>${tip}</title></rect></g></svg></td></tr>
`;
}

function tickRow(verdict: Verdict, ticks: { check: CheckResult; e: Timed }[], scale: number): Markup {
  const label = `evidence of ${verdict} checks`;
  return h`<tr class="tick-row" data-verdict="${verdict}"><th scope="row">${badge(verdict)} <span class="muted">${ticks.length} ${ticks.length === 1 ? 'item' : 'items'}</span></th>
<td><svg class="track" width="100%" height="22" role="group" aria-label="${label}"><g class="z">${ticks.map(({ check, e }) => {
    const x = percent(e.at, scale);
    return h`<a href="${`#check-${check.id}`}"><line class="tick v-${verdict}" data-check-id="${check.id}" data-verdict="${verdict}" data-kind="${e.kind}" data-at="${e.at}" x1="${x}" x2="${x}" y1="2" y2="20"><title>${`${check.id} (${verdict}): ${describeEvidence(e)}`}</title></line></a>`;
  })}</g></svg></td></tr>
`;
}

// ---- The run's traffic: a lane per run, marks shaped and coloured by outcome ----

/** Each outcome in words, for the legend and the lanes' counts. */
const OUTCOME_WORDS: Record<Outcome, string> = {
  '2xx': '2xx answered',
  '401': '401 unauthorized',
  '403': '403 forbidden',
  '429': '429 too many requests',
  '5xx': '5xx server error',
  reset: 'connection reset',
  hang: 'no answer (hang)',
  other: 'other status',
};

/** A glyph per outcome, centred on 0,0, so a mark is told by its shape as well as its colour. */
const GLYPHS: Record<Outcome, string> = {
  '2xx': 'M-3.5 0a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0-7 0Z',
  '401': 'M0-5L5 4H-5Z',
  '403': 'M0 5L5-4H-5Z',
  '429': 'M0-5.5L5.5 0L0 5.5L-5.5 0Z',
  '5xx': 'M-4-4H4V4H-4Z',
  reset: 'M-5-3.5L-3.5-5L0-1.5L3.5-5L5-3.5L1.5 0L5 3.5L3.5 5L0 1.5L-3.5 5L-5 3.5L-1.5 0Z',
  hang: 'M-4.5-5H4.5L-4.5 5H4.5Z',
  other: 'M-1.5-5H1.5V-1.5H5V1.5H1.5V5H-1.5V1.5H-5V-1.5H-1.5Z',
};

/** The glyphs, defined once for every lane and the legend (`<use href="#g-429"/>`; `#g-429f` has the fault's dashed ring). */
function glyphDefs(): Markup {
  return h`<svg class="defs" width="0" height="0" aria-hidden="true"><defs>${OUTCOMES.map(
    (o) => h`<path id="${`g-${o}`}" class="${`o-${o}`}" d="${GLYPHS[o]}"/><g id="${`g-${o}f`}"><use href="${`#g-${o}`}"/><circle class="fault-ring" r="8"/></g>`,
  )}</defs></svg>`;
}

const REQUEST_LANE = { height: 40, tokenY: 11, callY: 29 };
const DELIVERY_LANE = { height: 28, tokenY: 14, callY: 14 };
const BUCKET_ROW = 10;

const number = (n: number): string => n.toLocaleString('en-US');

/** `2xx 1,200 · 429 30 · 14 token requests · 3 injected faults` */
function laneCounts(lane: TrafficLane): string {
  const parts = OUTCOMES.filter((o) => lane.counts[o]).map((o) => `${o} ${number(lane.counts[o]!)}`);
  if (lane.token > 0) parts.push(`${number(lane.token)} token ${lane.token === 1 ? 'request' : 'requests'}`);
  if (lane.fault > 0) parts.push(`${number(lane.fault)} injected ${lane.fault === 1 ? 'fault' : 'faults'}`);
  return parts.join(' · ');
}

/** The phases as bands behind a lane's marks; a click on one zooms into it. */
function bands(phases: readonly PhaseResult[], scale: number, height: number): Markup {
  return h`${phases.map(
    (p, i) =>
      h`<rect class="${i % 2 ? 'band alt' : 'band'}" data-phase="${p.name}" data-start="${p.startedAt}" data-duration="${p.durationSeconds}" x="${percent(p.startedAt, scale, 3)}" width="${width(p.durationSeconds, scale)}" y="0" height="${height}"><title>${`${p.name}: click to zoom in or out`}</title></rect>`,
  )}`;
}

/** A phase's width on the track; one that did not run still gets a sliver, so its place shows. */
function width(seconds: number, scale: number): string {
  return `${Math.max(0.3, Math.min(100, (seconds / scale) * 100)).toFixed(3)}%`;
}

/** Where a check's evidence sits on the lanes: its lane and row, found by the request's (or delivery's) sequence number. */
interface Placed {
  lane: string;
  token: boolean;
}

function placements(traffic: Traffic): { requests: Map<number, Placed>; deliveries: Map<number, Placed> } {
  const requests = new Map<number, Placed>();
  const deliveries = new Map<number, Placed>();
  for (const lane of traffic.lanes) {
    const into = lane.kind === 'deliveries' ? deliveries : requests;
    for (const m of lane.marks ?? []) into.set(m.seq, { lane: lane.name, token: Boolean(m.token) });
  }
  return { requests, deliveries };
}

/** Rings around the evidence of the checks that need a look, each a link to its check. */
function evidenceRings(lane: TrafficLane, report: Report, traffic: Traffic, scale: number): Markup[] {
  const placed = placements(traffic);
  const shape = lane.kind === 'deliveries' ? DELIVERY_LANE : REQUEST_LANE;
  const bucketed = lane.buckets !== undefined;
  const out: Markup[] = [];
  for (const check of report.checks.filter(needsLook)) {
    for (const e of check.evidence.slice(0, HTML_EVIDENCE_PER_CHECK)) {
      if (e.kind !== 'request' && e.kind !== 'delivery') continue;
      const where =
        e.kind === 'delivery'
          ? (placed.deliveries.get(e.seq) ?? { lane: 'webhooks', token: false })
          : (placed.requests.get(e.seq) ?? { lane: e.environment === 'production' ? 'production' : 'test', token: false });
      if (where.lane !== lane.name) continue;
      const y = bucketed ? (bucketRows(lane).length * BUCKET_ROW) / 2 + 2 : where.token ? shape.tokenY : shape.callY;
      out.push(
        h`<a href="${`#check-${check.id}`}"><circle class="${`hl v-${check.verdict}`}" data-check-id="${check.id}" data-seq="${e.seq}" cx="${percent(e.at, scale, 3)}" cy="${y}" r="9"><title>${`${check.id} (${check.verdict}): ${describeEvidence(e)}`}</title></circle></a>`,
      );
    }
  }
  return out;
}

/** The rows of a counted lane: one per outcome it had, then token requests and faults. */
function bucketRows(lane: TrafficLane): { label: string; count: (b: TrafficBucket) => number; cls: string }[] {
  const rows: { label: string; count: (b: TrafficBucket) => number; cls: string }[] = OUTCOMES.filter((o) => lane.counts[o]).map((o) => ({
    label: o,
    count: (b: TrafficBucket) => b.counts[o] ?? 0,
    cls: `o-${o}`,
  }));
  if (lane.token > 0) rows.push({ label: 'token', count: (b) => b.token, cls: 'o-token' });
  if (lane.fault > 0) rows.push({ label: 'fault', count: (b) => b.fault, cls: 'o-fault' });
  return rows;
}

/** A lane above the cap: a row per outcome, each bucket a cell as dark as it is full. */
function countedLane(lane: TrafficLane, buckets: readonly TrafficBucket[], scale: number): { height: number; body: Markup } {
  const rows = bucketRows(lane);
  const height = rows.length * BUCKET_ROW + 4;
  const cells = rows.map((row, i) => {
    const max = Math.max(1, ...buckets.map(row.count));
    return buckets.map((b) => {
      const n = row.count(b);
      if (n === 0) return null;
      const strength = (0.25 + 0.75 * Math.sqrt(n / max)).toFixed(2);
      return h`<rect class="${`cell ${row.cls}`}" x="${percent(b.at, scale, 3)}" width="${`${((b.seconds / scale) * 100).toFixed(3)}%`}" y="${2 + i * BUCKET_ROW}" height="${BUCKET_ROW - 2}" fill-opacity="${strength}"><title>${`${row.label}: ${number(n)} from ${b.at} s to ${Number((b.at + b.seconds).toFixed(3))} s`}</title></rect>`;
    });
  });
  const labels = rows.map((row, i) => h`<text class="row-label" x="4" y="${2 + i * BUCKET_ROW + BUCKET_ROW - 3}">${row.label}</text>`);
  return { height, body: h`<g class="z">${cells}</g>${labels}` };
}

/** One lane: the phase bands behind, each request a glyph (token requests on the upper row), evidence ringed. */
function laneRow(lane: TrafficLane, report: Report, traffic: Traffic, scale: number): Markup {
  const shape = lane.kind === 'deliveries' ? DELIVERY_LANE : REQUEST_LANE;
  const what = lane.kind === 'deliveries' ? (lane.total === 1 ? 'delivery' : 'deliveries') : lane.total === 1 ? 'request' : 'requests';
  const counts = laneCounts(lane);
  const counted = lane.buckets ? countedLane(lane, lane.buckets, scale) : null;
  const height = counted?.height ?? shape.height;
  const marks = lane.marks?.map((m) => h`<use href="${`#g-${m.outcome}${m.fault ? 'f' : ''}`}" x="${percent(m.at, scale, 3)}" y="${m.token ? shape.tokenY : shape.callY}"/>`);
  const rule = lane.kind === 'requests' && !counted ? h`<line class="row-rule" x1="0" x2="100%" y1="20" y2="20"/>` : null;
  const label = `${lane.name}: ${number(lane.total)} ${what}${counts ? `: ${counts}` : ''}`;
  return h`<tr class="lane-row" data-lane="${lane.name}" data-kind="${lane.kind}" data-total="${lane.total}"${counted ? h` data-counted="${lane.buckets![0]?.seconds ?? 0}"` : null}><th scope="row">${lane.name} <span class="muted">${number(lane.total)} ${what}</span>${
    counts ? h`<span class="counts">${counts}</span>` : null
  }${counted ? h`<span class="counts">counted per ${lane.buckets![0]?.seconds ?? 0} s (more than ${number(traffic.cap)})</span>` : null}</th>
<td><svg class="track lane" width="100%" height="${height}" role="img" aria-label="${label}"><g class="z">${bands(report.phases, scale, height)}</g>${rule}${
    counted ? counted.body : h`<g class="z">${marks}</g>`
  }<g class="z">${evidenceRings(lane, report, traffic, scale)}</g></svg></td></tr>
`;
}

/** What the shapes and rings mean, and how to zoom. */
function legend(traffic: Traffic | undefined): Markup {
  const glyph = (id: string) => h`<svg class="glyph" width="18" height="18" aria-hidden="true"><use href="${`#${id}`}" x="9" y="9"/></svg>`;
  return h`<div class="legend">
${traffic ? h`<ul class="legend-outcomes">${OUTCOMES.map((o) => h`<li data-outcome="${o}">${glyph(`g-${o}`)} ${OUTCOME_WORDS[o]}</li>`)}<li data-outcome="fault">${glyph('g-5xxf')} dashed ring: an injected fault</li></ul>
<p class="muted">Each request is a mark on its run's lane: token requests on the upper row, API calls below; the webhook lane shows each delivery by the endpoint's answer. A lane of more than ${number(traffic.cap)} requests is counted per stretch of time instead, a row per outcome. A thick ring marks the evidence of a check that needs a look: click it for the check.</p>
` : null}<p class="zoom-help">Click a phase (its bar or its band) to zoom into it, again to see the whole run. <button type="button" class="zoom-out" hidden="">whole run</button></p>
</div>`;
}

/** The last second a lane has traffic in. */
function laneEnd(lane: TrafficLane): number {
  const lastMark = lane.marks?.at(-1)?.at ?? 0;
  const lastBucket = lane.buckets?.at(-1);
  return Math.max(lastMark, lastBucket ? lastBucket.at + lastBucket.seconds : 0);
}

/**
 * One bar per phase; below, the run's traffic (a lane per run and one for webhook deliveries,
 * the phases as bands behind) and the timed evidence as ticks, all on the same scale.
 */
function timeline(report: Report): Markup {
  const ticks = report.checks.flatMap((check) => check.evidence.filter(isTimed).map((e) => ({ check, e })));
  const lanes = report.traffic?.lanes ?? [];
  if (report.phases.length === 0 && ticks.length === 0 && lanes.length === 0) return h`<p>No phase ran and no evidence has a time.</p>`;
  const scale =
    Math.max(report.durationSeconds, ...report.phases.map((p) => p.startedAt + p.durationSeconds), ...ticks.map((t) => t.e.at), ...lanes.map(laneEnd)) || 1;
  const byVerdict = VERDICTS.map((v) => [v, ticks.filter((t) => t.check.verdict === v)] as const).filter(([, list]) => list.length > 0);
  return h`${lanes.length > 0 ? glyphDefs() : null}<table class="timeline" data-scale="${scale}">
<thead><tr><th scope="col">phase</th><th scope="col"><span class="axis"><span class="axis-from">0 s</span><span class="axis-to">${scale} s</span></span></th></tr></thead>
<tbody>
${report.phases.map((p) => phaseRow(p, scale))}${lanes.map((lane) => laneRow(lane, report, report.traffic!, scale))}${byVerdict.map(([v, list]) => tickRow(v, list, scale))}</tbody>
</table>
${legend(report.traffic)}`;
}

/** Every 403 the integration got (the first `REFUSED_CAP` of them): what it asked and what it was refused. */
function refused(list: NonNullable<Report['refused']>): Markup {
  if (list.total === 0) return h`<p>The integration was refused nothing.</p>`;
  const more = list.total - list.requests.length;
  return h`<table class="refused">
<thead><tr><th scope="col">at (s)</th><th scope="col">environment</th><th scope="col">request</th><th scope="col">route</th><th scope="col">refused</th></tr></thead>
<tbody>
${list.requests.map(
  (r) => h`<tr data-seq="${r.seq}"><td>${r.at}</td><td>${r.environment}</td><td><code>${r.method} ${r.path}</code></td><td>${r.route ?? ''}</td><td>${r.reason}</td></tr>
`,
)}</tbody>
</table>
${more > 0 ? h`<p>… and ${more} more, counted in report.json.</p>` : null}`;
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
  --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --inconclusive: #8250df; --na: #6e7781; --phase: #0969da;
  --o2xx: #1a7f37; --o401: #bc4c00; --o403: #8250df; --o429: #9a6700; --o5xx: #cf222e; --oreset: #bf3989; --ohang: #0969da; --oother: #6e7781;
  --fault: #1b1f24; --band: #eaeef2; --band-alt: #f6f8fa; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --panel: #151b23;
    --pass: #3fb950; --fail: #f85149; --warn: #d29922; --inconclusive: #a371f7; --na: #8b949e; --phase: #4493f8;
    --o2xx: #3fb950; --o401: #f0883e; --o403: #a371f7; --o429: #d29922; --o5xx: #f85149; --oreset: #db61a2; --ohang: #4493f8; --oother: #8b949e;
    --fault: #e6edf3; --band: #21262d; --band-alt: #161b22; }
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
svg.defs { position: absolute; }
.o-2xx { fill: var(--o2xx); } .o-401 { fill: var(--o401); } .o-403 { fill: var(--o403); } .o-429 { fill: var(--o429); }
.o-5xx { fill: var(--o5xx); } .o-reset { fill: var(--oreset); } .o-hang { fill: var(--ohang); } .o-other { fill: var(--oother); }
.o-token { fill: var(--fg); } .o-fault { fill: var(--fault); }
circle.fault-ring { fill: none; stroke: var(--fault); stroke-width: 1.5; stroke-dasharray: 2 1.5; }
rect.band { fill: var(--band); cursor: zoom-in; } rect.band.alt { fill: var(--band-alt); }
rect.phase { cursor: zoom-in; } .timeline[data-zoom] rect.band, .timeline[data-zoom] rect.phase { cursor: zoom-out; }
line.row-rule { stroke: var(--line); stroke-dasharray: 2 3; }
text.row-label { font: 600 9px ui-monospace, monospace; fill: var(--fg); stroke: var(--panel); stroke-width: 3px; paint-order: stroke; }
circle.hl { fill: none; stroke-width: 2.5; background: none; } .timeline.focusing circle.hl { opacity: .25; } .timeline.focusing circle.hl.focus { opacity: 1; stroke-width: 4; }
.timeline th .counts { display: block; font-weight: 400; font-size: .8em; color: var(--muted); white-space: normal; }
button.zoom, button.zoom-out { font: inherit; font-size: .8em; padding: 0 .4em; }
button.zoom[aria-pressed=true] { font-weight: 700; }
ul.legend-outcomes { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; font-size: .9em; }
ul.legend-outcomes li { display: flex; align-items: center; gap: .3rem; } svg.glyph { overflow: visible; }
code { font-family: ui-monospace, monospace; }
`;

/**
 * The page's one script, inline: zooming into a phase and back, opening the check a tick leads to,
 * and picking out one check's evidence on the lanes. The page reads fully without it. Inside a
 * CDATA section so the page stays well-formed XML (its tests parse it back as such).
 */
const SCRIPT = `/*<![CDATA[*/
(function () {
  var tl = document.querySelector('table.timeline');
  document.documentElement.className = 'js';
  window.addEventListener('hashchange', openCheck);
  openCheck();
  if (!tl) return;
  var scale = Number(tl.getAttribute('data-scale'));
  var from = tl.querySelector('.axis-from'), to = tl.querySelector('.axis-to'), out = document.querySelector('.zoom-out');
  var items = null, zoomed = null;
  function collect() {
    items = [];
    tl.querySelectorAll('g.z *').forEach(function (el) {
      // Phases and ticks keep their exact times: their attributes are rounded for the page.
      var start = el.getAttribute('data-start'), at = el.getAttribute('data-at');
      var exact = { x: start, width: el.getAttribute('data-duration'), x1: at, x2: at };
      ['x', 'width', 'x1', 'x2', 'cx'].forEach(function (a) {
        var v = el.getAttribute(a);
        if (v === null || v.slice(-1) !== '%') return;
        var t = exact[a];
        // A phase too short to see keeps its sliver (0.3 %), as the page drew it.
        var base = t === null || t === undefined ? parseFloat(v) : (Number(t) / scale) * 100;
        items.push([el, a, a === 'width' ? Math.max(0.3, base) : base]);
      });
    });
  }
  function zoom(name, start, duration) {
    if (items === null) collect();
    var span = name === null ? scale : Math.max(duration, scale / 2000);
    var k = scale / span, off = name === null ? 0 : (start / scale) * 100;
    items.forEach(function (it) {
      var v = it[1] === 'width' ? it[2] * k : (it[2] - off) * k;
      it[0].setAttribute(it[1], v.toFixed(3) + '%');
    });
    zoomed = name;
    if (name === null) tl.removeAttribute('data-zoom'); else tl.setAttribute('data-zoom', name);
    from.textContent = (name === null ? 0 : start) + ' s';
    to.textContent = Number((name === null ? scale : start + span).toFixed(3)) + ' s';
    out.hidden = name === null;
    tl.querySelectorAll('button.zoom').forEach(function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-phase') === name)); });
  }
  tl.querySelectorAll('button.zoom').forEach(function (b) { b.hidden = false; });
  if (out) out.addEventListener('click', function () { zoom(null); });
  tl.addEventListener('click', function (ev) {
    var t = ev.target.closest('[data-phase][data-start]');
    if (!t) return;
    var name = t.getAttribute('data-phase');
    if (name === zoomed) zoom(null);
    else zoom(name, Number(t.getAttribute('data-start')), Number(t.getAttribute('data-duration')));
  });
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') zoom(null); });
  document.querySelectorAll('a.show-on-timeline').forEach(function (a) {
    a.addEventListener('click', function () {
      var id = a.getAttribute('data-check-id');
      tl.classList.add('focusing');
      tl.querySelectorAll('.hl').forEach(function (r) { r.classList.toggle('focus', r.getAttribute('data-check-id') === id); });
    });
  });
  function openCheck() {
    var id = decodeURIComponent(location.hash.slice(1));
    var row = id.indexOf('check-') === 0 ? document.getElementById(id) : null;
    var detail = row ? row.nextElementSibling : null;
    var d = detail ? detail.querySelector('details') : null;
    if (d) d.open = true;
  }
})();
/*]]>*/`;

/** The CSP allows this script and no other: its hash, not 'unsafe-inline'. */
const SCRIPT_HASH = `sha256-${createHash('sha256').update(SCRIPT).digest('base64')}`;

/**
 * The report as one self-contained HTML page (one inline script the CSP allows by its hash; no
 * external scripts, fonts, styles or images): the verdict and totals, the checklist by section with
 * the evidence and fix of each check that needs a look, a timeline of the phases with the run's
 * traffic and the timed evidence marked, and how the integration ended.
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
<meta http-equiv="Content-Security-Policy" content="${`default-src 'none'; style-src 'unsafe-inline'; script-src '${SCRIPT_HASH}'`}"/>
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
${report.setup === undefined ? null : h`<dt>setup</dt><dd data-seed="${report.setup.seed}">profile <code>${report.setup.profile}</code>, seed ${report.setup.seed}, ${report.setup.timings.name} timings, Node ${report.setup.node}</dd>
`}${report.interrupted === undefined ? null : h`<dt>interrupted</dt><dd data-interrupted="${report.interrupted.signal}">by ${report.interrupted.signal}: the phases that did not run left their checks inconclusive</dd>
`}
${report.configFile === undefined ? null : h`<dt>config</dt><dd><code>${report.configFile}</code></dd>
`}</dl>
<nav><a href="#checklist">Checklist</a> · <a href="#timeline">Timeline</a>${report.refused === undefined ? null : h` · <a href="#refused">Refused with 403</a>`} · <a href="#exits">How the integration ended</a></nav>
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
${report.refused === undefined ? null : h`<section id="refused">
<h2>Refused with 403 (${report.refused.total})</h2>
${refused(report.refused)}
</section>
`}<section id="exits">
<h2>How the integration ended</h2>
${exits(report)}
</section>
</main>
<script>${new Markup(SCRIPT)}</script>
</body>
</html>
`;
  // Escaping leaves control characters alone; HTML forbids them as XML does, and U+FFFD keeps the loss visible.
  return xmlSafe(page.text);
}
