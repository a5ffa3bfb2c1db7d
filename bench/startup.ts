/**
 * Start-up as users meet it: `golive serve --json` spawned, to its JSON line on stdout, at the
 * default data scale and with `--data-scale 100000`; the median of several runs, less the
 * median time bare `node -e 0` takes to start and exit on the same machine (Node's own start).
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const GOLIVE = new URL('../bin/golive.js', import.meta.url).pathname;

export interface StartupBenchOptions {
  /** Runs per variant (the median is reported). */
  runs: number;
}

/** Milliseconds from spawn to the first line of stdout; the process is stopped after. */
async function toFirstLine(args: string[]): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`golive serve exited (${code}) before its JSON line`)));
  });
  const ms = performance.now() - start;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Runs the measurement and prints its table; returns the medians (ms after Node's start). */
export async function startup(o: StartupBenchOptions): Promise<{ defaultScale: number; scale100k: number }> {
  const bare: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    const start = performance.now();
    await promisify(execFile)(process.execPath, ['-e', '0']);
    bare.push(performance.now() - start);
  }
  const node = median(bare);
  const variants = [
    { name: 'golive serve --json', args: [GOLIVE, 'serve', '--json'], targetMs: 300 },
    { name: 'golive serve --json --data-scale 100000', args: [GOLIVE, 'serve', '--json', '--data-scale', '100000'], targetMs: 5_000 },
  ];
  console.log(`start-up: spawn to the JSON line on stdout, median of ${o.runs} runs, less bare node's start (node -e 0: ${node.toFixed(0)} ms)`);
  const results: number[] = [];
  for (const v of variants) {
    const runs: number[] = [];
    for (let i = 0; i < o.runs; i++) runs.push(await toFirstLine(v.args));
    const ms = median(runs) - node;
    results.push(ms);
    const spread = `runs ${[...runs].sort((a, b) => a - b).map((r) => r.toFixed(0)).join(', ')} ms from spawn`;
    console.log(`  ${v.name.padEnd(50)} ${String(Math.round(ms)).padStart(6)} ms  (target ≤ ${v.targetMs.toLocaleString('en')} ms): ${ms <= v.targetMs ? 'OK' : 'LOW'}  ${spread}`);
  }
  return { defaultScale: results[0]!, scale100k: results[1]! };
}
