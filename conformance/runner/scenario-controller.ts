import { GoliveError } from '../../errors.ts';
import type { CreatedApiUser, MockControl, ScenarioController } from '../../mock-server/index.ts';
import type { PhaseSpec } from './plan.ts';
import { type DuplicateSettle, deliverTwice } from './demo/duplicate-webhook.ts';
import { runPhases } from './phases.ts';
import type { Scenario } from './scenario.ts';

export interface ScenarioEvents {
  onPhase?: (scenario: Scenario, phase: PhaseSpec, index: number, remainingMs: number) => void;
  onEnd?: (scenario: Scenario, completed: boolean) => void;
  onRotated?: (user: CreatedApiUser) => void;
  /** How long a webhook phase waits for the integration's work on a delivery (default: the demo's full-length settle). */
  webhookSettle?: DuplicateSettle;
}

/** As `golive demo` waits at full length. */
const WEBHOOK_SETTLE: DuplicateSettle = { minMs: 1_500, quietMs: 750, maxMs: 5_000 };

/**
 * Runs one scenario at a time against a running mock: what `golive serve --scenario` and the
 * admin API's `/__admin/scenarios` use. Phases advance on their own.
 */
export function createScenarioController(
  mock: () => MockControl,
  scenarios: readonly Scenario[],
  defaultClientId: () => string | undefined,
  events: ScenarioEvents = {},
): ScenarioController & { done(): Promise<void> } {
  let running: { scenario: Scenario; phase: string | null; index: number; endsAt: number; stop: () => void; done: Promise<void> } | null = null;
  return {
    list: () => scenarios.map((s) => ({ name: s.name, summary: s.summary, phases: s.phases.map((p) => p.name) })),
    status: () =>
      running && running.phase !== null
        ? { running: running.scenario.name, phase: running.phase, phaseIndex: running.index, phaseCount: running.scenario.phases.length, phaseEndsAt: running.endsAt }
        : { running: running?.scenario.name ?? null, phase: null },
    async start(name, clientId) {
      const scenario = scenarios.find((s) => s.name === name);
      if (!scenario) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no scenario "${name}" (scenarios: ${scenarios.map((s) => s.name).join(', ')})`);
      if (running) throw new GoliveError('GOLIVE_ERR_CONFLICT', `scenario "${running.scenario.name}" is running: stop it first`);
      const target = clientId ?? defaultClientId();
      if (!target || !mock().getApiUser(target)) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no API user ${target ?? '(none given)'}`);
      let stop = () => {};
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const state = { scenario, phase: null as string | null, index: 0, endsAt: 0, stop, done: Promise.resolve() };
      running = state;
      // A rotation replaces the API user: the webhook driver follows it.
      let current = target;
      state.done = runPhases(mock(), scenario.phases, {
        clientId: target,
        stop: stopped,
        // A webhook phase delivers the platform's sample event to the subscriptions, then the same event again.
        drivers: {
          webhooks: (phase) =>
            deliverTwice(mock(), phase, { clients: [() => current], settle: events.webhookSettle ?? WEBHOOK_SETTLE, stop: stopped, note: `duplicate (scenario ${scenario.name})` }).catch(() => {
              // A delivery the mock could not make is in its delivery log; the phase goes on to its end.
            }),
        },
        onPhase: (phase, index, remainingMs) => {
          state.phase = phase.name;
          state.index = index;
          state.endsAt = Date.now() + phase.durationMs;
          events.onPhase?.(scenario, phase, index, remainingMs);
        },
        onRotated: (user) => {
          current = user.clientId;
          events.onRotated?.(user);
        },
      }).then((records) => {
        running = null;
        events.onEnd?.(scenario, records.length === scenario.phases.length && records.every((r) => r.completed));
      });
    },
    async stop() {
      const current = running;
      if (!current) return;
      current.stop();
      await current.done;
    },
    done: () => running?.done ?? Promise.resolve(),
  };
}
