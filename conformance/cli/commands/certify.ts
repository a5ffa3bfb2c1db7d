import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { basename, join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import pc from 'picocolors';
import { GoliveError } from '../../../errors.ts';
import { FORMATS, type Format, RENDERERS, isFormat, writeReports } from '../../../reports/index.ts';
import type { Report, Verdict } from '../../../reports/model.ts';
import { CHECKS } from '../../checks/index.ts';
import { loadConfig } from '../../config/load.ts';
import { type Progress, certify } from '../../runner/certify.ts';
import { FAST_TIMINGS, FULL_TIMINGS } from '../../runner/plan.ts';
import { joinRuns } from '../../../reports/repeat.ts';
import { type Baseline, applyBaseline } from '../../../reports/baseline.ts';
import { CERTIFICATE_FILE, type GitState, KeyProblem, type LoadedKey, gitState, loadSigningKey, signCertificate } from '../../../reports/certificate.ts';
import { loadBaseline } from './baseline.ts';
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
  baseline?: unknown;
  sign?: unknown;
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
      // A side lane's phases run beside the main lane's: the lane names the instance they watch.
      return `  [${p.index + 1}/${p.count}] ${p.lane === 'main' ? '' : `${p.lane} › `}${pc.bold(p.phase.name)}: ${p.phase.description} (${Math.round(p.remainingMs / 1000)} s left${p.lane === 'main' ? '' : ' in this lane'})`;
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
    say(`${MARK[c.verdict]}  ${c.id}${c.required ? '' : pc.dim(' (advisory)')}${c.accepted ? pc.cyan(` accepted: ${c.accepted.reason}`) : ''}`);
    if (c.verdict !== 'pass' && c.verdict !== 'not-applicable') {
      say(`      ${c.summary}`);
      if (c.remediation) say(pc.dim(`      fix: ${c.remediation}`));
    }
  }
  const t = report.totals;
  say('');
  say(`${t.pass} passed, ${t.fail} failed, ${t.warn} warned, ${t.inconclusive} inconclusive, ${t['not-applicable']} not applicable`);
  if (report.baseline) {
    const accepted = report.checks.filter((c) => c.accepted).length;
    say(`baseline ${report.baseline.file}: ${accepted} accepted`);
    for (const e of report.baseline.stale) say(pc.red(`  stale: ${e.check} passes now; remove its entry (the baseline only shrinks)`));
    for (const e of report.baseline.expired) say(pc.red(`  expired: ${e.check} (its entry held until ${e.expires ?? '?'}); fix the check or review the entry`));
  }
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

/** A flag that needs a file name: `--sign` alone, or with an empty value, is a usage error. */
function fileFlag(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new GoliveError('GOLIVE_ERR_USAGE', `${name} needs a file name`);
  return value;
}

/** The signing key, read before the run so a wrong one costs no minutes. */
async function signingKey(file: string | undefined, formats: readonly Format[]): Promise<LoadedKey | undefined> {
  if (file === undefined) return undefined;
  if (!formats.includes('json')) throw new GoliveError('GOLIVE_ERR_USAGE', '--sign signs report.json: add json to --format');
  try {
    return await loadSigningKey(file);
  } catch (err) {
    if (err instanceof KeyProblem) throw new GoliveError('GOLIVE_ERR_KEY_INVALID', err.message);
    throw err;
  }
}

/** Writes certificate.jws over report.json's bytes as written; a failure is named on stderr (the verdict still decides the exit). */
async function writeCertificate(
  report: Report,
  dir: string,
  key: LoadedKey,
  identity: { profile: string; git: GitState | null; configFile?: string; configName?: string },
): Promise<string | null> {
  const path = join(dir, CERTIFICATE_FILE);
  try {
    const reportBytes = await readFile(join(dir, RENDERERS.json.file));
    const config = identity.configFile ? { file: identity.configName ?? basename(identity.configFile), bytes: await readFile(identity.configFile) } : null;
    const jws = await signCertificate({ report, reportBytes, reportFile: RENDERERS.json.file, profile: identity.profile, git: identity.git, config }, key);
    await writeFileAtomic(path, `${jws}\n`, { fsync: true });
    return `certificate: ${path} (key ${key.kid}, ${key.alg})`;
  } catch (err) {
    process.stderr.write(`golive: ${path} was not written: ${err instanceof Error ? err.message : String(err)}\n`);
    return null;
  }
}

/** `golive certify`: run the integration against the mock and judge it. */
export default async function certifyCommand(flags: CertifyFlags): Promise<ExitCode> {
  const formats = parseFormats(flags.format);
  const key = await signingKey(fileFlag('--sign', flags.sign), formats);
  const repeat = intFlag('--repeat', flags.repeat, 1, 20) ?? 1;
  const only = flags.only?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of only ?? []) {
    if (!CHECKS.some((c) => c.id === id)) throw new GoliveError('GOLIVE_ERR_UNKNOWN_CHECK', `--only: "${id}" is not a check (see golive checks)`);
  }
  const command = flags['--']?.length ? flags['--'] : flags.command?.length ? flags.command : undefined;
  const config = await loadConfig({ cwd: process.cwd(), ...(flags.config ? { file: flags.config } : {}), ...(command ? { commandOverride: command } : {}) });
  // The flag wins over the config's `baseline`; a bad one stops the run before it starts, either way.
  const baselineFile = fileFlag('--baseline', flags.baseline) ?? config.baseline;
  const baseline: Baseline | undefined = baselineFile === undefined ? undefined : await loadBaseline(baselineFile);
  // What was certified is the code as it was when the run began.
  const git = key ? await gitState(config.workspace) : null;
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
  if (baseline) report = applyBaseline(report, baseline, new Date());
  const out = resolve(flags.out ?? 'golive-report');
  const { written, failed } = await writeReports(report, out, formats.map((f) => RENDERERS[f]));
  let certificate: string | null = null;
  if (key && written.includes(join(out, RENDERERS.json.file))) {
    certificate = await writeCertificate(report, out, key, { profile: config.profile, git, ...(config.configFile ? { configFile: config.configFile } : {}), ...(report.configFile ? { configName: report.configFile } : {}) });
  } else if (key) {
    process.stderr.write(`golive: ${join(out, CERTIFICATE_FILE)} was not written: report.json could not be written\n`);
  }
  printChecklist(report);
  for (const path of written) say(pc.dim(`report: ${path}`));
  if (certificate) say(pc.dim(certificate));
  // A report that could not be written is our problem, not the integration's: the verdict still decides the exit.
  for (const { file, error } of failed) {
    process.stderr.write(`golive: ${file} was not written: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  // The shell's convention for a command stopped by a signal: 128 + its number (130 for Ctrl-C).
  if (stoppedBy) return (128 + constants.signals[stoppedBy]) as ExitCode;
  return report.certified ? 0 : 1;
}
