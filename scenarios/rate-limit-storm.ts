import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'rate-limit-storm',
  summary: 'Every call answers 429 for 15 seconds, first without Retry-After, then with it',
  expect: 'Exponential backoff with jitter: the gaps between retries grow, and Retry-After is honoured when sent.',
  phases: [
    { name: 'steady', description: 'normal traffic', durationMs: 5_000, actions: [] },
    {
      name: 'storm-without-retry-after',
      description: 'every call answers 429 with no Retry-After',
      durationMs: 15_000,
      actions: [{ kind: 'add-fault', rule: { action: { kind: 'status', status: 429, retryAfter: 'absent' }, note: 'storm' } }],
    },
    { name: 'calm', description: 'the storm passes', durationMs: 10_000, actions: [{ kind: 'clear-faults' }] },
    {
      name: 'storm-with-retry-after',
      description: 'every call answers 429 with Retry-After: 3',
      durationMs: 15_000,
      actions: [{ kind: 'add-fault', rule: { action: { kind: 'status', status: 429, retryAfter: { seconds: 3 } } } }],
    },
    { name: 'after', description: 'back to normal', durationMs: 10_000, actions: [{ kind: 'clear-faults' }] },
  ],
});
