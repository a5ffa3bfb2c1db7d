import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type CreatedApiUser,
  BAD_TLS_KINDS,
  type BadTlsKind,
  type MockServer,
  OMNIUM_ENDPOINT_INFO,
  createMockServer,
} from '../../mock-server/index.ts';
import { type CheckResult, type PhaseResult, type Report, SCHEMA_VERSION, certifies, totals } from '../../reports/model.ts';
import { GoliveError } from '../../errors.ts';
import { checkContext } from '../checks/index.ts';
import type { LogLine, Observations, PhaseRecord, SecretSighting, WebhookObservations } from '../checks/observations.ts';
import type { GoliveConfig } from '../config/define.ts';
import { type SecretScanner, createSecretScanner } from '../observe/secrets.ts';
import { createSideEffectProbe } from '../observe/side-effect-probe.ts';
import { scanWorkspace } from '../observe/workspace.ts';
import { VERSION } from '../version.ts';
import { type PhaseSpec, type Timings, certifyPlan } from './plan.ts';
import { runPhases, wait } from './phases.ts';
import { integrationEnv } from './integration-env.ts';
import { type IntegrationHandle, startJobLoop } from './job-loop.ts';
import { judge, planFor, selectChecks } from './judge.ts';
import { startIntegration } from './process.ts';
import { driveWebhooks } from './webhook-driver.ts';

export { planFor, phasesNote } from './judge.ts';

/** What the terminal is told while a run goes on. */
export type Progress =
  | { kind: 'start'; apiUrl: string; totalMs: number }
  | { kind: 'ready'; environment: string; ms: number }
  | { kind: 'phase'; phase: PhaseSpec; index: number; count: number; remainingMs: number }
  | { kind: 'exited'; environment: string; code: number | null; signal: string | null }
  | { kind: 'judging' };

export interface CertifyOptions {
  config: GoliveConfig;
  timings: Timings;
  /** Checks to judge (default: all). */
  only?: readonly string[];
  onProgress?: (p: Progress) => void;
  /** Stops the run early (Ctrl-C): the report is still complete, with what was seen. */
  signal?: AbortSignal;
}

/** Which run of the integration: against an environment, or against a listener with a bad certificate. */
export type RunName = 'test' | 'production' | `tls:${BadTlsKind}`;

