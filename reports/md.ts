import { describeEvidence } from './evidence.ts';
import type { CheckResult, Report, Verdict } from './model.ts';

/** GitHub refuses a step summary over 1 MiB; stay well below it. */
export const MD_MAX_BYTES = 1024 * 1024 - 64 * 1024;
/** Evidence shown per check; report.json holds the rest. */
export const MD_EVIDENCE_PER_CHECK = 10;
const TAIL_LINES = 20;
/** Refused requests (403) the summary lists; report.json has more. */
const MD_REFUSED = 20;
const MAX_LINE = 500;
const MAX_CELL = 300;

const EMOJI: Record<Verdict, string> = { pass: '✅', fail: '❌', warn: '⚠️', 'not-applicable': '➖', inconclusive: '❔' };

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Text as Markdown shows it literally: no control characters, no emphasis, links or HTML by accident. */
function text(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD')
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;');
}

/** One table cell: one line, `|` escaped (GitHub splits cells on it even inside code). */
function cell(s: string, max = MAX_CELL): string {
  return text(cut(s.replace(/\s*[\r\n]+\s*/g, ' '), max));
}

/** A paragraph: newlines become line breaks so a multi-line summary stays one block (no line may start a heading or list). */
function paragraph(s: string): string {
  return text(s)
    .split(/\r?\n/)
    .map((line) => line.replace(/^(\s*)([#+=-]|\d+[.)])/, '$1\\$2'))
    .join('  \n');
}

/** A code span that its content cannot close. */
function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}

/** A fenced block that no line of its content can close (CommonMark: a longer fence wins). */
function fenced(lines: string[]): string {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((m) => m[0].length))));
  const fence = '`'.repeat(longest + 1);
  const body = lines.map((l) => cut(l, MAX_LINE).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD'));
  return [`${fence}text`, ...body, fence].join('\n');
}

/** "accepted: JIRA-12 (until 2026-12-31)": a baseline entry's reason, as a cell or a line shows it. */
function acceptedText(c: CheckResult): string {
  return c.accepted ? `accepted: ${c.accepted.reason}${c.accepted.expires ? ` (until ${c.accepted.expires})` : ''}` : '';
}

function checkSection(c: CheckResult): string[] {
  const out = [`### ${EMOJI[c.verdict]} ${code(c.id)}: ${text(c.title)}`, '', `**${c.verdict}**${c.flaky ? ' (flaky)' : ''}${c.required ? '' : ' (advisory)'}: ${paragraph(c.summary)}`];
  if (c.accepted) out.push('', `**${text(acceptedText(c))}**: the baseline accepts this failure, so it does not keep the run from being certified.`);
  if (c.evidence.length > 0) {
    out.push('', '**Evidence**', '');
    for (const e of c.evidence.slice(0, MD_EVIDENCE_PER_CHECK)) out.push(`- ${text(cut(describeEvidence(e), MAX_LINE))}`);
    const more = c.evidence.length - MD_EVIDENCE_PER_CHECK;
    if (more > 0) out.push(`- … and ${more} more in report.json`);
  }
  if (c.remediation) out.push('', `**Fix:** ${paragraph(c.remediation)}`);
  out.push('');
  return out;
}

function exitLine(exit: Report['integration']['exits'][number]): string {
  const how = exit.error ? `did not start: ${exit.error}` : exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  return `**${text(exit.environment)}**: ${text(how)}${exit.beforeEnd && !exit.error ? ' (before the harness stopped it)' : ''}`;
}

/** With a baseline: how many failures it accepts, and each entry that fails the run (stale or expired). */
function baselineLines(report: Report): string[] {
  const b = report.baseline;
  if (!b) return [];
  const accepted = report.checks.filter((c) => c.accepted).length;
  const out = [`**Baseline** ${code(b.file)}: ${accepted} accepted failure${accepted === 1 ? '' : 's'}.`];
  if (b.stale.length > 0) {
    out.push(`**Stale baseline entries** (these checks pass now; remove them, the baseline only shrinks): ${b.stale.map((e) => code(e.check)).join(', ')}.`);
  }
  if (b.expired.length > 0) {
    out.push(`**Expired baseline entries** (judged as if unlisted): ${b.expired.map((e) => `${code(e.check)} (expired ${text(e.expires ?? '')})`).join(', ')}.`);
  }
  return [out.join('  \n'), ''];
}

/** Cuts at a line boundary below the byte limit, saying so: a summary GitHub refuses shows nothing at all. */
function capped(md: string): string {
  if (Buffer.byteLength(md) <= MD_MAX_BYTES) return md;
  const note = '\n\n_This summary was cut to fit GitHub’s 1 MiB limit; report.json has everything._\n';
  let bytes = Buffer.byteLength(note);
  const kept: string[] = [];
  for (const line of md.split('\n')) {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > MD_MAX_BYTES) break;
    kept.push(line);
  }
  return `${kept.join('\n')}${note}`;
}

