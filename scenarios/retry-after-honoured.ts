import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'retry-after-honoured',
  summary: 'Three 429s in a row with Retry-After: 5 seconds, then one with an HTTP date',
  expect: 'No retry arrives before the Retry-After time has passed.',
  phases: [
    { name: 'steady', description: 'normal traffic', durationMs: 5_000, actions: [] },
    {
      name: 'retry-after-seconds',
      description: 'the next three calls answer 429 with Retry-After: 5',
      durationMs: 25_000,
      actions: [{ kind: 'add-fault', rule: { match: { times: 3 }, action: { kind: 'status', status: 429, retryAfter: { seconds: 5 } } } }],
    },
    {
      name: 'retry-after-date',
      description: 'the next call answers 429 with Retry-After as an HTTP date 5 s ahead',
      durationMs: 15_000,
      actions: [{ kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'status', status: 429, retryAfter: { httpDate: 5 } } } }],
    },
  ],
});
