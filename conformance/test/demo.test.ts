import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOUR_FAST, tour } from '../../scenarios/tour.ts';
import { GOLIVE_BIN, golive } from './cli.ts';

/**
 * The processes whose working folder is inside `dir`. The demo runs each integration in a copy of
 * its example under its state folder, in `TMPDIR`: with a `TMPDIR` of the test's own, these are
 * the demo's integrations and whatever they started.
 */
async function processesIn(dir: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((e) => /^\d+$/.test(e));
  const inside = await Promise.all(pids.map(async (pid) => ((await readlink(`/proc/${pid}/cwd`).catch(() => '')).startsWith(dir) ? Number(pid) : null)));
  return inside.filter((p): p is number => p !== null);
}

interface Demo {
  child: ChildProcess;
  /** Resolves once stderr (the narration, with --json) matches `pattern`. */
  narrated(pattern: RegExp): Promise<void>;
  closed: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `golive demo ARGS` with `TMPDIR` set to `tmp`. */
function startDemo(args: string[], tmp: string): Demo {
  const child = spawn(process.execPath, [GOLIVE_BIN, 'demo', ...args], { env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp } });
  let stdout = '';
  let stderr = '';
  const waiting = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d;
    for (const check of waiting) check();
  });
  const closed = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    child,
    closed,
    narrated: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stderr)) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
        void closed.then(() => reject(new Error(`golive demo ended before printing ${pattern}: ${stderr}`)));
      }),
  };
}

interface VerdictDoc {
  behaviour: string;
  results: Record<string, { verdict: string; summary: string }>;
}

const TOUR = tour(TOUR_FAST);

describe('golive demo', () => {
  it('runs the tour against both examples: the naive one fails the 429 and deactivation rows, the resilient one passes them, and no process is left', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'golive-demo-test-'));
    try {
      const demo = startDemo(['--fast', '--json'], tmp);
      await demo.narrated(/\[2\/6\]/);
      // Both integrations are running, each in its copy under the temp folder.
      expect((await processesIn(tmp)).length).toBeGreaterThanOrEqual(2);
      const { code, stdout, stderr } = await demo.closed;
      expect(code, stderr).toBe(0);
      expect(stdout.trim().split('\n')).toHaveLength(1);
      const doc = JSON.parse(stdout) as { completed: boolean; interrupted: unknown; console: string; phases: { name: string }[]; verdicts: VerdictDoc[] };
      expect(doc).toMatchObject({ completed: true, interrupted: null });
      expect(doc.phases.map((p) => p.name)).toEqual(TOUR.phases.map((p) => p.name));
      expect(stderr).toContain(`console: ${doc.console}`);
      const row = (behaviour: string) => doc.verdicts.find((v) => v.behaviour === behaviour)!.results;
      expect(doc.verdicts.map((v) => v.behaviour)).toEqual(['tokens', 'rate-limit', 'deactivation', 'duplicate-webhook', 'recovery']);
      expect([row('rate-limit').naive!.verdict, row('rate-limit').resilient!.verdict]).toEqual(['fail', 'pass']);
      expect([row('deactivation').naive!.verdict, row('deactivation').resilient!.verdict]).toEqual(['fail', 'pass']);
      // What the naive example gets wrong by design, whatever the timing.
      expect(row('tokens').naive!.verdict).toBe('fail');
      expect(row('duplicate-webhook').naive!.verdict).toBe('fail');
      // The naive example prints its tokens in full; none reaches golive's output.
      expect(stdout + stderr).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/);
      expect(await processesIn(tmp)).toEqual([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 90_000);

  it('on SIGINT mid-run stops the scenario, both integrations and the mock, and exits 130', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'golive-demo-test-'));
    try {
      const demo = startDemo(['--fast', '--json'], tmp);
      await demo.narrated(/\[2\/6\]/);
      expect((await processesIn(tmp)).length).toBeGreaterThanOrEqual(2);
      demo.child.kill('SIGINT');
      const { code, stdout, stderr } = await demo.closed;
      expect(code, stderr).toBe(130);
      expect(stderr).toContain('interrupted (SIGINT)');
      expect(stderr).not.toMatch(/internal error|\n\s+at /);
      expect(JSON.parse(stdout)).toMatchObject({ completed: false, interrupted: { signal: 'SIGINT' } });
      expect(await processesIn(tmp)).toEqual([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses an unknown scenario with a usage error that lists the known ones', async () => {
    const result = await golive(['demo', 'no-such-scenario']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^golive: "no-such-scenario" is neither a scenario golive ships \(.*\btour\b.*\) nor a scenario file \(GOLIVE_ERR_UNKNOWN_SCENARIO\)\n$/);
  });
});
