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

/** Whether the check keeps the integration from being certified (the same rule as `certifies`). */
function blocks(c: CheckResult): boolean {
  return c.required && (c.verdict === 'fail' || c.verdict === 'inconclusive');
}

function testcase(c: CheckResult): Record<string, unknown> {
  const node: Record<string, unknown> = { '@_classname': c.section, '@_name': `${c.id}: ${c.title}`, '@_time': 0 };
  if (blocks(c)) {
    node.failure = { '@_message': oneLine(c.summary), '@_type': c.verdict, '#text': details(c) };
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
 * so a CI's red matches NOT CERTIFIED; advisory warnings pass with their reason in `<system-out>`.
 */
export function renderJunit(report: Report): string {
  const failures = report.checks.filter(blocks).length;
  const skipped = report.checks.filter((c) => !blocks(c) && (c.verdict === 'not-applicable' || c.verdict === 'inconclusive')).length;
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
            { '@_name': 'golive.version', '@_value': report.tool.version },
            { '@_name': 'integration.command', '@_value': report.integration.command.join(' ') },
          ],
        },
        testcase: report.checks.map(testcase),
        ...(out ? { 'system-out': out } : {}),
      },
    },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc)}`;
}
