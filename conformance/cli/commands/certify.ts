import { constants } from 'node:os';
import { resolve } from 'node:path';
import pc from 'picocolors';
import { GoliveError } from '../../../errors.ts';
import { FORMATS, type Format, RENDERERS, isFormat, writeReports } from '../../../reports/index.ts';
import type { Report, Verdict } from '../../../reports/model.ts';
import { CHECKS } from '../../checks/index.ts';
import { loadConfig } from '../../config/load.ts';
import { type Progress, certify } from '../../runner/certify.ts';
import { FAST_TIMINGS, FULL_TIMINGS } from '../../runner/plan.ts';
import { joinRuns } from '../../../reports/repeat.ts';
import type { ExitCode } from '../main.ts';
import { intFlag } from '../flags.ts';

interface CertifyFlags {
  config?: string;
  out?: string;
  only?: string;
  format?: string;
  fast?: boolean;
  console?: boolean;
  repeat?: unknown;
  command?: string[];
  '--'?: string[];
}

const MARK: Record<Verdict, string> = {
  pass: pc.green('PASS'),
  fail: pc.red('FAIL'),
  warn: pc.yellow('WARN'),
  'not-applicable': pc.dim('N/A '),
  inconclusive: pc.magenta('????'),
};

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function progressLine(p: Progress): string {
  switch (p.kind) {
    case 'start':
      // The sum of every phase's longest time: storms and the webhook phase usually end well before theirs.
      return `golive certify: simulated API at ${p.apiUrl}; at most ${Math.round(p.totalMs / 1000)} s of phases`;
    case 'ready':
      return `  integration (${p.environment}) ready after ${(p.ms / 1000).toFixed(1)} s`;
    case 'phase':
      return `  [${p.index + 1}/${p.count}] ${pc.bold(p.phase.name)}: ${p.phase.description} (${Math.round(p.remainingMs / 1000)} s left)`;
    case 'exited':
      return `  integration (${p.environment}) exited: ${p.signal ? `signal ${p.signal}` : `code ${p.code}`}`;
    case 'judging':
      return '  stopping the integration, scanning its files, judging…';
    case 'console':
      return `  live console: ${p.url}  (open it in a browser; the link signs in once)`;
  }
}

/** The checklist with a verdict per check, and the reason for every non-pass. */
export function printChecklist(report: Report): void {
  say('');
  for (const c of report.checks) {
    say(`${MARK[c.verdict]}  ${c.id}${c.required ? '' : pc.dim(' (advisory)')}`);
    if (c.verdict !== 'pass' && c.verdict !== 'not-applicable') {
      say(`      ${c.summary}`);
      if (c.remediation) say(pc.dim(`      fix: ${c.remediation}`));
    }
  }
  const t = report.totals;
  say('');
  say(`${t.pass} passed, ${t.fail} failed, ${t.warn} warned, ${t.inconclusive} inconclusive, ${t['not-applicable']} not applicable`);
  for (const exit of report.integration.exits) {
    if (exit.beforeEnd) {
      say(pc.red(`The integration (${exit.environment}) ${exit.error ? `did not start: ${exit.error}` : `ended early: ${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}`}`));
      for (const line of exit.outputTail.slice(-10)) say(pc.dim(`  | ${line}`));
    }
  }
  say(report.certified ? pc.green(pc.bold('CERTIFIED')) : pc.red(pc.bold('NOT CERTIFIED')));
}

/** The formats `--format` names (default: every one), checked before the run so a typo costs no minutes. */
function parseFormats(value: unknown): Format[] {
  if (value === undefined) return FORMATS;
  const names = [...new Set(String(value).split(',').map((f) => f.trim()).filter(Boolean))];
  if (names.length === 0) throw new GoliveError('GOLIVE_ERR_USAGE', `--format: name at least one format (formats: ${FORMATS.join(', ')})`);
  for (const f of names) {
    if (!isFormat(f)) throw new GoliveError('GOLIVE_ERR_USAGE', `--format: "${f}" is not available (formats: ${FORMATS.join(', ')})`);
  }
  return names as Format[];
}

/** `golive certify`: run the integration against the mock and judge it. */
export default async function certifyCommand(flags: CertifyFlags): Promise<ExitCode> {
  const formats = parseFormats(flags.format);
  const repeat = intFlag('--repeat', flags.repeat, 1, 20) ?? 1;
  const only = flags.only?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of only ?? []) {
    if (!CHECKS.some((c) => c.id === id)) throw new GoliveError('GOLIVE_ERR_UNKNOWN_CHECK', `--only: "${id}" is not a check (see golive checks)`);
  }
  const command = flags['--']?.length ? flags['--'] : flags.command?.length ? flags.command : undefined;
  const config = await loadConfig({ cwd: process.cwd(), ...(flags.config ? { file: flags.config } : {}), ...(command ? { commandOverride: command } : {}) });
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const interrupt = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    say(pc.yellow(`\ninterrupted (${signal}): stopping the integration and writing the report…`));
    controller.abort();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let report: Report;
  const runs: Report[] = [];
  try {
    // With --repeat, the same plan again, each run with a fresh mock; Ctrl-C ends the series too.
    for (let run = 1; run <= repeat && !controller.signal.aborted; run++) {
      if (repeat > 1) say(pc.bold(`run ${run} of ${repeat}`));
      runs.push(
        await certify({
          config,
          timings: flags.fast ? FAST_TIMINGS : FULL_TIMINGS,
          ...(only ? { only } : {}),
          ...(flags.console ? { console: true } : {}),
          onProgress: (p) => say(progressLine(p)),
          signal: controller.signal,
        }),
      );
    }
    report = joinRuns(runs);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  // A run cut short never certifies: what it did not see, it cannot vouch for.
  if (stoppedBy) report = { ...report, certified: false, interrupted: { signal: stoppedBy } };
  const { written, failed } = await writeReports(report, resolve(flags.out ?? 'golive-report'), formats.map((f) => RENDERERS[f]));
  printChecklist(report);
  for (const path of written) say(pc.dim(`report: ${path}`));
  // A report that could not be written is our problem, not the integration's: the verdict still decides the exit.
  for (const { file, error } of failed) {
    process.stderr.write(`golive: ${file} was not written: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  // The shell's convention for a command stopped by a signal: 128 + its number (130 for Ctrl-C).
  if (stoppedBy) return (128 + constants.signals[stoppedBy]) as ExitCode;
  return report.certified ? 0 : 1;
}
