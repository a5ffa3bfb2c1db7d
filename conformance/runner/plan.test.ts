import { describe, expect, it } from 'vitest';
import type { FaultRuleStatus } from '../../mock-server/index.ts';
import { ENDPOINTS, TEST_CLIENT, faulted, journal, monoAt } from '../checks/test/journal.ts';
import { FULL_TIMINGS, MAIN_LANE, brokenAnswersAndRefusalsWatched, MAX_NETWORK_ATTEMPTS, certifyPlan, laneOf, networkSettled, planLanes, refusedRequestRetried, rotatedClientWorked, steadySettled, stormSettled } from './plan.ts';
import { scheduledRole } from './phases.ts';
import { scopeRun } from './judge.ts';
import { CHECKS } from '../checks/index.ts';

const rule = (id: string, pin: string, spent: boolean): FaultRuleStatus => ({ id, match: { pin }, action: { kind: 'status', status: 429 }, seen: 0, fired: 0, spent });
const poll = (n: number) => ({ endpoint: ENDPOINTS.searchOrders, body: `{"window":${n}}` });

describe('refusedRequestRetried (the end of a 429 storm)', () => {
  it('waits for the retry of the refused request itself, not for any request of the user', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    // Three 429s on one poll, with a token request and another poll in between (a token per call, a concurrent poller).
    for (const at of [2, 3, 5]) {
      j.tokenRequest({ at: at - 0.05 });
      faulted(j, 'status 429', { token, at, ...poll(1) }).fault!.id = 'f1';
    }
    j.apiCall({ token, at: 5.5, ...poll(2) });
    const view = (nowAt: number) => ({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: [...j.entries], faults: [rule('f1', 'storm', true)], nowMono: monoAt(nowAt) });

    expect(refusedRequestRetried(view(6))).toBe(false);
    j.apiCall({ token, at: 9, ...poll(1) });
    expect(refusedRequestRetried(view(9.1))).toBe(true);
  });

  it('is not over while the rule has 429s left to give', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'status 429', { token, at: 2, ...poll(1) }).fault!.id = 'f1';
    j.apiCall({ token, at: 3, ...poll(1) });

    expect(refusedRequestRetried({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults: [rule('f1', 'storm', false)], nowMono: monoAt(4) })).toBe(false);
  });
});

describe('stormSettled (a storm whose requests may be given up)', () => {
  const settled = stormSettled(2_000);

  it('ends once the client gave the request up (a Retry-After it cannot read) and stayed away from it', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    for (const at of [2, 3.1, 3.2]) faulted(j, 'status 429', { token, at, ...poll(1) }).fault!.id = 'f1';
    j.apiCall({ token, at: 3.7, ...poll(2) });
    const view = (nowAt: number) => ({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults: [rule('f1', 'storm', true)], nowMono: monoAt(nowAt) });

    expect(settled(view(4.5))).toBe(false);
    expect(settled(view(5.3))).toBe(true);
    expect(refusedRequestRetried(view(5.3))).toBe(false);
  });

  it('waits for every request the storm refused (workers refused at once), not only the last', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'status 429', { token, at: 2, ...poll(1) }).fault!.id = 'a';
    faulted(j, 'status 429', { token, at: 2.01, ...poll(2) }).fault!.id = 'b';
    j.apiCall({ token, at: 3, ...poll(2) });
    const view = (nowAt: number) => ({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: [...j.entries], faults: [rule('a', 'a', true), rule('b', 'b', true)], nowMono: monoAt(nowAt) });

    expect(refusedRequestRetried(view(3.1))).toBe(false);
    j.apiCall({ token, at: 4, ...poll(1) });
    expect(refusedRequestRetried(view(4.1))).toBe(true);
  });
});

