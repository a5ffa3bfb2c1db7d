import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer } from '../server.ts';
import { type Receiver, startReceiver } from '../webhooks/test/receiver.ts';
import { tokenFor, trustingFetch } from './client.ts';

let mock: MockServer;
let receiver: Receiver;
const admin = (path: string, method = 'GET', body?: unknown) =>
  fetch(`${mock.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${mock.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

beforeAll(async () => {
  mock = await createMockServer({ dataScale: 20, demoUser: false });
  receiver = await startReceiver({ tls: await mock.tls!.ca.issue(['127.0.0.1']) });
});
afterAll(async () => {
  await mock.close();
  await receiver.close();
});

describe('event subscriptions through the admin API', () => {
  it('deliver the event of a domain change over HTTPS, trusting the harness CA, with the bearer token', async () => {
    const token = 'whk_subscription-secret-0123456789';
    const created = await admin('/__admin/subscriptions', 'POST', {
      url: `${receiver.origin}/webhooks/omnium`,
      auth: { type: 'bearer', token },
      classNames: ['Order'],
    });
    expect(created.status).toBe(201);
    const event = (await (await admin('/__admin/events', 'POST', { className: 'Order', status: 'Completed' })).json()) as { eventId: string; objectId: string };
    await receiver.waitFor(1);
    const [request] = receiver.requests;
    expect(request!.headers.authorization).toBe(`Bearer ${token}`);
    expect(JSON.parse(request!.body)).toMatchObject({ id: event.eventId, operationId: 310101, className: 'Order', objectId: event.objectId, status: 'Completed' });
    await mock.webhooks.idle();
    const deliveries = await (await admin('/__admin/deliveries')).text();
    expect(deliveries).toContain(event.eventId);
    expect(deliveries).not.toContain(token);
    expect(await (await admin('/__admin/subscriptions')).text()).not.toContain(token);
  });

  it('deliver the event of a status change made through the API itself', async () => {
    const user = await mock.createApiUser({ name: 'OMS', roles: ['OrderAdmin'] });
    const call = trustingFetch(mock.caCertPath!);
    try {
      const token = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
      const order = Object.values((mock.snapshot() as { orders: Record<string, { id: string }> }).orders)[0]!;
      const before = receiver.requests.length;
      const res = await call(`${mock.apiUrl}/api/Orders/${order.id}/UpdateStatus`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'InTransit' }),
      });
      expect(res.status).toBe(200);
      await receiver.waitFor(before + 1);
      expect(JSON.parse(receiver.requests[before]!.body)).toMatchObject({ objectId: order.id, status: 'InTransit', operationId: 310101 });
    } finally {
      await call.close();
    }
  });

  it('redeliver an event with the same id, and probe with bad auth under a new id, on request', async () => {
    const token = 'whk_probe-secret-0123456789abcdef';
    const { id } = (await (await admin('/__admin/subscriptions', 'POST', { url: `${receiver.origin}/hooks/probe`, auth: { type: 'bearer', token } })).json()) as { id: string };
    const { eventId } = (await (await admin('/__admin/events', 'POST', { className: 'Order', status: 'Packed' })).json()) as { eventId: string };
    await mock.webhooks.idle();
    const again = await admin('/__admin/deliveries/redeliver', 'POST', { eventId, subscriptionId: id });
    expect(again.status).toBe(200);
    const [dup] = ((await again.json()) as { deliveries: { eventId: string; kind: string; status: number }[] }).deliveries;
    expect(dup).toMatchObject({ eventId, kind: 'duplicate', status: 200 });

    const probe = await admin('/__admin/deliveries/probe', 'POST', { subscriptionId: id, eventId, probe: 'wrong-token' });
    const record = (await probe.json()) as { eventId: string; kind: string; authSent: string };
    expect(record).toMatchObject({ kind: 'probe' });
    expect(record.eventId).not.toBe(eventId);
    const sent = receiver.requests.at(-1)!;
    expect(sent.headers.authorization).toMatch(/^Bearer /);
    expect(sent.headers.authorization).not.toBe(`Bearer ${token}`);
    expect(JSON.stringify(record)).not.toContain(token);
  });

  it('answer 404 for an event never sent, and 400 naming a wrong field', async () => {
    expect((await admin('/__admin/deliveries/redeliver', 'POST', { eventId: 'nope' })).status).toBe(404);
    const bad = await admin('/__admin/deliveries/probe', 'POST', { subscriptionId: 's1', eventId: 'x', probe: 'no-token' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^probe: /);
  });

  it('refuse a subscription to a host that is not loopback, naming it', async () => {
    const res = await admin('/__admin/subscriptions', 'POST', { url: 'https://hooks.example.com/x' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('hooks.example.com');
  });
});
