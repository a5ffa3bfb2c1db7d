import { mkdir, readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { dirname, resolve } from 'node:path';
import { GoliveError } from '../../../errors.ts';
import { FORMATS, RENDERERS, isFormat } from '../../../reports/index.ts';
import { readReport } from '../../../reports/schema.ts';
import type { ExitCode } from '../main.ts';

interface ReportFlags {
  file: string;
  format?: string;
  out?: string;
}

/** `golive report FILE.json --format F [--out FILE]`: render a saved report again (to stdout without --out). */
export default async function reportCommand(flags: ReportFlags): Promise<ExitCode> {
  const format = flags.format === undefined ? undefined : String(flags.format).trim();
  if (!format) throw new GoliveError('GOLIVE_ERR_USAGE', `--format is required (formats: ${FORMATS.join(', ')})`);
  if (!isFormat(format)) throw new GoliveError('GOLIVE_ERR_USAGE', `--format: "${format}" is not available (formats: ${FORMATS.join(', ')})`);
  const file = String(flags.file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a report file' : `cannot be read (${code ?? String(err)})`;
    throw new GoliveError('GOLIVE_ERR_REPORT_INVALID', `${file} ${why}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GoliveError('GOLIVE_ERR_REPORT_INVALID', `${file} is not JSON (${(err as Error).message.replace(/\s+/g, ' ')})`);
  }
  const { report, problem } = readReport(value);
  if (!report) throw new GoliveError('GOLIVE_ERR_REPORT_INVALID', `${file}: ${problem}`);
  const rendered = RENDERERS[format].render(report);
  if (flags.out === undefined) {
    process.stdout.write(rendered);
    return 0;
  }
  const out = resolve(String(flags.out));
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, rendered, { fsync: true });
  process.stdout.write(`report: ${out}\n`);
  return 0;
}