describe('brokenAnswersAndRefusalsWatched (the end of the malformed-responses phase)', () => {
  const settled = brokenAnswersAndRefusalsWatched(2_000);
  const broken = (id: string): FaultRuleStatus => ({ id, match: {}, action: { kind: 'empty' }, seen: 1, fired: 1, spent: true });

  it('watches for a retry of the 404 for the window after it, once the broken answers were survived, without waiting for a 422 that never comes', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'empty', { token, at: 2, ...poll(1) }).fault!.id = 'e';
    j.apiCall({ token, at: 2.5, ...poll(2) });
    faulted(j, 'status 404', { token, at: 3, endpoint: ENDPOINTS.getOrder }).fault!.id = 'nf';
    const faults = [broken('e'), { ...rule('nf', 'not-found', true) }, { ...rule('up', 'unprocessable', false) }];
    const view = (nowAt: number) => ({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults, nowMono: monoAt(nowAt) });

    expect(settled(view(4.9))).toBe(false);
    expect(settled(view(5.1))).toBe(true);
  });
});

describe('networkSettled (the end of the network phase)', () => {
  const faults = [rule('reset', 'flaky-network', true), rule('down', 'flaky-network', false), { ...rule('hang', '', true), match: {} }];
  const settled = networkSettled(3_000);

  function failing(times: number, every: number) {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    for (let i = 0; i < times; i++) faulted(j, i === 0 ? 'reset' : 'status 503', { token, at: 2 + i * every, ...poll(1) }).fault!.id = i === 0 ? 'reset' : 'down';
    return { j, token };
  }

  it('ends at once when the failing request was attempted more often than allowed', () => {
    const { j } = failing(MAX_NETWORK_ATTEMPTS + 1, 0.2);

    expect(settled({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults, nowMono: monoAt(4.1) })).toBe(true);
  });

  it('waits for the hanging request, then for the failing one to stay quiet', () => {
    const { j, token } = failing(3, 1);
    expect(settled({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults, nowMono: monoAt(20) })).toBe(false);
    faulted(j, 'hang', { token, at: 5, ...poll(2), abortedAfter: 2 }).fault!.id = 'hang';

    expect(settled({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults, nowMono: monoAt(5.5) })).toBe(false);
    expect(settled({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults, nowMono: monoAt(7.1) })).toBe(true);
  });

  it('waits 2.5 times the last wait of a client that sends other requests between its attempts', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: 2, ...poll(1) }).fault!.id = 'reset';
    j.apiCall({ token, at: 3, endpoint: ENDPOINTS.getOrder });
    for (const at of [4, 8]) faulted(j, 'status 503', { token, at, ...poll(1) }).fault!.id = 'down';
    faulted(j, 'hang', { token, at: 8.5, ...poll(2), abortedAfter: 0.5 }).fault!.id = 'hang';

    expect(settled({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults, nowMono: monoAt(15) })).toBe(false);
    expect(settled({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults, nowMono: monoAt(18.1) })).toBe(true);
  });

  it('takes a one-request-at-a-time client that moved on as having given up after the quiet time', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    for (const [i, at] of [2, 4, 8].entries()) faulted(j, i === 0 ? 'reset' : 'status 503', { token, at, ...poll(1) }).fault!.id = i === 0 ? 'reset' : 'down';
    faulted(j, 'hang', { token, at: 8.5, ...poll(2), abortedAfter: 0.5 }).fault!.id = 'hang';

    expect(settled({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults, nowMono: monoAt(10.9) })).toBe(false);
    expect(settled({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: j.entries, faults, nowMono: monoAt(11.1) })).toBe(true);
  });

  it('counts the quiet time from the end of a token request the client made after its last attempt (its way to the next one)', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: 2, ...poll(1) }).fault!.id = 'reset';
    // It renews its token before trying again, and that request meets the phase's hanging response for 2 s.
    Object.assign(j.tokenRequest({ at: 2.2 }), { fault: { id: 'hang', kind: 'hang' }, latencyMs: 2_000, aborted: true, abortedAtMono: monoAt(4.2) });
    const view = (nowAt: number) => ({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: [...j.entries], faults, nowMono: monoAt(nowAt) });

    expect(settled(view(5.5))).toBe(false);
    expect(settled(view(7.3))).toBe(true);
  });

  it('ends once a one-request-at-a-time poller started the failing request over (its waits repeat the first ones)', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    for (const [i, at] of [2, 3, 5, 9, 9.3, 10.3].entries()) faulted(j, i === 0 ? 'reset' : 'status 503', { token, at, ...poll(1) }).fault!.id = i === 0 ? 'reset' : 'down';
    faulted(j, 'hang', { token, at: 10.5, ...poll(2), abortedAfter: 0.5 }).fault!.id = 'hang';
    const view = (nowAt: number) => ({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: [...j.entries], faults, nowMono: monoAt(nowAt) });

    expect(settled(view(11.5))).toBe(false);
    faulted(j, 'status 503', { token, at: 12.3, ...poll(1) }).fault!.id = 'down';
    expect(settled(view(12.4))).toBe(true);
  });
});

