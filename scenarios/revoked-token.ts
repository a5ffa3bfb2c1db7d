import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'revoked-token',
  summary: 'Every token is revoked mid-run: the next call answers 401',
  expect: 'One new token is requested and the failed call retried once; then traffic goes on normally.',
  phases: [
    { name: 'steady', description: 'normal traffic', durationMs: 10_000, actions: [] },
    { name: 'revoked', description: 'every token issued so far answers 401', durationMs: 20_000, actions: [{ kind: 'revoke-tokens' }] },
  ],
});
