import { describe, expect, it } from 'vitest';
import type { Report } from '../../reports/model.ts';
import { certifyExample, verdicts, withEnv } from './harness.ts';

// The two credential styles of issue 18 end to end: an X-API-KEY hook in PHP with cURL (the
// api-key profile, its key rotated with an overlap window) and a Python backup orchestrator
// exchanging an API token for access tokens (the refresh-token profile) certify, and each break
// switch fails exactly its check. The break runs go concurrently: each run costs
// tens of seconds on two shared cores.

interface Example {
  /** Shorter polls, timeouts and backoffs, so the test-length phases see enough traffic. */
  env: Record<string, string>;
  /** The break switches, by the check each fails. */
  breaks: string[];
  /** Checks a break makes impossible to observe, by break: `inconclusive` there is golive saying so. */
  unobservable?: Record<string, string[]>;
  /** Advisory checks whose `warn` random jitter can produce by chance. */
  byChance: string[];
  /** Verdicts the good run must give: the checks of this platform judged, the others not applicable. */
  expect: Record<string, string>;
}

// Backoff steps from 0.4 s: from 0.25 s, a first retry arriving 0.3 s late on a loaded machine
// (0.54 s, 0.48 s, 0.8 s, the mean of two storms) hid the growth of the waits.
const EXAMPLES: Record<string, Example> = {
  'fulfilment-php': {
    env: { POLL_INTERVAL_MS: '500', REQUEST_TIMEOUT_MS: '2000', BACKOFF_BASE_MS: '400', NETWORK_COOLDOWN_MS: '10000' },
    breaks: ['rotation.survives-key-rotation', 'credentials.secret-not-in-source', 'token.not-in-url'],
    byChance: ['errors.jitter-on-429'],
    expect: { 'rotation.survives-key-rotation': 'pass', 'data.minimal-payloads': 'pass', 'token.cached-and-reused': 'not-applicable', 'webhooks.https': 'not-applicable' },
  },
  'backup-python': {
    env: { POLL_INTERVAL_MS: '700', REQUEST_TIMEOUT_MS: '2000', BACKOFF_BASE_MS: '400', NETWORK_COOLDOWN_MS: '10000' },
    breaks: ['credentials.secret-not-in-source', 'token.not-in-url', 'token.cached-and-reused'],
    // A token per call never presents an old token after the revocation (as in examples.test.ts).
    unobservable: { 'token.cached-and-reused': ['token.renew-once-on-401'] },
    byChance: ['errors.jitter-on-429'],
    expect: {
      'token.cached-and-reused': 'pass',
      'token.proactive-renewal': 'pass',
      'token.renew-once-on-401': 'pass',
      'rotation.survives-secret-rotation': 'pass',
      'data.minimal-payloads': 'pass',
      'rotation.survives-key-rotation': 'not-applicable',
      'webhooks.https': 'not-applicable',
    },
  },
};

const notPassing = (report: Report, except: readonly string[], byChance: readonly string[]) =>
  report.checks
    .filter((c) => !['pass', 'not-applicable'].includes(c.verdict) && !except.includes(c.id) && !(c.verdict === 'warn' && byChance.includes(c.id)))
    .map((c) => `${c.id}: ${c.verdict}: ${c.summary}`);

describe.each(Object.entries(EXAMPLES))('golive certify of a credential style, end to end, %s', (name, example) => {
  it.concurrent('certifies the good integration, judging the checks of its platform', async () => {
    const report = await certifyExample(name, withEnv(example.env));
    expect(notPassing(report, [], example.byChance)).toEqual([]);
    expect(report.certified).toBe(true);
    expect(verdicts(report)).toMatchObject(example.expect);
  });

  it.concurrent.each(example.breaks)('fails exactly %s when the integration breaks it', async (id) => {
    const report = await certifyExample(name, withEnv({ ...example.env, GOLIVE_EXAMPLE_BREAK: id }));
    const unobservable = example.unobservable?.[id] ?? [];
    const others = notPassing(report, [id], example.byChance).filter((line) => !unobservable.some((check) => line.startsWith(`${check}: inconclusive`)));
    expect({ [id]: verdicts(report)[id], others }).toEqual({ [id]: 'fail', others: [] });
  });
});