describe('steadySettled (the end of the steady phase)', () => {
  it('lasts its minimum, then until three API calls were seen (a poller slower than the phase)', () => {
    const settled = steadySettled(3_000);
    const j = journal();
    const token = j.tokenRequest({ at: 1.1 });
    j.apiCalls(2, { from: 1.2, every: 3, token });
    const view = (at: number) => ({ clients: [TEST_CLIENT], startMono: monoAt(1), entries: [...j.entries], faults: [], nowMono: monoAt(at) });

    expect(settled(view(5))).toBe(false);
    j.apiCall({ at: 7.2, token });
    expect(settled(view(3.5))).toBe(false);
    expect(settled(view(7.3))).toBe(true);
  });
});

describe('rotatedClientWorked (the end of the secret-rotation phase)', () => {
  const NEW_CLIENT = 'client-erp-order-export-rotated';
  const view = (entries: ReturnType<typeof journal>['entries']) => ({ clients: [TEST_CLIENT, NEW_CLIENT], startMono: monoAt(1), entries, faults: [], nowMono: monoAt(10) });

  it('waits while only the old credentials are refused, and ends at the first call that worked as the new API user', () => {
    const j = journal();
    const old = j.tokenRequest({ at: 1 });
    j.apiCall({ at: 2, token: old, status: 401, denied: 'deactivated' });
    j.tokenRequest({ at: 2.1, status: 401 });
    const fresh = j.tokenRequest({ at: 2.2, client: NEW_CLIENT });
    expect(rotatedClientWorked(view(j.entries))).toBe(false);

    j.apiCall({ at: 2.3, token: fresh });
    expect(rotatedClientWorked(view(j.entries))).toBe(true);
  });

  it('does not take a call of the old API user, or a refused call of the new one, for a recovery', () => {
    const j = journal();
    const old = j.tokenRequest({ at: 1 });
    j.apiCall({ at: 2, token: old });
    j.apiCall({ at: 3, client: NEW_CLIENT, status: 401 });

    expect(rotatedClientWorked(view(j.entries))).toBe(false);
  });
});

describe('scheduledRole (the role missing-role withdraws)', () => {
  it('is the role of what the integration called most often lately, not of a route called once for an event', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(6, { from: 2, every: 3, token, endpoint: ENDPOINTS.searchOrders });
    j.apiCall({ at: 10, token, endpoint: ENDPOINTS.updateInventory });

    expect(scheduledRole(j.entries, 'client-erp-order-export-test', monoAt(21))).toBe('OrderRead');
  });

  it('falls back to all the traffic when nothing was called lately', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ at: 2, token, endpoint: ENDPOINTS.updateInventory });

    expect(scheduledRole(j.entries, 'client-erp-order-export-test', monoAt(200))).toBe('InventoryAdmin');
  });
});

