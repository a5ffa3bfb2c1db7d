import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, as a user runs it (`npm test` builds first). */
export const GOLIVE_BIN = fileURLToPath(new URL('../../bin/golive.js', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `golive ARGS` to completion. */
export function golive(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  return runToEnd(process.execPath, [GOLIVE_BIN, ...args], options);
}

/** Runs `command ARGS` to completion, with the environment and `NO_COLOR`, collecting its output. */
export function runToEnd(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `golive ARGS` and resolves with the first line of stdout (for `serve --json`). */
export function goliveFirstLine(args: string[]): Promise<{ child: ChildProcess; line: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GOLIVE_BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl !== -1) resolve({ child, line: stdout.slice(0, nl), stderr: () => stderr });
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`golive exited ${code} before printing a line: ${stderr}`)));
  });
}
