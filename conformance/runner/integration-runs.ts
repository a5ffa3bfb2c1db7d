import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { BadTlsKind, CreatedApiUser, JournalEntry, MockServer } from '../../mock-server/index.ts';
import { GoliveError } from '../../errors.ts';
import type { GoliveConfig } from '../config/define.ts';
import type { SecretScanner } from '../observe/secrets.ts';
import { type IntegrationHandle, startJobLoop } from './job-loop.ts';
import { wait } from './phases.ts';
import { startIntegration } from './process.ts';
import { type CredentialFiles, credentialFilesFor, tokenCacheFor, writeCredentialFiles } from './run-credentials.ts';

/**
 * Which run of the integration: against an environment, against a listener with a bad
 * certificate, or a side lane's (test environment, an API user of its own).
 */
export type RunName = 'test' | 'production' | `tls:${BadTlsKind}` | `lane:${string}`;

/** One run of the integration against one environment. */
export interface Run {
  environment: RunName;
  /** The instance running now (a restart replaces it). */
  process: IntegrationHandle | null;
  /** Instances a restart replaced, for their output. */
  replaced: IntegrationHandle[];
  startError: string | null;
  exit: { code: number | null; signal: string | null; atMono: number } | null;
  /**
   * The environment it was started with, and its webhook port. A rotation updates it in place:
   * a job's next run, and a restarted instance, get the new credentials.
   */
  env: Record<string, string>;
  /** Job mode: when each run of the job started (monotonic ms). */
  jobStarts: number[];
  webhookPort: number;
  apiUrl: string;
  /** The files holding its current credentials (in the run's own folder of the state dir). */
  credentials: CredentialFiles;
}

/** What the terminal is told of an instance of the integration. */
export type InstanceProgress =
  | { kind: 'ready'; environment: string; ms: number }
  | { kind: 'exited'; environment: string; code: number | null; signal: string | null };

export interface RunsOptions {
  config: GoliveConfig;
  mock: MockServer;
  scanner: SecretScanner;
  /** Where each run's private files go (its credential files). */
  stateDir: string;
  /** The contract's environment for run `name` with this API URL, API user (and the files holding its credentials) and webhook port. */
  env: (name: RunName, apiUrl: string, user: CreatedApiUser, files: CredentialFiles, webhookPort: number) => Record<string, string>;
  /** Settles when the whole certify run is stopped early (Ctrl-C). */
  aborted: Promise<void>;
  progress: (p: InstanceProgress) => void;
}

