import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'secret-rotation',
  summary: 'A new API user replaces the current one; the old one is deactivated 30 seconds later',
  expect: 'The integration picks up the new secret from its secret store without a restart, or fails loudly once, without a loop.',
  phases: [
    { name: 'steady', description: 'normal traffic', durationMs: 10_000, actions: [] },
    {
      name: 'rotation',
      description: 'a new API user with the same roles is created; the old one is deactivated after 30 s',
      durationMs: 45_000,
      actions: [{ kind: 'rotate-secret', graceMs: 30_000 }],
    },
  ],
});
