/**
 * `golive demo`'s engine: the mock, two example integrations side by side (each with its own API
 * user, the contract's environment and a webhook subscription), one scenario run against both at
 * once, and what each did in each phase, judged from the journal and the delivery log.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GoliveError } from '../../../errors.ts';
import { type CreatedApiUser, type MockServer, type ScenarioController, createMockServer } from '../../../mock-server/index.ts';
import type { GoliveConfig } from '../../config/define.ts';
import { loadConfig } from '../../config/load.ts';
import { createSecretScanner } from '../../observe/secrets.ts';
import { PACKAGE_ROOT } from '../../version.ts';
import { integrationEnv } from '../integration-env.ts';
import { type Run, type Runs, createRuns } from '../integration-runs.ts';
import { abortedBy } from '../certify.ts';
import { runPhases } from '../phases.ts';
import type { PhaseSpec } from '../plan.ts';
import { TEST_USER, prepareCredentials } from '../run-credentials.ts';
import type { Scenario } from '../scenario.ts';
import { webhookCredential } from '../webhook-phase.ts';
import { type Behaviour, type Window, behaviourOf } from './behaviours.ts';
import { type DuplicateSettle, deliverTwice } from './duplicate-webhook.ts';
import { type NarratedIntegration, type PhaseReport, type VerdictRow, phaseReport, verdictRows } from './narrate.ts';

/** An integration the demo runs: an example of `examples/`, and what its environment gets besides the contract's. */
export interface DemoIntegrationSpec {
  /** Its label in the narration, the verdict table and the JSON. */
  name: string;
  /** Its folder in `examples/`; its `golive.config.json` gives the command, readiness, API user and webhook. */
  example: string;
  /** Extra environment, by `--fast`. */
  env: (fast: boolean) => Record<string, string>;
}

/** Both poll every second under `--fast` (every 2 s otherwise, their default), so short phases still see traffic. */
const poll = (fast: boolean): Record<string, string> => (fast ? { POLL_INTERVAL_MS: '1000' } : {});

/** The naive and the resilient example, side by side. */
export const DEMO_INTEGRATIONS: readonly DemoIntegrationSpec[] = [
  { name: 'naive', example: 'naive-node', env: poll },
  {
    name: 'resilient',
    example: 'resilient-node',
    // Its pauses after a refused API user or a 403 (60 s by default) shortened, so that within the
    // tour it is back at work once its user is active again (AUTH_COOLDOWN_MS, see its README).
    env: (fast) => ({ ...poll(fast), AUTH_COOLDOWN_MS: fast ? '3000' : '10000', FORBIDDEN_COOLDOWN_MS: fast ? '3000' : '15000' }),
  },
];

/** What the terminal is told while the demo goes on. */
export type DemoEvent =
  | { kind: 'mock'; apiUrl: string; consoleUrl: string; title: string }
  | { kind: 'ready'; integration: string; example: string; apiUser: string; clientId: string; ms: number }
  | { kind: 'exited'; integration: string; code: number | null; signal: string | null; outputTail: string[] }
  | { kind: 'phase'; phase: PhaseSpec; behaviour: Behaviour; index: number; count: number; remainingMs: number }
  /** A phase is over for every integration: what each did in it. */
  | { kind: 'phase-done'; report: PhaseReport; index: number }
  | { kind: 'note'; text: string }
  | { kind: 'stopping' };

export interface DemoOptions {
  /** The scenario to run, already at the length wanted (see `scaleScenario`). */
  scenario: Scenario;
  /** The demo's own waits shortened (the integrations' polls and pauses, the webhook driver's settling). */
  fast: boolean;
  /** Seed of the mock's data and faults. */
  seed?: number;
  /** The scenarios the console lists. */
  scenarios: readonly Scenario[];
  /** Stops the demo early (Ctrl-C): what was seen is still judged. */
  signal?: AbortSignal;
  onEvent?: (event: DemoEvent) => void;
  /** Default: `DEMO_INTEGRATIONS`. */
  integrations?: readonly DemoIntegrationSpec[];
}

/** One integration as the demo ran it. */
export interface DemoIntegrationInfo {
  name: string;
  example: string;
  apiUser: { name: string; clientId: string; roles: string[] };
  /** Its API users: the one it began with, then any a secret rotation gave it. */
  clients: string[];
  /** How it ended when it exited by itself before the demo stopped it; `null` when the demo stopped it. */
  exitedEarly: { code: number | null; signal: string | null } | null;
}

export interface DemoResult {
  integrations: DemoIntegrationInfo[];
  phases: PhaseReport[];
  verdicts: VerdictRow[];
  /** Every phase ran to its end (not stopped by a signal or from the console). */
  completed: boolean;
  consoleUrl: string;
}

/** One integration while the demo runs. */
interface Live {
  spec: DemoIntegrationSpec;
  user: CreatedApiUser;
  runs: Runs;
  run: Run;
  /** Its API users: the one it began with, then any a rotation gave it. */
  clients: string[];
  subscriptionId: string | null;
  /** Set when it exits before the demo stops it. */
  ended: { early: DemoIntegrationInfo['exitedEarly'] };
}

