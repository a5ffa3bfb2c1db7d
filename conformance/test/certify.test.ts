import { describe, expect, it } from 'vitest';
import { CHECKS } from '../checks/index.ts';
import type { GoliveConfig } from '../config/define.ts';
import { TEST_TIMINGS, certifyExample, certifyFixture, explained, verdicts, withEnv } from './harness.ts';

/**
 * End to end: the resilient example passes every check; with GOLIVE_EXAMPLE_BREAK=<id> it
 * breaks exactly that behaviour, and golive fails (or, for an advisory check, warns on)
 * exactly that check while every other check still passes.
 */

// Short polls and a short request timeout, so the phases see traffic and the hang ends soon.
// A 600 ms backoff base, not 250: on two loaded cores an attempt may arrive 0.4 s late, which at
// 250 ms swamped the growth errors.backoff-on-429 measures (CI saw 0.61 s, 0.44 s, 0.8 s).
const POLL = { POLL_INTERVAL_MS: '250', REQUEST_TIMEOUT_MS: '2000', BACKOFF_BASE_MS: '600' };
const advisory = new Set(CHECKS.filter((c) => !c.required).map((c) => c.id));

/**
 * The jitter check compares two or three waits of two identical storms; random waits can
 * land within 5 % of each other by chance (a few runs in a hundred for the example's
 * jitter). It is advisory; elsewhere its `warn` is tolerated, and its own break is tested.
 */
const byChance = (id: string, verdict: string) => (id === 'errors.jitter-on-429' && verdict === 'warn') || oneTenant(id, verdict) || withoutBrowser(id, verdict);

/** The runs below serve one tenant (the example's config), where the tenancy check does not apply; the runs with `tenants: 2` judge it. */
const oneTenant = (id: string, verdict: string) => id === 'tenancy.token-per-tenant' && verdict === 'not-applicable';

/**
 * The storefront's page is opened in a real Chromium only by the runs about it (the good run,
 * the token.not-in-browser break): elsewhere the front end is left out of the config, so
 * token.not-in-browser does not apply, and two cores are not spent starting a browser per run.
 */
const noFrontend = (c: GoliveConfig): GoliveConfig => {
  const { frontend: _frontend, ...rest } = c;
  return rest;
};
const withoutBrowser = (id: string, verdict: string) => id === 'token.not-in-browser' && verdict === 'not-applicable';

/** The example serving two tenants (config `tenants`): it is given both in OMNIUM_TENANTS. */
const twoTenants = (c: GoliveConfig): GoliveConfig => ({ ...c, tenants: 2 });

/** Checks that do not apply to Omnium, which refuses a rotated secret at once (no overlap window). */
const NOT_FOR_OMNIUM = new Set(['rotation.survives-key-rotation']);
/** Passed, or not applicable where Omnium has nothing for the check to judge. */
const passes = (id: string, verdict: string) => verdict === 'pass' || (verdict === 'not-applicable' && NOT_FOR_OMNIUM.has(id));

