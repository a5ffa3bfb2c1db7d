import { XMLBuilder } from 'fast-xml-parser';
import { describeEvidence } from './evidence.ts';
import type { CheckResult, Report } from './model.ts';

/**
 * Characters XML 1.0 does not allow even escaped (most C0 controls, lone surrogates, U+FFFE/FFFF):
 * a masked log line can hold any byte, and one of these makes the whole file unreadable to a CI.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** A string with every character XML 1.0 forbids replaced by U+FFFD, so the loss stays visible. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, '\uFFFD');
}

const clean = (_name: string, value: unknown): unknown => (typeof value === 'string' ? xmlSafe(value) : value);

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  // Defaults that would change values: an attribute "true" would lose its value, and
  // `<skipped></skipped>` is clearer as `<skipped/>`.
  suppressBooleanAttributes: false,
  suppressEmptyNode: true,
  tagValueProcessor: clean,
  attributeValueProcessor: clean,
});

/** Attribute values are normalised to one line by XML parsers anyway; doing it here keeps what CI shows predictable. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** The body of a failure or of an advisory note: the summary, every piece of evidence, the fix. */
function details(c: CheckResult): string {
  const lines = [c.summary];
  if (c.evidence.length > 0) lines.push('', 'Evidence:', ...c.evidence.map((e) => `- ${describeEvidence(e)}`));
  if (c.remediation) lines.push('', `Fix: ${c.remediation}`);
  return lines.join('\n');
}

/** Whether the check keeps the integration from being certified (the same rule as `certifies`); a baseline's accepted failure does not. */
function blocks(c: CheckResult): boolean {
  return c.required && !c.accepted && (c.verdict === 'fail' || c.verdict === 'inconclusive');
}

/** A baseline entry of this check that fails the run: stale (the check passes now) or expired. */
function baselineProblem(c: CheckResult, report: Report): { type: string; message: string } | null {
  const b = report.baseline;
  if (b?.stale.some((e) => e.check === c.id)) {
    return { type: 'stale-baseline', message: `passes now, but the baseline ${b.file} still accepts its failure: remove the entry (the baseline only shrinks)` };
  }
  const expired = b?.expired.find((e) => e.check === c.id);
  if (b && expired) return { type: 'expired-baseline', message: `its entry in the baseline ${b.file} expired on ${expired.expires ?? '?'}: ${oneLine(c.summary)}` };
  return null;
}

function testcase(c: CheckResult, report: Report): Record<string, unknown> {
  const node: Record<string, unknown> = { '@_classname': c.section, '@_name': `${c.id}: ${c.title}`, '@_time': 0 };
  const problem = baselineProblem(c, report);
  if (blocks(c)) {
    node.failure = { '@_message': problem?.message ?? oneLine(c.summary), '@_type': problem?.type ?? c.verdict, '#text': details(c) };
  } else if (problem) {
    node.failure = { '@_message': problem.message, '@_type': problem.type, '#text': details(c) };
  } else if (c.accepted) {
    // An accepted failure is known and was not held against the run: JUnit's nearest word is skipped (as pytest's xfail).
    node.skipped = { '@_message': oneLine(`accepted: ${c.accepted.reason}${c.accepted.expires ? ` (until ${c.accepted.expires})` : ''} · ${c.verdict}: ${c.summary}`) };
  } else if (c.verdict === 'not-applicable' || c.verdict === 'inconclusive') {
    // An advisory check that could not be judged was, in JUnit's words, not run.
    node.skipped = { '@_message': oneLine(c.verdict === 'inconclusive' ? `inconclusive: ${c.summary}` : c.summary) };
  } else if (c.verdict !== 'pass') {
    node['system-out'] = `${c.verdict}: ${details(c)}`;
  }
  return node;
}

/** What the integration's processes did, for the suite's output: only exits worth a look. */
function exitsText(report: Report): string {
  const lines: string[] = [];
  for (const exit of report.integration.exits) {
    if (!exit.beforeEnd && !exit.error) continue;
    const how = exit.error ? `did not start: ${exit.error}` : `ended early: ${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}`;
    lines.push(`The integration (${exit.environment}) ${how}`, ...exit.outputTail.map((l) => `  | ${l}`));
  }
  return lines.join('\n');
}

/**
 * The report as JUnit XML: one testsuite `golive`, one testcase per check (classname: its section).
 * A testcase fails exactly when its check blocks certification (a required `fail` or `inconclusive`),
 * or its baseline entry is stale or expired (`type="stale-baseline"`, `"expired-baseline"`), so a CI's
 * red matches NOT CERTIFIED; a failure the baseline accepts is skipped with `accepted: <reason>`;
 * advisory warnings pass with their reason in `<system-out>`.
 */
export function renderJunit(report: Report): string {
  const cases = report.checks.map((c) => testcase(c, report));
  const failures = cases.filter((t) => t.failure).length;
  const skipped = cases.filter((t) => t.skipped).length;
  const counts = {
    '@_tests': report.checks.length,
    '@_failures': failures,
    '@_errors': 0,
    '@_skipped': skipped,
    '@_time': report.durationSeconds,
    '@_timestamp': report.startedAt,
  };
  const out = exitsText(report);
  const doc = {
    testsuites: {
      '@_name': 'golive',
      ...counts,
      testsuite: {
        '@_name': 'golive',
        ...counts,
        properties: {
          property: [
            { '@_name': 'certified', '@_value': String(report.certified) },
            ...(report.interrupted ? [{ '@_name': 'interrupted', '@_value': report.interrupted.signal }] : []),
            ...(report.setup
              ? [
                  { '@_name': 'profile', '@_value': report.setup.profile },
                  { '@_name': 'seed', '@_value': String(report.setup.seed) },
                  { '@_name': 'timings', '@_value': report.setup.timings.name },
                  { '@_name': 'node', '@_value': report.setup.node },
                ]
              : []),
            ...(report.baseline
              ? [
                  { '@_name': 'baseline', '@_value': report.baseline.file },
                  { '@_name': 'baseline.accepted', '@_value': String(report.checks.filter((c) => c.accepted).length) },
                  { '@_name': 'baseline.stale', '@_value': report.baseline.stale.map((e) => e.check).join(' ') },
                  { '@_name': 'baseline.expired', '@_value': report.baseline.expired.map((e) => e.check).join(' ') },
                ]
              : []),
            { '@_name': 'golive.version', '@_value': report.tool.version },
            { '@_name': 'integration.command', '@_value': report.integration.command.join(' ') },
          ],
        },
        testcase: cases,
        ...(out ? { 'system-out': out } : {}),
      },
    },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc)}`;
}
