/**
 * The integration's process: started as a black box in its own process group, its output
 * kept masked and bounded, readiness awaited, and stopped with everything it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { GoliveError } from '../../errors.ts';
import { PROFILES } from '../../mock-server/index.ts';
import type { SecretScanner } from '../observe/secrets.ts';
import { RUN_TAG_VARIABLE, type RunWatch, killTree, watchRun } from './kill-tree.ts';
import {
  type OutputFinding,
  type OutputLine,
  type OutputStats,
  type StreamName,
  createOutputCapture,
} from './output.ts';
import { type ReadyWhen, describeReadyWhen, waitUntilReady } from './ready.ts';

export type { ReadyWhen } from './ready.ts';
export type { OutputFinding, OutputLine, OutputStats } from './output.ts';

/** Without `readyWhen`: ready this long after start (contract: "or 2 s"). */
export const DEFAULT_READY_DELAY_MS = 2_000;
/** How long pipes held open by a leftover descendant may delay `exited` after the exit itself. */
const PIPE_CLOSE_GRACE_MS = 200;
/** How long `stop()` waits for the exit event after every process is gone. */
const EXIT_EVENT_GRACE_MS = 5_000;

/** What to run, where, and the limits it runs under. */
export interface StartOptions {
  /** A string runs through `/bin/sh -c`; an array is argv, run directly. */
  command: string | readonly string[];
  cwd: string;
  /** Merged over the harness's environment (minus the variables in `childEnvironment`); undefined removes one. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default: `DEFAULT_READY_DELAY_MS` after start. */
  readyWhen?: ReadyWhen;
  readyTimeoutMs: number;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** Bytes of output kept in full; past it, a tail (see `output.ts`). */
  maxOutputBytes: number;
  scanner: SecretScanner;
  /** Monotonic clock in milliseconds; default `performance.now`. */
  now?: () => number;
  /** Longest line kept whole (default 64 KiB). */
  maxLineBytes?: number;
}

/** How the process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Monotonic time of the exit. */
  atMono: number;
  /** Set when the command could not be started at all (GOLIVE_ERR_COMMAND_NOT_FOUND). */
  error?: GoliveError;
}

/** How the process ended when stopped. */
export interface StopResult extends ExitInfo {
  /** SIGTERM was not enough: some process needed SIGKILL. */
  forced: boolean;
}

/** A started integration. Every method is safe to call at any time, `stop()` more than once. */
export interface IntegrationProcess {
  readonly pid: number | undefined;
  /** The command as a person would type it. */
  readonly command: string;
  /** The value of `GOLIVE_RUN_TAG` the process and its descendants carry. */
  readonly tag: string;
  /**
   * Resolves per `readyWhen`. Rejects with a GoliveError whose message is the reason:
   * GOLIVE_ERR_COMMAND_NOT_FOUND, or GOLIVE_ERR_NOT_READY (exited first, timed out, stopped).
   * Nobody has to await it: an unobserved rejection is not reported as unhandled.
   */
  readonly ready: Promise<void>;
  /** Resolves once the process has exited and its output is read. */
  readonly exited: Promise<ExitInfo>;
  /** Secrets seen in the output so far (at most `MAX_FINDINGS` kept). */
  readonly findings: readonly OutputFinding[];
  /** SIGTERM to the group and every descendant, SIGKILL after the grace period; resolves when all are gone. */
  stop(): Promise<StopResult>;
  /** SIGKILL to the group and the process, at once and synchronously (a second Ctrl-C). */
  forceKill(): void;
  /** Every kept line, masked. */
  lines(): OutputLine[];
  /** The texts of the last `n` kept lines (default 20), masked. */
  outputTail(n?: number): string[];
  stats(): OutputStats;
}