describe('golive certify, end to end', () => {
  it('certifies the resilient example serving two tenants: every check passes', async () => {
    const report = await certifyExample('resilient-node', (c) => withEnv(POLL)(twoTenants(c)));
    const notPassing = report.checks
      .filter((c) => !passes(c.id, c.verdict) && !(c.id === 'errors.jitter-on-429' && c.verdict === 'warn'))
      .map((c) => `${c.id}: ${c.verdict}: ${c.summary}`);
    expect(notPassing).toEqual([]);
    expect(report.certified).toBe(true);
    expect(report.phases.every((p) => p.completed)).toBe(true);
    // By default the phases that judge only traffic run side by side, each lane in an instance of its own.
    expect(new Set(report.phases.map((p) => p.lane))).toEqual(new Set(['main', 'storms', 'backoff', 'network', 'outage', 'tokens', 'deactivation']));
    expect(report.integration.exits.map((e) => e.environment).filter((e) => e.startsWith('lane:')).sort()).toEqual(['lane:backoff', 'lane:deactivation', 'lane:network', 'lane:outage', 'lane:storms', 'lane:tokens']);
  });

  it.concurrent('runs every phase in turn in one instance with integration.instances: 1, with the same verdicts', async () => {
    const report = await certifyExample('resilient-node', (c) => withEnv(POLL)({ ...noFrontend(c), integration: { ...c.integration, instances: 1 } }));
    const notPassing = Object.entries(verdicts(report)).filter(([id, v]) => !passes(id, v) && !byChance(id, v));
    expect(notPassing).toEqual([]);
    expect(report.phases.some((p) => p.lane !== undefined)).toBe(false);
    expect(report.integration.exits.some((e) => e.environment.startsWith('lane:'))).toBe(false);
  });


  const breakable = [
    'credentials.secret-not-in-source',
    'credentials.test-not-in-production',
    'token.cached-and-reused',
    'token.proactive-renewal',
    'token.renew-once-on-401',
    'token.no-retry-loop',
    'token.not-in-url',
    'token.secret-in-body',
    'token.not-logged',
    'token.not-in-browser',
    'token.tls-verified',
    'token.not-sent-on-redirect',
    'errors.backoff-on-429',
    'errors.jitter-on-429',
    'errors.no-retry-on-403',
    'errors.no-retry-on-4xx',
    'errors.network-retry-bounded',
    'errors.survives-malformed-responses',
    'errors.backoff-in-outage',
    'errors.ratelimit-pause',
    'webhooks.https',
    'webhooks.validates-auth',
    'webhooks.idempotent',
    'webhooks.responds-in-time',
    'webhooks.ignores-unknown-events',
    'tenancy.token-per-tenant',
    'rotation.survives-secret-rotation',
    'transport.https-only',
    'data.minimal-payloads',
    'data.no-deprecated-endpoints',
  ];

  /**
   * Some breaks make another check impossible to observe, and golive says so rather than
   * guess: a client that fetches a token per call never presents an old token after a
   * revocation; one that does not renew on a 401 never obtains a short-lived token.
   */
  const unobservable: Record<string, string[]> = {
    // A token per call never presents an old token after a revocation. (The storms and the
    // network faults land on API calls, never on its token requests: those checks pass.)
    'token.cached-and-reused': ['token.renew-once-on-401'],
    // Two breaks that are by nature the other check's fault too: retrying without end at the
    // poll interval is also a constant rate against a dead API, and retrying a 503 at one fixed
    // wait has waits that do not grow in the flaky network as well.
    'errors.network-retry-bounded': ['errors.backoff-in-outage'],
    'errors.backoff-in-outage': ['errors.network-retry-bounded'],
    // Retrying after a fixed 100 ms has no backoff and so no jitter either.
    'errors.backoff-on-429': ['errors.jitter-on-429'],
    // It never renews, so it never holds a short-lived token. (The phases after it run on a
    // fresh instance and are judged as usual.)
    'token.renew-once-on-401': ['token.proactive-renewal'],
    // No delivery is answered in time, the right one included: whether the right secret is
    // accepted, and what one delivery does, cannot be known. (The event of an unknown type times
    // out too, so it warns for the same late answer; so do the new objects' events, whose truth is then unknown.)
    'webhooks.responds-in-time': ['webhooks.validates-auth', 'webhooks.idempotent', 'webhooks.out-of-order', 'webhooks.ignores-unknown-events'],
    // It ends at the first body it cannot read, before its eighth call of the phase, the one
    // redirected, and before the GET and POST answered 404 and 422.
    'errors.survives-malformed-responses': ['token.not-sent-on-redirect', 'errors.no-retry-on-4xx'],
    // The storefront is served by the webhook endpoint's server, which the break makes plain
    // HTTP: its https:// page does not load, so what it would hold is unknown.
    'webhooks.https': ['token.not-in-browser'],
  };

  const tweaks: Record<string, (c: GoliveConfig) => GoliveConfig> = {
    // A connector timeout shorter than the break's 12 s answer, so the test run is not spent waiting.
    'webhooks.responds-in-time': (c) => ({ ...c, webhook: { ...c.webhook!, timeoutMs: 2_000 } }),
    // The break shows only between tenants.
    'tenancy.token-per-tenant': twoTenants,
    // The waits of two storms compared 5 % apart: only the four storms run (config `scenarios`),
    // two instances of the integration, not seven; the noise of the other lanes' instances made
    // identical waits differ that much on a loaded machine (CI, Node 24), and a break was passed.
    'errors.jitter-on-429': (c) => ({ ...c, scenarios: ['rate-limit-retry-after', 'rate-limit-http-date', 'rate-limit-no-retry-after', 'rate-limit-no-retry-after-again'] }),
    // The break shares one token cache file between its test and production runs: any instance
    // beside the production run may take a production token there (on the test API no call then
    // works), so its user would have to run it in turn (integration.instances: 1). Here only the
    // main lane's phases run (config `scenarios`), without side lanes: the checks they judge are
    // judged, the break's among them, in a quarter of the time a run in turn takes.
    'credentials.test-not-in-production': (c) => ({ ...c, scenarios: ['malformed-responses', 'missing-role', 'webhooks', 'secret-rotation'] }),
    // The deprecated search reads business customers: the user may, so only the deprecation shows.
    'data.no-deprecated-endpoints': (c) => ({ ...c, apiUser: { ...c.apiUser, roles: [...c.apiUser.roles, 'CustomerRead'] } }),
  };

  const breakRun = async (id: string) => {
    // Without jitter the waits repeat to the millisecond; at full length (1 s, 2 s, 4 s) a loaded
    // machine's timer noise stays far below the 5 % the check allows, at 0.25 s it may not.
    const env = id === 'errors.jitter-on-429' ? { ...POLL, BACKOFF_BASE_MS: '1000' } : POLL;
    const browser = id === 'token.not-in-browser' ? (x: GoliveConfig) => x : noFrontend;
    const report = await certifyExample('resilient-node', (c) => browser((tweaks[id] ?? ((x) => x))(withEnv({ ...env, GOLIVE_EXAMPLE_BREAK: id })(c))));
    const v = verdicts(report);
    const others = report.checks
      .filter((c) => c.id !== id && !passes(c.id, c.verdict) && !byChance(c.id, c.verdict) && !unobservable[id]?.includes(c.id))
      .map((c) => `${c.id}: ${c.verdict}: ${c.summary}`);
    // A client without timeouts is stuck on the hanging response: it can only fail once 120 s
    // have passed, and a test run is shorter, so there it is inconclusive (never a pass).
    const expected = id === 'errors.network-retry-bounded' && v[id] === 'inconclusive' ? 'inconclusive' : advisory.has(id) ? 'warn' : 'fail';
    expect({ [id]: v[id], others }, explained(report, id)).toEqual({ [id]: expected, others: [] });
    // Certified when the break's check is advisory, unless a required check it is by nature a fault of failed too.
    const requiredToo = report.checks.filter((c) => c.required && unobservable[id]?.includes(c.id) && !passes(c.id, c.verdict));
    expect(report.certified).toBe(advisory.has(id) && requiredToo.length === 0);
  };
  // The jitter break is judged on waits 5 % apart: it runs alone in this file, since the load of
  // two more certify runs beside it was seen to spread identical waits that far (CI, both Nodes).
  // Even alone, once in many CI runs (Node 24, other files' runs beside it) one of six waits of
  // 1 to 4 s came 5 % late and the break passed: a timing verdict on a shared machine, so it
  // gets one more try (the failure's message shows the waits it saw).
  const alone = 'errors.jitter-on-429';
  it.concurrent.each(breakable.filter((id) => id !== alone))('fails exactly %s when the resilient example breaks it', breakRun);
  it(`fails exactly ${alone} when the resilient example breaks it (alone in this file)`, { retry: 1 }, () => breakRun(alone));

  it.concurrent('warns on credentials.descriptive-name, and only there, for an API user named "test"', async () => {
    const report = await certifyExample('resilient-node', (c) => noFrontend(withEnv(POLL)({ ...c, apiUser: { ...c.apiUser, name: 'test' } })));
    const v = verdicts(report);
    expect(Object.entries(v).filter(([check, verdict]) => !passes(check, verdict) && !byChance(check, verdict))).toEqual([['credentials.descriptive-name', 'warn']]);
  });

  it.concurrent('fails credentials.least-privilege, and only there, when the user is given OrderAdmin for reads', async () => {
    const report = await certifyExample('resilient-node', (c) => noFrontend(withEnv(POLL)({ ...c, apiUser: { ...c.apiUser, roles: ['OrderAdmin', 'InventoryAdmin'] } })));
    const v = verdicts(report);
    expect(Object.entries(v).filter(([check, verdict]) => !passes(check, verdict) && !byChance(check, verdict))).toEqual([['credentials.least-privilege', 'fail']]);
    expect(report.checks.find((c) => c.id === 'credentials.least-privilege')!.summary).toContain('assign exactly: InventoryAdmin, OrderRead');
  });

  it.concurrent('warns on credentials.store-market-scoping, and only there, for an API user with every store', async () => {
    const report = await certifyExample('resilient-node', (c) => noFrontend(withEnv(POLL)({ ...c, apiUser: { ...c.apiUser, stores: '*', markets: '*' } })));
    const v = verdicts(report);
    expect(Object.entries(v).filter(([check, verdict]) => !passes(check, verdict) && !byChance(check, verdict))).toEqual([['credentials.store-market-scoping', 'warn']]);
  });

  /**
   * Case 72: twelve calls in flight when the token's lifetime ends. Only the token phases run
   * (config `scenarios`): the token is revoked, then lives 4 s at a time.
   */
  it.concurrent.each([
    ['each call renews the token for itself', '0', 'fail'],
    ['the calls share one renewal (single flight)', '1', 'pass'],
  ] as const)('judges token.cached-and-reused when many calls are in flight at expiry and %s', async (_how, singleFlight, expected) => {
    const report = await certifyFixture('in-flight.mjs', 'ready', undefined, { SINGLE_FLIGHT: singleFlight, WORKERS: '12' }, (c) => ({ ...c, scenarios: ['revoked-token', 'short-lived-tokens'] }));
    const check = report.checks.find((c) => c.id === 'token.cached-and-reused')!;
    expect(report.phases.map((p) => [p.name, p.completed])).toEqual([['steady', true], ['revoked-token', true], ['short-lived-tokens', true]]);
    expect({ verdict: check.verdict, stampede: /concurrent calls each renewed the token/.test(check.summary) }).toEqual({ verdict: expected, stampede: expected === 'fail' });
  });

  /**
   * Case 76: three workers refused at once in the second storm without Retry-After. Only the
   * storms without it run (config `scenarios`). Steps of 1 s: timer noise on a loaded machine
   * stays far below the 5 % the check allows.
   */
  it.concurrent.each([
    ['draws its jitter per worker', '0', 'pass'],
    ['seeds every worker alike', '1', 'warn'],
  ] as const)('judges errors.jitter-on-429 on parallel workers refused at once: a client that %s', async (_how, lockstep, expected) => {
    // Waits of 1–2 s, 2–4 s and 4–8 s: room for a storm's three retries (the test timings give it 10 s; one ran out, inconclusive).
    const report = await certifyFixture('workers.mjs', 'ready', { ...TEST_TIMINGS, bareStormMs: 20_000 }, { LOCKSTEP: lockstep, BACKOFF_BASE_MS: '1000' }, (c) => ({
      ...c,
      scenarios: ['rate-limit-no-retry-after', 'rate-limit-no-retry-after-again'],
    }));
    const check = report.checks.find((c) => c.id === 'errors.jitter-on-429')!;
    expect(report.phases.map((p) => [p.name, p.completed])).toEqual([['steady', true], ['rate-limit-no-retry-after', true], ['rate-limit-no-retry-after-again', true]]);
    expect({ verdict: check.verdict, lockstep: /3 requests refused at once retried in lockstep/.test(check.summary) }).toEqual({ verdict: expected, lockstep: expected === 'warn' });
    // Either way the three workers were refused at once, and the evidence shows each one's waits.
    expect(check.evidence.filter((e) => e.kind === 'note' && / of the 3 refused at once: /.test(e.text))).toHaveLength(3);
  });
});
