import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, createMockServer } from '../../mock-server/index.ts';
import { defineScenario } from './scenario.ts';
import { createScenarioController } from './scenario-controller.ts';

describe('the scenario controller (golive serve --scenario, /__admin/scenarios)', () => {
  let mock: MockServer;
  let receiver: Server;
  const received: { id: string }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body) as { id: string });
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    mock = await createMockServer({ tls: false, dataScale: 10, badTls: false });
    mock.subscribe({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, auth: { type: 'bearer', token: 'whs_scenario-controller-test-token' } });
  });
  afterAll(async () => {
    await mock.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('drives a webhook phase: the sample event to the subscriptions, then the same event again, noted as the scenario\'s duplicate', async () => {
    const scenario = defineScenario({
      name: 'webhook-only',
      summary: 'one webhook phase',
      expect: 'the duplicate skipped',
      phases: [{ name: 'duplicate-webhook', description: 'an event, then the same event again', durationMs: 2_500, actions: [], drive: 'webhooks' }],
    });
    let ended: boolean | undefined;
    const controller = createScenarioController(() => mock, [scenario], () => mock.demoUser?.clientId, {
      webhookSettle: { minMs: 100, quietMs: 50, maxMs: 300 },
      onEnd: (_s, completed) => {
        ended = completed;
      },
    });
    await controller.start('webhook-only');
    await controller.done();
    expect(ended).toBe(true);
    expect(received).toHaveLength(2);
    expect(received[1]!.id).toBe(received[0]!.id);
    expect(mock.webhooks.log().at(-1)).toMatchObject({ kind: 'duplicate', note: 'duplicate (scenario webhook-only)' });
  });
});
