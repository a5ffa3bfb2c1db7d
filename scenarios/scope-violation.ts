import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'scope-violation',
  summary: 'The API user is narrowed to store-bergen-mall: other stores answer 403 and drop out of searches',
  expect: 'Out-of-scope reads are logged as a configuration problem, not retried; searches simply return less.',
  phases: [
    { name: 'steady', description: 'normal traffic', durationMs: 10_000, actions: [] },
    {
      name: 'narrowed',
      description: 'only store-bergen-mall (market nor) is in scope',
      durationMs: 20_000,
      actions: [{ kind: 'patch-api-user', patch: { stores: ['store-bergen-mall'], markets: ['nor'] } }],
    },
    { name: 'restored', description: 'the scope is back', durationMs: 10_000, actions: [{ kind: 'restore-api-user' }] },
  ],
});
