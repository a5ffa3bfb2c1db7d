import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GoliveError } from '../../errors.ts';
import { type Profile, createMockServer } from '../../mock-server/index.ts';
import type { Report } from '../../reports/model.ts';
import { checkContext } from '../checks/index.ts';
import type { PhaseRecord } from '../checks/observations.ts';
import type { GoliveConfig } from '../config/define.ts';
import { createSecretScanner } from '../observe/secrets.ts';
import type { CreatedApiUser } from '../../mock-server/index.ts';
import { type ForeignHost, createForeignHost } from './foreign-host.ts';
import { integrationEnv } from './integration-env.ts';
import { type InstanceProgress, type Run, createRuns, workingCall } from './integration-runs.ts';
import { createFrontendPhase } from './frontend-phase.ts';
import { judge, scopeRun } from './judge.ts';
import { OBSERVERS, observe } from './observers.ts';
import { FAST_TIMINGS, FULL_TIMINGS, type Lane, MAIN_LANE, type PhaseSpec, type Timings, certifyPlan, laneOf, planLanes } from './plan.ts';
import { runPhases } from './phases.ts';
import { buildReport } from './report-build.ts';
import { TEST_USER, laneUser, prepareCredentials, tenantIds, tenantUsers } from './run-credentials.ts';
import { createTenantsPhase } from './tenants-phase.ts';
import { runSideRuns, sideRunUsers, sideRunsFor } from './side-runs.ts';
import { createWebhookPhase } from './webhook-phase.ts';

export type { RunName } from './integration-runs.ts';
export { planFor, phasesNote } from './judge.ts';

/** What the terminal is told while a run goes on. */
export type Progress =
  | { kind: 'start'; apiUrl: string; totalMs: number }
  | InstanceProgress
  /** A phase began; `lane` is the lane it runs in (`main`: the run's own instance), `remainingMs` that lane's. */
  | { kind: 'phase'; phase: PhaseSpec; index: number; count: number; remainingMs: number; lane: string }
  | { kind: 'judging' }
  /** The console's sign-in link (with `console: true`). */
  | { kind: 'console'; url: string };

export interface CertifyOptions {
  config: GoliveConfig;
  timings: Timings;
  /** Checks to judge (default: all). */
  only?: readonly string[];
  onProgress?: (p: Progress) => void;
  /** Stops the run early (Ctrl-C): the report is still complete, with what was seen. */
  signal?: AbortSignal;
  /** Offer the live console: its one-time sign-in link comes as a `console` progress event. */
  console?: boolean;
  /** The platform, for a profile that is not registered (programmatic use, tests); default the config's `profile`. */
  profile?: Profile;
}

/**
 * The seed of the simulated data and of the fault rules' chances. Fixed, and written in the
 * report, so that a run can be made again with the same data.
 */
export const RUN_SEED = 1;

/** Which of the named timings these are, for the report (`custom`: the harness's own, as tests use). */
export function timingsName(timings: Timings): 'full' | 'fast' | 'custom' {
  const same = (named: Timings) => (Object.keys(named) as (keyof Timings)[]).every((k) => named[k] === timings[k]);
  return same(FULL_TIMINGS) ? 'full' : same(FAST_TIMINGS) ? 'fast' : 'custom';
}

