import { expect, it } from 'vitest';
import { benchDeliveries } from './webhooks.ts';

it('benchmarks deliveries to a local receiver without a failure', async () => {
  const result = await benchDeliveries(500);
  // Counted by the receiver: a sender that dropped or never sent a delivery falls short of 500.
  expect(result).toMatchObject({ delivered: 500, failed: 0 });
});
