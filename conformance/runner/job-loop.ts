import { performance } from 'node:perf_hooks';
import { type ExitInfo, type IntegrationProcess, type JobOptions, type StopResult, runJob } from './process.ts';

/** What the engine needs of a running integration, whether one service or a job run again and again. */
export type IntegrationHandle = Pick<IntegrationProcess, 'ready' | 'exited' | 'stop' | 'findings' | 'lines' | 'outputTail'>;

/**
 * `integration.mode: "job"`: the command runs to its end once per trigger, again and again
 * (a trigger every `intervalMs` after the previous run ended) until stopped. Output and
 * findings of every run are kept together; a run that fails is recorded, not fatal.
 */
export function startJobLoop(options: JobOptions & { intervalMs: number; onStart?: (mono: number) => void }): IntegrationHandle & { runs(): number } {
  const runs: IntegrationProcess[] = [];
  /** The run under way, not yet in `runs`. */
  let current: IntegrationProcess | null = null;
  const all = () => (current ? [...runs, current] : runs);
  let stopping = false;
  // Ends the run under way when golive stops the loop: a job stuck on a response that never comes is not waited out.
  const halt = new AbortController();
  let wake = () => {};
  let last: ExitInfo = { code: null, signal: null, atMono: performance.now() };
  let markReady = () => {};
  let failReady = (_err: Error) => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => {});

  const loop = (async (): Promise<ExitInfo> => {
    while (!stopping) {
      options.onStart?.(performance.now());
      const result = await runJob({
        ...options,
        signal: halt.signal,
        onLaunch: (proc) => {
          current = proc;
        },
      });
      current = null;
      runs.push(result.process);
      last = result;
      if (result.error?.code === 'GOLIVE_ERR_COMMAND_NOT_FOUND') {
        failReady(result.error);
        return last;
      }
      markReady();
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return last;
  })();

  return {
    ready,
    exited: loop,
    get findings() {
      return all().flatMap((r) => r.findings);
    },
    lines: () => all().flatMap((r) => r.lines()),
    outputTail: (n = 20) => all().flatMap((r) => r.outputTail(n)).slice(-n),
    runs: () => runs.length,
    async stop(): Promise<StopResult> {
      stopping = true;
      halt.abort();
      wake();
      const exit = await loop;
      return { ...exit, forced: false };
    },
  };
}

