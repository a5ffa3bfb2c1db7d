import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'flaky-network',
  summary: 'Connection resets, 502s, 503s and 504s on a third of the calls (drawn from the run seed)',
  expect: 'Network errors and 5xx are retried with backoff, a bounded number of times; nothing loops.',
  phases: [
    { name: 'steady', description: 'normal traffic', durationMs: 5_000, actions: [] },
    {
      name: 'flaky',
      description: 'about one call in three fails: reset, 502, 503 or 504',
      durationMs: 30_000,
      actions: [
        { kind: 'add-fault', rule: { match: { probability: 0.1 }, action: { kind: 'reset' } } },
        { kind: 'add-fault', rule: { match: { probability: 0.08 }, action: { kind: 'status', status: 502 } } },
        { kind: 'add-fault', rule: { match: { probability: 0.1 }, action: { kind: 'status', status: 503 } } },
        { kind: 'add-fault', rule: { match: { probability: 0.08 }, action: { kind: 'status', status: 504 } } },
      ],
    },
    { name: 'stable', description: 'the network is healthy again', durationMs: 10_000, actions: [{ kind: 'clear-faults' }] },
  ],
});