/** A job is run once to completion, with a time limit instead of readiness. */
export interface JobOptions extends Omit<StartOptions, 'readyWhen' | 'readyTimeoutMs'> {
  /** The longest the job may run before it is stopped. */
  timeoutMs: number;
  /** Stops the run early (golive is done with the integration): it is not waited for. */
  signal?: AbortSignal;
  /** Told the run's process as soon as it is launched, so its output can be read while it runs. */
  onLaunch?: (proc: IntegrationProcess) => void;
}

/** How a job ended, with its process for the output. */
export interface JobResult extends StopResult {
  /** The job ran past `timeoutMs` and was stopped. */
  timedOut: boolean;
  process: IntegrationProcess;
}

/** `OMNIUM_`, `WEBHOOK_`…: the prefixes of the variables every platform gives its integrations. */
const PLATFORM_PREFIXES = [...new Set(Object.values(PROFILES).flatMap((p) => Object.values(p.env).map((name) => name.slice(0, name.indexOf('_') + 1))))]
  .filter((prefix) => prefix.length > 1)
  .map((prefix) => new RegExp(`^${prefix}`));

/**
 * Variables of the harness's own environment the integration must not inherit: its
 * credentials and URLs (which the harness sets itself, and which could be real ones of
 * the person running golive; every platform's prefix), Node's IPC and cluster plumbing,
 * and test-runner state.
 */
const INHERITED_BUT_CONFUSING = [
  ...PLATFORM_PREFIXES,
  /^NODE_CHANNEL_/,
  /^NODE_UNIQUE_ID$/,
  /^VITEST/,
  /^__VITEST/,
  /^JEST_WORKER_ID$/,
  new RegExp(`^${RUN_TAG_VARIABLE}$`),
];

