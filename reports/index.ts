import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { renderBadge } from './badge.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMd } from './md.ts';
import { renderSarif } from './sarif.ts';
import type { Report } from './model.ts';
import writeFileAtomic from 'write-file-atomic';

/** One report format: its `--format` name (also its source file's name), the file it writes, and how it renders. */
export interface Renderer {
  readonly format: string;
  readonly file: string;
  render(report: Report): string;
}

/** Every format golive writes, by `--format` name; `golive certify` writes them all by default. */
export const RENDERERS = {
  json: { format: 'json', file: 'report.json', render: renderJson },
  junit: { format: 'junit', file: 'junit.xml', render: renderJunit },
  md: { format: 'md', file: 'report.md', render: renderMd },
  html: { format: 'html', file: 'report.html', render: renderHtml },
  sarif: { format: 'sarif', file: 'report.sarif', render: renderSarif },
  badge: { format: 'badge', file: 'badge.svg', render: renderBadge },
} as const satisfies Record<string, Renderer>;

export type Format = keyof typeof RENDERERS;

export const FORMATS = Object.keys(RENDERERS) as Format[];

export function isFormat(name: string): name is Format {
  return Object.hasOwn(RENDERERS, name);
}

export interface Written {
  /** The files written, in the order of the renderers given. */
  written: string[];
  /** The formats that could not be rendered or written, and why. */
  failed: { format: string; file: string; error: unknown }[];
}

/**
 * Renders and writes each format into `dir`. One renderer that throws, or one file that cannot
 * be written, never costs the others their files: every failure is collected and returned.
 * Each file is written whole or not at all (a temporary file in `dir`, flushed to disk, then
 * renamed over the old one), so a run killed while writing never leaves half a report.
 */
/**
 * Makes the renames in `dir` durable: a rename lives in the folder's own entry, which a crash
 * can lose after the file's data was synced. Platforms that cannot open a folder (Windows) skip it.
 */
async function syncFolder(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // not possible here; the files themselves were synced
  } finally {
    await handle?.close();
  }
}

export async function writeReports(report: Report, dir: string, renderers: readonly Renderer[]): Promise<Written> {
  const results = await Promise.allSettled(
    renderers.map(async (r) => {
      const path = join(dir, r.file);
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(path, r.render(report), { fsync: true });
      return path;
    }),
  );
  await syncFolder(dir);
  const out: Written = { written: [], failed: [] };
  results.forEach((result, i) => {
    const r = renderers[i]!;
    if (result.status === 'fulfilled') out.written.push(result.value);
    else out.failed.push({ format: r.format, file: join(dir, r.file), error: result.reason });
  });
  return out;
}