describe('certifyPlan', () => {
  it('puts the phases that disturb the integration last, the token phases, the withdrawn role, the deactivation and the rotation on a fresh instance', () => {
    const event = { className: 'Order', status: 'InProgress' };
    const plan = certifyPlan(FULL_TIMINGS, { webhook: true, event });

    expect(plan.map((p) => p.name).slice(-7)).toEqual(['revoked-token', 'short-lived-tokens', 'malformed-responses', 'missing-role', 'deactivated-user', 'webhooks', 'secret-rotation']);
    // An integration that dies of an answer it cannot read is started again by the phase after.
    const names = plan.map((p) => p.name);
    expect(plan[names.indexOf('malformed-responses') + 1]!.actions).toContainEqual({ kind: 'restart-integration' });
    expect(plan.filter((p) => p.actions.some((a) => a.kind === 'restart-integration')).map((p) => p.name)).toEqual([
      'revoked-token',
      'malformed-responses',
      'missing-role',
      'deactivated-user',
      'webhooks',
      'secret-rotation',
    ]);
    // The webhook phase waits for the side lanes: the main lane's other phases go first, beside them.
    expect(plan.find((p) => p.name === 'webhooks')!.actions).toEqual([{ kind: 'clear-faults' }, { kind: 'restore-api-user' }, { kind: 'restart-integration' }]);
    // An event-driven integration gets an event while the role is withdrawn, and after the rotation.
    expect(plan.find((p) => p.name === 'missing-role')!.triggers).toEqual([event]);
    expect(plan.find((p) => p.name === 'secret-rotation')!.triggers).toEqual([event]);
  });

  it('serves the seven odd answers of case 83 in the malformed-responses phase, the large one at the size its timings say, before the redirect and the refusals', () => {
    const kinds = (timings: typeof FULL_TIMINGS) => {
      const p = certifyPlan(timings, { webhook: false }).find((x) => x.name === 'malformed-responses')!;
      return { actions: p.actions.map((a) => (a.kind === 'add-fault' ? a.rule.action : a.kind)), params: p.params };
    };
    const full = kinds(FULL_TIMINGS);

    expect(full.actions).toEqual([
      'clear-faults',
      'restore-api-user',
      'restart-integration',
      { kind: 'malformed-json' },
      { kind: 'extra-fields' },
      { kind: 'truncated' },
      { kind: 'large-body', bytes: 50_000_000 },
      { kind: 'empty' },
      { kind: 'wrong-types' },
      { kind: 'html' },
      'redirect-to-foreign-host',
      { kind: 'status', status: 404 },
      { kind: 'status', status: 422 },
    ]);
    expect(full.params).toEqual({ malformedBodyBytes: 50_000_000 });
    // Each odd answer once: the next call of the integration gets the next one.
    const rules = certifyPlan(FULL_TIMINGS, { webhook: false })
      .find((x) => x.name === 'malformed-responses')!
      .actions.flatMap((a) => (a.kind === 'add-fault' && a.rule.match?.pin === undefined ? [a.rule.match] : []));
    expect(rules).toEqual(Array(7).fill({ times: 1 }));
    expect(kinds({ ...FULL_TIMINGS, malformedBodyBytes: 4_000_000 }).actions).toContainEqual({ kind: 'large-body', bytes: 4_000_000 });
  });

  it('rotates the secret last, on a fresh instance of a restored API user, and refuses the old one at once', () => {
    const rotation = certifyPlan(FULL_TIMINGS, { webhook: false }).at(-1)!;

    expect(rotation.name).toBe('secret-rotation');
    expect(rotation.actions).toEqual([{ kind: 'restore-api-user' }, { kind: 'restart-integration' }, { kind: 'rotate-secret', graceMs: 0 }]);
    expect(rotation.params).toEqual({ observeWindowMs: FULL_TIMINGS.rotationMs });
  });

  it('runs the tenants phase only for two tenants or more, on a fresh instance, just before the rotation', () => {
    expect(certifyPlan(FULL_TIMINGS, { webhook: false }).map((p) => p.name)).not.toContain('tenants');
    const plan = certifyPlan(FULL_TIMINGS, { webhook: false, tenants: 2 });
    const tenants = plan.at(-2)!;

    expect(tenants).toMatchObject({ name: 'tenants', durationMs: FULL_TIMINGS.tenantsMs, drive: 'tenants' });
    expect(tenants.actions).toEqual([{ kind: 'clear-faults' }, { kind: 'restore-api-user' }, { kind: 'restart-integration' }]);
    expect(certifyPlan(FULL_TIMINGS, { webhook: false, tenants: 2, issuesTokens: false }).map((p) => p.name)).not.toContain('tenants');
  });

  it('leaves the token phases out on a platform that issues no tokens, and the trigger out when it sends no events', () => {
    const plan = certifyPlan(FULL_TIMINGS, { webhook: true, issuesTokens: false, event: null });

    expect(plan.map((p) => p.name)).not.toContain('revoked-token');
    expect(plan.map((p) => p.name)).not.toContain('short-lived-tokens');
    expect(plan.find((p) => p.name === 'missing-role')!.triggers).toBeUndefined();
  });
});

