import { createHash } from 'node:crypto';
import { describeEvidence } from './evidence.ts';
import type { CheckResult, Evidence, Report } from './model.ts';

/** Where the SARIF 2.1.0 schema lives: tools (and GitHub) read the version from it. */
const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Evidence lines kept in a result's message; the rest are in report.json. */
const MAX_EVIDENCE = 10;

type Level = 'error' | 'warning' | 'note';

interface Location {
  physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number } };
  message?: { text: string };
}

/**
 * A check's result as SARIF sees it: a `fail` of a required check is an error, an advisory
 * check's warning a warning, and a check that could not be judged a warning (required: it
 * still blocks certification) or a note. Passes and not-applicable checks are no result.
 */
function levelOf(c: CheckResult): Level | null {
  if (c.verdict === 'fail') return 'error';
  if (c.verdict === 'warn') return 'warning';
  if (c.verdict === 'inconclusive') return c.required ? 'warning' : 'note';
  return null;
}

/** A repository-relative URI (GitHub code scanning accepts nothing else); absolute paths are left out. */
function relativeUri(path: string): string | null {
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) return null;
  return path.split('\\').join('/').split('/').map(encodeURIComponent).join('/');
}

function fileLocation(path: string, line?: number, note?: string): Location | null {
  const uri = relativeUri(path);
  if (uri === null) return null;
  return {
    physicalLocation: { artifactLocation: { uri, uriBaseId: '%SRCROOT%' }, ...(line && line > 0 ? { region: { startLine: line } } : {}) },
    ...(note ? { message: { text: note } } : {}),
  };
}

/**
 * Where a finding points: the files its evidence names (a secret at rest), else the config file
 * (what to change is the API user or the integration, configured there). Code scanning shows a
 * result only with a location, so a run without a config file gives results without one.
 */
function locationsOf(c: CheckResult, report: Report): { primary: Location[]; related: Location[] } {
  const files = c.evidence
    .filter((e): e is Extract<Evidence, { kind: 'file' }> => e.kind === 'file')
    .map((e) => fileLocation(e.path, e.line, e.note))
    .filter((l): l is Location => l !== null);
  if (files.length > 0) return { primary: files.slice(0, 1), related: files.slice(1, 10) };
  const config = report.configFile ? fileLocation(report.configFile) : null;
  return { primary: config ? [config] : [], related: [] };
}

function message(c: CheckResult): string {
  const lines = [`${c.title}: ${c.summary}`];
  const shown = c.evidence.slice(0, MAX_EVIDENCE).map((e) => `- ${describeEvidence(e)}`);
  if (shown.length > 0) lines.push('', 'Evidence:', ...shown);
  if (c.evidence.length > MAX_EVIDENCE) lines.push(`- …and ${c.evidence.length - MAX_EVIDENCE} more in report.json`);
  if (c.remediation) lines.push('', `Fix: ${c.remediation}`);
  return lines.join('\n');
}

/** Stable across runs for the same check at the same place, so code scanning tracks one alert, not one per run. */
function fingerprint(c: CheckResult, where: Location | undefined): string {
  const uri = where?.physicalLocation.artifactLocation.uri ?? '';
  return createHash('sha256').update(`${c.id}\n${uri}`).digest('hex').slice(0, 32);
}

/**
 * The report as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers: one rule per
 * check of the run (id, title, the fix as help, required or advisory), one result per check
 * that did not pass.
 */
export function renderSarif(report: Report): string {
  const rules = report.checks.map((c) => ({
    id: c.id,
    name: c.id.replace(/[.-](\w)/g, (_m, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.title },
    fullDescription: { text: `${c.title} (${c.required ? 'required' : 'advisory'}; ${c.section})` },
    help: { text: c.remediation || c.title },
    defaultConfiguration: { level: c.required ? 'error' : 'warning' },
    properties: {
      tags: ['security', c.section],
      required: c.required,
      // GitHub code scanning ranks alerts by this number (0–10): required checks as high, advisory as medium.
      'security-severity': c.required ? '7.5' : '4.0',
    },
  }));
  const results = report.checks.flatMap((c, ruleIndex) => {
    const level = levelOf(c);
    if (level === null) return [];
    const { primary, related } = locationsOf(c, report);
    return [
      {
        ruleId: c.id,
        ruleIndex,
        level,
        kind: c.verdict === 'inconclusive' ? 'review' : 'fail',
        message: { text: message(c) },
        ...(primary.length > 0 ? { locations: primary } : {}),
        ...(related.length > 0 ? { relatedLocations: related.map((l, i) => ({ id: i + 1, ...l })) } : {}),
        partialFingerprints: { 'goliveCheck/v1': fingerprint(c, primary[0]) },
        // SARIF's own word for a finding that was reviewed and accepted: viewers show it as suppressed.
        ...(c.accepted ? { suppressions: [{ kind: 'external', status: 'accepted', justification: `accepted: ${c.accepted.reason}${c.accepted.expires ? ` (until ${c.accepted.expires})` : ''}` }] } : {}),
        properties: { verdict: c.verdict, ...(c.accepted ? { accepted: c.accepted } : {}) },
      },
    ];
  });
  const end = new Date(Date.parse(report.startedAt) + Math.round(report.durationSeconds * 1000));
  const sarif = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, rules } },
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: report.startedAt,
            ...(Number.isFinite(end.getTime()) ? { endTimeUtc: end.toISOString() } : {}),
            properties: { certified: report.certified, command: report.integration.command },
          },
        ],
        results,
        properties: { certified: report.certified, totals: report.totals, ...(report.baseline ? { baseline: report.baseline } : {}) },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
