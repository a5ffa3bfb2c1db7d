import { defineScenario } from '../conformance/runner/scenario.ts';

export default defineScenario({
  name: 'tls-mitm',
  summary: 'A man in the middle: the API presents a certificate from an untrusted CA, then one for another host, then an expired one',
  expect: 'The client refuses every bad certificate and sends no credentials; it recovers once the valid certificate is back.',
  phases: [
    { name: 'steady', description: 'normal traffic, valid certificate', durationMs: 5_000, actions: [] },
    {
      name: 'untrusted-ca',
      description: 'new connections get a certificate from a CA nobody trusts',
      durationMs: 10_000,
      actions: [{ kind: 'present-certificate', certificate: 'untrusted-ca' }],
    },
    {
      name: 'wrong-host',
      description: 'new connections get a certificate for wrong-host.invalid',
      durationMs: 10_000,
      actions: [{ kind: 'present-certificate', certificate: 'wrong-host' }],
    },
    {
      name: 'expired',
      description: 'new connections get an expired certificate',
      durationMs: 10_000,
      actions: [{ kind: 'present-certificate', certificate: 'expired' }],
    },
    { name: 'restored', description: 'the valid certificate is back', durationMs: 10_000, actions: [{ kind: 'present-certificate', certificate: 'valid' }] },
  ],
});