describe('phasesNote (what an inconclusive verdict says of the phases)', () => {
  it('names the phases the check needs, how long each ran, and which ended early or did not run', async () => {
    const { phasesNote } = await import('./certify.ts');
    const { CHECKS } = await import('../checks/index.ts');
    const { phaseRecord } = await import('../checks/test/journal.ts');
    const check = CHECKS.find((c) => c.id === 'errors.backoff-on-429')!;

    const note = phasesNote(check, [phaseRecord('rate-limit-retry-after', { start: 10, end: 14.5 }), phaseRecord('rate-limit-http-date', { start: 14.5, end: 16, completed: false })]);

    expect(note).toBe(
      'The traffic this check needs comes from the phases rate-limit-retry-after (4.5 s), rate-limit-http-date (1.5 s, ended early), rate-limit-no-retry-after (not run), rate-limit-no-retry-after-again (not run). If the integration behaves well and still got no verdict, the phase failed to provoke that traffic: please report it to golive.',
    );
  });
});

describe('the scope of a run (scopeRun)', () => {
  const full = certifyPlan(FULL_TIMINGS, { webhook: true, event: null });

  it('runs every phase and judges every check by default', () => {
    const { plan, checks } = scopeRun(full, undefined, undefined);
    expect(plan.map((p) => p.name)).toEqual(full.map((p) => p.name));
    expect(checks).toHaveLength(CHECKS.length);
  });

  it('with config `scenarios`, runs steady and those phases, and judges only the checks they are enough for', () => {
    const { plan, checks } = scopeRun(full, undefined, ['rate-limit-no-retry-after', 'rate-limit-no-retry-after-again']);
    expect(plan.map((p) => p.name)).toEqual(['steady', 'rate-limit-no-retry-after', 'rate-limit-no-retry-after-again']);
    const ids = checks.map((c) => c.id);
    expect(ids).toContain('token.cached-and-reused');
    expect(ids).toContain('errors.jitter-on-429');
    expect(ids).not.toContain('errors.network-retry-bounded');
    expect(ids).not.toContain('token.proactive-renewal');
  });

  it('refuses a name that is no phase of the plan, naming the key and the phases there are', () => {
    expect(() => scopeRun(full, undefined, ['storm'])).toThrow(/^scenarios: "storm" is not a phase of this certify plan \(its phases: steady, /);
  });
});

describe('planLanes (phases side by side)', () => {
  const plan = certifyPlan(FULL_TIMINGS, { webhook: true, frontend: true, event: { kind: 'order-created' } as never, tenants: 2 });
  const names = (phases: readonly { name: string }[]) => phases.map((p) => p.name);

  it('keeps the plan as it is, one lane, with one instance at a time', () => {
    const lanes = planLanes(plan, 1);

    expect(lanes).toHaveLength(1);
    expect(lanes[0]!.name).toBe(MAIN_LANE);
    expect(lanes[0]!.phases).toEqual(plan);
  });

  it('runs the phases that judge only traffic in side lanes, each in plan order, and leaves the rest on the main lane', () => {
    const lanes = planLanes(plan, Number.POSITIVE_INFINITY);

    expect(lanes.map((l) => [l.name, names(l.phases)])).toEqual([
      [MAIN_LANE, ['steady', 'frontend', 'malformed-responses', 'missing-role', 'tenants', 'webhooks', 'secret-rotation']],
      ['storms', ['rate-limit-retry-after']],
      ['backoff', ['rate-limit-http-date', 'rate-limit-no-retry-after', 'rate-limit-no-retry-after-again']],
      ['network', ['flaky-network']],
      ['outage', ['outage', 'outage-recovery']],
      ['tokens', ['revoked-token', 'short-lived-tokens']],
      ['deactivation', ['deactivated-user']],
    ]);
    // Every phase once, in one lane.
    expect(lanes.flatMap((l) => names(l.phases)).sort()).toEqual(names(plan).sort());
  });

  it('gives no side lane a phase that sets off events or is driven by the harness: an event-driven integration gets them in its main instance', () => {
    for (const lane of planLanes(plan, Number.POSITIVE_INFINITY).slice(1)) {
      for (const phase of lane.phases) {
        expect(phase.triggers ?? [], phase.name).toEqual([]);
        expect(phase.drive, phase.name).toBeUndefined();
      }
    }
  });

  it('sends the 200 with RateLimit r=0 (case 77) only for an integration that reads the header, last in the outage lane', () => {
    const withHeaders = certifyPlan(FULL_TIMINGS, { webhook: true, frontend: true, tenants: 2, rateLimitHeaders: true });
    expect(planLanes(withHeaders, Number.POSITIVE_INFINITY).find((l) => l.name === 'outage')!.phases.map((p) => p.name)).toEqual(['outage', 'outage-recovery', 'ratelimit-pause']);
    const told = withHeaders.find((p) => p.name === 'ratelimit-pause')!;
    expect(told.actions).toContainEqual({ kind: 'add-fault', rule: { match: { times: 1, pin: 'ratelimit-pause' }, action: { kind: 'ratelimit', remaining: 0, resetSeconds: FULL_TIMINGS.rateLimitResetSeconds } } });
    expect(names(plan)).not.toContain('ratelimit-pause');
  });

  it('leaves the side lanes beyond the instances allowed on the main lane, in plan order', () => {
    const lanes = planLanes(plan, 3);

    expect(lanes.map((l) => l.name)).toEqual([MAIN_LANE, 'storms', 'backoff']);
    expect(names(lanes[0]!.phases)).toEqual(['steady', 'frontend', 'flaky-network', 'outage', 'outage-recovery', 'revoked-token', 'short-lived-tokens', 'malformed-responses', 'missing-role', 'deactivated-user', 'tenants', 'webhooks', 'secret-rotation']);
  });

  it('keeps only the lanes whose phases are in the plan (a scoped run)', () => {
    const scoped = plan.filter((p) => ['steady', 'deactivated-user'].includes(p.name));

    expect(planLanes(scoped, Number.POSITIVE_INFINITY).map((l) => [l.name, names(l.phases)])).toEqual([
      [MAIN_LANE, ['steady']],
      ['deactivation', ['deactivated-user']],
    ]);
  });

  it('names the lane each phase runs in', () => {
    const lane = laneOf(planLanes(plan, 2));

    expect(plan.map((p) => [p.name, lane(p)]).filter(([, l]) => l !== MAIN_LANE)).toEqual([
      ['rate-limit-retry-after', 'storms'],
    ]);
  });
});
