import { mkdir, readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { GoliveError } from '../../../errors.ts';
import { type Baseline, BaselineProblem, baselineFor, formatBaseline, parseBaseline } from '../../../reports/baseline.ts';
import type { Report } from '../../../reports/model.ts';
import { readReport } from '../../../reports/schema.ts';
import { CHECKS } from '../../checks/index.ts';
import type { ExitCode } from '../main.ts';

interface BaselineFlags {
  action: string;
  report: string;
  out?: string;
}

/** Why a file could not be read, in a few words. */
function unreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(err)})`;
}

/**
 * Reads `certify --baseline FILE` and checks every entry against the checklist, before the run
 * (a mistake costs no minutes): `golive: golive-baseline.yaml:7: "token.cachd" is not a check`.
 */
export async function loadBaseline(file: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new GoliveError('GOLIVE_ERR_BASELINE_INVALID', `baseline ${file} ${unreadable(err)}`);
  }
  try {
    return parseBaseline(text, file, CHECKS.map((c) => c.id));
  } catch (err) {
    if (err instanceof BaselineProblem) throw new GoliveError('GOLIVE_ERR_BASELINE_INVALID', `${file}${err.line > 0 ? `:${err.line}` : ''}: ${err.problem}`);
    throw err;
  }
}

/** A saved report.json, read and checked as `golive report` does. */
export async function loadReport(file: string): Promise<{ report: Report; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new GoliveError('GOLIVE_ERR_REPORT_INVALID', `${file} ${unreadable(err)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new GoliveError('GOLIVE_ERR_REPORT_INVALID', `${file} is not JSON (${(err as Error).message.replace(/\s+/g, ' ')})`);
  }
  const { report, problem } = readReport(value);
  if (!report) throw new GoliveError('GOLIVE_ERR_REPORT_INVALID', `${file}: ${problem}`);
  return { report, bytes };
}

/**
 * `golive baseline write REPORT.json [--out FILE]`: a baseline of every required check that keeps
 * the report from being certified, reason "TODO" (a reason an earlier baseline gave is kept).
 * YAML, or JSON when `--out` ends in `.json`; to stdout without `--out`.
 */
export default async function baselineCommand(flags: BaselineFlags): Promise<ExitCode> {
  if (flags.action !== 'write') throw new GoliveError('GOLIVE_ERR_USAGE', `baseline: unknown action "${flags.action}" (golive baseline write REPORT.json [--out FILE])`);
  const { report } = await loadReport(String(flags.report));
  const entries = baselineFor(report);
  if (flags.out === undefined || (flags.out as unknown) === true) {
    process.stdout.write(formatBaseline(entries, 'yaml'));
    return 0;
  }
  const out = resolve(String(flags.out));
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, formatBaseline(entries, extname(out).toLowerCase() === '.json' ? 'json' : 'yaml'), { fsync: true });
  process.stdout.write(`baseline: ${out} (${entries.length} accepted failure${entries.length === 1 ? '' : 's'}; give each a reason)\n`);
  return 0;
}
