import { expect, it } from 'vitest';
import { benchDeliveries } from './webhooks.ts';

it('benchmarks deliveries to a local receiver without a failure', async () => {
  const result = await benchDeliveries(500);
  expect(result).toMatchObject({ delivered: 500, failed: 0 });
  expect(result.perSecond).toBeGreaterThan(0);
});