const SETTLE: Record<'fast' | 'full', DuplicateSettle> = {
  fast: { minMs: 500, quietMs: 400, maxMs: 3_000 },
  full: { minMs: 1_500, quietMs: 750, maxMs: 5_000 },
};

/**
 * Runs the demo: the mock, the integrations (each in a copy of its example folder, so nothing is
 * written into golive's own), the scenario's phases against every integration's API user at once,
 * then everything stopped (whole process trees) and judged. Whatever stops it (the end, a signal,
 * the console's stop), every process is gone when this returns or throws.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { scenario, fast } = options;
  const emit = options.onEvent ?? (() => {});
  const specs = options.integrations ?? DEMO_INTEGRATIONS;
  const state = await mkdtemp(join(tmpdir(), 'golive-demo-'));
  const aborted = abortedBy(options.signal);
  let endScenario = () => {};
  const scenarioEnded = new Promise<void>((resolve) => {
    endScenario = resolve;
  });
  const stop = Promise.race([aborted, scenarioEnded]);
  // What the console shows of the demo's scenario: its phase, of how many, and when it ends (wall time).
  let status: { running: string | null; phase: string | null; phaseIndex?: number; phaseCount?: number; phaseEndsAt?: number } = { running: null, phase: null };
  let phasesOver: Promise<unknown> = Promise.resolve();
  // The console lists the scenarios and shows this one's phase; its stop ends the demo's scenario early.
  const controller: ScenarioController = {
    list: () => options.scenarios.map((s) => ({ name: s.name, summary: s.summary, phases: s.phases.map((p) => p.name) })),
    status: () => ({ ...status }),
    async start() {
      throw new GoliveError('GOLIVE_ERR_CONFLICT', `golive demo runs scenario "${scenario.name}" against both integrations: no other scenario can start beside it`);
    },
    async stop() {
      endScenario();
      await phasesOver;
    },
  };
  let mock: MockServer | undefined;
  let stopTokenWatch = () => {};
  const launching: Promise<unknown>[] = [];
  const allRuns: Runs[] = [];
  let stopping = false;

  try {
    mock = await createMockServer({ stateDir: state, demoUser: false, scenarios: controller, ...(options.seed === undefined ? {} : { seed: options.seed }) });
    const m = mock;
    const consoleUrl = m.consoleLink();
    emit({ kind: 'mock', apiUrl: m.apiUrl, consoleUrl, title: m.platform.title });
    const scanner = createSecretScanner();
    // Tokens the integrations print (the naive one does) are masked in the output kept of them.
    stopTokenWatch = m.onTokenIssued((token, _clientId, about) => scanner.add({ kind: about.subject === undefined ? 'token' : 'customer-token', value: token }));

    const launch = async (spec: DemoIntegrationSpec): Promise<Live> => {
      const dir = join(state, spec.name);
      const app = join(dir, 'app');
      await cp(join(PACKAGE_ROOT, 'examples', spec.example), app, { recursive: true });
      const loaded = await loadConfig({ cwd: app });
      const config: GoliveConfig = { ...loaded, integration: { ...loaded.integration, env: { ...loaded.integration.env, ...spec.env(fast) } } };
      const credentials = await prepareCredentials({ config, mock: m, scanner, stateDir: dir, users: [TEST_USER] });
      const user = credentials.users.get(TEST_USER.name)!;
      const ended: Live['ended'] = { early: null };
      let run: Run | undefined;
      const runs = createRuns({
        config,
        mock: m,
        scanner,
        stateDir: dir,
        env: (_run, apiUrl, u, files, port) => integrationEnv(config, m, apiUrl, u, files, { ...credentials.webhook, port }),
        aborted,
        progress: (p) => {
          if (p.kind !== 'exited' || stopping) return;
          ended.early = { code: p.code, signal: p.signal };
          emit({ kind: 'exited', integration: spec.name, code: p.code, signal: p.signal, outputTail: run?.process?.outputTail(5) ?? [] });
        },
      });
      allRuns.push(runs);
      const started = performance.now();
      run = await runs.launch('test', user, m.environments.test.apiUrl);
      if (run.startError) {
        throw new GoliveError('GOLIVE_ERR_NOT_READY', `the ${spec.name} integration (examples/${spec.example}) did not start: ${run.startError}`);
      }
      emit({ kind: 'ready', integration: spec.name, example: `examples/${spec.example}`, apiUser: user.name, clientId: user.clientId, ms: performance.now() - started });
      const live: Live = { spec, user, runs, run, clients: [user.clientId], subscriptionId: null, ended };
      const webhook = config.webhook;
      const sample = m.platform.sampleEvent;
      if (webhook && sample) {
        const sub = m.subscribe({
          name: `golive demo: ${spec.name}`,
          url: `https://127.0.0.1:${run.webhookPort}${webhook.path}`,
          ...webhookCredential(m.platform, webhook, credentials.webhook.token),
          verb: 'POST',
          // An endpoint that serves plain HTTP still gets the event (over http://), as under certify.
          fallbackToHttp: true,
          // Only the class the driver sends: the integrations' own writes raise events of other classes.
          classNames: [sample.className],
          timeoutMs: webhook.timeoutMs,
        });
        live.subscriptionId = sub.id;
      }
      return live;
    };
    const started = specs.map(launch);
    launching.push(...started);
    const lives = await Promise.all(started);

    const phases = scenario.phases;
    const origin = performance.now();
    // Each integration's window of each phase: the phases run for each API user on their own, in step.
    const windows: Window[][] = lives.map(() => []);
    const narrated = (l: Live): NarratedIntegration => ({
      name: l.spec.name,
      clients: l.clients,
      deliveries: l.subscriptionId === null ? [] : m.webhooks.log().filter((r) => r.subscriptionId === l.subscriptionId),
    });
    const report = (index: number): PhaseReport =>
      phaseReport(phases[index]!, m.journal.since(0), lives.map((l, r) => ({ integration: narrated(l), window: windows[r]![index] })), origin);
    const told = new Set<number>();
    const close = (r: number, index: number, at: number) => {
      const w = windows[r]![index];
      if (w && w.endMono === Number.POSITIVE_INFINITY) w.endMono = at;
      // Told once the phase is over for every integration.
      if (!told.has(index) && windows.every((ws) => ws[index] && ws[index]!.endMono !== Number.POSITIVE_INFINITY)) {
        told.add(index);
        emit({ kind: 'phase-done', report: report(index), index });
      }
    };
    const driven = new Map<PhaseSpec, Promise<void>>();
    // One driver for both: the event goes to every integration's endpoint, once.
    const drive = (phase: PhaseSpec): Promise<void> => {
      let done = driven.get(phase);
      if (!done) {
        done = deliverTwice(m, phase, { clients: lives.map((l) => () => l.clients.at(-1)!), settle: SETTLE[fast ? 'fast' : 'full'], stop }).catch((err: unknown) => {
          // A harness bug, not the integrations' doing: told, and the phase ends.
          emit({ kind: 'note', text: `golive could not drive the webhook phase (a bug in golive, please report it): ${(err as Error).message}` });
        });
        driven.set(phase, done);
      }
      return done;
    };

    let completed = false;
    if (!options.signal?.aborted) {
      status.running = scenario.name;
      const runners = lives.map((l, r) =>
        runPhases(m, phases, {
          clientId: l.user.clientId,
          stop,
          drivers: { webhooks: drive },
          onPhase: (phase, index, remainingMs) => {
            const now = performance.now();
            if (index > 0) close(r, index - 1, now);
            windows[r]![index] = { startMono: now, endMono: Number.POSITIVE_INFINITY };
            // Announced once it has begun for every integration, so after what they did in the one before.
            if (windows.every((ws) => ws[index])) {
              status = { running: scenario.name, phase: phase.name, phaseIndex: index, phaseCount: phases.length, phaseEndsAt: Date.now() + phase.durationMs };
              emit({ kind: 'phase', phase, behaviour: behaviourOf(phase), index, count: phases.length, remainingMs });
            }
          },
          onRotated: async (u) => {
            l.clients.push(u.clientId);
            scanner.add({ kind: 'client-secret', value: u.clientSecret, id: u.clientId });
            await l.runs.rotate(l.run, u);
          },
        }).then((records) => {
          const last = windows[r]!.length - 1;
          if (last >= 0) close(r, last, performance.now());
          return records;
        }),
      );
      phasesOver = Promise.all(runners);
      const records = await Promise.all(runners);
      // A driver cut short by a stop ends at its next look: before the mock closes under it.
      await Promise.all(driven.values());
      completed = records.every((rs) => rs.length === phases.length && rs.every((p) => p.completed));
    }

    stopping = true;
    status = { running: null, phase: null };
    emit({ kind: 'stopping' });
    await Promise.all(lives.map((l) => l.runs.stopAll()));

    // Judged again once every process is gone: a request still open at a phase's end is journalled when it closes.
    const ran = Math.max(0, ...windows.map((ws) => ws.length));
    const reports = Array.from({ length: ran }, (_w, index) => report(index));
    return {
      integrations: lives.map((l) => ({
        name: l.spec.name,
        example: `examples/${l.spec.example}`,
        apiUser: { name: l.user.name, clientId: l.user.clientId, roles: l.user.roles },
        clients: [...l.clients],
        exitedEarly: l.ended.early,
      })),
      phases: reports,
      verdicts: verdictRows(reports, lives.map((l) => l.spec.name)),
      completed,
      consoleUrl,
    };
  } finally {
    stopping = true;
    // An integration still starting is stopped once it has a process: wait for its launch to settle first.
    await Promise.allSettled(launching);
    await Promise.all(allRuns.map((r) => r.stopAll()));
    stopTokenWatch();
    await mock?.close();
    await rm(state, { recursive: true, force: true });
  }
}
