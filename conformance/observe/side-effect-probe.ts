import { execFile } from 'node:child_process';
import type { SecretScanner } from './secrets.ts';

/** What one reading of the side-effect probe gave: its output (masked), or why there is none. */
export type ProbeReading = { ok: true; output: string } | { ok: false; error: string };

export interface SideEffectProbeOptions {
  /** A shell command line (run by /bin/sh) or an argv array, as `integration.command`. */
  command: string | readonly string[];
  cwd: string;
  /** The integration's environment, so the probe can reach what the integration wrote (its port, its files). */
  env: Record<string, string>;
  timeoutMs?: number;
  /** Output is masked before anyone sees it: a probe may print what the integration stored. */
  scanner: SecretScanner;
}

/** Output kept per reading; a probe prints a summary of effects, not a database dump. */
const MAX_OUTPUT_BYTES = 256 * 1024;

/**
 * The integration's side-effect probe (config `webhook.idempotencyProbe`): a command that prints
 * the state of effects outside the mock (rows in its database, files it wrote), read before and
 * after each webhook step. Two readings that differ mean the step had an effect.
 *
 * @example const read = createSideEffectProbe({ command: 'sqlite3 erp.db "select count(*) from bookings"', cwd, env, scanner });
 */
export function createSideEffectProbe(options: SideEffectProbeOptions): () => Promise<ProbeReading> {
  const { command, cwd, env, timeoutMs = 10_000, scanner } = options;
  const [file, args] = typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0]!, command.slice(1)];
  return () =>
    new Promise((resolve) => {
      execFile(
        file,
        args,
        { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (!err) return resolve({ ok: true, output: scanner.mask(stdout) });
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
          const why =
            e.code === 'ENOENT'
              ? `command not found: ${file}`
              : e.killed
                ? `no answer within ${timeoutMs} ms`
                : e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
                  ? `printed more than ${MAX_OUTPUT_BYTES} bytes`
                  : `exit ${String(e.code)}${stderr.trim() ? `: ${scanner.mask(stderr.trim().split('\n').slice(-1)[0]!.slice(0, 200))}` : ''}`;
          resolve({ ok: false, error: `the side-effect probe (webhook.idempotencyProbe) failed: ${why}` });
        },
      );
    });
}