/** The environment the integration starts with: the harness's (PATH, HOME…) minus confusing variables, plus `extra`. */
export function childEnvironment(
  extra: Readonly<Record<string, string | undefined>> = {},
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !INHERITED_BUT_CONFUSING.some((re) => re.test(name))) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** The command as a person would type it. */
function displayCommand(command: string | readonly string[]): string {
  if (typeof command === 'string') return command;
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

const quoteLine = (text: string) => JSON.stringify(text.length > 200 ? `${text.slice(0, 197)}...` : text);

const running = new Set<IntegrationProcess>();

/**
 * Starts the integration (mode "service": it keeps running until `stop()`).
 * @example
 * const app = startIntegration({ command: 'node server.js', cwd, env, readyWhen: { log: 'listening' },
 *   readyTimeoutMs: 15_000, killGraceMs: 3_000, maxOutputBytes: 5 << 20, scanner });
 * await app.ready;
 * await app.stop();
 */
export function startIntegration(options: StartOptions): IntegrationProcess {
  return launch(options, 'service');
}

/** Runs the integration once to completion (mode "job"), stopped after `timeoutMs`; leftovers are stopped too. */
export async function runJob(options: JobOptions): Promise<JobResult> {
  const proc = launch({ ...options, readyTimeoutMs: options.timeoutMs }, 'job');
  options.onLaunch?.(proc);
  const timer = new AbortController();
  let timedOut = false;
  const timeout = sleep(options.timeoutMs, undefined, { signal: timer.signal }).then(
    () => {
      timedOut = true;
    },
    () => undefined,
  );
  const stopped = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    else options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([proc.exited, timeout, stopped]);
  timer.abort();
  const result = await proc.stop();
  return { ...result, timedOut, process: proc };
}

function launch(options: StartOptions, mode: 'service' | 'job'): IntegrationProcess {
  const now = options.now ?? (() => performance.now());
  const command = displayCommand(options.command);
  const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const shell = typeof options.command === 'string';
  const lineListeners = new Set<(text: string) => void>();
  const capture = createOutputCapture({
    maxBytes: options.maxOutputBytes,
    scanner: options.scanner,
    now,
    ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
    onLine: (text) => {
      for (const listener of lineListeners) listener(text);
    },
  });

  // ---- readiness ----
  let readyState: 'pending' | 'ready' | 'failed' = 'pending';
  let resolveReady!: () => void;
  let rejectReady!: (err: GoliveError) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined);
  const readyProbe = new AbortController();
  let readyTimer: NodeJS.Timeout | undefined;
  const settleReady = (err?: GoliveError): void => {
    if (readyState !== 'pending') return;
    readyState = err ? 'failed' : 'ready';
    readyProbe.abort();
    clearTimeout(readyTimer);
    if (err) rejectReady(err);
    else resolveReady();
  };

  const lastOutput = (): string => {
    const lines = capture.lines().filter((l) => !l.marker);
    const last = lines.filter((l) => l.stream === 'stderr').at(-1) ?? lines.at(-1);
    return last ? ` (last output: ${quoteLine(last.text)})` : ' (no output)';
  };

  // ---- exit ----
  let resolveExited!: (info: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((resolve) => {
    resolveExited = resolve;
  });
  let exitInfo: ExitInfo | undefined;
  let finished = false;
  const finish = (): void => {
    if (finished || !exitInfo) return;
    finished = true;
    capture.end('stdout');
    capture.end('stderr');
    const { code, signal } = exitInfo;
    const startupFailure = shell && (code === 127 || code === 126) && (mode === 'job' || readyState === 'pending');
    if (startupFailure) {
      const why = code === 127 ? 'was not found' : 'is not executable';
      exitInfo.error = new GoliveError(
        'GOLIVE_ERR_COMMAND_NOT_FOUND',
        `the integration's command ${JSON.stringify(command)} could not be started: the shell says it ${why}${lastOutput()}`,
      );
    }
    if (exitInfo.error) settleReady(exitInfo.error);
    else {
      const how = signal ? `was ended by ${signal}` : `exited with code ${code}`;
      settleReady(new GoliveError('GOLIVE_ERR_NOT_READY', `the integration ${how} before it was ready${lastOutput()}`));
    }
    resolveExited(exitInfo);
  };
  const failToStart = (error: GoliveError): void => {
    exitInfo ??= { code: null, signal: null, atMono: now(), error };
    finish();
  };

  let child: ChildProcess | undefined;
  let watch: RunWatch | undefined;
  const cwdProblem = folderProblem(options.cwd);
  if (cwdProblem) {
    queueMicrotask(() =>
      failToStart(
        new GoliveError('GOLIVE_ERR_COMMAND_NOT_FOUND', `cannot start ${JSON.stringify(command)}: its working folder ${cwdProblem}`),
      ),
    );
  } else {
    const env = childEnvironment({ ...options.env, [RUN_TAG_VARIABLE]: tag });
    const { command: cmd } = options;
    const [file, args]: [string, readonly string[]] =
      typeof cmd === 'string' ? ['/bin/sh', ['-c', cmd]] : [cmd[0]!, cmd.slice(1)];
    try {
      child = spawn(file, args, {
        cwd: options.cwd,
        env,
        // Leader of its own process group, so one signal reaches everything it starts.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      queueMicrotask(() => failToStart(spawnError(command, file, err)));
    }
  }

  if (child?.pid !== undefined) watch = watchRun(child.pid, tag);
  if (child) {
    const c = child;
    for (const stream of ['stdout', 'stderr'] as const satisfies StreamName[]) {
      c[stream]!.on('data', (chunk: Buffer) => capture.write(stream, chunk));
    }
    c.once('error', (err) => {
      // Only a failure to start comes here with no pid; later errors (a failed kill) change nothing.
      if (c.pid === undefined) failToStart(spawnError(command, shell ? '/bin/sh' : options.command[0]!, err));
    });
    c.once('exit', (code, signal) => {
      exitInfo ??= { code, signal, atMono: now() };
      // A descendant that inherited the pipes can keep them open; do not wait for it for long.
      setTimeout(finish, PIPE_CLOSE_GRACE_MS).unref();
    });
    c.once('close', finish);
    if (mode === 'job') {
      c.once('spawn', () => settleReady());
    } else {
      const when = options.readyWhen ?? { delayMs: DEFAULT_READY_DELAY_MS };
      const subscribe = (listener: (text: string) => void) => {
        lineListeners.add(listener);
        return () => lineListeners.delete(listener);
      };
      void waitUntilReady(when, subscribe, readyProbe.signal).then(() => settleReady());
      readyTimer = setTimeout(() => {
        settleReady(
          new GoliveError(
            'GOLIVE_ERR_NOT_READY',
            `the integration was not ready within ${options.readyTimeoutMs} ms: waited for ${describeReadyWhen(when)}${lastOutput()}`,
          ),
        );
      }, options.readyTimeoutMs);
    }
  }

  // ---- stop ----
  let stopping: Promise<StopResult> | undefined;
  const stop = (): Promise<StopResult> => {
    stopping ??= (async () => {
      settleReady(new GoliveError('GOLIVE_ERR_NOT_READY', 'the integration was stopped before it was ready'));
      const { forced } = await killTree({ pid: child?.pid, tag, graceMs: options.killGraceMs, ...(watch ? { watch } : {}) });
      watch?.close();
      const info = await Promise.race([
        exited,
        // Unreferenced: a pending guard must not keep the harness alive after a normal stop.
        sleep(EXIT_EVENT_GRACE_MS, undefined, { ref: false }).then((): ExitInfo => exitInfo ?? { code: null, signal: null, atMono: now() }),
      ]);
      running.delete(handle);
      return { ...info, forced };
    })();
    return stopping;
  };

  const handle: IntegrationProcess = {
    pid: child?.pid,
    command,
    tag,
    ready,
    exited,
    findings: capture.findings,
    stop,
    forceKill() {
      const pid = child?.pid;
      if (pid === undefined) return;
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    },
    lines: () => capture.lines(),
    outputTail: (n = 20) => capture.tail(n).map((l) => l.text),
    stats: () => capture.stats(),
  };
  running.add(handle);
  return handle;
}

function folderProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : `${dir} is not a folder`;
  } catch {
    return `${dir} does not exist`;
  }
}

function spawnError(command: string, file: string, err: unknown): GoliveError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? file.includes('/')
        ? `${file} does not exist`
        : `${file} was not found on PATH`
      : code === 'EACCES'
        ? `${file} is not executable`
        : (err as Error).message;
  return new GoliveError('GOLIVE_ERR_COMMAND_NOT_FOUND', `the integration's command ${JSON.stringify(command)} could not be started: ${why}`);
}

