import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'token-expiry',
  summary: 'Tokens live 20 seconds: a client that tracks expiry renews before it; a naive one gets 401s',
  expect: 'A new token is requested before the old one expires; no request arrives with an expired token.',
  phases: [
    {
      name: 'short-lived-tokens',
      description: 'new tokens live 20 s; the current one is revoked so the next one is short-lived',
      durationMs: 60_000,
      actions: [{ kind: 'patch-api-user', patch: { tokenLifetimeSeconds: 20 } }, { kind: 'revoke-tokens' }],
      params: { tokenLifetimeSeconds: 20 },
    },
    { name: 'back-to-normal', description: 'tokens live 10 days again', durationMs: 10_000, actions: [{ kind: 'restore-api-user' }] },
  ],
});