/**
 * The report as GitHub-flavoured Markdown, for a GitHub Actions step summary or a PR comment:
 * the verdict, a table of every check, the evidence and fix of each one that did not pass,
 * the phases and how the integration ended. Evidence is capped per check and the whole under 1 MiB.
 */
export function renderMd(report: Report): string {
  const t = report.totals;
  const out = [
    `## ${report.certified ? '✅ CERTIFIED' : '❌ NOT CERTIFIED'}`,
    '',
    ...(report.runs ? [`**${report.runs} runs** of the same plan (\`--repeat\`): a check whose verdict changed between them is flaky, shows its worst verdict, and does not certify.`, ''] : []),
    ...(report.interrupted ? [`**Interrupted** (${text(report.interrupted.signal)}): the run was stopped before its end; the phases that did not run left their checks inconclusive.`, ''] : []),
    `${t.pass} passed, ${t.fail} failed, ${t.warn} warned, ${t.inconclusive} inconclusive, ${t['not-applicable']} not applicable` +
      ` · ${report.durationSeconds} s from ${report.startedAt} · golive ${text(report.tool.version)} · ${code(report.integration.command.join(' '))}`,
    '',
    ...(report.setup
      ? [`Profile ${code(report.setup.profile)} · seed ${report.setup.seed} · ${report.setup.timings.name} timings · Node ${text(report.setup.node)}`, '']
      : []),
    ...baselineLines(report),
    '| | check | | summary |',
    '|---|---|---|---|',
    ...report.checks.map(
      (c) =>
        `| ${EMOJI[c.verdict]} ${c.verdict}${c.flaky ? ' (flaky)' : ''}${c.accepted ? ' (accepted)' : ''} | ${code(c.id).replace(/\|/g, '\\|')} | ${c.required ? 'required' : 'advisory'} | ${c.accepted ? `${cell(acceptedText(c))} · ` : ''}${cell(c.summary)} |`,
    ),
    '',
  ];
  const notPassing = report.checks.filter((c) => c.verdict !== 'pass' && c.verdict !== 'not-applicable');
  if (notPassing.length > 0) out.push('## Checks that did not pass', '', ...notPassing.flatMap(checkSection));
  if (report.phases.length > 0) {
    // The lane column only when phases ran side by side: a sequential run's table is as it was.
    const lanes = report.phases.some((p) => p.lane !== undefined);
    out.push(
      '## Phases',
      '',
      `| phase |${lanes ? ' lane |' : ''} environment | start (s) | duration (s) | completed | note |`,
      `|---|${lanes ? '---|' : ''}---|---:|---:|---|---|`,
    );
    for (const p of report.phases) {
      out.push(`| ${cell(p.name)} |${lanes ? ` ${cell(p.lane ?? '')} |` : ''} ${cell(p.environment)} | ${p.startedAt} | ${p.durationSeconds} | ${p.completed ? 'yes' : 'no'} | ${cell(p.note ?? '')} |`);
    }
    out.push('');
  }
  if (report.refused && report.refused.total > 0) {
    const { total, requests } = report.refused;
    out.push(`## Refused with 403 (${total})`, '', '| at (s) | environment | request | route | refused |', '|---:|---|---|---|---|');
    for (const r of requests.slice(0, MD_REFUSED)) {
      out.push(`| ${r.at} | ${cell(r.environment)} | ${code(`${r.method} ${r.path}`).replace(/\|/g, '\\|')} | ${cell(r.route ?? '')} | ${cell(r.reason)} |`);
    }
    if (total > Math.min(requests.length, MD_REFUSED)) out.push('', `… and ${total - Math.min(requests.length, MD_REFUSED)} more in report.json.`);
    out.push('');
  }
  if (report.integration.exits.length > 0) {
    out.push('## How the integration ended', '');
    for (const exit of report.integration.exits) {
      out.push(exitLine(exit), '');
      if (exit.outputTail.length > 0) out.push(fenced(exit.outputTail.slice(-TAIL_LINES)), '');
    }
  }
  return capped(out.join('\n'));
}