/** The integrations started and not yet stopped. */
export function runningIntegrations(): IntegrationProcess[] {
  return [...running];
}

/** Stops every running integration. */
export async function stopAll(): Promise<void> {
  await Promise.all(runningIntegrations().map((p) => p.stop()));
}

const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Which signals to handle and what to do before exiting. */
export interface ShutdownOptions {
  signals?: readonly NodeJS.Signals[];
  /** Default `process.exit`. */
  exit?: (code: number) => void;
  /** Runs first (e.g. writing what the report has so far), before the integrations are stopped. */
  beforeStop?: (signal: NodeJS.Signals) => Promise<void> | void;
}

/**
 * On Ctrl-C (SIGINT) or SIGTERM: stop every running integration, then exit with 128 + the
 * signal's number. A second signal kills them at once and exits. Returns the function that
 * removes the handlers again.
 * @example
 * const unregister = stopIntegrationsOnSignals();
 * try { await certify(...) } finally { unregister() }
 */
export function stopIntegrationsOnSignals(options: ShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const handler = (signal: NodeJS.Signals): void => {
    const code = SIGNAL_EXIT_CODES[signal] ?? 1;
    if (shuttingDown) {
      for (const p of runningIntegrations()) p.forceKill();
      exit(code);
      return;
    }
    shuttingDown = true;
    void (async () => {
      try {
        await options.beforeStop?.(signal);
      } finally {
        await stopAll();
        exit(code);
      }
    })();
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