/** Settles once `signal` aborts (never without one). */
export function abortedBy(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * `golive certify`'s engine: start the mock, create the API users, start the integration
 * with the contract's environment, run the phases (and the side runs beside them), stop
 * everything, observe, and judge every check. Whatever happens to the integration, a complete
 * report comes back.
 */
export async function certify(options: CertifyOptions): Promise<Report> {
  const { config, timings } = options;
  const startedAt = new Date();
  const runStartMono = performance.now();
  const state = await mkdtemp(join(tmpdir(), 'golive-certify-'));
  // Each tenant its own listeners, signing keys and API users; the side runs and the webhooks stay on the first.
  const tenants = tenantIds(config.tenants);
  const mock = await createMockServer({ stateDir: state, demoUser: false, seed: RUN_SEED, profile: options.profile ?? config.profile, ...(tenants ? { tenants } : {}) });
  const scanner = createSecretScanner();
  const stopTokenWatch = mock.onTokenIssued((token, _clientId, about) => scanner.add({ kind: about.subject === undefined ? 'token' : 'customer-token', value: token }));
  const context = checkContext(config, mock.platform);
  let scoped: ReturnType<typeof scopeRun>;
  let lanes: Lane[];
  try {
    const full = certifyPlan(timings, { ...context.facts, event: mock.platform.sampleEvent, frontend: Boolean(config.frontend?.urls.length), tenants: config.tenants, rateLimitHeaders: config.integration.rateLimitHeaders });
    scoped = scopeRun(full, options.only, config.scenarios);
    // Default: every lane side by side; `integration.instances: 1` for an integration that cannot run twice at once.
    lanes = planLanes(scoped.plan, config.integration.instances ?? Number.POSITIVE_INFINITY);
  } catch (err) {
    stopTokenWatch();
    await mock.close();
    await rm(state, { recursive: true, force: true });
    throw err;
  }
  const { plan, checks } = scoped;
  // The production and bad-TLS runs, when a check in scope is judged on them.
  const sideRunsNeeded = sideRunsFor(checks);
  const [main, ...sides] = lanes as [Lane, ...Lane[]];
  const laneName = laneOf(lanes);
  const told = options.onProgress ?? (() => {});
  // The console's scoreboard follows the run: the plan with every check pending, each phase, each verdict.
  const progress = (p: Progress) => {
    if (p.kind === 'phase') mock.feed.publish({ kind: 'phase', index: p.index, endsAt: Date.now() + p.phase.durationMs });
    told(p);
  };
  mock.feed.publish({
    kind: 'plan',
    title: `Certifying ${[config.integration.command].flat().join(' ')} against ${mock.platform.title}`,
    phases: plan.map((phase) => ({ name: phase.name, description: phase.description, durationMs: phase.durationMs, lane: laneName(phase) })),
    checks: checks.map(({ id, title, required }) => ({ id, title, required, verdict: 'pending' as const })),
  });
  if (options.console) told({ kind: 'console', url: mock.consoleLink() });
  const aborted = abortedBy(options.signal);
  let stopRuns = async (): Promise<void> => {};
  let foreignHost: ForeignHost | null = null;

  try {
    if (config.webhook && !mock.platform.sampleEvent) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `webhook: ${mock.platform.title} sends no events, so there is nothing to deliver to a webhook endpoint (remove the webhook section)`);
    }
    const others = tenantUsers(tenants ?? []);
    const credentials = await prepareCredentials({
      config,
      mock,
      scanner,
      stateDir: state,
      users: [TEST_USER, ...others, ...sideRunUsers(sideRunsNeeded), ...sides.map((l) => laneUser(l.name))],
    });
    const testUser = credentials.users.get(TEST_USER.name)!;
    // The tenants after the first, each with its test API URL and API user.
    const otherTenants = others.map((u) => ({ id: u.tenant!, apiUrl: mock.tenants.find((t) => t.id === u.tenant)!.environments.test.apiUrl, user: credentials.users.get(u.name)! }));
    // Only the test run serves every tenant; the first is its own (after a rotation, its new API user).
    const tenantsEnv = (user: CreatedApiUser) =>
      tenants
        ? [{ id: mock.tenants[0]!.id, apiUrl: mock.apiUrl, user }, ...otherTenants].map((t) => ({ id: t.id, apiUrl: t.apiUrl, clientId: t.user.clientId, clientSecret: t.user.clientSecret }))
        : undefined;
    const runs = createRuns({
      config,
      mock,
      scanner,
      stateDir: state,
      env: (name, apiUrl, user, files, port) =>
        integrationEnv(config, mock, apiUrl, user, files, { ...credentials.webhook, port }, name === 'test' ? tenantsEnv(user) : undefined),
      aborted,
      progress,
    });
    stopRuns = runs.stopAll;
    // Another origin than the API's (its own port), presenting the API's certificate: one call is redirected there.
    foreignHost = await createForeignHost({ tls: mock.tls?.server ?? null, scanner, credentialHeader: mock.platform.credentialHeader });
    // The longest lane's phases: the lanes run side by side (the side lanes once steady is over).
    const laneMs = (lane: Lane) => lane.phases.reduce((sum, p) => sum + p.durationMs, 0);
    const steadyMs = main.phases[0]?.name === 'steady' && sides.length > 0 ? main.phases[0].durationMs : 0;
    progress({ kind: 'start', apiUrl: mock.apiUrl, totalMs: Math.max(laneMs(main), ...sides.map((l) => steadyMs + laneMs(l))) });

    const testRun = await runs.launch('test', testUser, mock.environments.test.apiUrl);
    const sideRuns = testRun.startError
      ? Promise.resolve()
      : runSideRuns(sideRunsNeeded, { config, timings, mock, users: credentials.users, launch: runs.launch, aborted });
    const runnable = !testRun.startError && !testRun.exit && !options.signal?.aborted;
    // The side lanes' phases begin once steady (and the front-end phase's browser) is done; their
    // instances start during steady, each on its own API user, so they are past their start, code
    // paths warm, when the first fault comes: a process's first retry, while seven processes start
    // at once on a small machine, came back up to a second late and hid the growth of its waits.
    // They start once the run's own instance has made a call that worked: on a machine busy with
    // their start, its first token request timed out and was sent again (two tokens in steady).
    let lanesMayBegin = () => {};
    const begin = new Promise<void>((resolve) => {
      lanesMayBegin = resolve;
    });
    /** A side lane's phases, by its own instance of the integration (`run`, fresh and holding a working token) and its own API user. */
    const runLane = async (lane: Lane, user: CreatedApiUser, run: Run): Promise<PhaseRecord[]> => {
      let current = -1;
      try {
        return await runPhases(mock, lane.phases, {
          clientId: user.clientId,
          lane: lane.name,
          run: run.environment,
          stop: () => runs.stoppedOf(run),
          onPhase: (phase, index, remainingMs) => {
            current = index;
            progress({ kind: 'phase', phase, index: plan.indexOf(phase), count: plan.length, remainingMs, lane: lane.name });
          },
          // The instance the lane began with is as fresh as a restart would make it: its first phase needs no other.
          restart: () => (current > 0 ? runs.restart(run, user.clientId) : Promise.resolve()),
          ...(foreignHost ? { foreignOrigin: foreignHost.origin } : {}),
        });
      } finally {
        // Its phases are over: an instance left running would go on changing the data the webhook
        // phase compares, and take CPU from the lanes still timing their traffic.
        await run.process?.stop();
      }
    };
    const mainWorking = sides.length > 0 && runnable ? workingCall(mock, testUser.clientId) : null;
    const launches = sides.map(async (lane) => {
      if (!runnable) return null;
      await Promise.race([mainWorking!.settled, begin, aborted]);
      if (options.signal?.aborted) return null;
      const user = credentials.users.get(laneUser(lane.name).name)!;
      return { user, run: await runs.launch(`lane:${lane.name}`, user, mock.environments.test.apiUrl, { untilWorking: true }) };
    });
    void Promise.allSettled(launches).then(() => mainWorking?.cancel());
    const laneRecords = sides.map(async (lane, i) => {
      const started = await launches[i];
      // Every lane's instance is up before any lane's phases begin: one starting up must not slow a storm's retries.
      await Promise.all(launches);
      await Promise.race([begin, aborted]);
      if (options.signal?.aborted) {
        await started?.run.process?.stop();
        return [];
      }
      return started ? runLane(lane, started.user, started.run) : [];
    });
    const lanesOver = Promise.all(laneRecords);
    // Awaited once the main lane is over; a harness failure in a lane is thrown there, not left unhandled meanwhile.
    lanesOver.catch(() => {});
    const webhook = config.webhook
      ? createWebhookPhase({
          config,
          webhook: config.webhook,
          timings,
          mock,
          scanner,
          testRun,
          clientId: testUser.clientId,
          secrets: credentials.webhook,
          // The side lanes' instances share the integration's files (and its probe) too.
          sideRunsOver: Promise.all([sideRuns, lanesOver]),
          stopped: () => runs.stopped,
        })
      : null;
    const frontend = config.frontend?.urls.length ? createFrontendPhase({ urls: config.frontend.urls, testRun, scanner }) : null;
    const tenancy = tenants
      ? createTenantsPhase({ mock, tenants: (tenantsEnv(testUser) ?? []).map(({ id, clientId }) => ({ id, clientId })) })
      : null;

    const phases: PhaseRecord[] = [];
    let rotated: CreatedApiUser | null = null;
    if (runnable) {
      phases.push(
        ...(await runPhases(mock, main.phases, {
          clientId: testUser.clientId,
          // A sequential run's records stay as they were: no lane.
          ...(sides.length > 0 ? { lane: MAIN_LANE } : {}),
          // Asked again after a restart, which may bring an integration that exited back.
          stop: () => runs.stopped,
          onRotated: async (user) => {
            rotated = user;
            scanner.add({ kind: 'client-secret', value: user.clientSecret, id: user.clientId });
            await runs.rotate(testRun, user);
          },
          drivers: { ...(webhook ? { webhooks: webhook.drive } : {}), ...(frontend ? { frontend: frontend.drive } : {}), ...(tenancy ? { tenants: tenancy.drive } : {}) },
          onPhase: (phase, _index, remainingMs) => progress({ kind: 'phase', phase, index: plan.indexOf(phase), count: plan.length, remainingMs, lane: MAIN_LANE }),
          restart: () => runs.restart(testRun, testUser.clientId),
          ...(foreignHost ? { foreignOrigin: foreignHost.origin } : {}),
          before: (phase) => {
            // Past steady and the browser: the side lanes begin.
            if (phase !== main.phases[0] && phase.drive !== 'frontend') lanesMayBegin();
            // The webhook phase begins once the side runs and lanes are over (see createWebhookPhase): the wait is not its time.
            return phase.drive === 'webhooks' ? Promise.all([sideRuns, lanesOver]) : undefined;
          },
        })),
      );
    }
    lanesMayBegin();
    // In plan order, whichever lane each ran in: the report lists them so.
    phases.push(...(await lanesOver).flat());
    phases.sort((a, b) => plan.findIndex((p) => p.name === a.name) - plan.findIndex((p) => p.name === b.name));
    await sideRuns;
    progress({ kind: 'judging' });
    await runs.stopAll();

    const obs = await observe(OBSERVERS, { config, mock, scanner, runStartMono, users: credentials.users, rotated, runs: runs.all, phases, webhook, frontend, tenants: tenancy, foreignHost });
    const results = judge(checks, obs, context, testRun.startError);
    for (const r of results) mock.feed.publish({ kind: 'verdict', check: { id: r.id, title: r.title, required: r.required, verdict: r.verdict, summary: r.summary } });
    const setup = { profile: options.profile?.name ?? config.profile, seed: RUN_SEED, node: process.version, timings: { name: timingsName(timings), ms: { ...timings } } };
    const report = buildReport({ config, startedAt, runStartMono, plan, phases, runs: runs.all, checks: results, observations: obs, setup });
    mock.feed.publish({ kind: 'done', text: report.certified ? 'Certified.' : 'Not certified.', certified: report.certified });
    return report;
  } finally {
    stopTokenWatch();
    await stopRuns();
    await foreignHost?.close();
    await mock.close();
    await rm(state, { recursive: true, force: true });
  }
}
