import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'missing-role',
  summary: "Every role but the platform's base one is withdrawn mid-run: calls answer 403",
  expect: 'The 403 is logged as a configuration problem and the request is not retried.',
  phases: [
    { name: 'steady', description: 'normal traffic', durationMs: 10_000, actions: [] },
    {
      name: 'role-withdrawn',
      description: 'the API user keeps only the base role: every resource call answers 403',
      durationMs: 20_000,
      actions: [{ kind: 'withdraw-roles' }],
    },
    { name: 'role-restored', description: 'the roles are back', durationMs: 10_000, actions: [{ kind: 'restore-api-user' }] },
  ],
});
