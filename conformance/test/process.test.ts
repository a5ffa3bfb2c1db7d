import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { GoliveError } from '../../errors.ts';
import { type SecretScanner, createSecretScanner } from '../observe/secrets.ts';
import { startJobLoop } from '../runner/job-loop.ts';
import { isGone, runProcesses } from '../runner/kill-tree.ts';
import { TAIL_MAX_BYTES } from '../runner/output.ts';
import {
  type IntegrationProcess,
  type StartOptions,
  childEnvironment,
  runJob,
  runningIntegrations,
  startIntegration,
  stopIntegrationsOnSignals,
} from '../runner/process.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const node = (fixture: string, ...args: string[]) => [process.execPath, join(FIXTURES, fixture), ...args];

const started: IntegrationProcess[] = [];

function start(options: Partial<StartOptions> & Pick<StartOptions, 'command'>): IntegrationProcess {
  const proc = startIntegration({
    cwd: FIXTURES,
    readyWhen: { delayMs: 0 },
    readyTimeoutMs: 5_000,
    killGraceMs: 300,
    maxOutputBytes: 1024 * 1024,
    scanner: createSecretScanner(),
    ...options,
  });
  started.push(proc);
  return proc;
}

/** Whether `pid` no longer exists: `kill(pid, 0)` fails with ESRCH. */
function noSuchProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The number printed after `label ` in the process's output. */
function printedPid(proc: Pick<IntegrationProcess, 'lines' | 'outputTail'>, label: string): number {
  const line = proc.lines().find((l) => l.text.startsWith(`${label} `));
  if (!line) throw new Error(`no "${label}" line in ${JSON.stringify(proc.outputTail())}`);
  return Number(line.text.split(' ')[1]);
}

