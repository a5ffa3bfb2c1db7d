import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreatedApiUser, type DomainEvent, type MockServer, createMockServer } from '../../mock-server/index.ts';
import { plainRequest, plainUrl, tokenFor, trustingFetch } from '../../mock-server/test/client.ts';
import { rotatedClientWorked } from '../runner/plan.ts';
import { runPhases } from '../runner/phases.ts';

let mock: MockServer;
let call: ReturnType<typeof trustingFetch>;

beforeAll(async () => {
  mock = await createMockServer({ dataScale: 20, demoUser: false });
  call = trustingFetch(mock.caCertPath!);
});
afterAll(async () => {
  await call.close();
  await mock.close();
});

describe('the phase runner', () => {
  it('ends a phase early once its end condition holds, and counts it complete', async () => {
    const user = await mock.createApiUser({ name: 'ERP', roles: ['StoreRead'] });
    const token = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
    const started = performance.now();
    const running = runPhases(mock, [{ name: 'three-calls', description: '', durationMs: 20_000, endWhen: { requests: 3 }, actions: [] }], {
      clientId: user.clientId,
      stop: new Promise(() => {}),
    });
    for (let i = 0; i < 3; i++) await (await call(`${mock.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
    const [record] = await running;
    expect(record!.completed).toBe(true);
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('watches the window after the status it ends on, then ends without waiting out its bound', async () => {
    const user = await mock.createApiUser({ name: 'ERP', roles: ['StoreRead'] });
    const token = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
    const restarts: number[] = [];
    const running = runPhases(
      mock,
      [{ name: 'forbidden', description: '', durationMs: 20_000, endWhen: { status: 403 }, watchAfter: { status: 403, ms: 500 }, actions: [{ kind: 'restart-integration' }] }],
      { clientId: user.clientId, stop: new Promise(() => {}), restart: async () => void restarts.push(1) },
    );
    // One call refused (no OrderRead), then nothing more: only the window's own end can end the phase.
    const refused = await call(`${mock.apiUrl}/api/Orders/ORD-1`, { headers: { authorization: `Bearer ${token}` } });
    await refused.arrayBuffer();
    expect(refused.status).toBe(403);
    const [record] = await running;
    expect(restarts).toEqual([1]);
    expect(record!.completed).toBe(true);
    expect(record!.endMono - record!.startMono).toBeGreaterThanOrEqual(500);
    expect(record!.endMono - record!.startMono).toBeLessThan(10_000);
  });

  it('does not end on the 403 the mock gives a call to http://, which is no answer of the API', async () => {
    const user = await mock.createApiUser({ name: 'ERP', roles: ['StoreRead'] });
    const token = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
    const running = runPhases(mock, [{ name: 'forbidden', description: '', durationMs: 1_500, endWhen: { status: 403 }, actions: [] }], {
      clientId: user.clientId,
      stop: new Promise(() => {}),
    });
    const { status } = await plainRequest(plainUrl(mock.apiUrl, '/api/Stores'), { headers: { authorization: `Bearer ${token}` } });
    expect(status).toBe(403);
    const [record] = await running;
    expect(record!.endMono - record!.startMono).toBeGreaterThanOrEqual(1_500);
  });

  it('rotates the secret: the new credentials are handed over before the old API user is refused, and its calls end the phase', async () => {
    const user = await mock.createApiUser({ name: 'ERP', roles: ['StoreRead'] });
    const seen: { clientId: string; oldActive: boolean | undefined }[] = [];
    let handedOver = (_user: CreatedApiUser) => {};
    const rotated = new Promise<CreatedApiUser>((resolve) => {
      handedOver = resolve;
    });
    const started = performance.now();
    const running = runPhases(
      mock,
      [{ name: 'rotation', description: '', durationMs: 20_000, settledWhen: rotatedClientWorked, actions: [{ kind: 'rotate-secret', graceMs: 0 }] }],
      {
        clientId: user.clientId,
        stop: new Promise(() => {}),
        onRotated: async (fresh) => {
          seen.push({ clientId: fresh.clientId, oldActive: mock.getApiUser(user.clientId)?.active });
          // Where the credentials are written: the old user stays usable until this is done.
          await new Promise((resolve) => setTimeout(resolve, 50));
          handedOver(fresh);
        },
      },
    );
    const fresh = await rotated;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const token = await tokenFor(call, mock.apiUrl, fresh.clientId, fresh.clientSecret);
    await (await call(`${mock.apiUrl}/api/Stores`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
    const [record] = await running;
    expect(seen).toEqual([{ clientId: fresh.clientId, oldActive: true }]);
    expect(fresh.clientId).not.toBe(user.clientId);
    expect(mock.getApiUser(user.clientId)?.active).toBe(false);
    expect(mock.getApiUser(fresh.clientId)).toMatchObject({ active: true, roles: ['StoreRead'] });
    expect(record!.completed).toBe(true);
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('runs the phase after the integration exited when it starts a fresh instance, and stops at one that does not', async () => {
    const user = await mock.createApiUser({ name: 'ERP', roles: ['StoreRead'] });
    let exit = () => {};
    let current = new Promise<void>((resolve) => {
      exit = resolve;
    });
    const phase = (name: string, restart: boolean) => ({ name, description: '', durationMs: 300, actions: restart ? [{ kind: 'restart-integration' as const }] : [] });
    setTimeout(() => exit(), 100);
    const records = await runPhases(mock, [phase('exits', false), phase('fresh', true), phase('after', false), phase('exits-again', false), phase('never', false)], {
      clientId: user.clientId,
      stop: () => current,
      restart: async () => {
        current = new Promise<void>((resolve) => {
          exit = resolve;
        });
        setTimeout(() => exit(), 450);
      },
    });
    expect(records.map((r) => [r.name, r.completed])).toEqual([
      ['exits', false],
      ['fresh', true],
      ['after', false],
    ]);
  });

  it('does not run a phase that starts a fresh instance when none can be started (the run was aborted)', async () => {
    const user = await mock.createApiUser({ name: 'ERP', roles: ['StoreRead'] });
    const aborted = Promise.resolve();
    const phases = [
      { name: 'stopped', description: '', durationMs: 300, actions: [] },
      { name: 'fresh', description: '', durationMs: 300, actions: [{ kind: 'restart-integration' as const }] },
    ];
    const records = await runPhases(mock, phases, { clientId: user.clientId, stop: () => aborted, restart: async () => {} });
    expect(records.map((r) => [r.name, r.completed])).toEqual([['stopped', false]]);
  });

  it('emits the domain events of a phase, within the API user\'s stores', async () => {
    const user = await mock.createApiUser({ name: 'ERP', roles: ['OrderRead'], stores: ['store-bergen-mall'], markets: ['nor'] });
    const events: DomainEvent[] = [];
    const unsubscribe = mock.onEvent((e) => events.push(e));
    await runPhases(mock, [{ name: 'ship', description: '', durationMs: 1, actions: [], triggers: [{ className: 'Order', status: 'InTransit' }] }], {
      clientId: user.clientId,
      stop: new Promise(() => {}),
    });
    unsubscribe();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operationId: 310101, className: 'Order', storeId: 'store-bergen-mall', status: 'InTransit' });
    expect(events[0]!.previousStatus).not.toBe('InTransit');
    expect(orderStatus(mock, events[0]!.objectId)).toBe('InTransit');
  });

  it('lets the admin API make a domain change and emit its event', async () => {
    const res = await fetch(`${mock.adminUrl}/__admin/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ className: 'Order', status: 'Completed' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { eventId: string; objectId: string; status: string };
    expect(body.status).toBe('Completed');
    expect(orderStatus(mock, body.objectId)).toBe('Completed');
  });
});

/** An order's status in the mock's data (Omnium is these tests' platform). */
function orderStatus(mock: MockServer, id: string): unknown {
  return (mock.snapshot() as { orders: Record<string, { status?: string }> }).orders[id]?.status;
}