/** The runs of the integration in one certify run: starting, restarting and stopping them. */
export interface Runs {
  /** Every run launched, in launch order. */
  readonly all: readonly Run[];
  /**
   * Settles when the test run ends (its current instance exits; a restart's stop of the old one
   * does not count), or on abort. A restart that starts a fresh instance after the last one
   * exited brings the run back: read this again after a restart.
   */
  readonly stopped: Promise<void>;
  /**
   * Starts a run with its own webhook port and waits until it is ready; a failure to start is
   * recorded in the run. With `untilWorking`, waits on until `user` has made a call that worked
   * (it holds a valid token), at most `timeouts.readyMs` more, as `restart` does.
   */
  launch(name: RunName, user: CreatedApiUser, apiUrl: string, options?: { untilWorking?: boolean }): Promise<Run>;
  /** Settles when `run` ends (as `stopped` does for the test run): its current instance exits, or on abort. */
  stoppedOf(run: Run): Promise<void>;
  /**
   * A fresh instance of the integration in place of the running one (a service; a job starts
   * fresh on every run anyway): it is stopped, a new one started with the same environment, and
   * this resolves once the new one has made a call that worked (it holds a valid token), or
   * after `timeouts.readyMs`. An instance that has exited (one that stops on refused
   * credentials, as it should) is replaced too, so no later phase is starved by it; never after
   * an abort.
   */
  restart(run: Run, clientId: string): Promise<void>;
  /**
   * The run's credentials are now `user`'s (a secret rotation): its credential files are
   * rewritten atomically, and its environment updated for a job's next run.
   */
  rotate(run: Run, user: CreatedApiUser): Promise<void>;
  stopAll(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function createRuns(options: RunsOptions): Runs {
  const { config, mock, scanner, progress } = options;
  const all: Run[] = [];
  // Each run's end, for the phases that watch it (the test run's, a side lane's).
  const ends = new Map<Run, { stopped: Promise<void>; end: () => void }>();
  let aborted = false;
  void options.aborted.then(() => {
    aborted = true;
  });
  /** A new end for `run`: at its start, and when a restart brings an exited run back. */
  const arm = (run: Run) => {
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    // In job mode `exited` settles only when the loop is stopped, so it never ends the phases early.
    ends.set(run, { stopped: Promise.race([ended, options.aborted]), end });
  };
  const endRun = (run: Run) => ends.get(run)?.end();
  const stoppedOf = (run: Run) => ends.get(run)?.stopped ?? options.aborted;
  // Before the test run is launched, its end is the abort's.
  const testRun = () => all.find((r) => r.environment === 'test');

  /** Settles once `clientId` has made an API call that worked since `since`, or after `timeouts.readyMs`, or when `run` ends. */
  const untilWorking = async (run: Run, clientId: string, since: number, started: Promise<void>): Promise<void> => {
    const worked = workingCall(mock, clientId, since);
    try {
      await started;
      if (run.startError) {
        endRun(run);
        return;
      }
      await wait(config.timeouts.readyMs, Promise.race([worked.settled, stoppedOf(run)]));
    } finally {
      worked.cancel();
    }
  };

  /** Starts an instance of the integration for `run` and waits until it is ready; a failure to start is recorded in `run`. */
  const startInstance = async (run: Run): Promise<void> => {
    // Contract: ready when readyWhen says so; else when the webhook port accepts connections; else after 2 s.
    const configured = config.integration.readyWhen;
    // A readiness URL is probed over verified TLS, trusting the harness CA the integration serves with.
    const readyWhen =
      configured && 'url' in configured ? { url: configured.url, ca: mock.tls!.ca.cert } : (configured ?? (config.webhook ? { port: run.webhookPort } : undefined));
    const started = performance.now();
    try {
      const common = {
        command: config.integration.command,
        cwd: config.integration.cwd,
        env: run.env,
        killGraceMs: config.timeouts.killGraceMs,
        maxOutputBytes: config.output.maxBytes,
        scanner,
      };
      if (config.integration.mode === 'job') {
        // A job ends by design: its exits are not the end of the run.
        run.process = startJobLoop({
          ...common,
          timeoutMs: config.timeouts.jobMs,
          intervalMs: config.integration.jobIntervalMs,
          onStart: (mono) => run.jobStarts.push(mono),
        });
        run.process.exited.then((exit) => {
          run.exit = exit;
          endRun(run);
        });
      } else {
        run.process = startIntegration({ ...common, ...(readyWhen ? { readyWhen } : {}), readyTimeoutMs: config.timeouts.readyMs });
        const instance = run.process;
        run.process.exited.then((exit) => {
          // An instance a restart replaced ended on purpose: that is not the run's end.
          if (run.process !== instance) return;
          run.exit = exit;
          progress({ kind: 'exited', environment: run.environment, code: exit.code, signal: exit.signal });
          endRun(run);
        });
      }
      await run.process.ready;
      progress({ kind: 'ready', environment: run.environment, ms: performance.now() - started });
    } catch (err) {
      // A command that cannot be started is the run's failure, not the integration's: exit 2.
      if (err instanceof GoliveError && err.code === 'GOLIVE_ERR_COMMAND_NOT_FOUND') throw err;
      run.startError = (err as Error).message;
    }
  };

  return {
    all,
    get stopped() {
      const run = testRun();
      return run ? stoppedOf(run) : options.aborted;
    },
    stoppedOf,
    async launch(name, user, apiUrl, launchOptions) {
      const port = await freePort();
      const credentials = await credentialFilesFor(options.stateDir, name);
      await writeCredentialFiles(credentials, user);
      const run: Run = { environment: name, process: null, replaced: [], startError: null, exit: null, env: {}, jobStarts: [], webhookPort: port, apiUrl, credentials };
      all.push(run);
      arm(run);
      run.env = options.env(name, apiUrl, user, credentials, port);
      // A job's stand-in for a secret store: its own folder per run, outside the scanned workspace.
      if (config.integration.mode === 'job' && config.integration.tokenCache) run.env.GOLIVE_TOKEN_CACHE_DIR = await tokenCacheFor(options.stateDir, name);
      if (launchOptions?.untilWorking) await untilWorking(run, user.clientId, performance.now(), startInstance(run));
      else await startInstance(run);
      return run;
    },
    async rotate(run, user) {
      await writeCredentialFiles(run.credentials, user);
      // In place: the job loop reads this object at every run it starts.
      Object.assign(run.env, options.env(run.environment, run.apiUrl, user, run.credentials, run.webhookPort));
    },
    async restart(run, clientId) {
      if (config.integration.mode === 'job' || !run.process || run.startError !== null || aborted) return;
      const old = run.process;
      run.replaced.push(old);
      run.process = null;
      if (run.exit) {
        // It had exited: the run goes on with the fresh instance.
        run.exit = null;
        arm(run);
      } else await old.stop();
      // An integration that has made no API call as this user (a receiver that calls only when an
      // event comes) would make none now either: ready is enough, not `readyMs` of waiting for one.
      if (!mock.journal.since(0).some((e) => e.apiUser === clientId && e.requiredRole !== null)) return startInstance(run);
      await untilWorking(run, clientId, performance.now(), startInstance(run));
    },
    async stopAll() {
      await Promise.all(all.map((r) => r.process?.stop()));
    },
  };
}

/** Settles at the first API call of `clientId` that worked, journalled at `since` (monotonic ms) or later; `cancel` stops watching. */
export function workingCall(mock: MockServer, clientId: string, since = 0): { settled: Promise<void>; cancel: () => void } {
  const worked = (e: JournalEntry) => e.apiUser === clientId && e.requiredRole !== null && e.status > 0 && e.status < 400 && e.mono >= since;
  let cancel = () => {};
  const settled = new Promise<void>((resolve) => {
    cancel = mock.journal.subscribe((e) => {
      if (worked(e)) resolve();
    });
    if (mock.journal.since(0).some(worked)) resolve();
  });
  return { settled, cancel };
}

/** Every instance a run had: those a restart replaced, then the current one. */
export function instancesOf(run: Run): IntegrationHandle[] {
  return [...run.replaced, ...(run.process ? [run.process] : [])];
}
