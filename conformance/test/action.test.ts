import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from './harness.ts';

/**
 * The GitHub Action (action.yml): its certify step's script run as the runner would run it,
 * with the GitHub variables pointing at temporary files, against the resilient example with
 * --only so only a few phases run.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'action/certify.sh');

interface Step {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'golive-action-'));
  await cp(join(EXAMPLES, 'resilient-node'), join(dir, 'app'), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function step(env: Record<string, string>, name: string): Promise<Step> {
  const output = join(dir, `${name}.output`);
  const summary = join(dir, `${name}.summary`);
  await writeFile(output, '');
  await writeFile(summary, '');
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    execFile(
      'bash',
      [SCRIPT],
      { cwd: join(dir, 'app'), env: { ...process.env, NO_COLOR: '1', GITHUB_ACTION_PATH: ROOT, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...env } },
      (err, out) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: out }),
    );
  });
  const outputs = Object.fromEntries(
    (await readFile(output, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code, stdout, outputs, summary: await readFile(summary, 'utf8') };
}

describe('the GitHub Action', () => {
  it('never pastes an input into a script: every run line reads inputs from the environment', async () => {
    const yml = await readFile(join(ROOT, 'action.yml'), 'utf8');
    const runs = yml.split('\n').filter((l) => /^\s+run:/.test(l));
    expect(runs.length).toBeGreaterThan(0);
    for (const line of runs) expect(line).not.toContain('${{');
    // Every input the script reads is passed to it.
    for (const name of ['CONFIG', 'OUT', 'FORMATS', 'ONLY', 'FAST', 'SUMMARY']) expect(yml).toContain(`GOLIVE_${name}: \${{ inputs.`);
  });

  it.concurrent('certifies, sets its outputs and appends report.md to the step summary', async () => {
    const s = await step({ GOLIVE_ONLY: 'webhooks.https', GOLIVE_OUT: 'reports' }, 'pass');
    expect(s.code, s.stdout).toBe(0);
    expect(s.outputs).toEqual({ certified: 'true', 'exit-code': '0', 'report-dir': join(dir, 'app', 'reports') });
    expect(s.summary).toMatch(/^## ✅ CERTIFIED/);
    expect(s.summary).toContain('`webhooks.https`');
  });

  it.concurrent('fails the step with exit code 1 when the integration is not certified, and says why in the summary', async () => {
    const s = await step({ GOLIVE_ONLY: 'webhooks.https', GOLIVE_OUT: 'broken', GOLIVE_FORMATS: 'json,md', GOLIVE_EXAMPLE_BREAK: 'webhooks.https' }, 'fail');
    expect(s.code).toBe(1);
    expect(s.outputs.certified).toBe('false');
    expect(s.outputs['exit-code']).toBe('1');
    expect(s.summary).toMatch(/NOT CERTIFIED/);
    expect(s.summary).toMatch(/plain HTTP/);
  });

  it('exits 2 with a line in the summary when the run cannot be done', async () => {
    const s = await step({ GOLIVE_CONFIG: 'missing.json', GOLIVE_OUT: 'none' }, 'usage');
    expect(s.code).toBe(2);
    expect(s.outputs['exit-code']).toBe('2');
    expect(s.summary).toMatch(/could not run the certification \(exit code 2\)/);
  });
});