/** One run of the integration against one environment. */
interface Run {
  environment: RunName;
  /** The instance running now (a restart replaces it). */
  process: IntegrationHandle | null;
  /** Instances a restart replaced, for their output. */
  replaced: IntegrationHandle[];
  startError: string | null;
  exit: { code: number | null; signal: string | null; atMono: number } | null;
  lines: LogLine[];
  files: string[];
  /** The environment it was started with, and its webhook port. */
  env: Record<string, string>;
  webhookPort: number;
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

/**
 * `golive certify`'s engine: start the mock, create the API users, start the integration
 * with the contract's environment, run the phases, stop everything, scan the workspace,
 * and judge every check. Whatever happens to the integration, a complete report comes back.
 */
export async function certify(options: CertifyOptions): Promise<Report> {
  const { config, timings } = options;
  const startedAt = new Date();
  const runStartMono = performance.now();
  const state = await mkdtemp(join(tmpdir(), 'golive-certify-'));
  const mock = await createMockServer({ stateDir: state, demoUser: false });
  const scanner = createSecretScanner();
  const stopTokenWatch = mock.onTokenIssued((token) => scanner.add({ kind: 'token', value: token }));
  const context = checkContext(config, OMNIUM_ENDPOINT_INFO);
  const checks = selectChecks(options.only);
  const plan = planFor(certifyPlan(timings, context.facts), options.only ? checks : null);
  const phases: PhaseRecord[] = [];
  const runs: Run[] = [];
  const progress = options.onProgress ?? (() => {});
  const aborted = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });

  try {
    const spec = { name: config.apiUser.name, roles: config.apiUser.roles, stores: config.apiUser.stores, markets: config.apiUser.markets };
    const testUser = await mock.createApiUser({ ...spec, environment: 'test' });
    const prodUser = await mock.createApiUser({ ...spec, environment: 'production' });
    // The runs against bad certificates get a user of their own, so their traffic (if any gets
    // through) never mixes with the test run's.
    const tlsUser = await mock.createApiUser({ ...spec, environment: 'test' });
    const webhookToken = `whk_${randomBytes(24).toString('base64url')}`;
    for (const u of [testUser, prodUser, tlsUser]) scanner.add({ kind: 'client-secret', value: u.clientSecret, id: u.clientId });
    // The other-tenant probe's secret: never given to the integration, but masked like its own if it logs what it was sent.
    const otherTenantToken = `whk_${randomBytes(24).toString('base64url')}`;
    scanner.add({ kind: 'webhook-secret', value: webhookToken });
    scanner.add({ kind: 'webhook-secret', value: otherTenantToken });
    const webhookCert = await mock.tls!.ca.issue(['127.0.0.1', 'localhost']);
    const certPath = join(state, 'webhook-cert.pem');
    const keyPath = join(state, 'webhook-key.pem');
    await writeFile(certPath, webhookCert.cert);
    await writeFile(keyPath, webhookCert.key, { mode: 0o600 });

    const totalMs = plan.reduce((sum, p) => sum + p.durationMs, 0);
    progress({ kind: 'start', apiUrl: mock.apiUrl, totalMs });

    // The test run ends when its current instance exits (a restart's stop of the old one does not count).
    let endTestRun = () => {};
    const testEnded = new Promise<void>((resolve) => {
      endTestRun = resolve;
    });

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
          run.process = startJobLoop({ ...common, timeoutMs: config.timeouts.jobMs, intervalMs: config.integration.jobIntervalMs });
          run.process.exited.then((exit) => {
            run.exit = exit;
            if (run.environment === 'test') endTestRun();
          });
        } else {
          run.process = startIntegration({ ...common, ...(readyWhen ? { readyWhen } : {}), readyTimeoutMs: config.timeouts.readyMs });
          const instance = run.process;
          run.process.exited.then((exit) => {
            // An instance a restart replaced ended on purpose: that is not the run's end.
            if (run.process !== instance) return;
            run.exit = exit;
            progress({ kind: 'exited', environment: run.environment, code: exit.code, signal: exit.signal });
            if (run.environment === 'test') endTestRun();
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

    const launch = async (environment: RunName, user: CreatedApiUser): Promise<Run> => {
      const port = await freePort();
      const run: Run = { environment, process: null, replaced: [], startError: null, exit: null, lines: [], files: [], env: {}, webhookPort: port };
      runs.push(run);
      const apiUrl = environment.startsWith('tls:')
        ? mock.badTls[environment.slice(4) as BadTlsKind]!
        : mock.environments[environment as 'test' | 'production'].apiUrl;
      const env = integrationEnv(config, mock, apiUrl, user, { token: webhookToken, port, certPath, keyPath });
      run.env = env;
      await startInstance(run);
      return run;
    };

    const testRun = await launch('test', testUser);
    // In job mode `exited` settles only when the loop is stopped, so it never ends the phases early.
    const stopped = Promise.race([testEnded, aborted]);
    // The production run goes on alongside the steady phase: it cannot disturb it (own listener, own user).
    // It lasts until it has made a request (a slow start on a loaded machine), within the time the integration has to get ready.
    const production = firstRequestIn(mock, 'production');
    const productionRun = testRun.startError
      ? null
      : runBeside(launch, 'production', prodUser, timings.productionMs, aborted, { traffic: production.traffic, maxMs: timings.productionMs + config.timeouts.readyMs }).finally(production.cancel);
    // So do the short runs against the bad-TLS listeners, one after another (token.tls-verified).
    const tlsRuns = testRun.startError
      ? null
      : (async () => {
          for (const kind of BAD_TLS_KINDS) await runBeside(launch, `tls:${kind}`, tlsUser, timings.tlsRunMs, aborted);
        })();

    const webhook = config.webhook;
    const webhookUrl = webhook ? `https://127.0.0.1:${testRun.webhookPort}${webhook.path}` : '';
    let webhookRun: Promise<WebhookObservations> | null = null;
    const drivers = {
      webhooks: async (phase: PhaseSpec) => {
        if (!webhook) return;
        // Nothing else of the integration may run while the phase compares states before and
        // after each delivery: the production and bad-TLS runs share its files (and its probe).
        const beside = Promise.all([productionRun, tlsRuns]).then(() => 'over' as const);
        if ((await Promise.race([beside, stopped.then(() => 'stopped' as const)])) === 'stopped') return;
        const deadlineMono = performance.now() + phase.durationMs;
        webhookRun = driveWebhooks({
          mock,
          clientId: testUser.clientId,
          subscription: {
            url: webhookUrl,
            auth: webhookAuth(webhook, webhookToken),
            ...(webhook.events ? { classNames: webhook.events } : {}),
            timeoutMs: webhook.timeoutMs,
          },
          otherTenantToken,
          settle: { minMs: timings.webhookSettleMs, quietMs: timings.webhookQuietMs, maxMs: Math.max(timings.webhookSettleMs * 4, 5_000) },
          ...(webhook.idempotencyProbe
            ? { readProbe: createSideEffectProbe({ command: webhook.idempotencyProbe, cwd: config.integration.cwd, env: testRun.env, scanner }) }
            : {}),
          stop: stopped,
          deadlineMono,
        });
        await webhookRun;
      },
    };
    /**
     * A fresh instance of the integration in place of the running one (a service; a job starts
     * fresh on every run anyway): it is stopped, a new one started with the same environment, and
     * the phase begins once the new one has made a call that worked (it holds a valid token), or
     * after `timeouts.readyMs`.
     */
    const restartTestRun = async (run: Run, clientId: string): Promise<void> => {
      if (config.integration.mode === 'job' || !run.process || run.exit) return;
      const old = run.process;
      run.replaced.push(old);
      run.process = null;
      await old.stop();
      const since = performance.now();
      let working = () => {};
      const worked = new Promise<'worked'>((resolve) => {
        working = () => resolve('worked');
      });
      const unsubscribe = mock.journal.subscribe((e) => {
        if (e.apiUser === clientId && e.requiredRole !== null && e.status > 0 && e.status < 400 && e.mono >= since) working();
      });
      try {
        await startInstance(run);
        if (run.startError) {
          endTestRun();
          return;
        }
        await wait(config.timeouts.readyMs, Promise.race([worked, stopped]));
      } finally {
        unsubscribe();
      }
    };

    if (!testRun.startError && !testRun.exit && !options.signal?.aborted) {
      phases.push(
        ...(await runPhases(mock, plan, {
          clientId: testUser.clientId,
          stop: stopped,
          drivers,
          onPhase: (phase, index, remainingMs) => progress({ kind: 'phase', phase, index, count: plan.length, remainingMs }),
          restart: () => restartTestRun(testRun, testUser.clientId),
        })),
      );
    }
    await productionRun;
    await tlsRuns;
    progress({ kind: 'judging' });
    await Promise.all(runs.map((r) => r.process?.stop()));

    const secrets = await sightings(runs, scanner, config.workspace);
    const universe = mock.runtime(undefined, 'test').db;
    const obs: Observations = {
      runStartMono,
      apiUser: config.apiUser,
      clients: { test: testUser.clientId, production: prodUser.clientId },
      journal: mock.journal.since(0),
      phases,
      logs: runs.flatMap((r) => r.lines),
      secrets,
      endpoints: OMNIUM_ENDPOINT_INFO,
      universe: { stores: universe.stores.all().map((s) => s.id), markets: universe.markets.all().map((m) => m.marketId) },
      webhook: webhook ? ((await webhookRun) ?? notDriven(webhookUrl, webhook.timeoutMs, webhook.idempotencyProbe !== undefined)) : null,
      tls: mock.tlsConnections(),
      tlsRuns: runs.filter((r) => r.environment.startsWith('tls:')).map((r) => r.environment.slice(4) as BadTlsKind),
    };
    const results = judge(checks, obs, context, testRun.startError);
    return buildReport({ config, startedAt, runStartMono, plan, phases, runs, checks: results });
  } finally {
    stopTokenWatch();
    await Promise.all(runs.map((r) => r.process?.stop()));
    await mock.close();
    await rm(state, { recursive: true, force: true });
  }
}

/** A run of the integration alongside the phases, for `ms`. */
async function runBeside(
  launch: (env: RunName, user: CreatedApiUser) => Promise<Run>,
  name: RunName,
  user: CreatedApiUser,
  ms: number,
  aborted: Promise<void>,
  /** Also until this settles (the run made the traffic it is judged on), within `maxMs` in all. */
  until?: { traffic: Promise<unknown>; maxMs: number },
): Promise<void> {
  const run = await launch(name, user);
  if (run.process) {
    const over = Promise.race([run.process.exited, aborted]);
    const started = performance.now();
    await wait(ms, over);
    if (until) await wait(Math.max(0, until.maxMs - (performance.now() - started)), Promise.race([over, until.traffic]));
    await run.process.stop();
  }
}

/** Settles at the first request the mock journals in `environment` (any API user: a test token sent to production counts too). */
function firstRequestIn(mock: MockServer, environment: 'test' | 'production'): { traffic: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const traffic = new Promise<void>((resolve) => {
    if (mock.journal.since(0).some((e) => e.environment === environment)) return resolve();
    cancel = mock.journal.subscribe((e) => {
      if (e.environment === environment) resolve();
    });
  });
  return { traffic, cancel };
}

/** `file` relative to `dir` when it lies inside it (with / separators), else as it is. */
function relativeTo(dir: string, file: string): string {
  const rel = relative(dir, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

/** How deliveries authenticate, per config `webhook.auth` and `webhook.header`. */
function webhookAuth(webhook: NonNullable<GoliveConfig['webhook']>, token: string) {
  if (webhook.auth === 'api-key') return { type: 'header' as const, name: webhook.header, value: token };
  if (webhook.header.toLowerCase() === 'authorization') return { type: 'bearer' as const, token };
  return { type: 'header' as const, name: webhook.header, value: `Bearer ${token}` };
}

/** The observations of a webhook phase that never ran (the integration stopped first). */
function notDriven(url: string, timeoutMs: number, probe: boolean): WebhookObservations {
  return { url, timeoutMs, probe, deliveries: [], simulatedTimeouts: [], probes: null, first: null, duplicates: null, problem: 'the webhook phase did not run (the integration stopped before it)' };
}

async function sightings(runs: Run[], scanner: SecretScanner, workspace: string): Promise<SecretSighting[]> {
  const out: SecretSighting[] = [];
  for (const run of runs) {
    const instances = [...run.replaced, ...(run.process ? [run.process] : [])];
    for (const f of instances.flatMap((i) => i.findings)) {
      out.push({ where: 'log', kind: f.kind, masked: f.masked, how: f.how, stream: f.stream, mono: f.mono, text: f.text });
    }
    for (const line of instances.flatMap((i) => i.lines())) run.lines.push({ ...line, run: run.environment });
  }
  for (const f of await scanWorkspace(workspace, scanner)) {
    out.push({ where: 'file', kind: f.kind, masked: f.masked, how: f.how, file: f.file, line: f.line, ...(f.commit ? { commit: f.commit } : {}) });
  }
  return out;
}

function buildReport(input: {
  config: GoliveConfig;
  startedAt: Date;
  runStartMono: number;
  plan: PhaseSpec[];
  phases: PhaseRecord[];
  runs: Run[];
  checks: CheckResult[];
}): Report {
  const { config, runStartMono } = input;
  const seconds = (mono: number) => Math.round((mono - runStartMono) / 100) / 10;
  const phases: PhaseResult[] = input.plan.map((spec) => {
    const ran = input.phases.find((p) => p.name === spec.name);
    if (!ran) return { name: spec.name, environment: 'test', startedAt: 0, durationSeconds: 0, completed: false, note: 'not run' };
    return {
      name: spec.name,
      environment: ran.environment,
      startedAt: seconds(ran.startMono),
      durationSeconds: Math.round((ran.endMono - ran.startMono) / 100) / 10,
      completed: ran.completed,
      ...(ran.completed ? {} : { note: 'ended early' }),
    };
  });
  const command = Array.isArray(config.integration.command) ? config.integration.command : [config.integration.command];
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'golive', version: VERSION },
    certified: certifies(input.checks),
    startedAt: input.startedAt.toISOString(),
    durationSeconds: seconds(performance.now()),
    integration: {
      command,
      exits: input.runs.map((r) => ({
        environment: r.environment,
        code: r.exit?.code ?? null,
        signal: r.exit?.signal ?? null,
        beforeEnd: r.startError !== null || (r.environment === 'test' && r.exit !== null && input.phases.some((p) => !p.completed)),
        ...(r.startError ? { error: r.startError } : {}),
        outputTail: r.process?.outputTail(20) ?? [],
      })),
    },
    apiUser: {
      name: config.apiUser.name,
      roles: [...config.apiUser.roles],
      stores: config.apiUser.stores === '*' ? '*' : [...config.apiUser.stores],
      markets: config.apiUser.markets === '*' ? '*' : [...config.apiUser.markets],
    },
    ...(config.configFile ? { configFile: relativeTo(config.workspace, config.configFile) } : {}),
    phases,
    checks: input.checks,
    totals: totals(input.checks),
  };
}