async function rejection(promise: Promise<unknown>): Promise<GoliveError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GoliveError);
  return err as GoliveError;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts a TCP connection on the port of 127.0.0.1. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(condition: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterEach(async () => {
  const procs = started.splice(0);
  await Promise.all(procs.map((p) => p.stop()));
  // Nothing a test started may outlive it.
  for (const p of procs) expect(await runProcesses(undefined, p.tag)).toEqual([]);
  expect(runningIntegrations().filter((p) => procs.includes(p))).toEqual([]);
});

describe('startIntegration', () => {
  it('stops an integration that hangs forever, with SIGTERM, and leaves no process', async () => {
    const proc = start({ command: node('hang.mjs'), readyWhen: { log: /^hang \d+ up$/ } });
    await proc.ready;
    const pid = proc.pid!;
    const result = await proc.stop();
    expect(result).toMatchObject({ code: null, signal: 'SIGTERM', forced: false });
    expect(noSuchProcess(pid)).toBe(true);
    expect(proc.outputTail()).toEqual([`hang ${pid} up`]);
  });

  it('reports the exit code and the output of an integration that crashes', async () => {
    const proc = start({ command: node('crash.mjs'), readyWhen: { log: 'never printed' } });
    const err = await rejection(proc.ready);
    expect(err.code).toBe('GOLIVE_ERR_NOT_READY');
    expect(err.message).toBe(
      'the integration exited with code 3 before it was ready (last output: "Error: boom (cannot read config)")',
    );
    const exit = await proc.exited;
    expect(exit).toMatchObject({ code: 3, signal: null });
    expect(exit.error).toBeUndefined();
    expect(proc.lines().map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'starting'],
      ['stderr', 'Error: boom (cannot read config)'],
    ]);
    expect(noSuchProcess(proc.pid!)).toBe(true);
  });

  it('reports an integration that exits at once with 0, and stop() after exit is harmless', async () => {
    const proc = start({ command: node('exit-zero.mjs'), readyWhen: { delayMs: 10_000 } });
    expect(await proc.exited).toMatchObject({ code: 0, signal: null });
    expect((await rejection(proc.ready)).message).toBe(
      'the integration exited with code 0 before it was ready (last output: "nothing to do")',
    );
    const first = await proc.stop();
    const second = await proc.stop();
    expect(second).toBe(first);
    expect(first).toMatchObject({ code: 0, forced: false });
  });

  it('kills a grandchild in its own session and an integration that ignores SIGTERM', async () => {
    const proc = start({ command: node('grandchild.mjs'), readyWhen: { log: /^grandchild \d+$/ } });
    await proc.ready;
    const child = printedPid(proc, 'child');
    const grandchild = printedPid(proc, 'grandchild');
    expect(child).toBe(proc.pid);
    const stopping = performance.now();
    const result = await proc.stop();
    // Killed once the grace period (300 ms here) ran out: stopping takes the grace, not an unbounded wait.
    expect(performance.now() - stopping).toBeLessThan(300 + 2_000);
    expect(result).toMatchObject({ signal: 'SIGKILL', forced: true });
    expect(noSuchProcess(child)).toBe(true);
    expect(noSuchProcess(grandchild)).toBe(true);
    expect(proc.outputTail()).toContain('child ignores SIGTERM');
  });

  it('stops the processes a shell command starts in its group', async () => {
    const proc = start({ command: 'sleep 300 & echo "sleeper $!"; wait', readyWhen: { log: /^sleeper/ } });
    await proc.ready;
    const sleeper = printedPid(proc, 'sleeper');
    await proc.stop();
    // The shell and sleep get SIGTERM together; if the shell dies first, sleep is re-parented
    // to init, and an init that does not reap (as in some containers) leaves a dead zombie.
    expect(isGone(sleeper)).toBe(true);
  });

  it('finds and stops an orphan left behind by an integration that already exited', async () => {
    const proc = start({ command: node('orphan.mjs') });
    await proc.exited;
    const orphan = printedPid(proc, 'grandchild');
    expect(isGone(orphan)).toBe(false);
    await proc.stop();
    // Re-parented to init; an init that does not reap (as in some containers) leaves a zombie, which is dead.
    expect(isGone(orphan)).toBe(true);
  });

  it('stops a double-forked setsid daemon with an empty environment: its pid is gone and its port refuses connections (case 103)', async () => {
    const port = await freePort();
    const proc = start({ command: node('daemon.mjs', String(port)), readyWhen: { log: /^daemon \d+$/ } });
    await proc.ready;
    const daemon = printedPid(proc, 'daemon');
    await until(() => accepts(port), `the daemon to listen on ${port}`);
    // It left the run: no parent of the run, no variable of the run, a session of its own.
    expect(await runProcesses(undefined, proc.tag)).not.toContain(daemon);
    // A process of the same user, started during the run the same way but not by it, is not the run's.
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30);'], { detached: true, env: {}, stdio: 'ignore' });
    try {
      await proc.stop();
      expect(isGone(daemon)).toBe(true);
      expect(await accepts(port)).toBe(false);
      expect(isGone(bystander.pid!)).toBe(false);
    } finally {
      if (!isGone(daemon)) process.kill(daemon, 'SIGKILL');
      bystander.kill('SIGKILL');
    }
  });

  it('keeps memory bounded when an integration writes 20 MB, and keeps the tail', async () => {
    const maxOutputBytes = 256 * 1024;
    const proc = start({ command: node('flood.mjs'), maxOutputBytes, env: { MEGABYTES: '20' } });
    expect(await proc.exited).toMatchObject({ code: 0 });
    const stats = proc.stats();
    expect(stats.totalBytes).toBeGreaterThan(20 * 1024 * 1024);
    expect(stats.storedBytes).toBeLessThanOrEqual(maxOutputBytes + TAIL_MAX_BYTES);
    const lines = proc.lines();
    expect(lines.filter((l) => l.marker).map((l) => l.text)).toEqual([
      `[golive: ${stats.droppedBytes} bytes of output not kept]`,
    ]);
    expect(proc.outputTail(1)).toEqual(['flood done']);
    // The 1 MB line without a newline was cut into pieces of at most 64 KiB.
    expect(Math.max(...lines.map((l) => Buffer.byteLength(l.text)))).toBeLessThanOrEqual(64 * 1024);
  });

  it('keeps the heap bounded while an integration writes 300 MB (measured, not counted)', async () => {
    // What the harness holds, not what it says it holds: the heap and the buffers of this
    // process, sampled after a garbage collection every 100 ms while the output flows (so
    // garbage not yet collected does not count, and what is kept does). Keeping the output
    // would hold 300 MB.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const held = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = held();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, held());
    }, 100);
    try {
      const proc = start({ command: node('flood.mjs'), maxOutputBytes: 256 * 1024, env: { MEGABYTES: '300' } });
      expect(await proc.exited).toMatchObject({ code: 0 });
      expect(proc.stats().totalBytes).toBeGreaterThan(300 * 1024 * 1024);
      peak = Math.max(peak, held());
    } finally {
      clearInterval(sampler);
    }
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
  }, 60_000);

  it('masks the secrets an integration prints and reports each as a finding', async () => {
    const scanner: SecretScanner = createSecretScanner();
    const secret = 'cs_Hq2Vn8Lk4Rt6Yp0Wz3Xm5Bc7';
    const webhookToken = 'whk_3Jf8Kd2Ls9Pq4Rz7Tv1Wx6Yb';
    scanner.add({ kind: 'client-secret', value: secret, id: 'erp-export' });
    scanner.add({ kind: 'webhook-secret', value: webhookToken });
    const proc = start({
      command: node('leak.mjs'),
      scanner,
      env: { OMNIUM_CLIENT_ID: 'erp-export', OMNIUM_CLIENT_SECRET: secret, WEBHOOK_TOKEN: webhookToken },
    });
    await proc.exited;
    // stdout and stderr are separate pipes: their lines interleave in no fixed order.
    const byStream = [...proc.findings].sort((a, b) => a.stream.localeCompare(b.stream) || a.line - b.line);
    expect(byStream.map((f) => [f.kind, f.how, f.stream, f.line])).toEqual([
      ['webhook-secret', 'full', 'stderr', 1],
      ['client-secret', 'full', 'stdout', 2],
      ['client-secret', 'prefix', 'stdout', 3],
      ['client-secret', 'base64', 'stdout', 4],
    ]);
    expect(byStream[1]!.text).toBe('client secret is cs_H…5Bc7');
    const kept = JSON.stringify(proc.lines());
    expect(kept).not.toContain(secret.slice(0, 12));
    expect(kept).not.toContain(webhookToken);
  });

  it('is ready when its URL answers with any status, after retrying', async () => {
    const port = await freePort();
    const proc = start({
      command: node('listen.mjs'),
      env: { PORT: String(port), DELAY_MS: '150' },
      readyWhen: { url: `http://127.0.0.1:${port}/health` },
    });
    await proc.ready;
    expect(proc.outputTail()).toEqual(['listening']);
  });

  it('is ready when its port accepts connections', async () => {
    const port = await freePort();
    const proc = start({ command: node('listen.mjs'), env: { PORT: String(port), DELAY_MS: '50' }, readyWhen: { port } });
    await proc.ready;
  });

  it('gives up waiting with a reason once readyTimeoutMs has passed', async () => {
    // Long enough for a loaded machine to start Node and print the fixture's line.
    const proc = start({ command: node('hang.mjs'), readyWhen: { log: 'never printed' }, readyTimeoutMs: 3_000 });
    const err = await rejection(proc.ready);
    expect(err.code).toBe('GOLIVE_ERR_NOT_READY');
    expect(err.message).toMatch(/^the integration was not ready within 3000 ms: waited for a log line matching \/never printed\/ \(last output: "hang \d+ up"\)$/);
  });

  it('says a command given as argv was not found', async () => {
    const proc = start({ command: ['golive-no-such-command', '--flag'] });
    const err = await rejection(proc.ready);
    expect(err.code).toBe('GOLIVE_ERR_COMMAND_NOT_FOUND');
    expect(err.message).toBe(
      `the integration's command "golive-no-such-command --flag" could not be started: golive-no-such-command was not found on PATH`,
    );
    expect((await proc.exited).error?.code).toBe('GOLIVE_ERR_COMMAND_NOT_FOUND');
    expect(proc.pid).toBeUndefined();
  });

  it('says a shell command was not found (exit code 127)', async () => {
    const proc = start({ command: 'golive-no-such-command --flag', readyWhen: { delayMs: 5_000 } });
    const err = await rejection(proc.ready);
    expect(err.code).toBe('GOLIVE_ERR_COMMAND_NOT_FOUND');
    expect(err.message).toMatch(/^the integration's command "golive-no-such-command --flag" could not be started: the shell says it was not found \(last output: ".*not found.*"\)$/);
    expect(await proc.exited).toMatchObject({ code: 127 });
  });

  it('says a file that is not executable cannot be started', async () => {
    const proc = start({ command: [join(FIXTURES, 'hang.mjs')] });
    const err = await rejection(proc.ready);
    expect(err.code).toBe('GOLIVE_ERR_COMMAND_NOT_FOUND');
    expect(err.message).toContain('hang.mjs is not executable');
  });

  it('says when the working folder does not exist', async () => {
    const proc = start({ command: node('hang.mjs'), cwd: join(tmpdir(), 'golive-no-such-folder') });
    const err = await rejection(proc.ready);
    expect(err.code).toBe('GOLIVE_ERR_COMMAND_NOT_FOUND');
    expect(err.message).toContain('golive-no-such-folder does not exist');
  });

  it('runs in the given folder with the given environment over the harness own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'golive-cwd-'));
    try {
      const proc = start({
        command: node('env.mjs'),
        cwd: dir,
        env: { OMNIUM_API_URL: 'https://127.0.0.1:1' },
      });
      await proc.exited;
      const env = JSON.parse(proc.outputTail(1)[0]!) as Record<string, string>;
      expect(env.OMNIUM_API_URL).toBe('https://127.0.0.1:1');
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.GOLIVE_RUN_TAG).toBe(proc.tag);
      expect(Object.keys(env).filter((k) => k.startsWith('VITEST'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('childEnvironment', () => {
  it('keeps PATH and HOME, drops the harness own credentials and IPC plumbing, applies extras', () => {
    const env = childEnvironment(
      { WEBHOOK_PORT: '4100', HOME: undefined },
      { PATH: '/bin', HOME: '/home/me', OMNIUM_CLIENT_SECRET: 'real-one', NODE_CHANNEL_FD: '3', VITEST_POOL_ID: '1' },
    );
    expect(env).toEqual({ PATH: '/bin', WEBHOOK_PORT: '4100' });
  });
});

describe('runJob', () => {
  it('runs a job to completion', async () => {
    const result = await runJob({
      command: node('exit-zero.mjs'),
      cwd: FIXTURES,
      timeoutMs: 10_000,
      killGraceMs: 300,
      maxOutputBytes: 1024 * 1024,
      scanner: createSecretScanner(),
    });
    expect(result).toMatchObject({ code: 0, signal: null, timedOut: false, forced: false });
    expect(result.process.outputTail()).toEqual(['nothing to do']);
  });

  it('stops a job that runs past its timeout', async () => {
    const result = await runJob({
      command: node('grandchild.mjs'),
      cwd: FIXTURES,
      timeoutMs: 300,
      killGraceMs: 300,
      maxOutputBytes: 1024 * 1024,
      scanner: createSecretScanner(),
    });
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', forced: true });
    expect(noSuchProcess(printedPid(result.process, 'grandchild'))).toBe(true);
  });

  it('stops a job run under way when its loop is stopped, without waiting for its timeout', async () => {
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    // A job stuck on a response that never comes: it would run to its 100 s timeout.
    const loop = startJobLoop({
      command: node('grandchild.mjs'),
      cwd: FIXTURES,
      timeoutMs: 100_000,
      killGraceMs: 300,
      maxOutputBytes: 1024 * 1024,
      scanner: createSecretScanner(),
      intervalMs: 200,
      onStart: () => started(),
    });
    await running;
    await until(async () => loop.lines().some((l) => l.text.startsWith('grandchild ')), 'the job to print its pids');

    const stopped = await loop.stop();
    // Ignoring SIGTERM, it was killed after the grace, its grandchild too.
    expect(stopped).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(loop.runs()).toBe(1);
    expect(noSuchProcess(printedPid(loop, 'grandchild'))).toBe(true);
  }, 20_000);

  it('says a job command was not found', async () => {
    const result = await runJob({
      command: 'golive-no-such-command',
      cwd: FIXTURES,
      timeoutMs: 5_000,
      killGraceMs: 300,
      maxOutputBytes: 1024,
      scanner: createSecretScanner(),
    });
    expect(result.error?.code).toBe('GOLIVE_ERR_COMMAND_NOT_FOUND');
  });
});

describe('stopIntegrationsOnSignals', () => {
  it('stops running integrations on SIGINT, exits 130, and leaves no handler behind', async () => {
    const before = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
    const proc = start({ command: node('hang.mjs'), readyWhen: { log: 'up' } });
    await proc.ready;
    let exitCode: number | undefined;
    const exited = new Promise<void>((resolve) => {
      const unregister = stopIntegrationsOnSignals({
        exit: (code) => {
          exitCode = code;
          unregister();
          resolve();
        },
      });
      expect(process.listenerCount('SIGINT')).toBe(before.SIGINT + 1);
    });
    process.emit('SIGINT', 'SIGINT');
    await exited;
    expect(exitCode).toBe(130);
    expect(noSuchProcess(proc.pid!)).toBe(true);
    expect(process.listenerCount('SIGINT')).toBe(before.SIGINT);
    expect(process.listenerCount('SIGTERM')).toBe(before.SIGTERM);
  });
});
