import { isAbsolute, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type CheckResult, type PhaseResult, type Report, SCHEMA_VERSION, certifies, totals } from '../../reports/model.ts';
import type { PhaseRecord } from '../checks/observations.ts';
import type { GoliveConfig } from '../config/define.ts';
import { VERSION } from '../version.ts';
import type { Run } from './integration-runs.ts';
import type { PhaseSpec } from './plan.ts';

/** `file` relative to `dir` when it lies inside it (with / separators), else as it is. */
function relativeTo(dir: string, file: string): string {
  const rel = relative(dir, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

/** The report of a certify run: the plan as it ran, how each run of the integration ended, and the checks' results. */
export function buildReport(input: {
  config: GoliveConfig;
  startedAt: Date;
  runStartMono: number;
  plan: readonly PhaseSpec[];
  phases: readonly PhaseRecord[];
  runs: readonly Run[];
  checks: CheckResult[];
}): Report {
  const { config, runStartMono } = input;
  const seconds = (mono: number) => Math.round((mono - runStartMono) / 100) / 10;
  const phases: PhaseResult[] = input.plan.map((spec) => {
    const ran = input.phases.find((p) => p.name === spec.name);
    if (!ran) return { name: spec.name, environment: 'test', startedAt: 0, durationSeconds: 0, completed: false, note: 'not run' };
    return {
      name: spec.name,
      environment: ran.environment,
      startedAt: seconds(ran.startMono),
      durationSeconds: Math.round((ran.endMono - ran.startMono) / 100) / 10,
      completed: ran.completed,
      ...(ran.completed ? {} : { note: 'ended early' }),
    };
  });
  const command = Array.isArray(config.integration.command) ? config.integration.command : [config.integration.command];
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'golive', version: VERSION },
    certified: certifies(input.checks),
    startedAt: input.startedAt.toISOString(),
    durationSeconds: seconds(performance.now()),
    integration: {
      command,
      exits: input.runs.map((r) => ({
        environment: r.environment,
        code: r.exit?.code ?? null,
        signal: r.exit?.signal ?? null,
        beforeEnd: r.startError !== null || (r.environment === 'test' && r.exit !== null && input.phases.some((p) => !p.completed)),
        ...(r.startError ? { error: r.startError } : {}),
        outputTail: r.process?.outputTail(20) ?? [],
      })),
    },
    apiUser: {
      name: config.apiUser.name,
      roles: [...config.apiUser.roles],
      stores: config.apiUser.stores === '*' ? '*' : [...config.apiUser.stores],
      markets: config.apiUser.markets === '*' ? '*' : [...config.apiUser.markets],
    },
    ...(config.configFile ? { configFile: relativeTo(config.workspace, config.configFile) } : {}),
    phases,
    checks: input.checks,
    totals: totals(input.checks),
  };
}
