import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportSchema } from '../../reports/schema.ts';
import { CHECKS } from '../checks/index.ts';
import { isGone } from '../runner/kill-tree.ts';
import { GOLIVE_BIN } from './cli.ts';

/** Whether a process of this id is alive (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// An integration that starts a helper process of its own (a worker, a queue consumer) and
// writes its id down, so the test can see that none survives the interruption.
const INTEGRATION = `
const { spawn } = require('node:child_process');
const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
require('node:fs').writeFileSync('worker.pid', String(worker.pid));
console.log('ready');
setInterval(() => {}, 1000);
`;

describe('golive certify, interrupted', () => {
  it('on SIGINT stops the whole process tree, writes a complete report marked interrupted, and exits 130', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-interrupt-'));
    try {
      await writeFile(join(dir, 'app.js'), INTEGRATION);
      const child = spawn(process.execPath, [GOLIVE_BIN, 'certify', '--fast', '--out', 'out', '--', 'node', 'app.js'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
      let stdout = '';
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      // Interrupted once the phases have begun: the integration and its worker are running.
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d;
          if (/\[1\/\d+\]/.test(stdout)) resolve();
        });
        child.on('close', () => reject(new Error(`golive ended before its first phase: ${stdout}`)));
      });
      const worker = Number(await readFile(join(dir, 'worker.pid'), 'utf8'));
      expect(alive(worker)).toBe(true);
      child.kill('SIGINT');

      expect(await closed).toBe(130);
      expect(stdout).toContain('interrupted (SIGINT)');
      // Killed, and at most a zombie left for an init that does not reap (a dead process all the same).
      expect(isGone(worker)).toBe(true);
      const report = reportSchema.parse(JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')));
      expect(report).toMatchObject({ interrupted: { signal: 'SIGINT' }, certified: false });
      expect(report.checks.map((c) => c.id).sort()).toEqual(CHECKS.map((c) => c.id).sort());
      expect(await readFile(join(dir, 'out', 'report.md'), 'utf8')).toContain('**Interrupted** (SIGINT)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
