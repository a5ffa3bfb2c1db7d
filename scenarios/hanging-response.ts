import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'hanging-response',
  summary: 'One call never gets an answer: the client must give up on it by itself',
  expect: 'The request times out on the client (well within 120 s), is retried, and traffic goes on.',
  phases: [
    { name: 'steady', description: 'normal traffic', durationMs: 5_000, actions: [] },
    {
      name: 'hang',
      description: 'the next call hangs until the client closes the socket',
      durationMs: 125_000,
      actions: [{ kind: 'add-fault', rule: { match: { times: 1 }, action: { kind: 'hang' } } }],
    },
  ],
});
