#!/usr/bin/env node
// GitLab's code quality widget reads Code Climate JSON, not SARIF: this turns golive's
// report.sarif into that format (one issue per result; failures the baseline accepted are left out).
//
//   node sarif-to-codequality.mjs golive-report/report.sarif golive-report/gl-code-quality.json [FALLBACK_PATH]
//
// A result without a file of its own (most checks are about behaviour, not a line of code) is
// placed at FALLBACK_PATH (default: the config file the report names, else .gitlab-ci.yml).
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, fallback] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: node sarif-to-codequality.mjs REPORT.sarif OUT.json [FALLBACK_PATH]\n');
  process.exit(2);
}

const SEVERITY = { error: 'critical', warning: 'major', note: 'info' };
const sarif = JSON.parse(readFileSync(input, 'utf8'));
const issues = [];
for (const run of sarif.runs ?? []) {
  for (const result of run.results ?? []) {
    if ((result.suppressions ?? []).length > 0) continue;
    const where = result.locations?.[0]?.physicalLocation;
    issues.push({
      type: 'issue',
      check_name: result.ruleId,
      description: String(result.message?.text ?? result.ruleId).split('\n')[0],
      categories: ['Security'],
      severity: SEVERITY[result.level] ?? 'major',
      fingerprint: result.partialFingerprints?.['goliveCheck/v1'] ?? result.ruleId,
      location: {
        path: where ? decodeURIComponent(where.artifactLocation.uri) : (fallback ?? '.gitlab-ci.yml'),
        lines: { begin: where?.region?.startLine ?? 1 },
      },
    });
  }
}
writeFileSync(output, `${JSON.stringify(issues, null, 2)}\n`);
