import { describe, expect, it } from 'vitest';
import { MD_EVIDENCE_PER_CHECK, MD_MAX_BYTES, renderMd } from './md.ts';
import type { Report } from './model.ts';
import { reportFixture } from './test/report-fixture.ts';

/** The Markdown's structure: headings, and each table as rows of cells (split on unescaped `|`, unescaped). */
function parse(md: string) {
  const lines = md.split('\n');
  const headings = lines.filter((l) => /^#{1,6} /.test(l));
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    if (!current) tables.push((current = []));
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
    if (!cells.every((c) => /^-*:?-*:?$/.test(c))) current.push(cells);
  }
  /** The lines of the section under a heading, up to the next heading. */
  const section = (heading: string): string[] => {
    const start = lines.indexOf(heading);
    if (start === -1) throw new Error(`no heading ${heading}`);
    const end = lines.findIndex((l, i) => i > start && /^#{1,6} /.test(l));
    return lines.slice(start + 1, end === -1 ? undefined : end).filter(Boolean);
  };
  return { lines, headings, tables, section };
}

describe('renderMd', () => {
  const md = renderMd(reportFixture());
  const { lines, headings, tables, section } = parse(md);

  it('opens with the verdict and the totals', () => {
    expect(lines[0]).toBe('## ❌ NOT CERTIFIED');
    expect(lines[2]).toMatch(/^1 passed, 3 failed, 1 warned, 2 inconclusive, 1 not applicable · 84\.2 s /);
    expect(renderMd({ ...reportFixture(), certified: true }).split('\n')[0]).toBe('## ✅ CERTIFIED');
  });

  it('says what the run was made with, when the report knows it (case 113)', () => {
    const setup = { profile: 'omneo', seed: 1, node: 'v20.19.0', timings: { name: 'fast' as const, ms: { steadyMs: 3000 } } };
    expect(renderMd({ ...reportFixture(), setup }).split('\n')).toContain('Profile `omneo` · seed 1 · fast timings · Node v20.19.0');
    expect(md).not.toMatch(/^Profile /m);
  });

  it('has a table row per check with verdict, id, required or advisory and a one-line summary', () => {
    const checks = tables[0]!;
    expect(checks[0]).toEqual(['', 'check', '', 'summary']);
    expect(checks.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['❌ fail', '`token.cached-and-reused`', 'required'],
      ['❌ fail', '`token.not-in-url`', 'required'],
      ['❌ fail', '`webhooks.idempotent`', 'required'],
      ['❔ inconclusive', '`errors.no-retry-on-403`', 'required'],
      ['⚠️ warn', '`errors.jitter-on-429`', 'advisory'],
      ['❔ inconclusive', '`credentials.store-market-scoping`', 'advisory'],
      ['➖ not-applicable', '`tenancy.token-per-tenant`', 'required'],
      ['✅ pass', '`token.tls-verified`', 'required'],
    ]);
    expect(checks.every((r) => r.length === 4)).toBe(true);
  });

  it('escapes a | in a summary so it stays one cell, and replaces the control character', () => {
    const row = tables[0]!.find((r) => r[1] === '`token.not-in-url`')!;
    expect(row[3]).toBe(`token "eyJh…Q2x8" sent as \\<a&amp;b\\> in 'query'\uFFFD\\[31m | twice`);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it('gives each check that did not pass a section with its summary, evidence as a list, and the fix', () => {
    expect(headings.filter((h) => h.startsWith('### '))).toEqual([
      '### ❌ `token.cached-and-reused`: A token is requested once and reused',
      '### ❌ `token.not-in-url`: Tokens never travel in a URL',
      '### ❌ `webhooks.idempotent`: The same event twice has the effect of once',
      '### ❔ `errors.no-retry-on-403`: 403 is logged, not retried',
      '### ⚠️ `errors.jitter-on-429`: Backoff has jitter',
      '### ❔ `credentials.store-market-scoping`: Scoped to the stores and markets it uses',
    ]);
    expect(section('### ❌ `webhooks.idempotent`: The same event twice has the effect of once')).toEqual([
      '**fail**: a duplicate delivery reserved the inventory again (1 → 4)',
      '**Evidence**',
      '- delivery #4 at 9.1 s: duplicate of event 1e2c…9a0f, attempt 2, auth Bearer whk\\_…zzzz → 200 in 3 ms',
      '- delivery #5 at 19.4 s: retry of event 1e2c…9a0f, attempt 3, no auth header → no answer (timeout) in 10000 ms (after a simulated timeout)',
      '- inventory SKU-1@oslo-online reservedInventory: 1 → 4 (changed by a duplicate)',
      '- the side-effect probe printed two rows',
      '**Fix:** Remember the event ids you have handled and ignore a repeat.',
    ]);
    expect(section('### ⚠️ `errors.jitter-on-429`: Backoff has jitter')[0]).toBe('**warn** (advisory): retry gaps were equal within 1 % in both storms');
  });

  it('shows at most 10 pieces of evidence per check and says how many more there are', () => {
    const items = section('### ❌ `token.cached-and-reused`: A token is requested once and reused').filter((l) => l.startsWith('- '));
    expect(items).toHaveLength(MD_EVIDENCE_PER_CHECK + 1);
    expect(items[1]).toBe('- #12 at 3.4 s POST /api/token → 200 (second token)');
    expect(items.at(-1)).toBe('- … and 5 more in report.json');
  });

  it('lists the phases, and how the integration ended with its last lines in a fence they cannot close', () => {
    expect(tables[1]).toEqual([
      ['phase', 'environment', 'start (s)', 'duration (s)', 'completed', 'note'],
      ['steady', 'test', '1.2', '10', 'yes', ''],
      ['forbidden', 'test', '11.2', '0', 'no', 'not run'],
    ]);
    expect(section('## How the integration ended')).toEqual([
      '**test**: exit code 1 (before the harness stopped it)',
      '````text',
      'starting',
      'Error: boom ``` <x>',
      '    at main (app.mjs:3)',
      '````',
      '**production**: exit code 0',
    ]);
  });

  it("stays under GitHub's step-summary limit however much evidence there is", () => {
    const huge: Report = reportFixture();
    const template = huge.checks[0]!;
    huge.checks = Array.from({ length: 1500 }, (_, i) => ({ ...template, id: `check.${i}`, summary: 'x'.repeat(2000) }));
    const out = renderMd(huge);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MD_MAX_BYTES);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/cut to fit GitHub’s 1 MiB limit/);
  });
});
