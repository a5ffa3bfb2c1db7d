import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'deactivated-user',
  summary: 'The API user is deactivated: every call and every token request answers 401',
  expect: 'After one renewal attempt the client stops, logs an error that names the problem, and does not loop.',
  phases: [
    { name: 'steady', description: 'normal traffic', durationMs: 10_000, actions: [] },
    {
      name: 'deactivated',
      description: 'the API user is deactivated (30 s of watching, as the checklist says)',
      durationMs: 30_000,
      actions: [{ kind: 'patch-api-user', patch: { active: false } }],
      params: { observeWindowMs: 30_000 },
    },
    { name: 'reactivated', description: 'the API user is active again', durationMs: 10_000, actions: [{ kind: 'restore-api-user' }] },
  ],
});
