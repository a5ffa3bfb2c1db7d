import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CreatedApiUser, MockServer } from '../../mock-server/index.ts';
import { context } from '../checks/test/journal.ts';
import type { Run, RunName } from './integration-runs.ts';
import type { IntegrationHandle } from './job-loop.ts';
import { FULL_TIMINGS } from './plan.ts';
import { CHECKS } from '../checks/index.ts';
import { SIDE_RUNS, type SideRun, type SideRunOptions, type Watch, runSideRuns, sideRunUsers, sideRunsFor } from './side-runs.ts';

const USER = { name: 'side', environment: 'test' } as const;

/** A side run of `ms` in `lane` that the test can name by `name`. */
const sideRun = (name: string, lane: string, ms: number, waitsFor?: SideRun['waitsFor']): SideRun => ({
  name: name as RunName,
  lane,
  user: USER,
  judges: [],
  apiUrl: () => `https://127.0.0.1/${name}`,
  durationMs: () => ms,
  ...(waitsFor ? { waitsFor } : {}),
});

/** Launches stand-in instances that run until stopped, and records when each started and stopped. */
function launcher() {
  const events: string[] = [];
  const times = new Map<string, { start: number; stop: number }>();
  const launch = async (name: RunName, _user: CreatedApiUser, apiUrl: string): Promise<Run> => {
    events.push(`start ${name} ${apiUrl}`);
    times.set(name, { start: performance.now(), stop: 0 });
    const handle = {
      ready: Promise.resolve(),
      exited: new Promise(() => {}),
      stop: async () => {
        events.push(`stop ${name}`);
        times.get(name)!.stop = performance.now();
      },
      findings: [],
      lines: () => [],
      outputTail: () => [],
    } as unknown as IntegrationHandle;
    return {
      environment: name,
      process: handle,
      replaced: [],
      jobStarts: [],
      startError: null,
      exit: null,
      env: {},
      webhookPort: 0,
      apiUrl: 'https://127.0.0.1:1',
      credentials: { clientId: '/state/client-id', clientSecret: '/state/client-secret' },
    };
  };
  const options: SideRunOptions = {
    config: context().config,
    timings: FULL_TIMINGS,
    mock: {} as MockServer,
    users: new Map([[USER.name, { clientId: 'c', clientSecret: 's' } as CreatedApiUser]]),
    launch,
    aborted: new Promise(() => {}),
  };
  return { events, times, options };
}

describe('side runs', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs the side runs to their end on the fake clock. */
  const runAll = async (sideRuns: SideRun[], options: SideRunOptions) => {
    const done = runSideRuns(sideRuns, options);
    await vi.runAllTimersAsync();
    await done;
  };

  it('runs the side runs of a lane one after another, and the lanes side by side', async () => {
    const { events, options } = launcher();

    await runAll([sideRun('a1', 'a', 40), sideRun('b1', 'b', 120), sideRun('a2', 'a', 40)], options);

    expect(events).toEqual([
      'start a1 https://127.0.0.1/a1',
      'start b1 https://127.0.0.1/b1',
      'stop a1',
      'start a2 https://127.0.0.1/a2',
      'stop a2',
      'stop b1',
    ]);
  });

  it('keeps a side run going past its duration until what it waits for settles, within its grace', async () => {
    const { times, options } = launcher();
    let cancelled = 0;
    const after = (ms: number) => (): Watch => ({ settled: new Promise((resolve) => setTimeout(resolve, ms)), cancel: () => cancelled++ });

    await runAll(
      [sideRun('settles', 'a', 20, { what: after(150), graceMs: () => 1_000 }), sideRun('never', 'b', 20, { what: after(60_000), graceMs: () => 100 })],
      options,
    );

    const lasted = (name: string) => times.get(name)!.stop - times.get(name)!.start;
    expect(lasted('settles')).toBe(150);
    expect(lasted('never')).toBe(120);
    expect(cancelled).toBe(2);
  });

  it('declares production and one run per bad certificate, the bad-TLS runs in two lanes of three, with their own API users', () => {
    expect(SIDE_RUNS.map((r) => `${r.name} ${r.lane} ${r.user.name}:${r.user.environment}`)).toEqual([
      'production production production:production',
      'tls:untrusted-ca bad-tls:chain bad-tls:test',
      'tls:wrong-host bad-tls:leaf bad-tls:test',
      'tls:expired bad-tls:leaf bad-tls:test',
      'tls:self-signed bad-tls:chain bad-tls:test',
      'tls:not-yet-valid bad-tls:leaf bad-tls:test',
      'tls:missing-intermediate bad-tls:chain bad-tls:test',
    ]);
    expect(sideRunUsers(SIDE_RUNS).map((u) => u.name)).toEqual(['production', 'bad-tls']);
  });

  it('runs only the side runs a check in scope is judged on', () => {
    const names = (ids: string[]) => sideRunsFor(ids.map((id) => ({ id }))).map((r) => r.name);
    expect(names(['webhooks.idempotent'])).toEqual([]);
    expect(names(['credentials.test-not-in-production', 'webhooks.idempotent'])).toEqual(['production']);
    expect(names(['token.tls-verified'])).toHaveLength(6);
    expect(names(['token.tls-verified', 'credentials.test-not-in-production'])).toHaveLength(7);
    // Each names a check of the checklist.
    expect(SIDE_RUNS.flatMap((r) => r.judges).filter((id) => !CHECKS.some((c) => c.id === id))).toEqual([]);
  });
});
